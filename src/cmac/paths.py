"""Where the project's data and build outputs live by default.

These are defaults for a chapter run by hand. A build passes its chapters their data and
output folders explicitly (notebook parameters ``data_dir`` and ``results_dir``).
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def data_dir() -> Path:
    """The read-only source data."""
    return PROJECT_ROOT / "data"


def build_dir() -> Path:
    """Where derived outputs go; never inside data/."""
    return PROJECT_ROOT / "_build"


def display_path(path: Path) -> str:
    """The path relative to the project where possible, so messages stay short."""
    try:
        return str(Path(path).absolute().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)
