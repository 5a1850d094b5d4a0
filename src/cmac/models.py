"""Trend, interrupted-time-series and breakpoint models for a short annual series.

Everything here is written for n ≈ 13: exact F tests, t-based intervals, a parametric Monte
Carlo test for sup-F, and an exhaustive search over segmentations instead of asymptotics.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from statsmodels.regression.linear_model import RegressionResultsWrapper
from statsmodels.stats.diagnostic import acorr_ljungbox, het_breuschpagan
from statsmodels.stats.stattools import durbin_watson, jarque_bera
from statsmodels.tools.sm_exceptions import ConvergenceWarning
from statsmodels.tsa.arima.model import ARIMA

from cmac import negbin

# --- design matrices ----------------------------------------------------------------------


@dataclass(frozen=True)
class Interventions:
    """The dates the report names. Each break year is the first year of the new regime."""

    brush_cutter_year: int = 2005
    land_release_step_year: int = 2009
    land_release_ramp: tuple[int, int] = (2008, 2010)


def its_terms(years: np.ndarray, dates: Interventions) -> pd.DataFrame:
    """All candidate regressors. Time since an intervention is 0 before it (not year × dummy)."""
    years = np.asarray(years, dtype=float)
    start, end = dates.land_release_ramp
    if end <= start:
        raise ValueError(f"land-release ramp must end after it starts: {start}–{end}")
    after_bc = (years >= dates.brush_cutter_year).astype(float)
    return pd.DataFrame(
        {
            "const": 1.0,
            "trend": years - years.min(),
            "bc_level": after_bc,
            "bc_slope": (years - dates.brush_cutter_year) * after_bc + 0.0,
            "lr_step": (years >= dates.land_release_step_year).astype(float),
            # 0 up to the year before the ramp, 1 from its last year: 1/3, 2/3, 1 for 2008–2010
            "lr_ramp": np.clip((years - (start - 1)) / (end - start + 1), 0.0, 1.0),
        },
        index=years.astype(int),
    )


# Pre-specified models, in order. Each lists its regressors.
ITS_MODELS: dict[str, list[str]] = {
    "trend": ["const", "trend"],
    "bc_level": ["const", "trend", "bc_level"],
    "bc_level_slope": ["const", "trend", "bc_level", "bc_slope"],
    "bc_lr_step": ["const", "trend", "bc_level", "bc_slope", "lr_step"],
    "bc_lr_ramp": ["const", "trend", "bc_level", "bc_slope", "lr_ramp"],
}
MODEL_LABELS = {
    "trend": "Trend only",
    "bc_level": "+ level change at brush cutters",
    "bc_level_slope": "+ level and slope change at brush cutters",
    "bc_lr_step": "+ land release as a step",
    "bc_lr_ramp": "+ land release as a ramp",
}
MODEL_SHORT = {
    "trend": "trend",
    "bc_level": "BC level",
    "bc_level_slope": "BC level + slope",
    "bc_lr_step": "BC + LR step",
    "bc_lr_ramp": "BC + LR ramp",
}
# Which simpler model each one is tested against with an exact F test.
NESTED_IN: dict[str, str] = {
    "bc_level": "trend",
    "bc_level_slope": "trend",
    "bc_lr_step": "bc_level_slope",
    "bc_lr_ramp": "bc_level_slope",
}
TERM_LABELS = {
    "trend": "Trend (per year)",
    "bc_level": "Level change at brush cutters",
    "bc_slope": "Slope change after brush cutters (per year)",
    "lr_step": "Land release (step)",
    "lr_ramp": "Land release (ramp, full effect)",
}


# --- fitting and comparing ----------------------------------------------------------------


def fit_ols(y: pd.Series, design: pd.DataFrame) -> RegressionResultsWrapper:
    if len(y) <= design.shape[1] + 1:
        raise ValueError(f"{len(y)} points cannot support {design.shape[1]} coefficients")
    return sm.OLS(np.asarray(y, dtype=float), design).fit()


def fit_its_models(y: pd.Series, terms: pd.DataFrame) -> dict[str, RegressionResultsWrapper]:
    """Fit every pre-specified model to the same series."""
    return {name: fit_ols(y, terms[columns]) for name, columns in ITS_MODELS.items()}


def aicc(result: RegressionResultsWrapper) -> float:
    """AICc with σ² counted as a parameter: K = coefficients + 1."""
    n, k = result.nobs, len(result.params) + 1
    if n - k - 1 <= 0:
        raise ValueError(f"AICc undefined: n={n}, K={k}")
    aic = -2 * result.llf + 2 * k
    return aic + 2 * k * (k + 1) / (n - k - 1)


def akaike_weights(scores: pd.Series) -> pd.Series:
    delta = scores - scores.min()
    raw = np.exp(-delta / 2)
    return raw / raw.sum()


@dataclass(frozen=True)
class Averaged:
    estimate: float
    low: float
    high: float
    se: float


def model_average(
    estimates: np.ndarray, ses: np.ndarray, weights: np.ndarray, df: int, alpha: float = 0.05
) -> Averaged:
    """Akaike-weighted average of one coefficient across models, with the unconditional
    standard error of Burnham & Anderson (2002, eq. 4.9): Σ wᵢ √(seᵢ² + (βᵢ − β̄)²).

    A model without the term enters with estimate 0 and standard error 0, so the average
    shrinks towards no change as much as the data favour those models. The interval uses a
    t quantile with ``df`` degrees of freedom (pass the smallest residual df among the models,
    the cautious choice at this sample size).
    """
    estimates, ses, weights = (np.asarray(v, dtype=float) for v in (estimates, ses, weights))
    if not np.isclose(weights.sum(), 1.0):
        raise ValueError(f"Akaike weights must sum to 1, not {weights.sum()}")
    mean = float(np.sum(weights * estimates))
    se = float(np.sum(weights * np.sqrt(ses**2 + (estimates - mean) ** 2)))
    half = float(stats.t.ppf(1 - alpha / 2, df)) * se
    return Averaged(mean, mean - half, mean + half, se)


@dataclass(frozen=True)
class FTest:
    f: float
    df_num: int
    df_den: int
    p: float


def nested_f_test(full: RegressionResultsWrapper, restricted: RegressionResultsWrapper) -> FTest:
    """Exact F test of the extra terms of ``full`` (valid in small samples under normal errors)."""
    f, p, df_num = full.compare_f_test(restricted)
    return FTest(float(f), int(round(df_num)), int(round(full.df_resid)), float(p))


def percent_change(log_coef: float | np.ndarray) -> float | np.ndarray:
    """A coefficient on the log scale as a % change: 100 (e^β − 1)."""
    return 100 * np.expm1(log_coef)


def effects_table(
    result: RegressionResultsWrapper, log_scale: bool, alpha: float = 0.05
) -> pd.DataFrame:
    """Each term with its 95 % CI, as % change (log scale) or km²/yr (level scale)."""
    ci = result.conf_int(alpha)
    rows = []
    for term in result.params.index:
        if term == "const":
            continue
        estimate, (low, high) = result.params[term], ci.loc[term]
        if log_scale:
            estimate, low, high = (percent_change(v) for v in (estimate, low, high))
        rows.append(
            {
                "term": term,
                "estimate": float(estimate),
                "ci_low": float(low),
                "ci_high": float(high),
                "p": float(result.pvalues[term]),
            }
        )
    return pd.DataFrame(rows)


def model_comparison(models: dict[str, RegressionResultsWrapper]) -> pd.DataFrame:
    """AICc, Akaike weights and the exact F test of each model against the one it extends."""
    table = pd.DataFrame(
        {
            "model": list(models),
            "k": [len(m.params) for m in models.values()],
            "rss": [m.ssr for m in models.values()],
            "aicc": [aicc(m) for m in models.values()],
        }
    )
    table["delta_aicc"] = table["aicc"] - table["aicc"].min()
    table["weight"] = akaike_weights(table["aicc"]).to_numpy()
    tests = {name: nested_f_test(models[name], models[base]) for name, base in NESTED_IN.items()}
    table["tested_against"] = table["model"].map(NESTED_IN)
    table["f"] = table["model"].map(lambda m: tests[m].f if m in tests else np.nan)
    table["df"] = table["model"].map(
        lambda m: f"{tests[m].df_num}, {tests[m].df_den}" if m in tests else ""
    )
    table["p"] = table["model"].map(lambda m: tests[m].p if m in tests else np.nan)
    return table


def counterfactual(
    result: RegressionResultsWrapper,
    design: pd.DataFrame,
    switch_off: list[str],
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Predictions with the named terms set to zero, with a confidence band for the mean."""
    altered = design.copy()
    altered[switch_off] = 0.0
    frame = result.get_prediction(altered[result.params.index]).summary_frame(alpha=alpha)
    return pd.DataFrame(
        {"mean": frame["mean"], "low": frame["mean_ci_lower"], "high": frame["mean_ci_upper"]},
        index=design.index,
    )


