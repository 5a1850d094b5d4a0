"""Adding a chapter is a notebook and a line in _toc.yml, nothing else (CONTRIBUTING.md,
recipe 1; issue 22): a copy of an existing chapter, saved under a new name and listed in the
table of contents, builds, and its numbers are recorded under its own name."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_untrusted import copy_project

pytestmark = pytest.mark.slow

ORIGINAL = "06-finds-per-km2"
NEW = "95-new-chapter"


def list_after(toc: Path, entry: str, new: str) -> None:
    """Add ``new`` to the table of contents right after ``entry``, as a contributor would."""
    lines = toc.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.strip() == f"- file: {entry}")
    lines.insert(at + 1, lines[at].replace(entry, new))
    toc.write_text("".join(lines), encoding="utf-8")


def test_a_copied_chapter_listed_in_the_toc_builds(tmp_path: Path) -> None:
    root = tmp_path / "book"
    copy_project(root)  # a clone's files and the original's cached runs: only the copy runs
    shutil.copy2(root / "chapters" / f"{ORIGINAL}.ipynb", root / "chapters" / f"{NEW}.ipynb")
    list_after(root / "_toc.yml", "chapters/08-national-context", f"chapters/{NEW}")
    env = {
        **os.environ,
        "PYTHONPATH": str(root / "src"),  # the copy's own package, as its own venv would have
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    done = subprocess.run(
        [sys.executable, "-m", "cmac.book.build", "--jobs", "2"],
        cwd=root, env=env, capture_output=True, text=True, timeout=1800,
    )
    _, found, rest = done.stderr.partition("BUILD FAILED")
    failure = found + rest if found else done.stderr[-2000:]
    assert done.returncode == 0, f"a copied chapter builds with nothing else changed: {failure}"
    assert (root / "_build" / "html" / "chapters" / f"{NEW}.html").is_file()
    with open(root / "_build" / "results.csv", encoding="utf-8-sig") as record:
        chapters = {row["chapter"] for row in csv.DictReader(record)}
    assert {ORIGINAL, NEW} <= chapters, f"results.csv has rows for {sorted(chapters)}"
    # the copy's figure and table names are the original's: the copy's are renamed
    page = (root / "_build" / "html" / "chapters" / f"{NEW}.html").read_text(encoding="utf-8")
    assert f'id="page-{NEW}-fig-density-fits"' in page
