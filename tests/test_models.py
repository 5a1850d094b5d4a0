"""Each method against an independent answer: hand computations, formulas, synthetic data."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cmac import models

YEARS = np.arange(2000, 2013)


def synthetic_log_area(noise_sd: float, rng: np.random.Generator, **effects: float) -> pd.Series:
    terms = models.its_terms(YEARS, models.Interventions())
    truth = {"const": 2.0, "trend": 0.05, **effects}
    mean = sum(terms[name] * value for name, value in truth.items())
    return pd.Series(mean + rng.normal(0, noise_sd, len(YEARS)), index=YEARS)


def test_its_terms_code_time_since_intervention_as_zero_before() -> None:
    terms = models.its_terms(YEARS, models.Interventions())
    assert terms["bc_level"].tolist() == [0] * 5 + [1] * 8
    assert terms["bc_slope"].tolist() == [0] * 5 + list(range(8))
    assert terms["lr_step"].tolist() == [0] * 9 + [1] * 4
    assert terms["lr_ramp"].tolist() == pytest.approx([0] * 8 + [1 / 3, 2 / 3, 1, 1, 1])
    with pytest.raises(ValueError, match="ramp"):
        models.its_terms(YEARS, models.Interventions(land_release_ramp=(2010, 2008)))


def test_segmented_fit_matches_normal_equations_by_hand() -> None:
    rng = np.random.default_rng(1)
    y = synthetic_log_area(0.2, rng, bc_level=0.5, bc_slope=0.1)
    design = models.its_terms(YEARS, models.Interventions())[models.ITS_MODELS["bc_level_slope"]]
    x = design.to_numpy()
    by_hand = np.linalg.solve(x.T @ x, x.T @ y.to_numpy())
    fitted = models.fit_ols(y, design)
    assert fitted.params.to_numpy() == pytest.approx(by_hand, rel=1e-10)
    residuals = y.to_numpy() - x @ by_hand
    sigma2 = residuals @ residuals / (len(y) - x.shape[1])
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    assert fitted.bse.to_numpy() == pytest.approx(se, rel=1e-10)


def test_noise_free_series_gives_exact_effects() -> None:
    y = synthetic_log_area(0.0, np.random.default_rng(0), bc_level=0.7, bc_slope=0.1, lr_ramp=0.4)
    fits = models.fit_its_models(y, models.its_terms(YEARS, models.Interventions()))
    params = fits["bc_lr_ramp"].params
    assert params["bc_level"] == pytest.approx(0.7, abs=1e-9)
    assert params["bc_slope"] == pytest.approx(0.1, abs=1e-9)
    assert params["lr_ramp"] == pytest.approx(0.4, abs=1e-9)
    effects = models.effects_table(fits["bc_lr_ramp"], log_scale=True).set_index("term")
    assert effects.at["bc_level", "estimate"] == pytest.approx(100 * (math.exp(0.7) - 1))


def test_confidence_intervals_cover_known_effects_at_nominal_rate() -> None:
    rng = np.random.default_rng(7)
    terms = models.its_terms(YEARS, models.Interventions())
    covered = []
    for _ in range(400):
        y = synthetic_log_area(0.15, rng, bc_level=0.6, bc_slope=0.05)
        fit = models.fit_ols(y, terms[models.ITS_MODELS["bc_level_slope"]])
        low, high = fit.conf_int().loc["bc_level"]
        covered.append(low <= 0.6 <= high)
    assert 0.92 <= np.mean(covered) <= 0.98


def test_aicc_matches_formula_and_statsmodels() -> None:
    rng = np.random.default_rng(3)
    y = synthetic_log_area(0.2, rng, bc_level=0.5)
    fit = models.fit_ols(y, models.its_terms(YEARS, models.Interventions())[["const", "trend"]])
    n, k = len(y), 3  # two coefficients and σ²
    llf = -n / 2 * (math.log(2 * math.pi) + math.log(fit.ssr / n) + 1)
    by_formula = -2 * llf + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    assert models.aicc(fit) == pytest.approx(by_formula)
    assert models.aicc(fit) == pytest.approx(fit.info_criteria("aicc", dk_params=1))


def test_akaike_weights() -> None:
    weights = models.akaike_weights(pd.Series([10.0, 12.0, 10.0]))
    assert weights.sum() == pytest.approx(1)
    assert weights.iloc[0] == pytest.approx(1 / (2 + math.exp(-1)))


def test_nested_f_test_matches_rss_formula() -> None:
    rng = np.random.default_rng(4)
    y = synthetic_log_area(0.2, rng, bc_level=0.5)
    fits = models.fit_its_models(y, models.its_terms(YEARS, models.Interventions()))
    full, base = fits["bc_level_slope"], fits["trend"]
    test = models.nested_f_test(full, base)
    by_hand = ((base.ssr - full.ssr) / 2) / (full.ssr / (13 - 4))
    assert test.f == pytest.approx(by_hand)
    assert (test.df_num, test.df_den) == (2, 9)
    assert test.p == pytest.approx(1 - __import__("scipy").stats.f.cdf(by_hand, 2, 9))


def test_model_comparison_table() -> None:
    y = synthetic_log_area(0.1, np.random.default_rng(5), bc_level=0.8)
    table = models.model_comparison(
        models.fit_its_models(y, models.its_terms(YEARS, models.Interventions()))
    )
    assert table["weight"].sum() == pytest.approx(1)
    assert table.set_index("model").at["bc_level", "p"] < 0.01


def test_counterfactual_switches_terms_off() -> None:
    y = synthetic_log_area(0.0, np.random.default_rng(0), bc_level=0.7, bc_slope=0.1)
    terms = models.its_terms(YEARS, models.Interventions())
    fit = models.fit_ols(y, terms[models.ITS_MODELS["bc_level_slope"]])
    without = models.counterfactual(fit, terms, ["bc_level", "bc_slope"])
    assert without["mean"].to_numpy() == pytest.approx(2.0 + 0.05 * (YEARS - 2000))
    assert (without["low"] <= without["mean"]).all() and (without["high"] >= without["mean"]).all()


def test_trend_growth_on_exact_exponential() -> None:
    area = 10 * 1.2 ** (YEARS - 2000)
    estimate, low, high = models.fit_trend(YEARS, area, log_scale=True).slope()
    assert estimate == pytest.approx(20.0)
    assert low == pytest.approx(20.0) and high == pytest.approx(20.0)
    assert models.fit_trend_hac(YEARS, area, True).slope()[0] == pytest.approx(20.0)


def test_ar1_fit_recovers_slope_and_phi() -> None:
    rng = np.random.default_rng(11)
    n, phi = 300, 0.5
    errors = np.zeros(n)
    for t in range(1, n):
        errors[t] = phi * errors[t - 1] + rng.normal(0, 0.1)
    times = np.arange(n, dtype=float)
    fit = models.fit_trend_ar1(times, 5 + 0.02 * times + errors, log_scale=False)
    assert fit["slope"] == pytest.approx(0.02, abs=0.003)
    assert fit["phi"] == pytest.approx(phi, abs=0.12)
    assert fit["ci_low"] < 0.02 < fit["ci_high"]


def test_diagnostics_on_known_cases() -> None:
    rng = np.random.default_rng(2)
    y = 1 + 0.1 * YEARS + rng.normal(0, 1, 13)
    y[10] += 8  # one outlier
    fit = sm.OLS(y, models.trend_design(YEARS)).fit()
    checks = models.diagnostics(fit, YEARS)
    assert checks["max_cooks_d_year"] == 2010
    assert checks["max_leverage_year"] in (2000, 2012)
    assert 0 < checks["durbin_watson"] < 4


def test_chow_f_statistics_match_statsmodels_fits() -> None:
    rng = np.random.default_rng(8)
    y = 1 + 0.1 * YEARS + rng.normal(0, 0.3, 13)
    candidates = models.candidate_breaks(13, 3)
    assert candidates == list(range(3, 11))
    fast = models.f_statistics(y, YEARS, candidates)
    null = sm.OLS(y, models.trend_design(YEARS)).fit()
    for f, index in zip(fast, candidates, strict=True):
        alt_x = np.column_stack([models.trend_design(YEARS), models.break_regressors(YEARS, index)])
        alt = sm.OLS(y, alt_x).fit()
        assert f == pytest.approx(((null.ssr - alt.ssr) / 2) / (alt.ssr / 9))


def test_sup_f_rejects_at_nominal_rate_on_null_data() -> None:
    rng = np.random.default_rng(2024)
    rejections = []
    for i in range(400):
        y = 3 + 0.2 * YEARS + rng.normal(0, 1, 13)
        test = models.sup_f_test(y, YEARS, 3, replications=199, seed=i)
        rejections.append(test.p_monte_carlo <= 0.05)
    assert 0.025 <= np.mean(rejections) <= 0.08


def test_sup_f_finds_a_known_break() -> None:
    rng = np.random.default_rng(9)
    y = 1 + 0.05 * (YEARS - 2000) + 1.0 * (YEARS >= 2006) + rng.normal(0, 0.1, 13)
    test = models.sup_f_test(y, YEARS, 3, replications=999, seed=1)
    assert YEARS[test.break_index] == 2006
    assert test.p_monte_carlo < 0.01

    # In Wald form (q·F) the exact 5 % value at n = 13 with 3-year segments is about 17 (field
    # notes); Andrews' asymptotic value for two parameters at 15 % trimming is 11.79.
    assert 15.5 < 2 * test.critical_95 < 18.5


def test_segmentations_counted_independently() -> None:
    def brute(n: int, m: int, h: int) -> int:
        count = 0
        for cuts in itertools.combinations(range(1, n), m):
            lengths = np.diff([0, *cuts, n])
            count += bool((lengths >= h).all())
        return count

    for m in range(4):
        assert len(models.segmentations(13, m, 3)) == brute(13, m, 3)


def test_strucchange_bic_by_hand() -> None:
    n, rss, m, k = 13, 0.5, 1, 2
    by_hand = n * (math.log(rss / n) + 1 + math.log(2 * math.pi)) + math.log(n) * (k + 1) * (m + 1)
    assert models.strucchange_bic(rss, n, m, k) == pytest.approx(by_hand)


def test_bic_segmentation_recovers_two_known_breaks() -> None:
    rng = np.random.default_rng(12)
    y = np.where(
        YEARS < 2005,
        2 + 0.05 * (YEARS - 2000),
        np.where(YEARS < 2010, 3 + 0.05 * (YEARS - 2005), 4 + 0.05 * (YEARS - 2010)),
    )
    table = models.bic_segmentation(y + rng.normal(0, 0.03, 13), YEARS, max_breaks=3, min_segment=3)
    chosen = table[table["chosen"]].iloc[0]
    assert chosen["first_years"] == (2005, 2010)
    assert models.segmented_rss(y, YEARS, (5, 10)) == pytest.approx(0, abs=1e-20)


def negbin_draws(mean: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(rng.gamma(shape=1 / alpha, scale=alpha * mean)).astype(float)


def test_density_model_recovers_known_trend_and_overdispersion() -> None:
    rng = np.random.default_rng(13)
    n = 400
    t = np.linspace(0, 12, n)
    area = rng.uniform(5, 50, n)
    counts = negbin_draws(area * 100 * np.exp(-0.1 * t), 0.05, rng)
    design = pd.DataFrame({"const": 1.0, "trend": t})
    fit = models.fit_density(counts, area, design, "test")
    trend = fit.effects.set_index("term").loc["trend"]
    assert trend["estimate"] == pytest.approx(100 * (math.exp(-0.1) - 1), abs=1.0)
    assert fit.alpha == pytest.approx(0.05, abs=0.015)
    assert fit.lr_p < 0.001 and fit.pearson_dispersion > 5


def test_no_overdispersion_in_poisson_data() -> None:
    rng = np.random.default_rng(14)
    area = rng.uniform(5, 50, 300)
    counts = rng.poisson(area * 3).astype(float)
    fit = models.fit_density(counts, area, pd.DataFrame({"const": np.ones(300)}), "poisson")
    assert fit.pearson_dispersion == pytest.approx(1, abs=0.25)
    assert fit.lr_p > 0.05


def nb2_max_llf(counts: np.ndarray, area: np.ndarray, design: pd.DataFrame) -> float:
    """The NB2 log-likelihood maximised by hand (written out, scipy's optimiser from several
    starts): an independent check on fit_negbin."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x, y, offset = design.to_numpy(float), counts, np.log(area)

    def minus_llf(theta: np.ndarray) -> float:
        mu = np.exp(x @ theta[:-1] + offset)
        size = np.exp(-theta[-1])  # 1 / alpha, with log(alpha) free
        return -float(
            np.sum(
                gammaln(y + size)
                - gammaln(size)
                - gammaln(y + 1)
                + size * np.log(size / (size + mu))
                + y * np.log(mu / (size + mu))
            )
        )

    base = np.log(y.mean() / area.mean())
    starts = [np.r_[base, np.zeros(x.shape[1] - 1), log_alpha] for log_alpha in (-4, -1, 1)]
    return -min(minimize(minus_llf, s0, method="BFGS").fun for s0 in starts)


