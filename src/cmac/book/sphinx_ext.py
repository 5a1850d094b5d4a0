"""A Sphinx extension for the book's pages (listed in _config.yml, ``extra_extensions``).

- Thebe (live code) is off, yet jupyter-book loads sphinx-thebe and its config script twice,
  which throws a page error; its assets are dropped.
- The bibliography labels its entries "Author, year", as the text cites them, instead of
  pybtex's alpha labels ("Kom15"): style ``author_year_labels`` (``bibtex_default_style``).
- Table columns of numbers are marked ``num`` (right-aligned, tabular figures, never wrapped;
  _static/tables.css), columns of years or months ``date``; in other cells a value such as
  '1996-10' or '17.2 to 25.7' is wrapped in a ``nowrap`` span so that it never breaks.
  MyST's list-table has no per-column alignment, so the columns are found by their cells.
- The header gets two links before the theme's buttons (``templates/cmac-header-buttons.html``,
  which _config.yml names in the theme's ``article_header_end``): "Cite", to the page's cite
  box, on pages that have one, and "PDF", the whole book's PDF (the theme's download menu,
  whose .pdf item printed the current page, is off: ``use_download_button``).
- A ``{numref}`` link reads its target page's saved tree once per page, not once per link
  (:mod:`cmac.book.sphinx_numref`); a citation finds pybtex's plain-text backend without
  scanning every installed package.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from pybtex.backends.plaintext import Backend as PlaintextBackend
from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

from cmac.book.citation import CITE_ANCHOR, PDF_NAME
from cmac.cells import DATA_TABLE_CLASS, SHORT_CELL, column_kind, number_pieces, value_runs


def label_author(entry: Any) -> str:
    """Who a label names: 'Komukai'; 'A and B'; 'A et al.'; a corporate author in full."""
    people = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(str(n) for n in p.rich_last_names) for p in people]
    names = [n.replace("{", "").replace("}", "") for n in names if n]
    if not names:
        who = entry.fields.get("organization") or entry.fields.get("publisher") or entry.key
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return str(who)


def author_year_label(entry: Any) -> str:
    """'Komukai, 2015'; 'A and B, 2001'; 'A et al., 2001'; corporate authors in full."""
    return f"{label_author(entry)}, {entry.fields.get('year', 'n.d.')}"


def disambiguate(labels: list[str]) -> list[str]:
    """Labels that repeat get a, b, c … after the year, in order."""
    seen: dict[str, int] = {}
    repeated = {label for label in labels if labels.count(label) > 1}
    out = []
    for label in labels:
        if label in repeated:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label}{chr(ord('a') + seen[label] - 1)}"
        out.append(label)
    return out


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries: Any) -> Any:
        yield from disambiguate([author_year_label(e) for e in sorted_entries])


class LabelOrder(BaseSortingStyle):
    """Entries in the order of their labels: people and organisations in one A–Z run (pybtex's
    author_year_title puts entries with no person apart), then year, then title."""

    def sorting_key(self, entry: Any) -> tuple[str, str, str]:
        who = label_author(entry).casefold()
        return (who, entry.fields.get("year", ""), entry.fields.get("title", "").casefold())


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = LabelOrder


register_plugin("pybtex.style.formatting", "author_year_labels", AuthorYearStyle)
# sphinxcontrib-bibtex looks up pybtex's plain-text backend for every citation (61 here), and
# each lookup of an installed plugin scans every package's metadata. The same class,
# registered at run time, is found at once.
register_plugin("pybtex.backends", "plaintext", PlaintextBackend, force=True)


def is_thebe(asset: Any) -> bool:
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in str(getattr(asset, "filename", "")) or "THEBE" in body


def prune_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if app.builder.name != "html":
        return  # the single page for the PDF keeps everything it needs
    scripts = context.get("script_files", [])
    scripts[:] = [s for s in scripts if not is_thebe(s)]
    styles = context.get("css_files", [])
    styles[:] = [c for c in styles if "thebe" not in str(getattr(c, "filename", c))]


TEMPLATES = Path(__file__).with_name("templates")


def add_templates(app: Sphinx, config: Any) -> None:
    """The extension's own templates (the header's links) can be named in theme options."""
    config.templates_path = [*config.templates_path, str(TEMPLATES)]


def header_links(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """What the header's links need: the anchor of the page's cite box, if it has one (the
    index and search pages have none), and the book's PDF."""
    has_box = doctree is not None and CITE_ANCHOR in doctree.ids
    context["cmac_cite_anchor"] = CITE_ANCHOR if has_box else ""
    context["cmac_pdf"] = PDF_NAME


def table_grid(tgroup: nodes.tgroup) -> tuple[list[list[nodes.entry]], int] | None:
    """Rows of entries (header rows first) and how many are header rows; None for a table
    with spanned cells, whose columns cannot be read off row by row."""
    rows: list[list[nodes.entry]] = []
    header = 0
    for part in tgroup.children:
        if not isinstance(part, nodes.thead | nodes.tbody):
            continue
        for row in part.children:
            entries = [e for e in row.children if isinstance(e, nodes.entry)]
            if any(e.get("morecols") or e.get("morerows") for e in entries):
                return None
            if len(entries) != tgroup["cols"]:
                return None
            rows.append(entries)
            header += isinstance(part, nodes.thead)
    return rows, header


