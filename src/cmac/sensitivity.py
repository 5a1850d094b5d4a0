"""Chapter 5's models refitted over a grid of settings, in this process, with the same
functions chapter 5 calls (:func:`cmac.analysis.run_models`).

The grid varies the settings one at a time and jointly (scale × series start × land-release
timing), starting from chapter 5's own parameters, so the baseline row is chapter 5's run.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd

from cmac import analysis, models, render
from cmac.params import ModelParameters

ONE_AT_A_TIME: list[tuple[str, dict[str, object]]] = [
    ("Baseline (as in chapter 5)", {}),
    ("Without 2010", {"drop_2010": True}),
    ("Brush cutters from 2004", {"brush_cutter_year": 2004}),
    ("Brush cutters from 2006", {"brush_cutter_year": 2006}),
    ("Minimum segment of 4 years", {"min_segment": 4}),
    ("Other Monte Carlo seed", {"seed": 1}),
]
SCALES = {"log": "log", "level": "level"}
STARTS = {2000: "from 2000", 1992: "from 1992"}
LAND_RELEASE_TIMINGS: dict[str, dict[str, int]] = {
    "LR 2008": {
        "land_release_step_year": 2008,
        "land_release_ramp_start": 2007,
        "land_release_ramp_end": 2009,
    },
    "LR 2009": {
        "land_release_step_year": 2009,
        "land_release_ramp_start": 2008,
        "land_release_ramp_end": 2010,
    },
    "LR 2010": {
        "land_release_step_year": 2010,
        "land_release_ramp_start": 2009,
        "land_release_ramp_end": 2011,
    },
}


# Settings that reach only the break searches (sup-F's Monte Carlo draws, the BIC search):
# a run that changes nothing else refits the five models on the same data and design, so it
# cannot move any of their estimates, the averaged ones included.
SEARCH_ONLY = frozenset({"seed", "min_segment", "bootstrap_replications"})


def fit_settings(params: ModelParameters) -> dict[str, object]:
    """The parameters that enter the five models' fits."""
    return {k: v for k, v in dataclasses.asdict(params).items() if k not in SEARCH_ONLY}


def can_move_estimates(params: ModelParameters, baseline: ModelParameters) -> bool:
    """Whether a run's settings could change the models' estimates at all."""
    return fit_settings(params) != fit_settings(baseline)


def joint_grid() -> list[tuple[str, dict[str, object]]]:
    """Every combination of scale, series start and land-release timing."""
    return [
        (f"{scale}, {STARTS[start]}, {timing}", {"scale": scale, "series_start": start, **dates})
        for scale, start, (timing, dates) in itertools.product(
            SCALES, STARTS, LAND_RELEASE_TIMINGS.items()
        )
    ]


def summarise(run: analysis.ModelRun) -> dict[str, object]:
    """The numbers the sensitivity table shows, under the keys chapter 5 records them by."""
    row: dict[str, object] = {
        "n_points": len(run.y),
        "effect_unit": run.unit,
        "f_bc_p": float(run.comparison.set_index("model").at["bc_level_slope", "p"]),
        "best_model_id": run.comparison.sort_values("aicc").iloc[0]["model"],
        "supf_year": int(run.series["time"].to_numpy()[run.sup_f.break_index]),
        "supf_p": run.sup_f.p_monte_carlo,
        "supf_p_se": run.sup_f.p_se,
        "w_lr_step": float(run.comparison.set_index("model").at["bc_lr_step", "weight"]),
        "w_lr_ramp": float(run.comparison.set_index("model").at["bc_lr_ramp", "weight"]),
        "f_joint_p": run.joint_f_test().p,
        "holm_terms_min": float(run.holm_terms().min()),
        "nominal_max_weight": float(run.nominal_terms()["weight"].max())
        if len(run.nominal_terms())
        else 0.0,
        "bp_years": ", ".join(map(str, run.break_years())) or "none",
        "misspecified": run.misspecified,
    }
    averages = {
        "bc_avg": run.averaged_effect("bc_level"),  # in the run's unit, as chapter 5 records it
        "bc_avg_pct": run.averaged_as_percent(run.averaged_effect("bc_level")),  # always in %
        "lr_avg": run.averaged_land_release(),
    }
    for key, averaged in averages.items():
        row.update(
            {
                key: float(averaged.estimate),
                f"{key}_low": float(averaged.low),
                f"{key}_high": float(averaged.high),
            }
        )
    for key, (model, term) in {
        "bc_level": ("bc_level_slope", "bc_level"),
        "lr_step": ("bc_lr_step", "lr_step"),
        "lr_ramp": ("bc_lr_ramp", "lr_ramp"),
    }.items():
        effect = run.effect(model, term)
        row.update(
            {
                key: float(effect["estimate"]),
                f"{key}_low": float(effect["ci_low"]),
                f"{key}_high": float(effect["ci_high"]),
            }
        )
    return row