def test_negbin_fit_reaches_the_maximum_found_by_hand() -> None:
    rng = np.random.default_rng(16)
    design = pd.DataFrame({"const": 1.0, "trend": YEARS - 2006.0})
    for _ in range(25):
        area = rng.uniform(10, 40, 13)
        counts = negbin_draws(area * 50 * np.exp(-0.1 * (YEARS - 2006)), 0.3, rng)
        fit = models.fit_negbin(counts, area, design)
        by_hand = nb2_max_llf(counts, area, design)
        assert fit.llf >= by_hand - 1e-6 and fit.llf == pytest.approx(by_hand, abs=1e-4)


def test_density_bootstrap_p_separates_null_from_real_effect() -> None:
    rng = np.random.default_rng(15)
    area = rng.uniform(10, 40, 13)
    step = (YEARS >= 2008).astype(float)
    design = pd.DataFrame({"const": 1.0, "trend": YEARS - 2000.0, "step": step})
    strong = negbin_draws(area * 200 * np.exp(-1.5 * step), 0.02, rng)
    _, p_strong = models.density_term_bootstrap_p(strong, area, design, "step", 49, 1)
    none = negbin_draws(area * 200, 0.02, rng)
    _, p_none = models.density_term_bootstrap_p(none, area, design, "step", 49, 1)
    assert p_strong <= 0.04
    assert p_none > 0.05


