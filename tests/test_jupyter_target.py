"""Jupyter from the project: `make jupyter` registers this clone's kernels inside its own
.venv; `make kernel` registers one for the user's own Jupyter under a name made from the
clone's path. Registering a kernel in one clone never re-points another clone's kernel."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from cmac.paths import PROJECT_ROOT


def planned(folder: Path, target: str, stamp: str) -> str:
    """The commands `make TARGET` would run in ``folder`` (its install stamp taken as done)."""
    return subprocess.run(
        ["make", "-n", "-o", stamp, target],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def clone(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    shutil.copy(PROJECT_ROOT / "Makefile", folder / "Makefile")
    return folder


def test_two_clones_register_kernels_under_different_names(tmp_path: Path) -> None:
    names = {}
    for copy in ["first clone", "second"]:
        folder = clone(tmp_path, copy)
        commands = planned(folder, "kernel", ".venv/.ready")
        found = re.search(r'ipykernel install --user --name "([^"]+)"', commands)
        assert found, commands
        digest = hashlib.sha256(str(folder).encode()).hexdigest()[:10]
        assert found.group(1) == f"cmac-study-{digest}"
        assert f"CMAC study ({folder})" in commands
        names[copy] = found.group(1)
    assert names["first clone"] != names["second"]


def test_make_jupyter_keeps_its_kernels_in_the_clones_venv(tmp_path: Path) -> None:
    commands = planned(clone(tmp_path, "c"), "jupyter", ".venv/.jupyter-ready")
    installs = [line for line in commands.splitlines() if "ipykernel install" in line]
    assert len(installs) == 2
    assert all("--sys-prefix" in line and "--user" not in line for line in installs)
    assert ".venv/bin/jupyter lab" in commands


def test_the_jupyter_lock_holds_the_books_versions() -> None:
    """Installing JupyterLab changes no package the chapters run with."""

    def pins(name: str) -> dict[str, str]:
        text = (PROJECT_ROOT / name).read_text()
        return dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^ ;\\]+)", text, re.M))

    book, jupyter = pins("requirements.txt"), pins("requirements-jupyter.txt")
    assert {k: jupyter.get(k) for k in book} == book
    assert "jupyterlab" in jupyter and "jupyterlab" not in book
    assert "jupyterlab" not in pins("requirements-dev.txt")
