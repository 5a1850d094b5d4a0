"""Two runs of the same chapter give the same numbers, tables, figures and outputs."""

from __future__ import annotations

import base64
import os
import struct
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cmac.book.execute import run_in_folder
from cmac.paths import PROJECT_ROOT

CHAPTERS = ["02-emergency-phase", "05-trends-and-breaks"]

pytestmark = pytest.mark.slow  # kernels


def normalised(notebook_path: Path) -> list[dict]:
    """Cells with their outputs, without papermill's timings and run metadata."""
    notebook = nbformat.read(notebook_path, as_version=4)
    cells = []
    for cell in notebook.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            continue  # holds the run's own folders, by design
        metadata = {k: v for k, v in cell.metadata.items() if k not in {"papermill", "execution"}}
        cells.append(
            {"source": cell.source, "metadata": metadata, "outputs": cell.get("outputs", [])}
        )
    return cells


def png_text_keys(png: bytes) -> list[str]:
    keys, position = [], 8
    while position < len(png):
        length, kind = struct.unpack(">I4s", png[position : position + 8])
        if kind in (b"tEXt", b"iTXt", b"zTXt"):
            keys.append(png[position + 8 : position + 8 + length].split(b"\0")[0].decode())
        position += 12 + length
    return keys


@pytest.mark.parametrize("name", CHAPTERS)
def test_two_runs_are_identical(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = PROJECT_ROOT / "chapters" / f"{name}.ipynb"
    for run in ("first", "second"):
        run_in_folder(source, tmp_path / run, {}, PROJECT_ROOT / "data")
    first, second = tmp_path / "first", tmp_path / "second"
    assert (first / "results" / f"{name}.json").read_text() == (
        second / "results" / f"{name}.json"
    ).read_text()
    tables = sorted(p.name for p in (first / "tables").glob("*.csv"))
    assert tables
    for table in tables:
        assert (first / "tables" / table).read_bytes() == (second / "tables" / table).read_bytes()
    cells = normalised(first / f"{name}.ipynb")
    assert cells == normalised(second / f"{name}.ipynb")
    stderr = [o for c in cells for o in c["outputs"] if o.get("name") == "stderr"]
    assert stderr == []  # a warning in a chapter is a bug to fix, not output to show


def test_figures_carry_no_timestamps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run_in_folder(
        PROJECT_ROOT / "chapters" / "02-emergency-phase.ipynb", tmp_path, {}, PROJECT_ROOT / "data"
    )
    notebook = nbformat.read(tmp_path / "02-emergency-phase.ipynb", as_version=4)
    images = [
        base64.b64decode(o["data"]["image/png"])
        for c in notebook.cells
        for o in c.get("outputs", [])
        if "image/png" in o.get("data", {})
    ]
    assert images
    for image in images:
        assert not {"Creation Time", "date:create", "date:modify"} & set(png_text_keys(image))


def site_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_two_cold_builds_publish_the_same_bytes(tmp_path: Path) -> None:
    """The whole published site, built twice from nothing in other time zones and with other
    hash seeds, is byte for byte the same (issue 23: executed notebooks carried timestamps)."""
    sites = []
    for run, (zone, seed) in enumerate([("UTC", "1"), ("Pacific/Kiritimati", "2")]):
        out = tmp_path / f"build{run}"
        environment = {**os.environ, "TZ": zone, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "cmac.book.build", "--out", str(out)],
            cwd=PROJECT_ROOT, env=environment, capture_output=True, text=True, check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        sites.append(site_files(out / "html"))
    first, second = sites
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == [], f"these published files differ between two builds: {differ[:10]}"