# --- trend --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendFit:
    result: RegressionResultsWrapper
    log_scale: bool

    def slope(self, alpha: float = 0.05) -> tuple[float, float, float]:
        """Slope with CI: % per year on the log scale, km²/yr on the level scale."""
        b = self.result.params["trend"]
        low, high = self.result.conf_int(alpha).loc["trend"]
        if self.log_scale:
            return tuple(float(percent_change(v)) for v in (b, low, high))  # type: ignore[return-value]
        return float(b), float(low), float(high)


def trend_matrix(times: np.ndarray) -> np.ndarray:
    """An intercept column and the time since the first point."""
    times = np.asarray(times, dtype=float)
    return np.column_stack([np.ones_like(times), times - times.min()])


def trend_design(times: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(trend_matrix(times), columns=["const", "trend"])


def fit_trend(times: np.ndarray, y: np.ndarray, log_scale: bool) -> TrendFit:
    values = np.log(y) if log_scale else np.asarray(y, dtype=float)
    return TrendFit(fit_ols(values, trend_design(times)), log_scale)


def fit_trend_hac(times: np.ndarray, y: np.ndarray, log_scale: bool, maxlags: int = 1) -> TrendFit:
    """Newey–West standard errors, t reference distribution."""
    values = np.log(y) if log_scale else np.asarray(y, dtype=float)
    result = sm.OLS(values, trend_design(times)).fit(
        cov_type="HAC", cov_kwds={"maxlags": maxlags}, use_t=True
    )
    return TrendFit(result, log_scale)


def fit_trend_ar1(times: np.ndarray, y: np.ndarray, log_scale: bool) -> dict[str, float]:
    """Trend with AR(1) errors by maximum likelihood (keeps every observation).

    Standard errors come from the numerical Hessian of the log-likelihood (``cov_type="approx"``),
    as R's ``arima`` computes them; statsmodels' default outer-product-of-gradients estimate is
    unreliable at n ≈ 13, and its ``"oim"`` (Harvey's analytic information) differs from R's in
    the third figure here. tests/test_reference.py checks every AR(1) row against R.
    """
    values = np.log(y) if log_scale else np.asarray(y, dtype=float)
    exog = trend_design(times)[["trend"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # start values at this n
        result = ARIMA(values, exog=exog, order=(1, 0, 0), trend="c").fit(cov_type="approx")
    names = list(result.model.param_names)
    params, ci = np.asarray(result.params), np.asarray(result.conf_int())
    i = names.index("trend")
    b, low, high = float(params[i]), float(ci[i, 0]), float(ci[i, 1])
    if log_scale:
        b, low, high = (float(percent_change(v)) for v in (b, low, high))
    phi = float(params[names.index("ar.L1")])
    return {"slope": b, "ci_low": low, "ci_high": high, "phi": phi}


def diagnostics(result: RegressionResultsWrapper, years: np.ndarray) -> dict[str, float]:
    """Residual checks; with n = 13 they have little power, so read them as warnings only."""
    resid = np.asarray(result.resid)
    lags = max(1, min(3, len(resid) // 4))
    ljung = acorr_ljungbox(resid, lags=[lags], return_df=True).iloc[0]
    bp_lm, bp_p, _, _ = het_breuschpagan(resid, result.model.exog)
    jb, jb_p, _, _ = jarque_bera(resid)
    influence = result.get_influence().summary_frame()
    cooks = influence["cooks_d"].to_numpy()
    leverage = influence["hat_diag"].to_numpy()
    years = np.asarray(years)
    return {
        "durbin_watson": float(durbin_watson(resid)),
        "ljung_box_lag": float(lags),
        "ljung_box_q": float(ljung["lb_stat"]),
        "ljung_box_p": float(ljung["lb_pvalue"]),
        "breusch_pagan_lm": float(bp_lm),
        "breusch_pagan_p": float(bp_p),
        "jarque_bera": float(jb),
        "jarque_bera_p": float(jb_p),
        "max_cooks_d": float(cooks.max()),
        "max_cooks_d_year": float(years[cooks.argmax()]),
        "max_leverage": float(leverage.max()),
        "max_leverage_year": float(years[leverage.argmax()]),
    }


# --- unknown break dates ------------------------------------------------------------------


def break_regressors(times: np.ndarray, index: int) -> np.ndarray:
    """Level and slope shift starting at observation ``index`` (time since break, 0 before)."""
    times = np.asarray(times, dtype=float)
    after = (np.arange(len(times)) >= index).astype(float)
    return np.column_stack([after, (times - times[index]) * after])


def residual_maker(x: np.ndarray) -> np.ndarray:
    """M = I − X (X'X)⁻¹ X': RSS of y on X is y' M y."""
    q, _ = np.linalg.qr(x)
    return np.eye(x.shape[0]) - q @ q.T


def candidate_breaks(n: int, min_segment: int) -> list[int]:
    """Observation indices where a new regime may start, each side keeping min_segment points."""
    return list(range(min_segment, n - min_segment + 1))


def monte_carlo_p_se(p: float, replications: int) -> float:
    """Simulation standard error of a Monte Carlo p-value (or rejection rate) from
    ``replications`` draws: the binomial √(p (1 − p) / R). It measures only the noise of the
    simulation, which more draws shrink; it is not a sampling error of the data."""
    if replications < 1 or not 0 <= p <= 1:
        raise ValueError(f"need 0 ≤ p ≤ 1 and R ≥ 1, not p={p}, R={replications}")
    return math.sqrt(p * (1 - p) / replications)


def monte_carlo_quantile_se(draws: np.ndarray, q: float) -> float:
    """Simulation standard error of the ``q`` quantile of ``draws``, by the Maritz–Jarrett
    method (scipy.stats.mstats.mjci), which needs no density estimate."""
    from scipy.stats import mstats

    return float(mstats.mjci(np.asarray(draws, dtype=float), prob=[q])[0])


@dataclass(frozen=True)
class SupF:
    stat: float
    break_index: int
    f_by_index: dict[int, float]
    p_monte_carlo: float  # the parametric Monte Carlo p-value
    critical_95: float
    replications: int
    p_se: float = math.nan  # simulation standard errors of the two
    critical_95_se: float = math.nan


def f_statistics(y: np.ndarray, times: np.ndarray, candidates: list[int]) -> np.ndarray:
    """Chow F for a level + slope break at each candidate; y may be (n,) or (n, reps)."""
    y = np.asarray(y, dtype=float)
    y2 = y[:, None] if y.ndim == 1 else y
    n = y2.shape[0]
    x_null = trend_matrix(times)
    m_null = residual_maker(x_null)
    rss_null = np.sum((m_null @ y2) ** 2, axis=0)
    q = 2
    df_den = n - x_null.shape[1] - q
    out = np.empty((len(candidates), y2.shape[1]))
    for row, index in enumerate(candidates):
        m_alt = residual_maker(np.column_stack([x_null, break_regressors(times, index)]))
        rss_alt = np.sum((m_alt @ y2) ** 2, axis=0)
        out[row] = ((rss_null - rss_alt) / q) / (rss_alt / df_den)
    return out[:, 0] if y.ndim == 1 else out


def chow_test(y: np.ndarray, times: np.ndarray, index: int) -> FTest:
    """Exact Chow F test of a level and slope change starting at observation ``index``."""
    f = float(f_statistics(np.asarray(y, dtype=float), times, [index])[0])
    df_den = len(y) - 4
    return FTest(f, 2, df_den, float(stats.f.sf(f, 2, df_den)))


def sup_f_test(
    y: np.ndarray,
    times: np.ndarray,
    min_segment: int = 3,
    replications: int = 1999,
    seed: int = 2005,
) -> SupF:
    """sup-F for one unknown break in a linear trend, p by parametric Monte Carlo.

    Under the null (no break) the F statistics do not depend on the trend or on σ, so drawing
    y* ~ N(0, 1) with the regressors held fixed gives their exact finite-sample distribution
    under normal errors: the p-value (share of sup-F* at least as large as observed) is that of
    an exact Monte Carlo test for this design. It is not Hansen's residual-based bootstrap;
    :func:`sup_f_size` shows how it behaves when the errors are not normal.
    """
    times = np.asarray(times, dtype=float)
    candidates = candidate_breaks(len(y), min_segment)
    if not candidates:
        raise ValueError(f"no admissible break with n={len(y)} and min_segment={min_segment}")
    observed = f_statistics(y, times, candidates)
    rng = np.random.default_rng(seed)
    simulated = f_statistics(rng.standard_normal((len(y), replications)), times, candidates)
    sup_star = simulated.max(axis=0)
    stat = float(observed.max())
    p = float((1 + np.sum(sup_star >= stat)) / (replications + 1))
    return SupF(
        stat=stat,
        break_index=candidates[int(observed.argmax())],
        f_by_index=dict(zip(candidates, map(float, observed), strict=True)),
        p_monte_carlo=p,
        critical_95=float(np.quantile(sup_star, 0.95)),
        replications=replications,
        p_se=monte_carlo_p_se(p, replications),
        critical_95_se=monte_carlo_quantile_se(sup_star, 0.95),
    )


ERROR_KINDS = {
    "normal": "normal errors",
    "t3": "heavy-tailed errors (t, 3 df)",
    "ar1": "AR(1) errors, φ = 0.5",
}


def null_errors(kind: str, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """Error draws (observations × replications) for the size study of the sup-F test."""
    n, reps = shape
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "t3":
        return rng.standard_t(3, shape)
    if kind == "ar1":
        phi, shocks = 0.5, rng.standard_normal(shape)
        out = np.empty(shape)
        out[0] = shocks[0] / math.sqrt(1 - phi**2)  # stationary start
        for i in range(1, n):
            out[i] = phi * out[i - 1] + shocks[i]
        return out
    raise ValueError(f"unknown error kind {kind!r}: expected one of {', '.join(ERROR_KINDS)}")


def sup_f_size(
    times: np.ndarray,
    min_segment: int,
    critical: float,
    kind: str,
    replications: int = 2000,
    seed: int = 1,
) -> float:
    """Share of no-break series with ``kind`` errors whose sup-F exceeds ``critical`` (the 5 %
    value simulated under normal errors): the test's real size when normality fails."""
    times = np.asarray(times, dtype=float)
    candidates = candidate_breaks(len(times), min_segment)
    draws = null_errors(kind, (len(times), replications), np.random.default_rng(seed))
    sup_star = f_statistics(draws, times, candidates).max(axis=0)
    return float(np.mean(sup_star > critical))


def segmentations(n: int, breaks: int, min_segment: int) -> list[tuple[int, ...]]:
    """Every way to cut n points into breaks + 1 segments of at least min_segment points."""
    return [
        cuts
        for cuts in itertools.combinations(candidate_breaks(n, min_segment), breaks)
        if all(b - a >= min_segment for a, b in zip((0, *cuts), (*cuts, n), strict=True))
    ]


def segmented_fit(y: np.ndarray, times: np.ndarray, cuts: tuple[int, ...]) -> np.ndarray:
    """Fitted values of a separate intercept and slope in each segment."""
    y, times = np.asarray(y, dtype=float), np.asarray(times, dtype=float)
    fitted = np.empty_like(y)
    for a, b in zip((0, *cuts), (*cuts, len(y)), strict=True):
        x = trend_matrix(times[a:b])  # no data frame: this runs thousands of times
        coef, *_ = np.linalg.lstsq(x, y[a:b], rcond=None)
        fitted[a:b] = x @ coef
    return fitted


def segmented_rss(y: np.ndarray, times: np.ndarray, cuts: tuple[int, ...]) -> float:
    return float(np.sum((np.asarray(y, dtype=float) - segmented_fit(y, times, cuts)) ** 2))


def strucchange_bic(rss: float, n: int, breaks: int, coefficients: int = 2) -> float:
    """BIC as R's strucchange computes it for m breaks with k coefficients per segment."""
    log_lik = -0.5 * n * (math.log(rss / n) + 1 + math.log(2 * math.pi))
    return -2 * log_lik + math.log(n) * (coefficients + 1) * (breaks + 1)


def bic_segmentation(
    y: np.ndarray, times: np.ndarray, max_breaks: int = 3, min_segment: int = 3
) -> pd.DataFrame:
    """Best segmentation for each number of breaks, by exhaustive search, with its BIC.

    This is what R's ``strucchange::breakpoints`` computes for a piecewise linear trend
    (``y ~ t`` with ``h`` = ``min_segment``) and its BIC summary, but by enumerating every
    admissible segmentation instead of dynamic programming: at n ≈ 13 there are only a few
    hundred. It is not a Bai–Perron sequential test; the number of breaks is picked by BIC.
    """
    y, times = np.asarray(y, dtype=float), np.asarray(times, dtype=float)
    rows = []
    for m in range(max_breaks + 1):
        options = segmentations(len(y), m, min_segment)
        if not options:
            break
        rss, cuts = min((segmented_rss(y, times, c), c) for c in options)
        rows.append(
            {
                "breaks": m,
                "cuts": cuts,
                "first_years": tuple(int(times[c]) for c in cuts),
                "rss": rss,
                "bic": strucchange_bic(rss, len(y), m),
                "segmentations_searched": len(options),
            }
        )
    table = pd.DataFrame(rows)
    table["delta_bic"] = table["bic"] - table["bic"].min()
    table["chosen"] = table["bic"] == table["bic"].min()
    return table


def deletion_leaves_level(times: np.ndarray, origin: float) -> float:
    """The time whose deletion leaves a fitted line's value at ``origin`` unchanged, whatever
    the data: with x = t − origin it is Σx² / Σx. (Deleting point i moves the fit by
    (X'X)⁻¹ xᵢ eᵢ / (1 − hᵢ), whose intercept part is zero exactly there.)"""
    x = np.asarray(times, dtype=float) - origin
    if np.isclose(x.sum(), 0.0):
        raise ValueError("times are centred on the origin: no such point")
    return float(origin + np.sum(x**2) / np.sum(x))


def holm(p_values: pd.Series) -> pd.Series:
    """Holm's step-down adjustment: controls the chance of any false rejection in the family."""
    from statsmodels.stats.multitest import multipletests

    return pd.Series(multipletests(p_values.to_numpy(), method="holm")[1], index=p_values.index)


# --- counts per km² -----------------------------------------------------------------------


@dataclass(frozen=True)
class CountFit:
    item: str
    alpha: float
    alpha_ci: tuple[float, float]
    pearson_dispersion: float
    lr_stat: float
    lr_p: float
    converged: bool
    effects: pd.DataFrame
    llf: float
    n_params: int  # coefficients and α
    fitted: np.ndarray  # items per km²

    @property
    def aicc(self) -> float:
        n, k = len(self.fitted), self.n_params
        return -2 * self.llf + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def fit_density(
    counts: np.ndarray, area_km2: np.ndarray, design: pd.DataFrame, item: str
) -> CountFit:
    """Negative binomial with log(area) as exposure; overdispersion tested against Poisson.

    The LR test of α = 0 sits on the boundary, so its p-value is half the χ²₁ tail.
    """
    counts = np.asarray(counts, dtype=float)
    poisson = sm.GLM(counts, design, family=sm.families.Poisson(), exposure=area_km2).fit()
    negbin = fit_negbin(counts, area_km2, design)
    lr = max(0.0, 2 * (negbin.llf - poisson.llf))
    ci = negbin.conf_int()
    params = negbin.params
    rows = [
        {
            "term": term,
            "estimate": float(percent_change(params[term])),
            "ci_low": float(percent_change(ci.loc[term, 0])),
            "ci_high": float(percent_change(ci.loc[term, 1])),
            "p": float(negbin.pvalues[term]),
        }
        for term in design.columns
        if term != "const"
    ]
    log_alpha_se = float(negbin.bse["alpha"] / params["alpha"])
    alpha = float(params["alpha"])
    return CountFit(
        item=item,
        alpha=alpha,
        alpha_ci=(alpha * math.exp(-1.96 * log_alpha_se), alpha * math.exp(1.96 * log_alpha_se)),
        pearson_dispersion=float(poisson.pearson_chi2 / poisson.df_resid),
        lr_stat=lr,
        lr_p=float(0.5 * stats.chi2.sf(lr, 1)),
        converged=bool(negbin.mle_retvals["converged"]) and bool(np.all(np.isfinite(negbin.bse))),
        effects=pd.DataFrame(rows),
        llf=float(negbin.llf),
        n_params=len(params),
        fitted=np.asarray(negbin.predict(design, exposure=np.ones(len(design)))),
    )


def fit_negbin(counts: np.ndarray, area_km2: np.ndarray, design: pd.DataFrame) -> Any:
    """NB2 by maximum likelihood, by Newton steps, whose convergence test (on the score) is
    the one to trust. Newton starts from statsmodels' own start (a Poisson fit); where that
    does not converge, BFGS gets close first and Newton polishes. If Newton still fails, the
    BFGS fit is returned; callers check ``mle_retvals['converged']`` where it matters.

    The first path alone converged in about nine fits in ten of chapter 6's bootstrap
    series, in half the time. Over 900 of them (measured once, 2026-12-01) its log-likelihood
    was never more than 2.5e-9 below the second path's; tests/test_models.py checks the
    result against the NB2 likelihood maximised by hand. (The bootstrap itself now fits all
    its series at once, :mod:`cmac.negbin`, and comes here only for one that does not
    converge there.)"""
    model = sm.NegativeBinomial(np.asarray(counts, dtype=float), design, exposure=area_km2)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            direct = model.fit(disp=False, method="newton", maxiter=100)
        except (np.linalg.LinAlgError, ValueError):
            direct = None
        if direct is not None and direct.mle_retvals["converged"] and np.isfinite(direct.llf):
            return direct
        rough = model.fit(disp=False, maxiter=2000, method="bfgs")
        polished = model.fit(
            disp=False, start_params=np.asarray(rough.params), method="newton", maxiter=100
        )
    return polished if np.isfinite(polished.llf) and polished.llf >= rough.llf - 1e-9 else rough


def negbin_llf(counts: np.ndarray, area_km2: np.ndarray, design: pd.DataFrame) -> float:
    """Maximised NB log-likelihood. As α → 0 the NB fit can stall at the boundary, where the
    Poisson fit is the limit, so the larger of the two is the maximum."""
    poisson = sm.GLM(counts, design, family=sm.families.Poisson(), exposure=area_km2).fit()
    negbin = fit_negbin(counts, area_km2, design)
    return float(max(poisson.llf, negbin.llf if np.isfinite(negbin.llf) else -np.inf))


def density_fitted(counts: np.ndarray, area_km2: np.ndarray, design: pd.DataFrame) -> np.ndarray:
    """Fitted items per km² from the negative binomial model."""
    fit = fit_negbin(counts, area_km2, design)
    return np.asarray(fit.predict(design, exposure=np.ones(len(design))))


def density_term_bootstrap_p(
    counts: np.ndarray,
    area_km2: np.ndarray,
    design: pd.DataFrame,
    term: str,
    replications: int = 199,
    seed: int = 2005,
) -> tuple[float, float]:
    """LR test of one term of the negative binomial model, p by parametric bootstrap.

    Counts are redrawn from the fitted null model (without ``term``) as gamma–Poisson
    mixtures with its mean and α, both models are refitted, and p is the share of LR* ≥ LR.
    Returns (LR, p).
    """
    counts = np.asarray(counts, dtype=float)
    null_design = design.drop(columns=[term])
    null = fit_negbin(counts, area_km2, null_design)
    alpha = float(null.params["alpha"])
    mean = np.asarray(null.predict(null_design, exposure=area_km2))
    rng = np.random.default_rng(seed)
    draws = np.empty((replications, len(counts)))
    for draw in draws:  # a gamma, then a Poisson, draw after draw: the seed's sequence
        draw[:] = rng.poisson(rng.gamma(shape=1 / alpha, scale=alpha * mean))
    observed, *simulated = negbin_likelihood_ratios(
        np.vstack([counts, draws]), area_km2, design, null_design
    )
    exceed = int(np.sum(np.asarray(simulated) >= observed - 1e-9))
    return float(observed), float((1 + exceed) / (replications + 1))


def negbin_likelihood_ratios(
    counts: np.ndarray, area_km2: np.ndarray, design: pd.DataFrame, null_design: pd.DataFrame
) -> np.ndarray:
    """2 × (maximised log-likelihood of ``design`` − that of ``null_design``) for each row of
    ``counts``: all rows fitted at once (:mod:`cmac.negbin`); a row either fit does not
    converge on is fitted by statsmodels instead (:func:`negbin_llf`)."""
    llf = {}
    for name, terms in (("full", design), ("null", null_design)):
        fits = negbin.nb2_max_llf(counts, terms.to_numpy(dtype=float), area_km2)
        llf[name] = fits.llf.copy()
        for row in np.flatnonzero(~fits.converged):
            llf[name][row] = negbin_llf(counts[row], area_km2, terms)
    return 2 * (llf["full"] - llf["null"])


# --- plausibility bound -------------------------------------------------------------------


def max_speedup(vegetation_share: float) -> float:
    """Upper bound on the speed-up from removing vegetation work entirely: 1 / (1 − share)."""
    if not 0 <= vegetation_share < 1:
        raise ValueError(f"vegetation share must be in [0, 1): {vegetation_share}")
    return 1 / (1 - vegetation_share)