def break_points(text: str) -> list[str]:
    """A long name without spaces ('data/national_clearance_cumulative.csv') cut after each
    / and _, where a line may end; anything else is one piece."""
    if len(text) <= SHORT_CELL or any(c.isspace() for c in text):
        return [text]
    return [piece for piece in re.split(r"(?<=[/_])", text) if piece]


def allow_breaks_in_names(entry: nodes.entry) -> None:
    """Long file and column names may wrap after / and _ (an HTML <wbr>, which copies as
    nothing), so that one name does not make the whole table scroll."""
    for node in list(entry.findall(nodes.Text)):
        pieces = break_points(str(node))
        if len(pieces) < 2:
            continue
        new: list[nodes.Node] = []
        for i, piece in enumerate(pieces):
            if i:
                new.append(nodes.raw("", "<wbr>", format="html"))
            new.append(nodes.Text(piece))
        node.parent.replace(node, new)


def keep_values_whole(entry: nodes.entry) -> None:
    """Wrap each value in a text cell that a browser could break ('1996-10', '2 to 5') in a
    span of class ``nowrap``; a short cell with a digit ('1992–Oct. 1993') stays whole."""
    text = entry.astext().strip()
    if len(text) <= SHORT_CELL and any(c.isdigit() for c in text):
        entry["classes"].append("nowrap")
        return
    for node in list(entry.findall(nodes.Text)):
        if isinstance(node.parent, nodes.literal | nodes.raw):
            continue
        pieces = value_runs(str(node))
        if not any(whole for _, whole in pieces):
            continue
        new = [
            nodes.inline(piece, piece, classes=["nowrap"]) if whole else nodes.Text(piece)
            for piece, whole in pieces
        ]
        node.parent.replace(node, new)


def split_number_cell(entry: nodes.entry) -> None:
    """A number with its interval may take two lines, estimate above interval, each whole:
    the pieces become ``nowrap`` spans and the cell gets class ``parts`` (which wraps)."""
    paragraphs = [p for p in entry.children if isinstance(p, nodes.paragraph)]
    if len(paragraphs) != 1 or not all(isinstance(c, nodes.Text) for c in paragraphs[0].children):
        return
    pieces = number_pieces(paragraphs[0].astext())
    if len(pieces) < 2:
        return
    paragraph = paragraphs[0]
    del paragraph[:]
    for i, piece in enumerate(pieces):
        if i:
            paragraph += nodes.Text(" ")
        paragraph += nodes.inline(piece, piece, classes=["nowrap"])
    entry["classes"].append("parts")


PROSE_CELL = 24  # a text column with a longer cell keeps some width on a phone (tables.css)


def mark_table_columns(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Class ``num`` on every cell (header too) of a column of numbers, ``date`` on a column
    of years or months, ``prose`` on the cells of a column of longer text; values in other
    cells kept whole."""
    for tgroup in doctree.findall(nodes.tgroup):
        grid = table_grid(tgroup)
        if grid is None or tgroup.get("cmac_marked"):
            continue
        tgroup["cmac_marked"] = True  # once, should a doctree be resolved again
        rows, header = grid
        body = rows[header:]
        for column in range(tgroup["cols"]):
            cells = [row[column].astext() for row in body]
            kind = column_kind(cells)
            prose = kind == "text" and max(map(len, cells), default=0) > PROSE_CELL
            for i, row in enumerate(rows):
                entry = row[column]
                if prose and i >= header:
                    entry["classes"].append("prose")
                if kind != "text":
                    entry["classes"].append(kind)
                    if kind == "num" and i >= header:
                        split_number_cell(entry)
                elif i >= header:
                    keep_values_whole(entry)
                    allow_breaks_in_names(entry)


class DataTablesKeepTheirQuotes(SphinxTransform):
    """Tables of data text are shown exactly as the data file has them: Sphinx's smart quotes
    (which turn " into “ and -- into –) skip them. Prose keeps its typography."""

    default_priority = 700  # before SmartQuotes (750)

    def apply(self, **kwargs: Any) -> None:
        for table in self.document.findall(nodes.table):
            if DATA_TABLE_CLASS in table.get("classes", []):
                table["support_smartquotes"] = False


def setup(app: Sphinx) -> dict[str, Any]:
    app.setup_extension("cmac.book.sphinx_numref")  # a workaround for Sphinx, apart
    app.add_transform(DataTablesKeepTheirQuotes)
    app.connect("config-inited", add_templates)
    app.connect("html-page-context", header_links)
    app.connect("html-page-context", prune_assets, priority=900)
    app.connect("doctree-resolved", mark_table_columns)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
