"""cmac.models against reference values computed independently in R (lm, anova, strucchange,
MASS::glm.nb) from the same data file. tests/reference/README.md says how they were made;
R is not needed to run these tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cmac import analysis, models, params, tables
from cmac.data import load

REFERENCE = json.loads((Path(__file__).parent / "reference" / "r_reference.json").read_text())
R_NAMES = {"(Intercept)": "const", "t": "trend"}
SCALES = ["log", "level"]
DENSITY_FORMS = {
    "linear_ramp": "Linear trend + ramp (pre-specified)",
    "quadratic": "Quadratic trend",
    "quadratic_ramp": "Quadratic trend + ramp",
}


@pytest.fixture(scope="module", params=SCALES)
def run_and_reference(request: pytest.FixtureRequest) -> tuple[analysis.ModelRun, dict]:
    """Chapter 5's own path (data loading, series, design, fits) at its default settings."""
    settings = params.ModelParameters(scale=request.param, bootstrap_replications=99)
    run = analysis.run_models(load("clearance_1992_1999"), load("clearance_2000_2012"), settings)
    return run, REFERENCE[request.param]


def test_reference_covers_the_same_thirteen_years(run_and_reference) -> None:
    run, _ = run_and_reference
    assert len(run.y) == REFERENCE["n"] == 13


def test_its_coefficients_and_standard_errors_match_r_lm(run_and_reference) -> None:
    run, reference = run_and_reference
    for name, expected in reference["models"].items():
        fit = run.fits[name]
        for r_term, value in expected["coefficients"].items():
            term = R_NAMES.get(r_term, r_term)
            assert fit.params[term] == pytest.approx(value["estimate"], rel=1e-8, abs=1e-10)
            assert fit.bse[term] == pytest.approx(value["se"], rel=1e-8)
        assert fit.ssr == pytest.approx(expected["rss"], rel=1e-10)


def test_aicc_matches_r_loglik_with_sigma_counted(run_and_reference) -> None:
    run, reference = run_and_reference
    for name, expected in reference["models"].items():
        assert models.aicc(run.fits[name]) == pytest.approx(expected["aicc"], rel=1e-10)


def test_nested_f_tests_match_r_anova(run_and_reference) -> None:
    run, reference = run_and_reference
    for name, expected in reference["nested_f"].items():
        test = models.nested_f_test(run.fits[name], run.fits[models.NESTED_IN[name]])
        assert (test.df_num, test.df_den) == (expected["df_num"], expected["df_den"])
        assert test.f == pytest.approx(expected["f"], rel=1e-9)
        assert test.p == pytest.approx(expected["p"], rel=1e-8)


def test_chow_at_2005_matches_strucchange_sctest(run_and_reference) -> None:
    run, reference = run_and_reference
    times = run.series["time"].to_numpy()
    test = models.chow_test(run.y.to_numpy(), times, int(np.flatnonzero(times == 2005)[0]))
    assert test.f == pytest.approx(reference["chow"]["f"], rel=1e-9)
    assert test.p == pytest.approx(reference["chow"]["p"], rel=1e-8)


def test_f_sequence_matches_strucchange_fstats_per_coefficient(run_and_reference) -> None:
    # strucchange's Fstats are Wald statistics, not divided by the 2 coefficients tested.
    run, reference = run_and_reference
    times = run.series["time"].to_numpy()
    candidates = models.candidate_breaks(len(times), run.params.min_segment)
    assert [int(times[c]) for c in candidates] == reference["fstats"]["first_years"]
    ours = models.f_statistics(run.y.to_numpy(), times, candidates)
    assert ours == pytest.approx(np.array(reference["fstats"]["f"]) / 2, rel=1e-9)
    assert run.sup_f.stat == pytest.approx(max(reference["fstats"]["f"]) / 2, rel=1e-9)


@pytest.mark.parametrize("min_segment", [3, 4])
def test_bic_segmentation_matches_strucchange_breakpoints(run_and_reference, min_segment) -> None:
    run, reference = run_and_reference
    times = run.series["time"].to_numpy()
    table = models.bic_segmentation(run.y.to_numpy(), times, 3, min_segment)
    expected = reference["segmentation"][f"h{min_segment}"]
    assert table["breaks"].tolist() == [row["breaks"] for row in expected]
    for (_, ours), theirs in zip(table.iterrows(), expected, strict=True):
        assert list(ours["first_years"]) == theirs["first_years"]
        assert ours["rss"] == pytest.approx(theirs["rss"], rel=1e-9)
        assert ours["bic"] == pytest.approx(theirs["bic"], rel=1e-9, abs=1e-9)


