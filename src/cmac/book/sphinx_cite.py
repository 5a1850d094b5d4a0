"""The 'Cite this …' box of every page, filled in as Sphinx writes the page.

The staged pages hold only the box's frame: a dropdown admonition with a ``cmac-citation``
directive inside (:func:`cmac.book.citation.cite_box`). Its text (the citation with version,
commit and date, the links to the page's .bib and .ris files, the BibTeX entry) comes from
the ``cmac_citation`` setting, which the build writes into the staged ``_config.yml``. It is
an "html" setting, like the page footer: when only the version changes (a new commit, an
edit that makes the tree "+modified", another day), Sphinx rewrites every page but re-reads
none, so an author's edit re-reads only the pages that changed.

The text is built as docutils nodes, which the HTML writer escapes: nothing from
CITATION.cff or a page title can become markup.
"""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from cmac.book.citation import CITATION_SETTING, CITE_FOLDER, PageCitation, bibtex, page_citation


class citation_slot(nodes.General, nodes.Element):  # noqa: N801 - docutils names nodes so
    """Where a page's citation goes; it remembers its page (the single-page build for the
    PDF joins every page into one document)."""


class CitationDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        return [citation_slot(docname=self.env.docname)]


def citation_nodes(page: PageCitation, downloads: str) -> list[nodes.Node]:
    """The box's text: a warning when the build was not canonical, the citation in words,
    the download links (``downloads`` is the folder of .bib and .ris files, relative to the
    page) and the BibTeX entry."""
    shown: list[nodes.Node] = []
    if not page.version.canonical:
        warning = nodes.paragraph()
        warning += nodes.strong(text="Not the canonical version.")
        warning += nodes.Text(
            " This copy was built with parameters other than the book's defaults: "
        )
        for n, parameter in enumerate(page.version.parameters):
            warning += nodes.Text(", " if n else "")
            warning += nodes.literal(parameter, parameter)
        shown.append(warning)
    words = nodes.paragraph()
    words += nodes.Text(f"{page.info.author_name} ({page.year}). ")
    if not page.root:
        chapter = f"Chapter {page.number} in " if page.number else "In "
        words += nodes.Text(f"“{page.title}”. {chapter}")
    words += nodes.emphasis(text=page.info.title)
    words += nodes.Text(f". Version {page.version.label}, built {page.version.date}. ")
    words += nodes.reference(page.url, page.url, refuri=page.url)
    if page.info.remarks:
        words += nodes.Text(" " + page.info.remarks)
    shown.append(words)
    files = html.escape(f"{downloads}/{page.key}")
    links = (
        f'Download: <a href="{files}.bib" download>BibTeX</a> · '
        f'<a href="{files}.ris" download>RIS</a>'
    )
    shown.append(nodes.paragraph("", "", nodes.raw("", links, format="html")))
    entry = bibtex(page).rstrip("\n")
    shown.append(nodes.literal_block(entry, entry, language="bibtex"))
    return shown


def fill_citations(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    for slot in list(doctree.findall(citation_slot)):
        page = page_citation(app.config[CITATION_SETTING], slot["docname"])
        depth = "../" * slot["docname"].count("/")
        slot.replace_self(citation_nodes(page, f"{depth}_static/{CITE_FOLDER}") if page else [])


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(CITATION_SETTING, {}, "html", types=[dict])
    app.add_node(citation_slot)
    app.add_directive("cmac-citation", CitationDirective)
    app.connect("doctree-resolved", fill_citations)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
