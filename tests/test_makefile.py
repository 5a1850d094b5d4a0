"""The Makefile installs by content and works in any folder (issue 23, items 12 and 13)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from cmac.paths import PROJECT_ROOT

LOCKS = ["requirements.txt", "requirements-dev.txt", "requirements-jupyter.txt", "pyproject.toml"]


def project_files(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ["Makefile", *LOCKS]:
        shutil.copy(PROJECT_ROOT / name, folder / name)
    (folder / ".venv" / "bin").mkdir(parents=True)
    uv = folder / ".venv" / "bin" / "uv"
    uv.write_text("#!/bin/sh\n")
    uv.chmod(0o755)
    return folder


def planned(folder: Path, target: str = "book") -> str:
    """The commands `make TARGET` would run in ``folder``."""
    return subprocess.run(
        ["make", "-n", target], cwd=folder, capture_output=True, text=True, check=True
    ).stdout


def installed(folder: Path) -> None:
    """Run the install stamp's own commands' last line: what a finished install leaves."""
    stamp = [line for line in planned(folder).splitlines() if "> .venv/.ready" in line]
    assert stamp, "make book plans no install stamp"
    subprocess.run(stamp[-1], shell=True, cwd=folder, check=True)


def test_an_install_follows_the_locks_content_not_its_date(tmp_path: Path) -> None:
    folder = project_files(tmp_path / "project")
    assert "-r requirements.txt" in planned(folder)  # nothing installed yet
    installed(folder)
    assert "-r requirements.txt" not in planned(folder)  # up to date
    stamp = folder / ".venv" / ".ready"
    future = time.time() + 10 * 365 * 86400
    os.utime(stamp, (future, future))  # a stamp dated in the future ...
    with (folder / "requirements.txt").open("a") as lock:
        lock.write("# a changed lock\n")
    assert "-r requirements.txt" in planned(folder)  # ... no longer hides a changed lock


@pytest.mark.parametrize("name", ["a folder with spaces", "Ünïcode bøok"])
def test_every_path_in_the_install_commands_is_quoted(tmp_path: Path, name: str) -> None:
    folder = project_files(tmp_path / name)
    commands = planned(folder)
    assert f'VIRTUAL_ENV="{folder}/.venv"' in commands
    assert f'PATH="{folder}/.venv/bin:$PATH"' in commands


@pytest.mark.slow
def test_make_book_builds_in_a_folder_with_spaces_and_accents(tmp_path: Path) -> None:
    folder = tmp_path / "a folder" / "Ünïcode bøok"
    folder.parent.mkdir()
    subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(folder)], check=True)
    environment = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "MAKEFLAGS")}
    done = subprocess.run(
        ["make", "book"], cwd=folder, env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    assert (folder / "_build" / "html" / "index.html").exists()
