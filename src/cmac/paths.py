"""Where the project's data and build outputs live."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The read-only source data; CMAC_DATA_DIR overrides it (tests use copies)."""
    return Path(os.environ.get("CMAC_DATA_DIR", PROJECT_ROOT / "data"))


def build_dir() -> Path:
    """Where derived outputs go; never inside data/."""
    return Path(os.environ.get("CMAC_BUILD_DIR", PROJECT_ROOT / "_build"))


def use_data_dir(path: str | os.PathLike[str] | None) -> Path:
    """Point the loaders at another data folder (a chapter parameter); empty keeps the default."""
    if path:
        folder = Path(path).resolve()
        if not folder.is_dir():
            raise FileNotFoundError(f"data_dir parameter: no such folder: {folder}")
        os.environ["CMAC_DATA_DIR"] = str(folder)
    return data_dir()
