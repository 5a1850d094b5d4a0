"""The book's Sphinx extension: which page assets it drops."""

from __future__ import annotations

from types import SimpleNamespace

from cmac.sphinx_ext import is_mathjax, is_thebe


def asset(filename: str = "", body: str = "") -> SimpleNamespace:
    return SimpleNamespace(filename=filename, attributes={"body": body} if body else {})


def test_thebe_assets_are_recognised_by_file_or_inline_config() -> None:
    assert is_thebe(asset("_static/sphinx-thebe.js"))
    assert is_thebe(asset(body='const THEBE_JS_URL = "x"'))
    assert not is_thebe(asset("_static/togglebutton.js"))


def test_mathjax_is_recognised_by_its_path_under_static_or_its_config() -> None:
    assert is_mathjax(asset("_static/mathjax/tex-chtml.js"), "mathjax/tex-chtml.js")
    assert is_mathjax(asset(body="window.MathJax = {}"), "mathjax/tex-chtml.js")
    assert not is_mathjax(asset("_static/doctools.js"), "mathjax/tex-chtml.js")
