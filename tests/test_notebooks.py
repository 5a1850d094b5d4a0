"""House rules for the chapter notebooks."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cmac.paths import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "chapters").glob("*.ipynb"))
NAME = re.compile(r"^\d{2}-[a-z0-9-]+\.ipynb$")


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_clean_named_and_parameterised(path: Path) -> None:
    assert NAME.match(path.name)
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "stored with outputs"
    assert sum("parameters" in tags(c) for c in code) == 1
    # the name comes from the file (the build passes it), so a copy is a chapter of its own
    assert any("start_chapter(chapter_name," in c.source for c in code)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_cells_are_short(path: Path) -> None:
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert len(cell.source.splitlines()) <= 16, cell.source[:80]


def test_figure_and_table_labels_are_unique_and_cited() -> None:
    labels: list[str] = []
    text = ""
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            text += cell.source
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if figure:
                assert figure.get("caption") and figure.get("name"), path.name
                labels.append(figure["name"])
            labels += re.findall(r'"(tbl-[a-z0-9-]+)"', cell.source)
            labels += re.findall(r":name: (tbl-[a-z0-9-]+)", cell.source)
    assert len(labels) == len(set(labels))
    cited = set(re.findall(r"\{numref\}`([a-z0-9-]+)`", text))
    uncited = [label for label in labels if label not in cited]
    assert uncited == [] or all(label.startswith("tbl-schema-") for label in uncited)


def test_every_table_names_the_data_behind_it() -> None:
    for path in NOTEBOOKS:
        for cell in nbformat.read(path, as_version=4).cells:
            if "show_table(" in cell.source:
                assert cell.source.count("show_table(") == cell.source.count("data="), path.name


HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell"}


@pytest.mark.parametrize(
    "path", [*NOTEBOOKS, PROJECT_ROOT / "intro.ipynb"], ids=[*[p.name for p in NOTEBOOKS], "intro"]
)
def test_readers_see_no_code_unless_they_ask(path: Path) -> None:
    """Display and bookkeeping cells show only their output; model fits keep a 'show code'
    toggle (hide-input)."""
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            assert HIDDEN & set(tags(cell)), cell.source[:80]


@pytest.mark.parametrize(
    "path", [*NOTEBOOKS, PROJECT_ROOT / "intro.ipynb"], ids=[*[p.name for p in NOTEBOOKS], "intro"]
)
def test_every_figure_has_alt_text_that_describes_it(path: Path) -> None:
    for cell in nbformat.read(path, as_version=4).cells:
        options = cell.get("metadata", {}).get("mystnb", {})
        if "figure" in options:
            alt = options.get("image", {}).get("alt", "")
            assert len(alt.split()) >= 8, (options["figure"]["name"], alt)
            assert not alt.endswith(".png") and options["figure"]["name"] not in alt


@pytest.mark.parametrize("path", [*NOTEBOOKS, PROJECT_ROOT / "intro.ipynb"], ids=lambda p: p.stem)
def test_a_number_and_its_unit_never_break_apart(path: Path) -> None:
    """In the prose, a number or glued value is joined to its unit by a no-break space, as is
    "p = " to its value, so a phone never puts "21.4" at the end of one line and "%" at the
    start of the next."""
    loose = re.compile(
        r"(?:`|\d)[ \n](?:%|km²|m²|\{glue\}`[a-z_]*unit[a-z_]*`)|\bp[ \n][=<>≤]|\bp [=<>≤] "
    )
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "markdown":
            assert not loose.findall(cell.source), cell.source[:80]
