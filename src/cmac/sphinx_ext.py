"""A Sphinx extension for the book's pages (listed in _config.yml, ``extra_extensions``).

- Thebe (live code) is off, yet jupyter-book loads sphinx-thebe and its config script twice,
  which throws a page error; its assets are dropped.
- MathJax loads only on pages that have mathematics themselves: Sphinx also counts the
  equations of every page in a page's toctree, which put MathJax on the landing page.
- The bibliography labels its entries "Author, year", as the text cites them, instead of
  pybtex's alpha labels ("Kom15"): style ``author_year_labels`` (``bibtex_default_style``).
"""

from __future__ import annotations

from typing import Any

from pybtex.plugin import register_plugin
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx


def author_year_label(entry: Any) -> str:
    """'Komukai, 2015'; 'A and B, 2001'; 'A et al., 2001'; corporate authors in full."""
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
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


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


class AuthorYearStyle(UnsrtStyle):
    default_label_style = AuthorYearLabels
    default_sorting_style = "author_year_title"


register_plugin("pybtex.style.formatting", "author_year_labels", AuthorYearStyle)


def is_thebe(asset: Any) -> bool:
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    return "thebe" in str(getattr(asset, "filename", "")) or "THEBE" in body


def is_mathjax(asset: Any, mathjax_path: str) -> bool:
    body = str(getattr(asset, "attributes", {}).get("body", ""))
    filename = str(getattr(asset, "filename", ""))
    return filename.endswith(mathjax_path) or body.startswith("window.MathJax")


def prune_assets(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if app.builder.name != "html":
        return  # the single page for the PDF keeps everything it needs
    own_math = app.env.get_domain("math").data["has_equations"].get(pagename, False)
    scripts = context.get("script_files", [])
    scripts[:] = [
        s
        for s in scripts
        if not is_thebe(s) and (own_math or not is_mathjax(s, app.config.mathjax_path))
    ]
    styles = context.get("css_files", [])
    styles[:] = [c for c in styles if "thebe" not in str(getattr(c, "filename", c))]


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", prune_assets, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
