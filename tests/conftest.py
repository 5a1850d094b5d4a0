"""Shared fixtures: a writable copy of data/ for the loaders to read instead of the real one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cmac.paths import PROJECT_ROOT


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A temporary copy of data/ inside a project folder of its own; edit its files to make
    bad input, and pass the folder to the loaders."""
    folder = tmp_path / "project" / "data"
    shutil.copytree(PROJECT_ROOT / "data", folder)
    return folder