def test_max_speedup() -> None:
    assert models.max_speedup(0.7) == pytest.approx(1 / 0.3)
    assert models.max_speedup(0.0) == 1
    with pytest.raises(ValueError):
        models.max_speedup(1.0)


def test_chow_test_matches_nested_fits() -> None:
    rng = np.random.default_rng(21)
    y = 2 + 0.1 * (YEARS - 2000) + 0.8 * (YEARS >= 2008) + rng.normal(0, 0.2, 13)
    test = models.chow_test(y, YEARS, 8)
    full = sm.OLS(
        y, np.column_stack([models.trend_design(YEARS), models.break_regressors(YEARS, 8)])
    ).fit()
    null = sm.OLS(y, models.trend_design(YEARS)).fit()
    f, p, df = full.compare_f_test(null)
    assert (test.f, test.p, test.df_num, test.df_den) == pytest.approx((f, p, df, 9))


def test_model_average_by_hand() -> None:
    """Two models, weights 0.75 and 0.25: β̄ = 0.75·2 + 0.25·0 = 1.5 and the unconditional
    SE = 0.75·√(0.5² + 0.5²) + 0.25·√(0 + 1.5²) = 0.5303… + 0.375."""
    averaged = models.model_average(
        np.array([2.0, 0.0]), np.array([0.5, 0.0]), np.array([0.75, 0.25]), df=10
    )
    se = 0.75 * math.sqrt(0.5) + 0.25 * 1.5
    assert averaged.estimate == pytest.approx(1.5)
    assert averaged.se == pytest.approx(se)
    t = 2.2281388519649385  # t(0.975, 10) from tables
    assert (averaged.low, averaged.high) == pytest.approx((1.5 - t * se, 1.5 + t * se))
    with pytest.raises(ValueError, match="sum to 1"):
        models.model_average(np.array([1.0]), np.array([0.1]), np.array([0.5]), df=5)


