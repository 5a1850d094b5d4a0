"""Citation metadata, the version line and the 'Cite this chapter' box."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from cmac.book.citation import (
    BookInfo,
    BookVersion,
    PageCitation,
    add_cite_box,
    bibtex,
    bibtex_url,
    book_bibtex,
    book_info,
    book_version,
    build_date,
    cite_box,
    page_title,
    ris,
    split_remark,
    version_footer,
)
from cmac.book.site import configure_stage
from cmac.errors import BuildError
from cmac.paths import PROJECT_ROOT

INFO = BookInfo(
    "A Book", ("A Team",), ("CC-BY-4.0", "MIT"), "https://example.org/book/", "https://x/y"
)
VERSION = BookVersion("1.2.0", "abc1234", "2026-11-22")
PAGE = PageCitation(INFO, VERSION, "5", "Trends and breaks", "chapters/05-trends-and-breaks.html")


CFF_SCHEMA = PROJECT_ROOT / "tests" / "reference" / "cff-schema-1.2.0.json"


def cff_errors(cff: dict) -> list[str]:
    """Every way ``cff`` breaks the CFF 1.2.0 schema (with dates as YAML reads them: text)."""
    from jsonschema import Draft7Validator, FormatChecker

    validator = Draft7Validator(json.loads(CFF_SCHEMA.read_text()), format_checker=FormatChecker())
    plain = json.loads(json.dumps(cff, default=str))
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(plain)]


def test_citation_cff_is_valid() -> None:
    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    assert cff_errors(cff) == []


def test_the_cff_check_can_fail() -> None:
    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    broken = {**cff, "authors": [{"nickname": 3}], "cff-version": "9.9"}
    errors = cff_errors(broken)
    assert any(e.startswith("cff-version") for e in errors)
    assert any(e.startswith("authors/0") for e in errors)


def test_citation_cff_version_matches_package() -> None:
    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    assert str(cff["version"]) == book_version().release


def test_book_version_uses_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    version = book_version()
    assert version.date == "2023-11-14"
    assert re.fullmatch(r"[0-9a-f]{7,}(\+modified)?|unknown", version.commit)


def shown(page: PageCitation, downloads: str = "_static/cite") -> str:
    """The cite box's text as HTML, as the book's Sphinx extension writes it into the page."""
    from docutils.core import publish_doctree, publish_from_doctree

    from cmac.book.sphinx_cite import citation_nodes

    document = publish_doctree("")
    document.extend(citation_nodes(page, downloads))
    return publish_from_doctree(document, writer_name="html5").decode()


def test_cite_box_has_every_part() -> None:
    assert cite_box(PAGE).startswith(":::{admonition} Cite this chapter")
    assert ":name: cite-this" in cite_box(PAGE)  # the header's Cite link goes there
    assert "```{cmac-citation}" in cite_box(PAGE)  # filled in as Sphinx writes the page
    box = shown(PAGE, "../_static/cite")
    for part in [
        "A Team (2026). “Trends and breaks”. Chapter 5 in <em>A Book</em>",
        "1.2.0 (abc1234)",
        "2026-11-22",
        '<a class="reference external" '
        'href="https://example.org/book/chapters/05-trends-and-breaks.html">',
        '<a href="../_static/cite/cmac-study-05-trends-and-breaks.ris" download>RIS</a>',
        "incollection{cmac-study-05-trends-and-breaks,",  # docutils writes @ as &#64;
    ]:
        assert part in box, part
    assert "canonical" not in box
    unnumbered = PageCitation(INFO, VERSION, "", "Refs", "references.html")
    assert cite_box(unnumbered).startswith(":::{admonition} Cite this page")
    root = PageCitation(INFO, VERSION, "", "A Book", "intro.html", root=True)
    assert cite_box(root).startswith(":::{admonition} Cite this book")
    box = shown(root)
    assert "A Team (2026). <em>A Book</em>. Version 1.2.0 (abc1234)" in box
    assert "book{cmac-study," in box and "_static/cite/cmac-study.bib" in box


def test_the_cite_box_setting_names_every_page() -> None:
    from cmac.book.citation import citation_setting, page_citation

    setting = citation_setting(
        INFO, VERSION, {"chapters/05-trends-and-breaks": ("5", "Trends and breaks")}, "intro"
    )
    assert yaml.safe_load(yaml.safe_dump(setting)) == setting  # it travels in _config.yml
    assert page_citation(setting, "chapters/05-trends-and-breaks") == PAGE
    assert page_citation(setting, "elsewhere") is None


TEAM = BookInfo(
    "CMAC and the clearance, 1992–2012",
    ("Independent study team (not affiliated with CMAC or JICA)",),
    ("MIT",),
    "https://example.org/book/",
    "",
)


def parsed(entry: str):  # noqa: ANN201
    from pybtex.database import parse_string

    (only,) = parse_string(entry, "bibtex").entries.values()
    return only


def test_bibtex_parses_with_every_field_a_reference_manager_needs() -> None:
    entry = parsed(bibtex(PAGE))
    assert entry.type == "incollection" and entry.key == "cmac-study-05-trends-and-breaks"
    fields = entry.fields
    assert fields["url"] == "https://example.org/book/chapters/05-trends-and-breaks.html"
    assert fields["version"] == "1.2.0" and fields["year"] == "2026"
    assert fields["chapter"] == "5"
    assert fields["title"] == "Trends and breaks" and fields["booktitle"] == "A Book"
    assert "abc1234" in fields["note"]
    assert [str(p) for p in entry.persons["author"]] == ["{A Team}"]


def test_the_whole_book_is_a_book_whose_author_is_a_name() -> None:
    root = PageCitation(TEAM, VERSION, "", TEAM.title, "intro.html", root=True)
    for text in [bibtex(root), book_bibtex(TEAM, VERSION)]:
        entry = parsed(text)
        assert entry.type == "book" and entry.key == "cmac-study"
        assert entry.fields["title"] == TEAM.title and "booktitle" not in entry.fields
        assert [str(p) for p in entry.persons["author"]] == ["{Independent study team}"]
        assert entry.fields["note"] == (
            "Not affiliated with CMAC or JICA. Version 1.2.0 (abc1234), built 2026-11-22."
        )
        assert entry.fields["url"] == "https://example.org/book/"
    lines = ris(root).split("\r\n")
    assert lines[0] == "TY  - BOOK" and "AU  - Independent study team" in lines
    note = "Not affiliated with CMAC or JICA. Version 1.2.0 (abc1234), built 2026-11-22."
    assert f"N1  - {note}" in lines
    assert not any(line.startswith("T2") for line in lines)


def test_a_chapter_title_has_no_number_and_its_author_no_remark() -> None:
    page = PageCitation(TEAM, VERSION, "5", "Trends", "chapters/05-trends-and-breaks.html")
    entry = parsed(bibtex(page))
    assert entry.fields["title"] == "Trends" and entry.fields["chapter"] == "5"
    assert entry.fields["booktitle"] == TEAM.title
    assert [str(p) for p in entry.persons["author"]] == ["{Independent study team}"]
    assert entry.fields["note"].startswith("Not affiliated with CMAC or JICA. Version 1.2.0")
    assert "organization" not in entry.fields
    assert "Independent study team (2026). “Trends”. Chapter 5 in" in shown(page)


def test_authors_split_into_name_and_remark() -> None:
    assert split_remark("Team (not affiliated with X)") == ("Team", "not affiliated with X")
    assert split_remark("Eri Komukai") == ("Eri Komukai", "")
    assert split_remark("(only a remark)") == ("(only a remark)", "")
    assert TEAM.author_name == "Independent study team"
    assert TEAM.remarks == "Not affiliated with CMAC or JICA."
    assert INFO.remarks == ""


def test_ris_has_the_same_citation() -> None:
    lines = ris(PAGE).split("\r\n")
    assert lines[0] == "TY  - CHAP" and "ER  - " in lines
    assert "UR  - https://example.org/book/chapters/05-trends-and-breaks.html" in lines
    assert "ET  - 1.2.0" in lines and "PY  - 2026" in lines
    assert "TI  - Trends and breaks" in lines and "T2  - A Book" in lines
    assert "SE  - 5" in lines and "AU  - A Team" in lines


HOSTILE = "a}b{c\\d % & $ # _ ^ ~ @x ```\r\nTY  - JOUR"


def test_untrusted_text_stays_text_in_bibtex_ris_and_the_box() -> None:
    """Parameters come from the command line and titles from files: braces, backslashes and
    LaTeX specials cannot end a BibTeX field or add a command, a line break cannot start an
    RIS tag, and backticks cannot close the box's code block."""
    other = BookVersion("1.2.0", "abc1234", "2026-11-22", (f"05-x.scale={HOSTILE}",))
    page = PageCitation(INFO, other, "5", f"T {HOSTILE}", "chapters/05-trends-and-breaks.html")
    entry = parsed(bibtex(page))  # one entry, which parses
    assert set(entry.fields) == {
        "title",
        "booktitle",
        "chapter",
        "year",
        "version",
        "url",
        "urldate",
        "note",
    }
    assert "\\textbraceright{}b\\textbraceleft{}c\\textbackslash{}d" in entry.fields["title"]
    assert r"\% \& \$ \# \_" in entry.fields["title"]
    assert "\n" not in entry.fields["note"] and "\r" not in bibtex(page)
    lines = ris(page).split("\r\n")
    assert [line[:2] for line in lines if line] == [
        "TY",
        "AU",
        "TI",
        "T2",
        "SE",
        "PY",
        "ET",
        "UR",
        "Y2",
        "N1",
        "ER",
    ]
    assert "incollection{cmac-study-05-trends-and-breaks," in shown(page)  # the entry, whole
    assert bibtex_url("https://x.org/a b}{") == "https://x.org/a%20b%7D%7B"