def test_chapter_segmentations_are_the_ones_checked(run_and_reference) -> None:
    run, reference = run_and_reference
    chosen = reference["segmentation"]["h3"]
    best = min(chosen, key=lambda row: row["bic"])
    assert tuple(run.segmentation.loc[run.segmentation["chosen"], "first_years"].iloc[0]) == tuple(
        best["first_years"]
    )


@pytest.mark.parametrize("item", tables.ITEMS)
@pytest.mark.parametrize("form", DENSITY_FORMS)
def test_negative_binomial_fits_match_mass_glm_nb(item: str, form: str) -> None:
    late = load("clearance_2000_2012")
    design = analysis.density_terms(late, (2008, 2010))[analysis.DENSITY_FORMS[DENSITY_FORMS[form]]]
    area = late["area_m2"].to_numpy() / tables.M2_PER_KM2
    fit = models.fit_negbin(late[item].to_numpy(), area, design)
    expected = REFERENCE["negbin"][item][form]
    assert expected["converged"] and fit.mle_retvals["converged"]
    for r_term, value in expected["coefficients"].items():
        term = R_NAMES.get(r_term, r_term)
        assert fit.params[term] == pytest.approx(value["estimate"], rel=1e-6, abs=1e-9)
        # statsmodels inverts the observed information of (β, α) together; glm.nb's own SEs
        # hold θ fixed, so the reference is R's numerical Hessian of the joint likelihood.
        assert fit.bse[term] == pytest.approx(value["se_observed"], rel=1e-5)
    assert fit.params["alpha"] == pytest.approx(expected["alpha"], rel=1e-7)
    assert fit.llf == pytest.approx(expected["loglik"], rel=1e-8)


@pytest.fixture(scope="module")
def trend_rows() -> pd.DataFrame:
    """Chapter 5's trend table, by the chapter's own call."""
    table = analysis.trend_table(
        load("clearance_1992_1999"), load("clearance_2000_2012"), "1992-06"
    )
    return table.set_index(["series", "method"])


AR1 = "AR(1) errors (ML)"


@pytest.mark.parametrize("series", ["2000–2012", "1992–2012"])
@pytest.mark.parametrize("scale", SCALES)
def test_every_ar1_row_of_the_trend_table_matches_r_arima(trend_rows, series, scale) -> None:
    # R's arima (method "ML") takes its standard errors from the numerical Hessian, as
    # statsmodels' cov_type="approx" does; "oim" (Harvey's analytic information) differs by
    # up to 3 % here (0.765 against R's 0.748 for the 2000–2012 slope), which this fails.
    # Both optimisers stop on a flat likelihood, so estimates agree to about 1e-4.
    expected = REFERENCE["ar1_trend"][series.replace("–", "-")][scale]
    row = trend_rows.loc[(series, AR1)]
    column = "growth" if scale == "log" else "slope"
    as_shown = models.percent_change if scale == "log" else (lambda v: v)
    for ours, theirs in [("", "slope"), ("_low", "ci_low"), ("_high", "ci_high")]:
        assert row[f"{column}{ours}"] == pytest.approx(float(as_shown(expected[theirs])), rel=1e-3)
    # the interval's half-width is 1.96 standard errors: compare it more tightly than the ends
    half = (row[f"{column}_high"] - row[f"{column}_low"]) / 2
    if scale == "log":
        half_r = float(as_shown(expected["ci_high"]) - as_shown(expected["ci_low"])) / 2
    else:
        half_r = 1.959963984540054 * expected["se"]
    assert half == pytest.approx(half_r, rel=2e-3)
    assert row[f"{column}_phi"] == pytest.approx(expected["phi"], abs=1e-3)


def test_the_fixture_has_every_ar1_row_of_the_trend_table(trend_rows) -> None:
    shown = {series for series, method in trend_rows.index if method == AR1}
    assert {s.replace("–", "-") for s in shown} == set(REFERENCE["ar1_trend"])
    assert all(set(v) == set(SCALES) for v in REFERENCE["ar1_trend"].values())


@pytest.mark.parametrize("item", tables.ITEMS)
def test_chapter_6_headline_trend_matches_mass_glm_nb(item: str) -> None:
    # The yearly % change in items per km² (negative binomial, trend only), with its Wald
    # 95 % CI from the observed information of (β, α) together: R's optimHess SE.
    late = load("clearance_2000_2012")
    headline = analysis.density_trend(late, item)
    expected = REFERENCE["negbin"][item]["trend"]["coefficients"]["t"]
    z = 1.959963984540054
    want = [
        expected["estimate"],
        expected["estimate"] - z * expected["se_observed"],
        expected["estimate"] + z * expected["se_observed"],
    ]
    assert headline.converged
    assert headline.per_year == pytest.approx(
        [float(models.percent_change(v)) for v in want], rel=1e-4
    )
    span = headline.span_years
    assert span == 12
    assert headline.over_span == pytest.approx([100 * np.expm1(span * v) for v in want], rel=1e-4)
