"""The tree has two parts: the study (``cmac``) and the book machinery (``cmac.book``). The
study, and the chapters that narrate it, never import the machinery."""

from __future__ import annotations

import ast
import json

from cmac.paths import PROJECT_ROOT

STUDY = sorted((PROJECT_ROOT / "src" / "cmac").glob("*.py"))
CHAPTERS = sorted((PROJECT_ROOT / "chapters").glob("*.ipynb")) + [PROJECT_ROOT / "intro.ipynb"]


def imported(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def machinery(names: set[str]) -> list[str]:
    return sorted(n for n in names if n == "cmac.book" or n.startswith("cmac.book."))


def test_the_study_never_imports_the_machinery() -> None:
    assert {p.stem for p in STUDY} >= {"data", "tables", "models", "analysis", "plots"}, (
        "the study's modules: src/cmac/ lacks one of data, tables, models, analysis, plots"
    )
    for module in STUDY:
        found = machinery(imported(module.read_text()))
        assert found == [], (
            f"the study never imports the machinery: src/cmac/{module.name} imports {found}: "
            "move what it needs into the study (src/cmac/), or the caller into cmac.book"
        )


def test_the_chapters_never_import_the_machinery() -> None:
    for notebook in CHAPTERS:
        cells = json.loads(notebook.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        found = machinery(imported(code))
        assert found == [], (
            f"chapters never import the machinery: {notebook.name} imports {found}: call the "
            "study (cmac.chapter, cmac.results, ...) instead; the build passes what a chapter needs"
        )


def test_the_check_can_fail() -> None:
    assert machinery(imported("from cmac.book import build\nimport cmac.book.site")) == [
        "cmac.book",
        "cmac.book.build",
        "cmac.book.site",
    ]
