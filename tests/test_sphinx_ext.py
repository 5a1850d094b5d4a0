"""The book's Sphinx extension: which page assets it drops, bibliography labels, numref links."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

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


def test_bibliography_is_one_a_to_z_run_by_label() -> None:
    from pybtex.database import parse_string

    from cmac.book.sphinx_ext import AuthorYearStyle, author_year_label

    entries = parse_string(
        """
        @misc{z, author = {Zeileis, Achim}, year = {2002}, title = {T}}
        @misc{x2, author = {{Xinhua} and {IANS}}, year = {2023}, title = {T}}
        @misc{ak, author = {{Agence Kampuchea Presse}}, year = {2018}, title = {T}}
        @misc{x1, author = {{Xinhua}}, year = {2018}, title = {T}}
        @misc{m, organization = {Mine Action Review}, year = {2020}, title = {T}}
        @misc{an, author = {Andrews, Donald W. K.}, year = {1993}, title = {T}}
        """,
        "bibtex",
    ).entries
    ordered = AuthorYearStyle().sort(list(entries.values()))
    assert [author_year_label(e) for e in ordered] == [
        "Agence Kampuchea Presse, 2018",
        "Andrews, 1993",
        "Mine Action Review, 2020",
        "Xinhua, 2018",
        "Xinhua and IANS, 2023",
        "Zeileis, 2002",
    ]


@pytest.mark.slow
def test_numref_links_number_as_sphinx_does_and_read_their_target_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sphinx.application import Sphinx
    from sphinx.environment import BuildEnvironment

    source = tmp_path / "source"
    source.mkdir()
    (source / "conf.py").write_text("numfig = True\nextensions = ['cmac.book.sphinx_ext']\n")
    (source / "index.rst").write_text("Book\n====\n\n.. toctree::\n\n   a\n   b\n")
    figure = ".. _fig-{0}:\n\n.. figure:: x.png\n\n   Caption {0}.\n\n"
    (source / "a.rst").write_text("A\n=\n\n" + figure.format("one") + figure.format("two"))
    links = "See :numref:`fig-one`, :numref:`fig-two` and :numref:`fig-one` again."
    (source / "b.rst").write_text(f"B\n=\n\n{links}\n")
    reads: list[str] = []
    real = BuildEnvironment.get_doctree

    def counted(self: BuildEnvironment, docname: str) -> Any:
        reads.append(docname)
        return real(self, docname)

    monkeypatch.setattr(BuildEnvironment, "get_doctree", counted)

    def build() -> list[str]:
        reads.clear()
        app = Sphinx(source, source, tmp_path / "out", tmp_path / "doctrees", "html", status=None)
        app.build()
        return re.findall(r"Fig\. \d", (tmp_path / "out" / "b.html").read_text())

    assert build() == ["Fig. 1", "Fig. 2", "Fig. 1"]
    assert reads.count("a") == 1  # to write page a; the links use the tree kept from reading it
    (source / "b.rst").write_text(f"B\n=\n\n{links} And :numref:`fig-two`.\n")
    assert build() == ["Fig. 1", "Fig. 2", "Fig. 1", "Fig. 2"]  # only b is read again
    assert reads.count("a") == 1  # from disk, once for all four links


def test_the_plain_text_backend_found_at_once_is_the_installed_one() -> None:
    from importlib.metadata import entry_points

    from pybtex.plugin import find_plugin

    from cmac.book.sphinx_ext import PlaintextBackend

    (installed,) = entry_points(group="pybtex.backends", name="plaintext")
    assert installed.load() is PlaintextBackend
    assert find_plugin("pybtex.backends", "plaintext") is PlaintextBackend


def test_header_links_know_the_cite_box_and_the_pdf() -> None:
    from docutils.utils import new_document

    from cmac.book.sphinx_ext import TEMPLATES, add_templates, header_links

    document = new_document("page")
    context: dict[str, Any] = {}
    header_links(None, "index", "page.html", context, document)  # type: ignore[arg-type]
    assert context == {"cmac_cite_anchor": "", "cmac_pdf": "cmac-study-book.pdf"}
    document.ids["cite-this"] = document
    header_links(None, "index", "page.html", context, document)  # type: ignore[arg-type]
    assert context["cmac_cite_anchor"] == "cite-this"
    header_links(None, "genindex", "genindex.html", context, None)  # type: ignore[arg-type]
    assert context["cmac_cite_anchor"] == ""
    config = SimpleNamespace(templates_path=["_templates"])
    add_templates(None, config)  # type: ignore[arg-type]
    assert config.templates_path == ["_templates", str(TEMPLATES)]
    template = (TEMPLATES / "cmac-header-buttons.html").read_text()
    assert '{% include "article-header-buttons.html" %}' in template  # the theme's buttons stay


def test_the_theme_options_name_the_header_template() -> None:
    import yaml

    from cmac.paths import PROJECT_ROOT

    config = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text())
    sphinx = config["sphinx"]
    assert sphinx["recursive_update"] is True  # merged into jupyter-book's theme options
    options = sphinx["config"]["html_theme_options"]
    assert options["use_download_button"] is False
    assert options["article_header_end"] == ["cmac-header-buttons.html"]
