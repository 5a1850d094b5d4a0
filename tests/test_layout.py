"""The tree has three layers: the study (``cmac``), the book machinery (``cmac.book``) and the
site polish (``cmac.polish``). The study, and the chapters that narrate it, import neither of
the other two; the machinery runs the polish, and the polish never imports the machinery's
build (so an edit to the polish reruns no chapter)."""

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
    layers = ("cmac.book", "cmac.polish")
    return sorted(n for n in names if n in layers or n.startswith(tuple(f"{x}." for x in layers)))


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
    assert machinery(imported("from cmac.book import build\nimport cmac.polish.tidy")) == [
        "cmac.book",
        "cmac.book.build",
        "cmac.polish.tidy",
    ]


def test_an_edit_to_the_polish_reruns_no_chapter() -> None:
    from cmac.book.cache import kernel_code

    src = PROJECT_ROOT / "src"
    polish = sorted((src / "cmac" / "polish").glob("*.py"))
    assert polish, "the site polish lives in src/cmac/polish/"
    kernel = [p.name for p in polish if kernel_code(p, src)]
    assert kernel == [], (
        f"site polish counted as chapter code: {kernel}: cmac.book.cache.kernel_code must "
        "leave cmac/polish/ out, or an edit to it reruns every chapter"
    )
    assert kernel_code(src / "cmac" / "models.py", src)
