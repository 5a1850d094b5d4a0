"""Shared fixtures: a writable copy of data/ that the loaders read instead of the real one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cmac.paths import PROJECT_ROOT


@pytest.fixture
def data_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary copy of data/; edit its files to make bad input."""
    folder = tmp_path / "data"
    shutil.copytree(PROJECT_ROOT / "data", folder)
    monkeypatch.setenv("CMAC_DATA_DIR", str(folder))
    return folder
