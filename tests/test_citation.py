"""Citation metadata, the version line and the 'Cite this chapter' box."""

from __future__ import annotations

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
    book_info,
    book_version,
    cite_box,
    page_title,
    ris,
    version_footer,
)
from cmac.book.site import configure_stage
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


def test_cite_box_has_every_part() -> None:
    box = cite_box(PAGE, "../_static/cite")
    assert box.startswith(":::{admonition} Cite this chapter")
    for part in [
        "A Team (2026). “5. Trends and breaks”. In *A Book*",
        "1.2.0 (abc1234)",
        "2026-11-22",
        "<https://example.org/book/chapters/05-trends-and-breaks.html>",
        '<a href="../_static/cite/cmac-study-05-trends-and-breaks.ris" download>RIS</a>',
        "@incollection{cmac-study-05-trends-and-breaks,",
    ]:
        assert part in box, part
    assert "canonical" not in box
    unnumbered = PageCitation(INFO, VERSION, "", "Refs", "references.html")
    assert cite_box(unnumbered, "_static/cite").startswith(":::{admonition} Cite this page")


def test_bibtex_parses_with_every_field_a_reference_manager_needs() -> None:
    from pybtex.database import parse_string

    entry = parse_string(bibtex(PAGE), "bibtex").entries["cmac-study-05-trends-and-breaks"]
    assert entry.type == "incollection"
    fields = entry.fields
    assert fields["url"] == "https://example.org/book/chapters/05-trends-and-breaks.html"
    assert fields["version"] == "1.2.0" and fields["year"] == "2026"
    assert fields["organization"] == "A Team" and fields["chapter"] == "5"
    assert fields["title"] == "5. Trends and breaks" and fields["booktitle"] == "A Book"
    assert "abc1234" in fields["note"]
    assert [str(p) for p in entry.persons["author"]] == ["{A Team}"]


def test_ris_has_the_same_citation() -> None:
    lines = ris(PAGE).split("\r\n")
    assert lines[0] == "TY  - CHAP" and "ER  - " in lines
    assert "UR  - https://example.org/book/chapters/05-trends-and-breaks.html" in lines
    assert "ET  - 1.2.0" in lines and "PY  - 2026" in lines


def test_a_build_with_other_parameters_says_so_everywhere() -> None:
    other = BookVersion("1.2.0", "abc1234", "2026-11-22", ("05-trends-and-breaks.scale=level",))
    page = PageCitation(INFO, other, "5", "Trends", "chapters/05-trends-and-breaks.html")
    assert "**Not the canonical version.**" in cite_box(page, "x")
    assert "``05-trends-and-breaks.scale=level``" in cite_box(page, "x")
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
    monkeypatch.setenv("CMAC_BASE_URL", "http://insecure")
    with pytest.raises(ValueError, match="https"):
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
    configure_stage(config, INFO, BookVersion("1", "abc", "2026-01-01"))
    loaded = yaml.safe_load(config.read_text())
    assert loaded["title"] == "A Book" and loaded["author"] == "A Team"
    assert "commit <code>abc</code>" in loaded["html"]["extra_footer"]
    assert "CC BY 4.0" in loaded["html"]["extra_footer"]
    assert loaded["html"]["baseurl"] == "https://example.org/book/"
    assert loaded["execute"]["execute_notebooks"] == "off"