def test_a_build_with_other_parameters_says_so_everywhere() -> None:
    other = BookVersion("1.2.0", "abc1234", "2026-11-22", ("05-trends-and-breaks.scale=level",))
    page = PageCitation(INFO, other, "5", "Trends", "chapters/05-trends-and-breaks.html")
    assert "<strong>Not the canonical version.</strong>" in shown(page)
    assert "05-trends-and-breaks.scale=level" in shown(page).split("</p>")[0]
    assert "non-default parameters 05-trends-and-breaks.scale=level" in bibtex(page)
    assert "non-default parameters" in version_footer(other)
    assert "non-default" not in version_footer(VERSION)


def test_page_title_and_book_info(monkeypatch: pytest.MonkeyPatch) -> None:
    assert page_title(PROJECT_ROOT / "chapters" / "05-trends-and-breaks.ipynb") == (
        "Trends and breaks in clearance output"
    )
    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    config = yaml.safe_load((PROJECT_ROOT / "_config.yml").read_text())
    monkeypatch.delenv("CMAC_BASE_URL", raising=False)
    info = book_info()
    assert info.title == cff["title"] and "title" not in config  # one source: CITATION.cff
    assert "not affiliated with CMAC" in info.author
    assert info.base_url == config["html"]["baseurl"] == cff["url"]
    assert info.repository == config["repository"]["url"] == cff["repository-code"]
    assert set(info.licenses) == {"CC-BY-4.0", "MIT"}
    monkeypatch.setenv("CMAC_BASE_URL", "https://mirror.example.net/cmac")
    assert book_info().url("intro.html") == "https://mirror.example.net/cmac/intro.html"
    for bad in ["http://insecure", 'https://x.org/a"><script>', "https://x.org/a b", "https://",
                "https://x.org/\nx", "javascript:alert(1)"]:
        monkeypatch.setenv("CMAC_BASE_URL", bad)
        with pytest.raises(BuildError, match="CMAC_BASE_URL = .* is not an https address"):
            book_info()


