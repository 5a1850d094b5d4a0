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
    assert {p.stem for p in STUDY} >= {"data", "tables", "models", "analysis", "plots"}
    for module in STUDY:
        assert machinery(imported(module.read_text())) == [], module.name


def test_the_chapters_never_import_the_machinery() -> None:
    for notebook in CHAPTERS:
        cells = json.loads(notebook.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        assert machinery(imported(code)) == [], notebook.name


def test_the_check_can_fail() -> None:
    assert machinery(imported("from cmac.book import build\nimport cmac.book.site")) == [
        "cmac.book",
        "cmac.book.build",
        "cmac.book.site",
    ]
