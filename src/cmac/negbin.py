"""Maximised negative binomial (NB2) log-likelihoods of many count series at once.

Chapter 6's parametric bootstrap needs only the maximised log-likelihood of two models for each
of hundreds of redrawn series; statsmodels fits them one at a time, each fit mostly overhead
on 13 observations. Here every series is fitted at once by Newton's method on arrays. The
model is statsmodels' ``NegativeBinomial`` (NB2) with log(exposure) as offset, and the start
is statsmodels' own (the Poisson fit, and its moment estimate of α, at least 0.05). A series
that does not converge is marked, so that its caller can fit it with statsmodels instead. A
series that is not overdispersed takes the Poisson maximum, the limit as α → 0, and the
likelihood is written so that it keeps its digits near that limit. tests/test_negbin.py checks
the results against statsmodels, the likelihood maximised by scipy's general optimiser, the
Poisson maximum and exact log-gamma sums.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln, polygamma

MAX_ITERATIONS = 100
MAX_HALVINGS = 30  # a step 1e-9 of Newton's
# Converged when Newton's own forecast of the log-likelihood still to gain (half the Newton
# decrement) is below this, in log-likelihood units, whatever the scale of the counts.
GAIN_TOLERANCE = 1e-10
# A row whose every step, however short, lowers the log-likelihood is at the maximum to
# rounding (the log-likelihood of large counts carries about 1e-10 of it) when the gain
# forecast is this small; otherwise it is stuck and returned unconverged.
ROUNDING_GAIN = 1e-6
# A fit that climbs to this log(α) (α ≈ 1e-13) is heading for the Poisson limit: it stops
# there, and the Poisson maximum, which it approaches, stands for it.
POISSON_LIMIT_LOG_ALPHA = -30.0


@dataclass(frozen=True)
class MaxLikelihood:
    """Per series: the maximised log-likelihood, the parameters, whether the fit converged,
    and whether it ended on a bound (for NB2: α at 0, or nearly, the Poisson limit)."""

    llf: np.ndarray
    params: np.ndarray
    converged: np.ndarray
    at_limit: np.ndarray


Function = Callable[[np.ndarray, np.ndarray], np.ndarray]
Derivatives = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


def newton(
    llf: Function,
    derivatives: Derivatives,
    start: np.ndarray,
    lower: np.ndarray | None = None,
    active: np.ndarray | None = None,
) -> MaxLikelihood:
    """Maximise ``llf(theta, rows)`` for every row of ``start`` by Newton steps, each halved
    until the log-likelihood rises. Where the Hessian is not negative definite, the step is
    damped (Levenberg–Marquardt) so that it still climbs. A row whose step cannot climb, or
    that runs out of iterations, is returned unconverged. A step that would cross a ``lower``
    bound is shortened to end on it; a row that climbs onto a bound stops there, marked
    ``at_limit``. Only the ``active`` rows (default: all) are fitted; the others are
    returned as they start, unconverged."""
    theta = start.copy()
    rows, size = theta.shape
    value = llf(theta, np.arange(rows))
    converged = np.zeros(rows, dtype=bool)
    at_limit = np.zeros(rows, dtype=bool)
    todo = np.arange(rows) if active is None else np.flatnonzero(active)
    for _ in range(MAX_ITERATIONS):
        if not len(todo):
            break
        gradient, hessian = derivatives(theta[todo], todo)
        curvature = -hessian
        smallest = np.linalg.eigvalsh(curvature)[:, 0]
        scale = 1 + np.abs(curvature).max(axis=(1, 2))
        damping = np.where(smallest > 1e-12 * scale, 0.0, 1e-6 * scale - smallest)
        step = np.linalg.solve(
            curvature + damping[:, None, None] * np.eye(size), gradient[..., None]
        )[..., 0]
        forecast_gain = 0.5 * np.einsum("ri,ri->r", gradient, step)
        done = (damping == 0) & (forecast_gain < GAIN_TOLERANCE)
        converged[todo[done]] = True
        todo, step, forecast_gain = todo[~done], step[~done], forecast_gain[~done]
        moving, length = todo, np.ones(len(todo))
        if lower is not None:  # no further than the bound
            with np.errstate(divide="ignore", invalid="ignore"):
                room = np.where(step < 0, (lower - theta[todo]) / step, np.inf).min(axis=1)
            length = np.minimum(length, room)
        for _ in range(MAX_HALVINGS):
            trial = theta[moving] + length[:, None] * step
            if lower is not None:
                trial = np.maximum(trial, lower)  # on the bound, not past it by rounding
            trial_value = llf(trial, moving)
            climbed = trial_value > value[moving]
            theta[moving[climbed]], value[moving[climbed]] = trial[climbed], trial_value[climbed]
            if lower is not None:
                edge = moving[climbed & (trial == lower).any(axis=1)]
                at_limit[edge] = True
                todo = np.setdiff1d(todo, edge)
            moving, step, length = moving[~climbed], step[~climbed], length[~climbed] / 2
            forecast_gain = forecast_gain[~climbed]
            if not len(moving):
                break
        converged[moving[forecast_gain < ROUNDING_GAIN]] = True  # no step climbs: it stops
        todo = np.setdiff1d(todo, moving)
    return MaxLikelihood(value, theta, converged, at_limit)


STIRLING_FROM = 100.0  # the series below is exact to rounding from here up


def log_rising_factorial(y: np.ndarray, size: np.ndarray) -> np.ndarray:
    """lgamma(y + size) − lgamma(size). For large ``size`` (1/α as α → 0) the two lgammas
    cancel to a small part of their digits, so there it comes from Stirling's series:
    y log s + (s + y − ½) log(1 + y/s) − y plus the difference of the series' corrections,
    within 1e-14 of the exact value (tests/test_negbin.py checks it against exact values)."""
    large = size > STIRLING_FROM
    s = np.where(large, size, STIRLING_FROM)

    def correction(x: np.ndarray) -> np.ndarray:
        return 1 / (12 * x) - 1 / (360 * x**3) + 1 / (1260 * x**5)

    stirling = (
        y * np.log(s) + (s + y - 0.5) * np.log1p(y / s) - y + correction(s + y) - correction(s)
    )
    return np.where(large, stirling, gammaln(y + size) - gammaln(size))


def poisson_max_llf(counts: np.ndarray, design: np.ndarray, offset: np.ndarray) -> MaxLikelihood:
    """Poisson regression of each row of ``counts`` on ``design``, with ``offset``."""

    def llf(beta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        linear = beta @ design.T + offset
        return (counts[rows] * linear - np.exp(linear) - gammaln(counts[rows] + 1)).sum(axis=1)

    def derivatives(beta: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mean = np.exp(beta @ design.T + offset)
        hessian = -np.einsum("ri,ij,il->rjl", mean, design, design)
        return (counts[rows] - mean) @ design, hessian

    start = np.linalg.lstsq(design, (np.log(counts + 0.5) - offset).T, rcond=None)[0].T
    return newton(llf, derivatives, start)


def nb2_max_llf(counts: np.ndarray, design: np.ndarray, exposure: np.ndarray) -> MaxLikelihood:
    """NB2 regression of each row of ``counts`` (rows: series; columns: observations) on
    ``design``, with log(``exposure``) as offset. The parameters are the coefficients, then
    log α. ``llf`` is the larger of the NB2 and Poisson maxima: as α → 0 the NB2 likelihood
    only approaches the Poisson one, its limit."""
    counts = np.atleast_2d(np.asarray(counts, dtype=float))
    design = np.asarray(design, dtype=float)
    offset = np.log(np.asarray(exposure, dtype=float))
    observations, coefficients = design.shape

    def llf(theta: np.ndarray, rows: np.ndarray) -> np.ndarray:
        # log(1 + αμ) by logaddexp, exact for small αμ: with log_rising_factorial, each term
        # keeps its digits as α → 0, where it nears its Poisson value.
        y, size = counts[rows], np.exp(-theta[:, -1:])
        log_alpha_mean = theta[:, :-1] @ design.T + offset + theta[:, -1:]  # log(αμ)
        log_share = np.logaddexp(0, log_alpha_mean)  # log(1 + αμ)
        terms = (
            log_rising_factorial(y, size)
            - gammaln(y + 1)
            - size * log_share
            + y * (log_alpha_mean - log_share)
        )
        return terms.sum(axis=1)

    def derivatives(theta: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        y, mean = counts[rows], np.exp(theta[:, :-1] @ design.T + offset)
        size = np.exp(-theta[:, -1:])
        total = size + mean
        # first and second derivatives of each term in 1/α; d(1/α)/d(log α) = -1/α
        d_size = digamma(y + size) - digamma(size) + np.log(size / total) + (mean - y) / total
        d2_size = (
            polygamma(1, y + size)
            - polygamma(1, size)
            + mean / (size * total)
            - (mean - y) / total**2
        )
        gradient = np.column_stack([((y - mean) * size / total) @ design, -(size * d_size).sum(1)])
        hessian = np.empty((len(rows), coefficients + 1, coefficients + 1))
        hessian[:, :-1, :-1] = -np.einsum(
            "ri,ij,il->rjl", mean * size * (size + y) / total**2, design, design
        )
        cross = -(size * (y - mean) * mean / total**2) @ design
        hessian[:, :-1, -1] = cross
        hessian[:, -1, :-1] = cross
        hessian[:, -1, -1] = (size * d_size + size**2 * d2_size).sum(axis=1)
        return gradient, hessian

    poisson = poisson_max_llf(counts, design, offset)
    mean = np.exp(poisson.params @ design.T + offset)
    moment_alpha = (((counts - mean) ** 2 / mean - 1) / mean).sum(axis=1) / (
        observations - coefficients
    )
    start = np.column_stack([poisson.params, np.log(np.maximum(0.05, moment_alpha))])
    # At α = 0 the score of α is ½ Σ ((y − μ)² − y), μ the Poisson fit (the score behind
    # Cameron and Trivedi's test). Where it is not positive the likelihood falls as α rises
    # from 0, so α = 0 is a maximum, the Poisson one; Newton would only creep towards it.
    overdispersed = ((counts - mean) ** 2 - counts).sum(axis=1) > 0
    lower = np.r_[np.full(coefficients, -np.inf), POISSON_LIMIT_LOG_ALPHA]
    negbin = newton(llf, derivatives, start, lower, active=overdispersed)
    params = negbin.params.copy()
    params[~overdispersed, -1] = -np.inf  # α = 0
    return MaxLikelihood(
        np.where(overdispersed, np.fmax(poisson.llf, negbin.llf), poisson.llf),
        params,
        (negbin.converged | negbin.at_limit | ~overdispersed) & poisson.converged,
        negbin.at_limit | ~overdispersed,
    )