def test_add_cite_box_to_notebook_and_markdown(tmp_path: Path) -> None:
    notebook = tmp_path / "a.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A")]), notebook)
    add_cite_box(notebook, "BOX")
    assert nbformat.read(notebook, as_version=4).cells[-1].source == "BOX"
    page = tmp_path / "b.md"
    page.write_text("# B\n")
    add_cite_box(page, "BOX")
    assert page.read_text() == "# B\n\nBOX\n"


def test_staged_config_takes_title_footer_and_base_url(tmp_path: Path) -> None:
    config = tmp_path / "_config.yml"
    shutil.copy2(PROJECT_ROOT / "_config.yml", config)
    configure_stage(config, INFO, BookVersion("1", "abc", "2026-01-01"), {"root": "intro"})
    loaded = yaml.safe_load(config.read_text())
    assert loaded["title"] == "A Book" and loaded["author"] == "A Team"
    assert "commit <code>abc</code>" in loaded["html"]["extra_footer"]
    assert "CC BY 4.0" in loaded["html"]["extra_footer"]
    assert loaded["html"]["baseurl"] == "https://example.org/book/"
    assert loaded["execute"]["execute_notebooks"] == "off"
    assert loaded["sphinx"]["config"]["cmac_citation"] == {"root": "intro"}


