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
from cmac.results import Finding, ci_findings

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


# The numbers chapter 7 quotes, as findings computed from the grid (:func:`run_grid`), so the
# chapter records them with one call.
def sensitivity_findings(
    runs: pd.DataFrame, base: ModelParameters, baseline: dict[str, object], last_year: int
) -> list[Finding]:
    """Everything chapter 7 says about the grid: which runs count, the range of the averaged
    effects, the tests across runs, and what cannot move. ``baseline``: chapter 5's set
    parameters; ``last_year``: the series' last year."""
    counted = runs[~runs["misspecified"]]
    moving = counted[counted["can_move"]]
    return [
        *grid_findings(runs, moving, base, baseline),
        *range_findings(runs, moving),
        *evidence_findings(counted, moving, base),
        *invariance_findings(runs, base, last_year),
        *summary_findings(runs, counted),
    ]


def grid_findings(
    runs: pd.DataFrame, moving: pd.DataFrame, base: ModelParameters, baseline: dict[str, object]
) -> list[Finding]:
    """Which runs there are and which count as evidence."""
    counted = runs[~runs["misspecified"]]
    fixed = counted[~counted["can_move"]]
    changed = ", ".join(f"{k} = {v}" for k, v in baseline.items())
    return [
        Finding("baseline_text", changed or "its default parameters", "text",
                "Chapter 5 parameters of the baseline"),
        Finding("reps", base.bootstrap_replications, "count", "Monte Carlo draws per run"),
        Finding("n_runs", len(runs), "count", "Sensitivity runs"),
        Finding("n_misspecified", int(runs["misspecified"].sum()), "count", "Runs from 1992"),
        Finding("misspec_p_max", runs.loc[runs["misspecified"], "supf_p"].max(), "p",
                "Largest sup-F p among the runs from 1992", "{:.3f}"),
        Finding("n_specified", len(counted), "count", "Runs counted as evidence"),
        Finding("n_moving", len(moving), "count",
                "Counted runs whose settings can move the estimates"),
        Finding("n_fixed", len(fixed), "count",
                "Counted runs that change only the break searches"),
        Finding("fixed_runs", "; ".join(fixed["label"]) or "none", "text", "Those runs"),
    ]


AVERAGED = {
    "bc_avg": "Brush-cutter change, model-averaged (chapter 5's headline)",
    "lr_avg": "Land-release effect, model-averaged (chapter 5's headline)",
}


def columns_ci(row: pd.Series, key: str) -> tuple[float, float, float]:
    """A run's estimate of ``key`` with its 95 % CI (columns key, key_low, key_high)."""
    return tuple(row[[key, f"{key}_low", f"{key}_high"]])  # type: ignore[return-value]


def range_findings(runs: pd.DataFrame, moving: pd.DataFrame) -> list[Finding]:
    """The baseline's averaged effects, and the smallest and largest averaged brush-cutter
    change over the runs that can move it."""
    baseline_row = runs[runs["baseline"]].iloc[0]
    rows: list[Finding] = []
    for key, what in AVERAGED.items():
        rows += ci_findings(f"base_{key}", columns_ci(baseline_row, key),
                            baseline_row["effect_unit"], f"Baseline run: {what}")
    for end, pick in [("min", moving["bc_avg_pct"].idxmin()),
                      ("max", moving["bc_avg_pct"].idxmax())]:
        row = moving.loc[pick]
        rows += ci_findings(f"bc_avg_{end}", columns_ci(row, "bc_avg_pct"), "%",
                            f"{'Smallest' if end == 'min' else 'Largest'} model-averaged "
                            "brush-cutter change across the runs that can move it, %")
        rows.append(Finding(f"bc_avg_{end}_run", row["label"], "text", "The run that gives it"))
    return rows + [
        Finding("n_bc_avg_zero", int((~excludes_zero(moving, "bc_avg")).sum()), "count",
                "Of those runs, how many have an averaged brush-cutter CI that includes no "
                "change"),
        Finding("n_lr_avg_zero", int((~excludes_zero(moving, "lr_avg")).sum()), "count",
                "Of those runs, how many have an averaged land-release CI that includes no "
                "change"),
    ]


