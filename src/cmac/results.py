"""The results record: every number quoted in prose is glued and written down here.

Each chapter keeps a :class:`ResultsRecord`. ``add`` glues the formatted value for the prose
and writes the raw value to ``<build>/results/<chapter>.json``; the build merges those files
into ``results.csv`` (columns: chapter, key, value, unit, description).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cmac.paths import build_dir

RESULT_COLUMNS = ["chapter", "key", "value", "unit", "description"]


def glue_text(key: str, text: str) -> None:
    from myst_nb import glue

    glue(key, text, display=False)


@dataclass
class ResultsRecord:
    chapter: str
    out_dir: Path = field(default_factory=lambda: build_dir() / "results")
    glue: Callable[[str, str], None] = glue_text
    entries: dict[str, dict[str, object]] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.out_dir / f"{self.chapter}.json"

    def add(
        self, key: str, value: float | int | str, unit: str, description: str, fmt: str = "{:,}"
    ) -> None:
        """Glue ``value`` (formatted with ``fmt``) as ``key`` and record it."""
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"result {key!r} is not a finite number: {value}")
        if hasattr(value, "item"):  # numpy scalars -> plain Python for JSON
            value = value.item()
        text = fmt.format(value)
        self.glue(key, text)
        self.entries[key] = {
            "chapter": self.chapter,
            "key": key,
            "value": value,
            "unit": unit,
            "description": description,
        }
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(list(self.entries.values()), indent=1) + "\n")

    def add_ci(
        self,
        key: str,
        estimate_low_high: tuple[float, float, float],
        unit: str,
        description: str,
        fmt: str = "{:,.1f}",
    ) -> None:
        """An estimate and its 95 % CI as key, key_low and key_high."""
        estimate, low, high = estimate_low_high
        self.add(key, estimate, unit, description, fmt)
        self.add(f"{key}_low", low, unit, f"{description}: lower 95 % limit", fmt)
        self.add(f"{key}_high", high, unit, f"{description}: upper 95 % limit", fmt)

    def values_with_unit(self, unit: str) -> pd.Series:
        """Every number recorded so far with this unit (for example all p-values), by key."""
        return pd.Series(
            {k: e["value"] for k, e in self.entries.items() if e["unit"] == unit}, dtype=float
        )


def merge_results(files: list[Path]) -> pd.DataFrame:
    """The chapters' records, in the order given, one row per number."""
    frames = [
        pd.DataFrame(json.loads(path.read_text()), columns=RESULT_COLUMNS)
        for path in files
        if path.exists()
    ]
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    return pd.concat(frames, ignore_index=True)
