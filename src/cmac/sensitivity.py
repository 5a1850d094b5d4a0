"""Rerun the models chapter with papermill over a grid of parameters and collect its results."""

from __future__ import annotations

import json
import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import pandas as pd

from cmac import models
from cmac.data import record_read
from cmac.execute import KERNEL_OPTIONS
from cmac.paths import PROJECT_ROOT

MODELS_CHAPTER = PROJECT_ROOT / "chapters" / "05-trends-and-breaks.ipynb"

GRID: list[tuple[str, dict[str, object]]] = [
    ("Baseline (as in chapter 5)", {}),
    ("Land-release step from 2010", {"land_release_step_year": 2010}),
    ("Land-release ramp 2009–2010", {"land_release_ramp_start": 2009}),
    ("Level scale (km²/yr)", {"scale": "level"}),
    ("Series from 1992", {"series_start": 1992}),
    ("Without 2010", {"drop_2010": True}),
    ("Brush cutters from 2004", {"brush_cutter_year": 2004}),
    ("Brush cutters from 2006", {"brush_cutter_year": 2006}),
    ("Minimum segment of 4 years", {"min_segment": 4}),
    ("Other bootstrap seed", {"seed": 1}),
]

KEYS = [
    "n_points",
    "effect_unit",
    "bc_level",
    "bc_level_low",
    "bc_level_high",
    "f_bc_p",
    "lr_step",
    "lr_step_low",
    "lr_step_high",
    "lr_ramp",
    "lr_ramp_low",
    "lr_ramp_high",
    "best_model_id",
    "supf_year",
    "supf_p",
    "bp_years",
]


def read_results(path: Path) -> dict[str, object]:
    return {row["key"]: row["value"] for row in json.loads(path.read_text())}


def run_one(notebook: Path, run_dir: Path, parameters: dict[str, object]) -> dict[str, object]:
    """One papermill run of the chapter; its results record as a dict."""
    import papermill

    run_dir.mkdir(parents=True, exist_ok=True)
    papermill.execute_notebook(
        str(notebook),
        str(run_dir / notebook.name),
        parameters={**parameters, "results_dir": str(run_dir)},
        kernel_name="python3",
        cwd=str(notebook.parent),
        progress_bar=False,
        **KERNEL_OPTIONS,
    )
    return read_results(run_dir / f"{notebook.stem}.json")


def run_grid(
    out_dir: Path,
    grid: list[tuple[str, dict[str, object]]] = GRID,
    common: dict[str, object] | None = None,
    notebook: Path = MODELS_CHAPTER,
    keys: list[str] | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """One papermill run of ``notebook`` per grid row, several at once; a row per run."""
    record_read(notebook)  # this chapter's output depends on that notebook's content
    context = get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers or os.cpu_count(), mp_context=context) as pool:
        futures = [
            pool.submit(
                run_one, notebook, out_dir / f"run-{number:02d}", {**(common or {}), **changes}
            )
            for number, (_, changes) in enumerate(grid, start=1)
        ]
        results = [future.result() for future in futures]
    return pd.DataFrame(
        [
            {
                "run": number,
                "label": label,
                "changes": ", ".join(f"{k}={v}" for k, v in changes.items()) or "none",
                **{key: result.get(key) for key in (keys or KEYS)},
            }
            for number, ((label, changes), result) in enumerate(
                zip(grid, results, strict=True), start=1
            )
        ]
    )


def ci_text(row: pd.Series, key: str) -> str:
    unit = " %" if row["effect_unit"] == "%" else " km²/yr"
    return f"{row[key]:,.1f}{unit} ({row[f'{key}_low']:,.1f} to {row[f'{key}_high']:,.1f})"


def sensitivity_layout(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Run": frame["label"],
            "n": frame["n_points"],
            "Brush-cutter level (95 % CI)": [ci_text(r, "bc_level") for _, r in frame.iterrows()],
            "F test p": frame["f_bc_p"].map("{:.3f}".format),
            "Land release, step (95 % CI)": [ci_text(r, "lr_step") for _, r in frame.iterrows()],
            "Land release, ramp (95 % CI)": [ci_text(r, "lr_ramp") for _, r in frame.iterrows()],
            "Lowest AICc": frame["best_model_id"].map(models.MODEL_SHORT),
            "sup-F year (p)": [
                f"{int(y)} ({p:.3f})"
                for y, p in zip(frame["supf_year"], frame["supf_p"], strict=True)
            ],
            "BIC breaks": frame["bp_years"],
        }
    )
