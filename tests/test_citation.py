"""Citation metadata, the version line and the 'Cite this chapter' box."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
import yaml

from cmac.citation import (
    BookInfo,
    BookVersion,
    add_cite_box,
    book_info,
    book_version,
    cite_box,
    page_title,
    version_footer,
)
from cmac.paths import PROJECT_ROOT
from cmac.site import set_footer


def test_citation_cff_is_valid() -> None:
    cffconvert = shutil.which("cffconvert")
    assert cffconvert, "cffconvert is in requirements.txt"
    completed = subprocess.run(
        [cffconvert, "--validate", "-i", str(PROJECT_ROOT / "CITATION.cff")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_citation_cff_version_matches_package() -> None:
    cff = yaml.safe_load((PROJECT_ROOT / "CITATION.cff").read_text())
    assert str(cff["version"]) == book_version().release


def test_book_version_uses_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    version = book_version()
    assert version.date == "2023-11-14"
    assert re.fullmatch(r"[0-9a-f]{7,}(\+modified)?|unknown", version.commit)


def test_cite_box_has_every_part() -> None:
    info = BookInfo("A Book", "A Team")
    version = BookVersion("1.2.0", "abc1234", "2026-11-22")
    box = cite_box(info, "Trends and breaks", "chapters/05-trends-and-breaks.html", version)
    assert box.startswith(":::{admonition} Cite this chapter")
    for part in [
        "A Team",
        "A Book",
        "Trends and breaks",
        "1.2.0 (abc1234)",
        "2026-11-22",
        "chapters/05-trends-and-breaks.html",
        "@incollection{cmac-study-05-trends-and-breaks,",
        "year      = {2026}",
    ]:
        assert part in box, part
    assert cite_box(info, "Refs", "references.html", version).startswith(
        ":::{admonition} Cite this page"
    )


def test_page_title_and_book_info() -> None:
    assert page_title(PROJECT_ROOT / "chapters" / "05-trends-and-breaks.ipynb") == (
        "Trends and breaks in clearance output"
    )
    assert page_title(PROJECT_ROOT / "intro.md") == "About this book"
    assert book_info(PROJECT_ROOT / "_config.yml").author == "Independent study team (not affiliated with CMAC or JICA)"


def test_add_cite_box_to_notebook_and_markdown(tmp_path: Path) -> None:
    notebook = tmp_path / "a.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A")]), notebook)
    add_cite_box(notebook, "BOX")
    assert nbformat.read(notebook, as_version=4).cells[-1].source == "BOX"
    page = tmp_path / "b.md"
    page.write_text("# B\n")
    add_cite_box(page, "BOX")
    assert page.read_text() == "# B\n\nBOX\n"


def test_footer_goes_into_staged_config(tmp_path: Path) -> None:
    config = tmp_path / "_config.yml"
    shutil.copy2(PROJECT_ROOT / "_config.yml", config)
    set_footer(config, version_footer(BookVersion("1", "abc", "2026-01-01")))
    loaded = yaml.safe_load(config.read_text())
    assert "commit <code>abc</code>" in loaded["html"]["extra_footer"]
    assert loaded["execute"]["execute_notebooks"] == "off"