def evidence_findings(
    counted: pd.DataFrame, moving: pd.DataFrame, base: ModelParameters
) -> list[Finding]:
    """The level-scale run, and the tests across the counted runs: nominal terms, Holm,
    the F tests, the land-release step and the break searches."""
    level = moving[(moving["scale"] == "level")
                   & (moving["land_release_step_year"] == base.land_release_step_year)].iloc[0]
    top = counted.loc[counted["nominal_max_weight"].idxmax()]
    step_sig = counted[excludes_zero(counted, "lr_step")]
    low_p = counted.loc[counted["supf_p"].idxmin()]
    return [
        *ci_findings("level_bc_avg", columns_ci(level, "bc_avg"), "km²/yr",
                     "Level-scale run: model-averaged brush-cutter change"),
        *ci_findings("level_bc_avg_pct", columns_ci(level, "bc_avg_pct"), "%",
                     "The same as % of the earlier trend's value at the brush-cutter year"),
        Finding("level_run", level["label"], "text", "The level-scale run"),
        Finding("nominal_max_weight", top["nominal_max_weight"], "", "Largest Akaike weight of "
                "a model with a term whose own 95 % CI excludes no change, counted runs",
                "{:.2f}"),
        Finding("nominal_max_run", top["label"], "text", "The run it is in"),
        Finding("holm_terms_min", counted["holm_terms_min"].min(), "p", "Smallest "
                "Holm-adjusted p of the single terms, over the counted runs", "{:.3f}"),
        Finding("f_joint_p_min", counted["f_joint_p"].min(), "p", "Smallest p of the joint F "
                "test of every brush-cutter and land-release term, counted runs", "{:.3f}"),
        Finding("n_f_sig", int((moving["f_bc_p"] < 0.05).sum()), "count",
                "Runs that can move the estimates with F-test p < 0.05"),
        Finding("n_lr_zero", int((~excludes_zero(moving, "lr_ramp")).sum()), "count",
                "Runs that can move it whose land-release ramp CI includes no change"),
        Finding("n_step_sig", len(step_sig), "count",
                "Counted runs whose land-release step CI excludes no change",
                "{} run" if len(step_sig) == 1 else "{} runs"),
        Finding("step_sig_runs", "; ".join(step_sig["label"]) or "none", "text", "Those runs"),
        Finding("step_sig_weight", step_sig["w_lr_step"].max() if len(step_sig) else 0.0, "",
                "Largest Akaike weight of the step model in those runs (0: none)", "{:.2f}"),
        Finding("supf_p_min", low_p["supf_p"], "p", "Smallest sup-F p, counted runs", "{:.3f}"),
        Finding("supf_p_min_se", low_p["supf_p_se"], "", "Its simulation standard error",
                "{:.3f}"),
        Finding("supf_years", ", ".join(str(int(y)) for y in sorted(set(counted["supf_year"]))),
                "years", "Years of the largest Chow F across counted runs", "{}"),
    ]


def invariance_findings(runs: pd.DataFrame, base: ModelParameters, last_year: int) -> list[Finding]:
    """What the design fixes: runs that differ only in the series' start give the same
    land-release estimate, and deleting one year leaves the brush-cutter level unchanged."""
    same, pairs = invariant_pairs(runs, "lr_ramp")
    after = range(base.brush_cutter_year, last_year + 1)
    return [
        Finding("lr_same", same, "count", "Start pairs with identical land-release estimates"),
        Finding("lr_pairs", pairs, "count", "Pairs of runs differing only in the start"),
        Finding("bc_year", base.brush_cutter_year, "year", "Baseline brush-cutter year"),
        Finding("last_year", last_year, "year", "Last year of the series"),
        Finding("invariant_year", models.deletion_leaves_level(after, base.brush_cutter_year),
                "year", "Year whose deletion leaves the brush-cutter level change unchanged",
                "{:.0f}"),
    ]


def summary_findings(runs: pd.DataFrame, counted: pd.DataFrame) -> list[Finding]:
    """Whether any search over the counted runs reaches 0.05, and how many log-scale runs
    give chapter 5's level-and-slope brush-cutter term unchanged."""
    baseline_row = runs[runs["baseline"]].iloc[0]
    searched = [counted["f_joint_p"].min(), counted["supf_p"].min(),
                counted["holm_terms_min"].min()]
    below = sum(p < 0.05 for p in searched)
    old_log = counted[counted["effect_unit"] == "%"]
    old_value = baseline_row["bc_level"]
    return [
        Finding("base_unit", "%" if baseline_row["effect_unit"] == "%" else "km²/yr", "text",
                "Unit of the baseline's averaged effects (chapter 5's)"),
        Finding("search_phrase", "none of the three tests reaches 0.05 in any counted run"
                if not below else f"{below} of the three tests reach 0.05 in at least one "
                "counted run", "text",
                "Whether the joint F, sup-F and Holm tests reach 0.05 in the counted runs"),
        Finding("old_bc_level", old_value, "%",
                "Baseline level change, level-and-slope model alone", "{:.1f}"),
        Finding("n_old_log", len(old_log), "count", "Counted runs on the log scale"),
        Finding("n_old_same", int(((old_log["bc_level"] - old_value).abs() < 1e-9).sum()),
                "count",
                "Of those, runs whose level-and-slope brush-cutter term equals the baseline's"),
    ]