def test_sup_f_size_is_nominal_under_normal_errors_and_not_under_others() -> None:
    """Validation: with the Monte Carlo critical value, the rejection rate of no-break series
    with normal errors is 5 % up to simulation error; AR(1) errors inflate it."""
    noise = np.random.default_rng(10).normal(size=13)
    critical = models.sup_f_test(noise, YEARS, 3, 4999, seed=11).critical_95
    size = models.sup_f_size(YEARS, 3, critical, "normal", replications=4000, seed=12)
    assert 0.04 <= size <= 0.06
    assert models.sup_f_size(YEARS, 3, critical, "ar1", replications=4000, seed=12) > 0.1
    with pytest.raises(ValueError, match="unknown error kind"):
        models.sup_f_size(YEARS, 3, critical, "cauchy")


def test_deleting_the_balance_point_leaves_the_level_unchanged() -> None:
    """Synthetic check of Σx²/Σx: fit a line with and without that point, any data."""
    rng = np.random.default_rng(3)
    years = np.arange(2005, 2013)
    point = models.deletion_leaves_level(years, 2005)
    assert point == 2010
    y = rng.normal(size=len(years))
    keep = years != point
    full = np.polyfit(years - 2005, y, 1)
    reduced = np.polyfit(years[keep] - 2005, y[keep], 1)
    assert full[1] == pytest.approx(reduced[1])
    other = years != 2011
    assert np.polyfit(years[other] - 2005, y[other], 1)[1] != pytest.approx(full[1])


def test_holm_matches_hand_computation() -> None:
    p = pd.Series({"a": 0.01, "b": 0.04, "c": 0.03})
    # sorted 0.01, 0.03, 0.04 -> 3·0.01, 2·0.03, max(1·0.04, 0.06)
    assert models.holm(p).to_dict() == pytest.approx({"a": 0.03, "b": 0.06, "c": 0.06})


def test_bic_segmentation_reports_bic_differences() -> None:
    rng = np.random.default_rng(5)
    table = models.bic_segmentation(rng.normal(size=13), YEARS, max_breaks=2, min_segment=3)
    assert table["delta_bic"].min() == 0
    assert table.loc[table["chosen"], "delta_bic"].iloc[0] == 0