@pytest.mark.parametrize("epoch", ["abc", "-5", "1.5e9", "\u0663\u0663", "99999999999999999"])
def test_a_bad_source_date_epoch_is_named(monkeypatch: pytest.MonkeyPatch, epoch: str) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    with pytest.raises(BuildError, match=r"SOURCE_DATE_EPOCH=.* is not a date"):
        build_date()


def test_source_date_epoch_sets_the_build_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert build_date() == "2023-11-14"


def test_metadata_in_the_cite_box_and_footer_is_shown_literally(tmp_path: Path) -> None:
    """A title or version from CITATION.cff is text: no MyST role, link or HTML tag in it
    reaches a page as markup (issue 23, class 7)."""
    hostile = "{ref}`x` <script>alert(1)</script> [a](javascript:b) *c*"
    info = dataclasses.replace(INFO, title=hostile, authors=(hostile,))
    page = PageCitation(info, VERSION, "5", hostile, "c.html")
    assert "{ref}`" not in cite_box(page) and "<script>" not in cite_box(page)
    box = shown(page)
    assert "<script>" not in box and 'href="javascript' not in box
    citation = box.split("<p>")[1]
    assert citation.count(html.escape(hostile, quote=False)) == 3
    footer = version_footer(dataclasses.replace(VERSION, release='1"><script>x</script>'))
    assert "<script>" not in footer and "&lt;script&gt;" in footer


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("title: [unclosed\n", "CITATION.cff is not valid YAML (line"),
        ("- a list\n", "CITATION.cff must hold fields"),
        ("", "CITATION.cff must hold fields"),
        ("title: T\nversion: 1\n", "field 'authors' must be a list of authors"),
        ("title: ''\nversion: 1\nauthors: [{name: A}]\n", "field 'title' must be text"),
    ],
)
def test_a_broken_citation_file_is_named(tmp_path: Path, text: str, words: str) -> None:
    from cmac.book.citation import read_cff

    (tmp_path / "CITATION.cff").write_text(text)
    with pytest.raises(BuildError, match=re.escape(words)):
        read_cff(tmp_path)


def test_a_config_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    shutil.copy(PROJECT_ROOT / "CITATION.cff", tmp_path / "CITATION.cff")
    (tmp_path / "_config.yml").write_text("html:\n  baseurl: [unclosed\n")
    with pytest.raises(BuildError, match=r"_config.yml is not valid YAML \(line \d+\)"):
        book_info(tmp_path)
