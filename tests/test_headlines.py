"""The headline figures of chapters 5 to 7 (issue 21): model-averaged brush-cutter and
land-release effects, the facts behind "the averaged interval includes no change", the
simulation standard errors of Monte Carlo results, and chapter 7's ranges. Each is checked
against an independent computation: R's values in tests/reference, a known answer, or a
repeated simulation."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cmac import analysis, models, params, sensitivity
from cmac.data import load

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = json.loads((ROOT / "tests" / "reference" / "r_reference.json").read_text())
R_NAMES = {"(Intercept)": "const", "t": "trend"}


@pytest.fixture(scope="module", params=["log", "level"])
def run(request: pytest.FixtureRequest) -> analysis.ModelRun:
    settings = params.ModelParameters(scale=request.param, bootstrap_replications=99)
    return analysis.run_models(load("clearance_1992_1999"), load("clearance_2000_2012"), settings)


def r_average(scale: str, terms: tuple[str, ...]) -> tuple[float, float, float]:
    """Burnham and Anderson's average and unconditional-SE interval, from R's lm fits alone."""
    fitted = REFERENCE[scale]["models"]
    aicc = np.array([m["aicc"] for m in fitted.values()])
    weights = np.exp(-(aicc - aicc.min()) / 2)
    weights /= weights.sum()
    est, se = [], []
    for model in fitted.values():
        present = [t for t in terms if t in model["coefficients"]]
        est.append(model["coefficients"][present[0]]["estimate"] if present else 0.0)
        se.append(model["coefficients"][present[0]]["se"] if present else 0.0)
    est, se = np.array(est), np.array(se)
    mean = float(weights @ est)
    unconditional = float(weights @ np.sqrt(se**2 + (est - mean) ** 2))
    half = stats.t.ppf(0.975, REFERENCE["n"] - 5) * unconditional
    values = (mean, mean - half, mean + half)
    if scale == "log":
        return tuple(100 * math.expm1(v) for v in values)  # type: ignore[return-value]
    return values


def test_averaged_brush_cutter_effect_matches_one_computed_from_r(run) -> None:
    ours = run.averaged_effect("bc_level")
    want = r_average(run.params.scale, ("bc_level",))
    assert (ours.estimate, ours.low, ours.high) == pytest.approx(want, rel=1e-7)


def test_averaged_land_release_takes_each_model_s_own_step_or_ramp(run) -> None:
    ours = run.averaged_land_release()
    want = r_average(run.params.scale, ("lr_step", "lr_ramp"))
    assert (ours.estimate, ours.low, ours.high) == pytest.approx(want, rel=1e-7)
    # not the same as averaging the ramp alone (the step model would then count as no change)
    ramp_only = run.averaged_effect("lr_ramp")
    assert ramp_only.estimate != pytest.approx(ours.estimate, rel=1e-3)


def test_joint_f_test_matches_r_anova(run) -> None:
    test = run.joint_f_test()
    expected = REFERENCE[run.params.scale]["joint_f"]
    assert (test.df_num, test.df_den) == (expected["df_num"], expected["df_den"])
    assert test.f == pytest.approx(expected["f"], rel=1e-9)
    assert test.p == pytest.approx(expected["p"], rel=1e-8)


def test_nominal_terms_are_those_whose_interval_excludes_zero(run) -> None:
    terms = run.effects[run.effects["term"].isin(analysis.INTERVENTION_TERMS)]
    excludes = terms[(terms["ci_low"] > 0) | (terms["ci_high"] < 0)]
    hits = run.nominal_terms()
    assert sorted(zip(hits["model"], hits["term"], strict=True)) == sorted(
        zip(excludes["model"], excludes["term"], strict=True)
    )
    weights = run.comparison.set_index("model")["weight"]
    assert hits["weight"].tolist() == [weights[m] for m in hits["model"]]


def test_holm_of_the_terms_by_hand(run) -> None:
    raw = run.effects[run.effects["term"].isin(analysis.INTERVENTION_TERMS)]["p"].to_numpy()
    m = len(raw)
    order = np.sort(raw)
    by_hand = np.maximum.accumulate(np.minimum(1, (m - np.arange(m)) * order))
    assert run.holm_terms().min() == pytest.approx(by_hand[0])
    assert sorted(run.holm_terms()) == pytest.approx(sorted(by_hand))


def test_nominal_phrase_counts_and_weights() -> None:
    import pandas as pd

    none = analysis.nominal_phrase(pd.DataFrame(columns=["model", "weight"]))
    assert none.startswith("no single")
    some = analysis.nominal_phrase(
        pd.DataFrame({"model": ["a", "a", "b"], "weight": [0.1, 0.1, 0.15]})
    )
    assert some.startswith("3 single terms have") and "2 models" in some and some.endswith("0.15")


# --- simulation standard errors ---------------------------------------------------------


def test_p_value_se_is_the_binomial_one() -> None:
    assert models.monte_carlo_p_se(0.5, 100) == pytest.approx(0.05)
    assert models.monte_carlo_p_se(0.0, 99) == 0.0
    with pytest.raises(ValueError):
        models.monte_carlo_p_se(1.5, 10)


def test_p_value_se_matches_the_spread_over_seeds() -> None:
    # the sup-F p over 60 seeds with 199 draws each: its spread is what p_se claims
    y = np.log(load("clearance_2000_2012")["area_m2"].to_numpy() / 1e6)
    times = np.arange(2000, 2013, dtype=float)
    tests = [models.sup_f_test(y, times, 3, 199, seed) for seed in range(60)]
    spread = np.std([t.p_monte_carlo for t in tests], ddof=1)
    claimed = np.mean([t.p_se for t in tests])
    assert claimed == pytest.approx(spread, rel=0.3)


def test_quantile_se_matches_the_normal_answer_and_the_spread_over_draws() -> None:
    rng = np.random.default_rng(7)
    draws = rng.standard_normal((200, 999))
    quantiles = np.quantile(draws, 0.95, axis=1)
    claimed = np.mean([models.monte_carlo_quantile_se(d, 0.95) for d in draws[:40]])
    asymptotic = math.sqrt(0.95 * 0.05 / 999) / stats.norm.pdf(stats.norm.ppf(0.95))
    assert claimed == pytest.approx(asymptotic, rel=0.15)
    assert claimed == pytest.approx(np.std(quantiles, ddof=1), rel=0.2)


def test_sup_f_carries_both_simulation_errors() -> None:
    y = np.log(load("clearance_2000_2012")["area_m2"].to_numpy() / 1e6)
    times = np.arange(2000, 2013, dtype=float)
    few, many = (models.sup_f_test(y, times, 3, reps, 1) for reps in (199, 3999))
    for test in (few, many):
        assert test.p_se == pytest.approx(
            models.monte_carlo_p_se(test.p_monte_carlo, test.replications)
        )
        assert test.critical_95_se > 0
    assert many.critical_95_se < few.critical_95_se


def test_density_table_shows_the_bootstrap_p_with_its_se() -> None:
    late = load("clearance_2000_2012")
    density = analysis.run_density(late, (2008, 2010), 19, 1)
    shown = analysis.density_layout(density)
    p = density.bootstrap["ap_mines"][1]
    assert shown.iloc[0]["p, land release (bootstrap)"].endswith(
        f"(SE\u00a0{models.monte_carlo_p_se(p, 19):.3f})"
    )
    assert shown.attrs["csv"]["land_release_p_bootstrap_se"].iloc[0] == pytest.approx(
        models.monte_carlo_p_se(p, 19)
    )


# --- chapter 7 ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def grid():
    base = params.ModelParameters(bootstrap_replications=99)
    return base, sensitivity.run_grid(
        load("clearance_1992_1999"), load("clearance_2000_2012"), base
    )


ESTIMATES = ["bc_avg", "bc_avg_pct", "lr_avg", "bc_level", "lr_step", "lr_ramp"]


def test_runs_that_cannot_move_repeat_every_estimate_and_the_others_move_the_average(grid) -> None:
    _, runs = grid
    base = runs[runs["baseline"]].iloc[0]
    fixed, moving = runs[~runs["can_move"]], runs[runs["can_move"] & ~runs["baseline"]]
    assert set(fixed["label"]) == {"Minimum segment of 4 years", "Other Monte Carlo seed"}
    for _, row in fixed.iterrows():
        for key in ESTIMATES:
            for end in ("", "_low", "_high"):
                assert row[f"{key}{end}"] == pytest.approx(base[f"{key}{end}"], rel=1e-12)
    assert (moving["bc_avg"] - base["bc_avg"]).abs().min() > 1e-6


def test_baseline_row_is_chapter_5_headline(grid) -> None:
    base_params, runs = grid
    base = runs[runs["baseline"]].iloc[0]
    chapter5 = analysis.run_models(
        load("clearance_1992_1999"), load("clearance_2000_2012"), base_params
    )
    averaged, land = chapter5.averaged_effect("bc_level"), chapter5.averaged_land_release()
    assert (base["bc_avg"], base["bc_avg_low"], base["bc_avg_high"]) == (
        averaged.estimate,
        averaged.low,
        averaged.high,
    )
    assert (base["lr_avg"], base["lr_avg_low"], base["lr_avg_high"]) == (
        land.estimate,
        land.low,
        land.high,
    )


def test_level_run_in_percent_divides_by_the_earlier_trend(grid) -> None:
    _, runs = grid
    level = runs[(runs["scale"] == "level") & (runs["land_release_step_year"] == 2009)].iloc[0]
    run = analysis.run_models(
        load("clearance_1992_1999"),
        load("clearance_2000_2012"),
        params.ModelParameters(scale="level", bootstrap_replications=99),
    )
    fit = run.fits["bc_level_slope"]
    x = run.terms.loc[[2005], fit.params.index].assign(bc_level=0.0, bc_slope=0.0)
    trend_2005 = float(np.asarray(fit.predict(x))[0])
    assert level["bc_avg_pct"] == pytest.approx(100 * level["bc_avg"] / trend_2005, rel=1e-10)


def test_the_published_record_ties_chapter_7_to_chapter_5() -> None:
    with (ROOT / "tests" / "golden" / "results.csv").open(newline="", encoding="utf-8") as f:
        record = {(r["chapter"], r["key"]): r["value"] for r in csv.DictReader(f)}
    for key in ("bc_avg", "bc_avg_low", "bc_avg_high", "lr_avg", "lr_avg_low", "lr_avg_high"):
        assert float(record[("07-sensitivity", f"base_{key}")]) == pytest.approx(
            float(record[("05-trends-and-breaks", key)]), rel=1e-12
        )
