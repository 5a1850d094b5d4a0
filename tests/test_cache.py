"""Chapter fingerprints: which edits rerun a chapter and which do not."""

import json
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cmac.book import cache


def project(root: Path) -> Path:
    for name in [
        "cmac/models.py",
        "cmac/book/__init__.py",
        "cmac/book/kernel.py",
        "cmac/book/execute.py",
        "cmac/polish/tidy.py",
        "cmac/polish/audit.py",
    ]:
        (root / "src" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "src" / name).write_text("x = 1\n")
    (root / "requirements.txt").write_text("pandas==3.1.0\n")
    notebook = root / "chapters" / "01-a.ipynb"
    notebook.parent.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("1 + 1")]), notebook)
    return notebook


def src_part(notebook: Path, root: Path) -> str:
    return cache.fingerprint(notebook, root, {}, {}, []).parts["src"]


def test_study_code_and_the_kernel_machinery_rerun_chapters(tmp_path: Path) -> None:
    notebook = project(tmp_path)
    for name in ["cmac/models.py", "cmac/book/kernel.py", "cmac/book/execute.py"]:
        before = src_part(notebook, tmp_path)
        (tmp_path / "src" / name).write_text("x = 2\n")
        assert src_part(notebook, tmp_path) != before, name


def test_site_machinery_does_not_rerun_chapters(tmp_path: Path) -> None:
    notebook = project(tmp_path)
    before = src_part(notebook, tmp_path)
    for name in ["cmac/polish/tidy.py", "cmac/polish/audit.py"]:
        (tmp_path / "src" / name).write_text("x = 2\n")
    (tmp_path / "src" / "cmac" / "book" / "purge.py").write_text("new = True\n")
    assert src_part(notebook, tmp_path) == before


@pytest.mark.parametrize(
    ("metadata", "words"),
    [
        ({"needs": "05-trends-and-breaks"}, "cmac.needs must be a list of chapter names"),
        ({"needs": [5]}, "cmac.needs must be a list of chapter names"),
        ({"follows": ["05-trends-and-breaks"]}, "cmac.follows must be a chapter name"),
    ],
)
def test_chapter_metadata_of_the_wrong_kind_is_named(
    tmp_path: Path, metadata: dict, words: str
) -> None:
    from cmac.errors import BuildError

    notebook = tmp_path / "07-x.ipynb"
    notebook.write_text(json.dumps({"cells": [], "metadata": {"cmac": metadata}}))
    with pytest.raises(BuildError, match=f"07-x.ipynb: metadata {words}"):
        cache.chapter_needs(notebook)
        cache.chapter_follows(notebook)
