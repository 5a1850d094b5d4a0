"""cmac.negbin against independent answers: statsmodels' fits one series at a time, the NB2
likelihood maximised by scipy's general optimiser, a known maximum, and the Poisson limit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from cmac import models, negbin
from tests.test_models import YEARS, nb2_max_llf, negbin_draws

DESIGN = pd.DataFrame({"const": 1.0, "trend": YEARS - 2006.0, "step": (YEARS >= 2009) * 1.0})


def series(rows: int, alpha: float, seed: int, scale: float = 50) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    area = rng.uniform(10, 40, len(YEARS))
    mean = area * scale * np.exp(-0.1 * (YEARS - 2006) + 0.4 * (YEARS >= 2009))
    return np.array([negbin_draws(mean, alpha, rng) for _ in range(rows)]), area


def test_each_series_reaches_statsmodels_maximum_and_parameters() -> None:
    counts, area = series(40, 0.3, seed=1)
    fits = negbin.nb2_max_llf(counts, DESIGN.to_numpy(), area)
    assert fits.converged.all()
    for row, llf, params in zip(counts, fits.llf, fits.params, strict=True):
        one = models.fit_negbin(row, area, DESIGN)
        assert llf == pytest.approx(one.llf, abs=1e-7)
        assert params[:-1] == pytest.approx(one.params.to_numpy()[:-1], abs=1e-5)
        assert np.exp(params[-1]) == pytest.approx(one.params["alpha"], rel=1e-4)


def test_large_counts_reach_the_maximum_found_by_scipy() -> None:
    counts, area = series(8, 0.05, seed=2, scale=5000)  # counts in the tens of thousands
    fits = negbin.nb2_max_llf(counts, DESIGN.to_numpy(), area)
    assert fits.converged.all()
    for row, llf in zip(counts, fits.llf, strict=True):
        by_hand = nb2_max_llf(row, area, DESIGN)
        assert llf >= by_hand - 1e-6 and llf == pytest.approx(by_hand, abs=1e-4)


def test_poisson_counts_give_the_poisson_maximum() -> None:
    """Without overdispersion, the maximum is the Poisson one, at α = 0 (statsmodels creeps
    towards it for minutes, and its log-likelihood there is off in the sixth digit)."""
    rng = np.random.default_rng(3)
    area = rng.uniform(10, 40, len(YEARS))
    counts = np.array([rng.poisson(area * 20.0) for _ in range(10)]).astype(float)
    fits = negbin.nb2_max_llf(counts, DESIGN.to_numpy(), area)
    assert fits.converged.all() and fits.at_limit.all()
    for row, llf in zip(counts, fits.llf, strict=True):
        poisson = sm.GLM(row, DESIGN, family=sm.families.Poisson(), exposure=area).fit()
        assert llf == pytest.approx(poisson.llf, abs=1e-9)


def test_slight_overdispersion_reaches_the_maximum_near_the_poisson_limit() -> None:
    """α near 0: some series are overdispersed by chance, some not; each reaches the larger
    of statsmodels' NB2 maximum and the Poisson one."""
    counts, area = series(30, 0.002, seed=5, scale=20)
    fits = negbin.nb2_max_llf(counts, DESIGN.to_numpy(), area)
    assert fits.converged.all()
    assert 0 < fits.at_limit.sum() < len(counts)  # both cases are met
    for row, llf, at_limit in zip(counts, fits.llf, fits.at_limit, strict=True):
        poisson = sm.GLM(row, DESIGN, family=sm.families.Poisson(), exposure=area).fit()
        if at_limit:
            assert llf == pytest.approx(poisson.llf, abs=1e-9)
        else:
            assert llf > poisson.llf
            assert llf == pytest.approx(models.fit_negbin(row, area, DESIGN).llf, abs=1e-7)


def test_log_rising_factorial_matches_a_sum_of_logs() -> None:
    """lgamma(y + s) − lgamma(s) = Σ log(s + j), j < y: exact to rounding for whole y."""
    for size in [0.3, 7.0, 99.0, 101.0, 2.5e3, 3.6e8, 1e12, 1e15]:
        for y in [0, 1, 7, 500]:
            by_sum = math.fsum(math.log(size + j) for j in range(y))
            value = negbin.log_rising_factorial(np.array([float(y)]), np.array([size]))[0]
            assert value == pytest.approx(by_sum, rel=1e-13, abs=1e-11), (size, y)


def test_newton_climbs_out_of_a_convex_start() -> None:
    """-(x² - 1)² has its maxima at x = ±1 and curves upward at 0.1: the damped step must
    still climb there, and both rows must reach a maximum."""

    def llf(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return -((x[:, 0] ** 2 - 1) ** 2)

    def derivatives(x: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gradient = -4 * x * (x**2 - 1)
        return gradient, (-(12 * x**2 - 4))[:, :, None]

    fit = negbin.newton(llf, derivatives, np.array([[0.1], [-3.0]]))
    assert fit.converged.all()
    assert fit.params[:, 0] == pytest.approx([1.0, -1.0], abs=1e-4)
    assert fit.llf == pytest.approx([0.0, 0.0], abs=1e-10)


def test_rows_that_do_not_converge_are_refitted_by_statsmodels(monkeypatch) -> None:
    counts, area = series(6, 0.3, seed=4)
    null_design = DESIGN.drop(columns=["step"])
    batched = models.negbin_likelihood_ratios(counts, area, DESIGN, null_design)
    monkeypatch.setattr(negbin, "MAX_ITERATIONS", 1)
    assert not negbin.nb2_max_llf(counts, DESIGN.to_numpy(), area).converged.any()
    refitted = models.negbin_likelihood_ratios(counts, area, DESIGN, null_design)
    one_at_a_time = [
        2 * (models.negbin_llf(row, area, DESIGN) - models.negbin_llf(row, area, null_design))
        for row in counts
    ]
    assert refitted == pytest.approx(one_at_a_time, abs=1e-12)
    assert batched == pytest.approx(one_at_a_time, abs=1e-6)
