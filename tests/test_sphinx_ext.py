"""The book's Sphinx extension: which page assets it drops."""

from __future__ import annotations

from types import SimpleNamespace

from cmac.book.sphinx_ext import is_thebe


def asset(filename: str = "", body: str = "") -> SimpleNamespace:
    return SimpleNamespace(filename=filename, attributes={"body": body} if body else {})


def test_thebe_assets_are_recognised_by_file_or_inline_config() -> None:
    assert is_thebe(asset("_static/sphinx-thebe.js"))
    assert is_thebe(asset(body='const THEBE_JS_URL = "x"'))
    assert not is_thebe(asset("_static/togglebutton.js"))


def test_bibliography_labels_are_author_year_and_disambiguated() -> None:
    from pybtex.database import parse_string

    from cmac.book.sphinx_ext import author_year_label, disambiguate

    entries = parse_string(
        """
        @misc{a, author = {Komukai, Eri}, year = {2015}, title = {T}}
        @misc{b, author = {Bai, Jushan and Perron, Pierre}, year = {2003}, title = {T}}
        @misc{c, author = {A, X and B, Y and C, Z}, year = {2001}, title = {T}}
        @misc{d, author = {{International Campaign to Ban Landmines}}, year = {2006}, title = {T}}
        """,
        "bibtex",
    ).entries
    labels = [author_year_label(entries[k]) for k in "abcd"]
    assert labels == [
        "Komukai, 2015",
        "Bai and Perron, 2003",
        "A et al., 2001",
        "International Campaign to Ban Landmines, 2006",
    ]
    assert disambiguate(["X, 2016", "Y, 2016", "X, 2016"]) == ["X, 2016a", "Y, 2016", "X, 2016b"]
