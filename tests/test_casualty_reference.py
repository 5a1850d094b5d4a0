"""Chapter 8's casualty trend against reference values computed independently in R
(tests/reference/casualty_reference.R: lm, Box.test, lmtest::bptest, sandwich::NeweyWest,
arima by exact maximum likelihood). R is not needed to run these tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cmac import models, national
from cmac.data import load

REFERENCE = json.loads(
    (Path(__file__).parent / "reference" / "casualty_reference.json").read_text()
)


@pytest.fixture(scope="module")
def decline() -> national.Decline:
    """The chapter's own call, from the data files through the preferred-series rule."""
    reports = national.casualty_reports(load("casualties_monitor"), load("casualties_press"))
    preferred = national.preferred_series(
        national.preferred_casualties(reports), "casualties_total"
    )
    return national.casualty_decline(preferred, 1996, 2010, replications=99)


def percent(log_slope: float) -> float:
    return float(models.percent_change(log_slope))


def test_the_reference_series_is_the_chapters(decline: national.Decline) -> None:
    assert decline.years.tolist() == REFERENCE["series"]["year"]
    assert decline.counts.tolist() == REFERENCE["series"]["casualties"]


def test_least_squares_trend_matches_r_lm(decline: national.Decline) -> None:
    ols = REFERENCE["ols"]
    assert decline.ols == pytest.approx((ols["pct"], ols["pct_low"], ols["pct_high"]), rel=1e-9)


@pytest.mark.parametrize(
    "key",
    [
        "durbin_watson",
        "ljung_box_q",
        "ljung_box_p",
        "breusch_pagan_lm",
        "breusch_pagan_p",
        "jarque_bera",
        "jarque_bera_p",
        "max_cooks_d",
        "max_cooks_d_year",
        "max_leverage",
        "max_leverage_year",
    ],
)
def test_residual_checks_match_r(decline: national.Decline, key: str) -> None:
    assert decline.checks[key] == pytest.approx(REFERENCE["checks"][key], rel=1e-8)


def test_residuals_are_autocorrelated(decline: national.Decline) -> None:
    """Why the headline interval allows for autocorrelation: Durbin–Watson well below 2."""
    assert decline.checks["durbin_watson"] < 1.5


def test_newey_west_interval_matches_r_sandwich(decline: national.Decline) -> None:
    """statsmodels' HAC (one lag, Bartlett, t reference) is sandwich::NeweyWest without the
    n/(n-k) adjustment; the adjusted one is wider and must differ."""
    hac = REFERENCE["hac_unadjusted"]
    assert decline.hac[1:] == pytest.approx((percent(hac["low"]), percent(hac["high"])), rel=1e-8)
    adjusted = REFERENCE["hac_adjusted"]
    assert decline.hac[1] != pytest.approx(percent(adjusted["low"]), rel=1e-6)


def test_ar1_trend_matches_r_arima(decline: national.Decline) -> None:
    """Exact ML on the full yearly grid (2004 missing). The Hessians are numerical in both,
    so the interval agrees to about four figures, the estimate more closely."""
    ar1 = REFERENCE["ar1"]
    assert decline.change[0] == pytest.approx(ar1["pct"], rel=2e-4)
    assert decline.change[1:] == pytest.approx((ar1["pct_low"], ar1["pct_high"]), rel=5e-4)
    assert decline.phi == pytest.approx(ar1["phi"], abs=2e-3)


def test_ar1_standard_error_is_the_numerical_hessians(decline: national.Decline) -> None:
    """R's arima takes its standard errors from the numerical Hessian (statsmodels'
    cov_type="approx"); the analytic information matrix ("oim") differs from it by about
    1e-3 here, which this tolerance catches."""
    low, high = (np.log1p(v / 100) for v in decline.change[1:])
    se = (high - low) / (2 * 1.959963984540054)
    assert se == pytest.approx(REFERENCE["ar1"]["se"], rel=3e-4)


def test_ar1_interval_is_wider_than_least_squares(decline: national.Decline) -> None:
    width = lambda c: c[2] - c[1]  # noqa: E731
    assert width(decline.change) > width(decline.ols)
    assert np.isfinite(decline.change).all()
