"""A Sphinx extension for the book's pages (listed in _config.yml, ``extra_extensions``).

- Thebe (live code) is off, yet jupyter-book loads sphinx-thebe and its config script twice,
  which throws a page error; its assets are dropped.
- MathJax loads only on pages that have mathematics themselves: Sphinx also counts the
  equations of every page in a page's toctree, which put MathJax on the landing page.
"""

from __future__ import annotations

from typing import Any

from sphinx.application import Sphinx


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
