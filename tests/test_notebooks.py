"""House rules for the chapter notebooks (CONTRIBUTING.md lists them). Each failure names the
rule, the notebook and cell, and how to fix it, in one line."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cmac.paths import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "chapters").glob("*.ipynb"))
NAME = re.compile(r"^\d{2}-[a-z0-9-]+\.ipynb$")
MAX_CELL_LINES = 16
MIN_ALT_WORDS = 8


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def where(path: Path, index: int, cell: nbformat.NotebookNode) -> str:
    """A cell as a contributor finds it: notebook, cell number (from 1) and first line."""
    lines = cell.source.strip().splitlines()
    return f"{path.name}, cell {index + 1} ({lines[0][:50] if lines else ''!r})"


def opens_the_chapter(source: str) -> bool:
    return "start_chapter(chapter_name," in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_clean_named_and_parameterised(path: Path) -> None:
    assert NAME.match(path.name), (
        f"chapter file name: {path.name}: rename it to two digits, a hyphen and lower-case "
        "words, e.g. chapters/09-demining-costs.ipynb (and its line in _toc.yml)"
    )
    notebook = nbformat.read(path, as_version=4)
    try:
        nbformat.validate(notebook)
    except nbformat.ValidationError as error:
        pytest.fail(
            f"valid notebook: {path.name}: {error.message}: save it with JupyterLab or "
            "nbformat, not by hand"
        )
    cells = list(enumerate(notebook.cells))
    code = [(i, c) for i, c in cells if c.cell_type == "code"]
    stored = [where(path, i, c) for i, c in code if c.outputs or c.execution_count is not None]
    assert not stored, (
        f"no stored outputs: {stored[0]} keeps outputs or an execution count: clear them "
        "(JupyterLab: Edit > Clear Outputs of All Cells) and save"
    )
    parameters = [where(path, i, c) for i, c in code if "parameters" in tags(c)]
    assert len(parameters) == 1, (
        f"one parameters cell: {path.name} has {len(parameters)} cells tagged 'parameters' "
        f"{parameters}: tag exactly one, the cell of papermill parameters after the title"
    )
    # the name comes from the file (the build passes it), so a copy is a chapter of its own
    assert any(opens_the_chapter(c.source) for _, c in code), (
        f"setup cell: {path.name} never opens its chapter: call "
        "start_chapter(chapter_name, data_dir, results_dir, check=...) in the cell after the "
        "parameters, with chapter_name = \"\" among the parameters"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_cells_are_short(path: Path) -> None:
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code":
            lines = len(cell.source.splitlines())
            assert lines <= MAX_CELL_LINES, (
                f"code cells of at most {MAX_CELL_LINES} lines: {where(path, index, cell)} has "
                f"{lines}: split it, or move the computation into a function in src/cmac/"
            )


def test_figure_and_table_labels_are_unique_and_cited() -> None:
    found: list[tuple[str, str]] = []  # (label, where)
    text = ""
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            text += cell.source + "\n"
            figure = cell.get("metadata", {}).get("mystnb", {}).get("figure")
            if figure:
                assert figure.get("caption") and figure.get("name"), (
                    f"figures have a caption and a name: {where(path, index, cell)} lacks "
                    "one: set mystnb.figure.caption and mystnb.figure.name in the cell's "
                    "metadata (CONTRIBUTING.md, 'Captions, alt text and names')"
                )
                found.append((figure["name"], where(path, index, cell)))
            spot = where(path, index, cell)
            for pattern in (r'"(tbl-[a-z0-9-]+)"', r":name: (tbl-[a-z0-9-]+)"):
                found += [(label, spot) for label in re.findall(pattern, cell.source)]
    places: dict[str, list[str]] = {}
    for label, spot in found:
        places.setdefault(label, []).append(spot)
    repeated = {label: spots for label, spots in places.items() if len(spots) > 1}
    assert not repeated, (
        f"figure and table names are unique in the book: {repeated}: rename the copy's "
        "'fig-…'/'tbl-…' name and the {numref} links to it"
    )
    cited = set(re.findall(r"\{numref\}`([a-z0-9-]+)`", text))
    uncited = {
        label: spots[0]
        for label, spots in places.items()
        if label not in cited and not label.startswith("tbl-schema-")
    }
    assert not uncited, (
        f"every figure and table is cited: {uncited} is never cited: refer to it in the prose "
        "with {numref}`name`"
    )


def test_every_table_names_the_data_behind_it() -> None:
    for path in NOTEBOOKS:
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if "show_table(" in cell.source:
                assert cell.source.count("show_table(") == cell.source.count("data="), (
                    f"tables name their data: {where(path, index, cell)} calls show_table "
                    "without data=: pass data=[the data sets the table is computed from]"
                )


HIDDEN = {"remove-cell", "remove-input", "hide-input", "hide-cell"}


@pytest.mark.parametrize(
    "path", [*NOTEBOOKS, PROJECT_ROOT / "intro.ipynb"], ids=[*[p.name for p in NOTEBOOKS], "intro"]
)
def test_readers_see_no_code_unless_they_ask(path: Path) -> None:
    """Display and bookkeeping cells show only their output; model fits keep a 'show code'
    toggle (hide-input)."""
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code":
            assert HIDDEN & set(tags(cell)), (
                f"readers see no code unless they ask: {where(path, index, cell)} has no tag "
                "of remove-cell (bookkeeping), remove-input (tables, figures), hide-input "
                "(model fits) or hide-cell: add one to the cell's tags"
            )


@pytest.mark.parametrize(
    "path", [*NOTEBOOKS, PROJECT_ROOT / "intro.ipynb"], ids=[*[p.name for p in NOTEBOOKS], "intro"]
)
def test_every_figure_has_alt_text_that_describes_it(path: Path) -> None:
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        options = cell.get("metadata", {}).get("mystnb", {})
        if "figure" in options:
            alt = options.get("image", {}).get("alt", "")
            name = options["figure"]["name"]
            rule = f"figures have alt text that describes them: {where(path, index, cell)}"
            assert len(alt.split()) >= MIN_ALT_WORDS, (
                f"{rule}: {name} has {len(alt.split())} words of alt text: write at least "
                f"{MIN_ALT_WORDS} words in mystnb.image.alt saying what the figure shows"
            )
            assert not alt.endswith(".png") and name not in alt, (
                f"{rule}: {name}'s alt text is a file or figure name ({alt!r}): describe what "
                "the figure shows in mystnb.image.alt"
            )


@pytest.mark.parametrize("path", [*NOTEBOOKS, PROJECT_ROOT / "intro.ipynb"], ids=lambda p: p.stem)
def test_a_number_and_its_unit_never_break_apart(path: Path) -> None:
    """In the prose, a number or glued value is joined to its unit by a no-break space, as is
    "p = " to its value, so a phone never puts "21.4" at the end of one line and "%" at the
    start of the next."""
    loose = re.compile(
        r"(?:`|\d)[ \n](?:%|km²|m²|\{glue\}`[a-z_]*unit[a-z_]*`)|\bp[ \n][=<>≤]|\bp [=<>≤] "
    )
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "markdown":
            text = cell.source
            found = [text[max(0, m.start() - 20) : m.end() + 5] for m in loose.finditer(text)]
            assert not found, (
                f"a number and its unit never break apart: {where(path, index, cell)} has "
                f"{found}: replace the space before the unit (and around 'p =') with a "
                "no-break space, U+00A0"
            )