def run_grid(
    early: pd.DataFrame,
    late: pd.DataFrame,
    baseline: ModelParameters,
    grid: list[tuple[str, dict[str, object]]] | None = None,
) -> pd.DataFrame:
    """One fit of chapter 5's models per setting, each starting from ``baseline``.

    A joint setting that repeats an earlier one (the baseline, usually) is left out, so every
    row is a distinct run.
    """
    rows, seen = [], set()
    for label, changes in grid if grid is not None else ONE_AT_A_TIME + joint_grid():
        params = dataclasses.replace(baseline, **changes)  # type: ignore[arg-type]
        if params in seen:
            continue
        seen.add(params)
        summary = summarise(analysis.run_models(early, late, params))
        rows.append(
            {
                "label": label,
                "joint": label not in dict(ONE_AT_A_TIME),
                "baseline": params == baseline,
                "can_move": params == baseline or can_move_estimates(params, baseline),
                "scale": params.scale,
                "series_start": params.series_start,
                "land_release_step_year": params.land_release_step_year,
                "changes": ", ".join(f"{k}={v}" for k, v in changes.items()) or "none",
                **summary,
            }
        )
    return pd.DataFrame(rows)


def invariant_pairs(runs: pd.DataFrame, term: str, tolerance: float = 1e-9) -> tuple[int, int]:
    """Of the pairs of joint runs that differ only in the series start, how many give the
    same ``term`` estimate (to ``tolerance``). Returns (identical, pairs)."""
    joint = runs[runs["joint"]]
    pairs = joint.groupby(["scale", "land_release_step_year"])[term].agg(["min", "max", "size"])
    pairs = pairs[pairs["size"] == 2]
    return int(((pairs["max"] - pairs["min"]).abs() < tolerance).sum()), len(pairs)


def ci_text(row: pd.Series, key: str) -> str:
    """'21.4 % (17.2 to 25.7)', or in km²/yr on the level scale; true minus signs."""
    unit = "%" if row["effect_unit"] == "%" else "km²/yr"
    return render.estimate_ci(row[key], row[f"{key}_low"], row[f"{key}_high"], unit=unit)


def excludes_zero(runs: pd.DataFrame, key: str) -> pd.Series:
    return (runs[f"{key}_low"] > 0) | (runs[f"{key}_high"] < 0)


def sensitivity_layout(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per run, for display; the CSV keeps each estimate and its bounds as numbers."""
    frame = frame.reset_index(drop=True)
    effects = {
        "bc_avg_pct": "Brush cutters, averaged, % (95 % CI)",
        "lr_avg": "Land release, averaged (95 % CI)",
        "lr_step": "Land release, step (95 % CI)",
        "lr_ramp": "Land release, ramp (95 % CI)",
    }
    marks = np.where(frame["misspecified"], " †", "") + np.where(frame["can_move"], "", " ‡")
    shown = pd.DataFrame(
        {
            "Run": frame["label"] + marks,
            "n": frame["n_points"].map(render.number),
            effects["bc_avg_pct"]: [
                render.estimate_ci(
                    r["bc_avg_pct"], r["bc_avg_pct_low"], r["bc_avg_pct_high"], unit="%"
                )
                for _, r in frame.iterrows()
            ],
            effects["lr_avg"]: [ci_text(r, "lr_avg") for _, r in frame.iterrows()],
            effects["lr_step"]: [ci_text(r, "lr_step") for _, r in frame.iterrows()],
            effects["lr_ramp"]: [ci_text(r, "lr_ramp") for _, r in frame.iterrows()],
            "F test p": frame["f_bc_p"].map(render.p_value),
            "Lowest AICc": frame["best_model_id"].map(models.MODEL_SHORT),
            "sup-F year (p, simulation SE)": [
                f"{int(y)} ({render.p_value(p)}, SE\u00a0{render.number(se, 3)})"
                for y, p, se in zip(
                    frame["supf_year"], frame["supf_p"], frame["supf_p_se"], strict=True
                )
            ],
            "BIC breaks": frame["bp_years"],
        }
    )
    csv = pd.DataFrame(
        {
            "run": frame["label"],
            "misspecified": frame["misspecified"],
            "can_move_estimates": frame["can_move"],
            "n_points": frame["n_points"],
            "effect_unit": frame["effect_unit"].map({"%": "pct"}).fillna("km2_per_year"),
        }
    )
    for key in ("bc_avg", "bc_level", *effects):  # bc_avg in the run's unit, bc_avg_pct in %
        for suffix in ("", "_low", "_high"):
            csv[f"{key}{suffix}"] = frame[f"{key}{suffix}"]
    csv["bc_level_f_test_p"] = frame["f_bc_p"]
    csv["lowest_aicc_model"] = frame["best_model_id"]
    csv["sup_f_year"] = frame["supf_year"].astype(int)
    csv["sup_f_p"] = frame["supf_p"]
    csv["sup_f_p_simulation_se"] = frame["supf_p_se"]
    csv["bic_break_years"] = frame["bp_years"]
    return render.with_csv(shown, csv)
