"""Verdicts on A2-A4 from the per-point summaries of :mod:`simulate.gradients`.

Each point of a run is reduced (in :mod:`simulate.gradients`) to a :class:`PointSummary` per
scope (one layer, or the whole model): per-sample scalars (``q``, its rounding range,
``‖eps‖²``, ``‖g‖²``), ``‖∇F‖²``, and the significance levels of its per-coordinate tests
(:mod:`simulate.online`). Once every point is in, the number of tests is known and the
Bonferroni thresholds follow: every verdict is wrong with probability at most ``1 - level``
when the assumption holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulate.measure import ConfidenceInterval, normal_quantile
from simulate.verdicts import Verdict

__all__ = ["PointSummary", "check_a2", "check_a3", "check_a4", "fit_second_moment", "fraction"]

FloatArray = NDArray[np.float64]
# float64 slack for quantities that are exactly zero in exact arithmetic (projections, means
# of identical samples): relative to the magnitudes involved
RELATIVE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class PointSummary:
    """One point's statistics in one scope (a layer or the whole model).

    Attributes
    ----------
    q, q_span, eps_sq, second : ndarray (n,)
        Per kept sample: ``<ĝ, g>/‖g‖²``, how far rounding alone can move it
        (``Σ span_j |g_j|/‖g‖²``), ``‖ĝ − q g‖²`` and ``‖g‖²``.
    grad_sq : float
        ``‖∇F‖²``: exact when the point carries ``∇F``, else the unbiased estimate from the
        samples (``‖ḡ‖² − tr(Σ̂)/n``, floored at 0).
    grad_sq_exact : bool
        Which of the two.
    bias_levels : ndarray or None
        Smallest significance levels of ``E[g_j] = ∇F_j`` (None: no ``∇F`` to test against).
    bias_tests : int
        Coordinates tested.
    distribution_free : bool
        Whether the bias test was empirical-Bernstein on a known support (else normal).
    moment_level : float or None
        Level of ``E‖g‖² <= M + M_G ‖∇F‖²`` against claimed constants (None: no claim).
    a4_levels : ndarray
        Smallest significance levels of ``E[eps_j | g] = 0``.
    a4_tests : int
        Coordinates tested.
    a4_relative_bias : float
        ``‖mean eps‖/‖g‖`` of the re-quantized gradient.
    """

    q: FloatArray
    q_span: FloatArray
    eps_sq: FloatArray
    second: FloatArray
    grad_sq: float
    grad_sq_exact: bool
    bias_levels: FloatArray | None
    bias_tests: int
    distribution_free: bool
    moment_level: float | None
    a4_levels: FloatArray
    a4_tests: int
    a4_relative_bias: float


def mean_and_se(values: FloatArray) -> tuple[float, float]:
    """Mean and standard error of a 1-D sample (NaN when empty)."""
    n = values.size
    if n == 0:
        return float("nan"), float("nan")
    # in units of the largest magnitude: squared norms near 1e300 are finite, their squares
    # (the variance's terms) are not
    unit = float(np.max(np.abs(values)))
    if not np.isfinite(unit):  # an overflowed sample: no mean, no spread (the verdicts say so)
        return float("nan"), float("nan")
    unit = unit if unit > 0 else 1.0
    scaled = values / unit
    sd = float(scaled.std(ddof=1)) * unit if n > 1 else 0.0
    return float(scaled.mean()) * unit, sd / float(np.sqrt(n))


def range_term(span: FloatArray | float, n: int, delta: float) -> FloatArray:
    """``7 R ln(4/δ) / (3(n − 1))``: the range term of the empirical-Bernstein bound (0 if n < 2).

    Maurer & Pontil (2009), Theorem 4 (two-sided by a union bound). Stochastic rounding of
    tiny values jumps rarely and far, where the normal interval alone is too narrow.
    """
    span = np.asarray(span, dtype=np.float64)
    if n < 2:
        return np.zeros_like(span)
    return np.asarray(7.0 * span * np.log(4.0 / delta) / (3.0 * (n - 1)))


def _count_below(levels: list[FloatArray], threshold: float) -> tuple[int, float]:
    """Rejections (counted up to the kept levels) and the smallest level over the points."""
    if not levels:
        return 0, 1.0
    return int(sum(int((lv < threshold).sum()) for lv in levels)), float(
        min((float(lv[0]) for lv in levels if lv.size), default=1.0)
    )


def check_a2(
    points: list[PointSummary],
    claim: tuple[float, float] | None,
    level: float,
) -> tuple[Verdict, ConfidenceInterval, ConfidenceInterval]:
    """A2: ``E[g] = ∇F`` per coordinate, the claimed second moment, and the fitted ``M, M_G``."""
    count = len(points)
    tested = [p for p in points if p.bias_levels is not None]
    bias_tests = sum(p.bias_tests for p in tested)
    moment_tests = sum(p.moment_level is not None for p in points)
    threshold = (1 - level) / max(bias_tests + moment_tests, 1)
    biased, smallest_level = _count_below(
        [p.bias_levels for p in tested if p.bias_levels is not None], threshold
    )
    above = sum(1 for p in points if p.moment_level is not None and p.moment_level < threshold)
    stats = [mean_and_se(p.second) for p in points]
    second = np.array([m for m, _ in stats])
    second_se = np.array([s for _, s in stats])
    grad_sq = np.array([p.grad_sq for p in points])
    M_fit, M_G_fit = fit_second_moment(
        second, second_se, grad_sq, level, exact=all(p.grad_sq_exact for p in points)
    )
    holds = biased == 0 and above == 0
    free = bool(tested) and all(p.distribution_free for p in tested)
    how = (
        "empirical-Bernstein on the stochastic gradients' known support (distribution-free)"
        if free
        else "normal (CLT) intervals"
    )
    numbers: dict[str, Any] = {
        "biased_coordinates": biased,
        "coordinates_tested": bias_tests,
        "points_tested": len(tested),
        "smallest_level": smallest_level,
        "threshold": threshold,
        "distribution_free": free,
        "points_above_bound": above,
    }
    if claim is not None:
        numbers["M_claimed"], numbers["M_G_claimed"] = claim
    if tested:
        evidence = (
            f"E[g] = ∇F tested on {bias_tests} coordinates at {len(tested)} of {count} points "
            f"({how}, Bonferroni over every test): {biased} significantly biased"
        )
    else:
        evidence = (
            f"E[g] = ∇F not tested: none of the {count} points carries the exact gradient "
            "(a GradientPoint with exact=...)"
        )
    if claim is not None:
        evidence += (
            f"; E‖g‖² ≤ M + M_G‖∇F‖² with the claimed M = {claim[0]:.4g}, "
            f"M_G = {claim[1]:.4g}: {above} of {count} points significantly above"
        )
    evidence += (
        f"; fitted M = {M_fit.value:.4g} [{M_fit.low:.4g}, {M_fit.high:.4g}], "
        f"M_G = {M_G_fit.value:.4g} [{M_G_fit.low:.4g}, {M_G_fit.high:.4g}]."
    )
    return Verdict(holds, evidence, numbers, conclusive=bool(tested)), M_fit, M_G_fit


def fit_second_moment(
    second: FloatArray, se: FloatArray, grad_sq: FloatArray, level: float, *, exact: bool = True
) -> tuple[ConfidenceInterval, ConfidenceInterval]:
    """Weighted least squares ``second ≈ M + M_G grad_sq`` over points, normal intervals.

    The per-point standard errors are floored at a float64 tolerance so that exact
    (noise-free) data give a well-posed fit with near-zero-width intervals. With estimated
    ``‖∇F‖²`` (``exact=False``) the regressor is itself noisy and the intervals are too narrow
    by the unmodelled error in it; the method string says so.
    """
    if not (np.isfinite(second).all() and np.isfinite(se).all()):
        # a second moment beyond float64 (or an overflowed sample): nothing to fit
        why = "not fitted: a second moment or its standard error is beyond float64's range"
        nan = ConfidenceInterval(float("nan"), float("nan"), float("nan"), level, why)
        return nan, nan
    unit = max(float(np.max(np.abs(second))), 1e-300) if second.size else 1.0
    sigma = np.maximum(se / unit, RELATIVE_TOLERANCE * (np.abs(second) / unit + 1e-3))
    design = np.stack([np.ones_like(grad_sq), grad_sq / unit], axis=1) / sigma[:, None]
    target = second / unit / sigma
    method = "weighted least squares over points, normal interval (Bonferroni over 2)"
    if not exact:
        method += "; ‖∇F‖² estimated from the samples (errors in it not modelled)"
    if second.size < 2 or np.linalg.matrix_rank(design) < 2:
        # all points have the same ‖∇F‖²: M_G unidentified
        value = float(np.mean(second)) if second.size else float("nan")
        unidentified = "unidentified: every point has the same ‖∇F‖², so no slope to fit"
        nan = ConfidenceInterval(float("nan"), float("nan"), float("nan"), level, unidentified)
        return ConfidenceInterval(value, value, value, level, "mean (M_G unidentified)"), nan
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    covariance = np.linalg.inv(design.T @ design)
    coef[0] *= unit  # back to squared gradient units (M_G is dimensionless)
    covariance[0, :] *= unit
    covariance[:, 0] *= unit
    z = normal_quantile(1 - (1 - level) / 2)
    half = z * np.sqrt(np.diag(covariance))
    M, M_G = (
        ConfidenceInterval(float(c), float(c - h), float(c + h), level, method)
        for c, h in zip(coef, half, strict=True)
    )
    return M, M_G


def check_a3(
    points: list[PointSummary], level: float
) -> tuple[Verdict, ConfidenceInterval, ConfidenceInterval]:
    """A3: the conditional mean ``q̄(x)`` at every point lies in ``(0, 1]``; ``q_min``, ``q_max``."""
    count = len(points)
    stats = [mean_and_se(p.q) for p in points]
    mean = np.array([m for m, _ in stats])
    se = np.array([s for _, s in stats])
    samples = np.array([p.q.size for p in points])
    spans = np.array([float(p.q_span.max()) if p.q_span.size else 0.0 for p in points])
    delta = (1 - level) / count
    z = normal_quantile(1 - delta)
    tolerance = RELATIVE_TOLERANCE * np.maximum(np.abs(mean), 1.0)
    # normal interval for the gradient-noise part, plus the empirical-Bernstein range term for
    # the rounding part (rare stochastic-rounding jumps of tiny entries)
    rounding = np.array(
        [float(range_term(s, int(n), delta)) for s, n in zip(spans, samples, strict=True)]
    )
    half = z * se + rounding
    low, high = mean - half, mean + half
    above_one = low > 1.0 + tolerance
    # NaN (overflowed quantization) fails `high > tolerance` and counts as not positive
    not_positive = ~(high > tolerance)
    holds = not above_one.any() and not not_positive.any()
    # Not refuted is not confirmed: an interval reaching 0 leaves q_min > 0 unestablished, and
    # one wider than the whole range (0, 1] cannot tell q <= 1 from q >> 1.
    unresolved = (low <= tolerance) | (high - low > 1.0)
    finite = np.where(np.isnan(mean), np.inf, mean)
    i_min = int(np.argmin(finite))
    i_max = int(np.argmax(np.where(np.isnan(mean), -np.inf, mean)))
    method = (
        f"conditional mean of q over the samples at the extreme point, Bonferroni over {count} "
        "points (normal interval plus the empirical-Bernstein range of the rounding)"
    )
    q_min = ConfidenceInterval(
        float(mean[i_min]), float(low[i_min]), float(high[i_min]), level, method
    )
    q_max = ConfidenceInterval(
        float(mean[i_max]), float(low[i_max]), float(high[i_max]), level, method
    )
    every_q = np.concatenate([p.q for p in points]) if count else np.zeros(0)
    numbers = {
        "points_with_q_above_1": int(above_one.sum()),
        "points_with_q_not_positive": int(not_positive.sum()),
        "sample_q_min": float(every_q.min()) if every_q.size else float("nan"),
        "sample_q_max": float(every_q.max()) if every_q.size else float("nan"),
        "fraction_of_samples_above_1": float((every_q > 1 + RELATIVE_TOLERANCE).mean())
        if every_q.size
        else 0.0,
        "points_unresolved": int(unresolved.sum()),
    }
    evidence = (
        f"q̄(x) = E[q | x] at {count} points lies in [{q_min.value:.6g}, {q_max.value:.6g}]; "
        f"{numbers['points_with_q_above_1']} points significantly above 1 (A3 needs q ≤ 1), "
        f"{numbers['points_with_q_not_positive']} not above 0; per-sample q ranges over "
        f"[{numbers['sample_q_min']:.6g}, {numbers['sample_q_max']:.6g}]."
    )
    conclusive = not unresolved.any()
    if holds and not conclusive:
        evidence += (
            f" Inconclusive: at {numbers['points_unresolved']} points the interval of q̄(x) "
            "reaches 0 or is wider than (0, 1], so q_min > 0 and q ≤ 1 are not established."
        )
    return Verdict(holds, evidence, numbers, conclusive), q_min, q_max


def check_a4(
    points: list[PointSummary], deterministic: bool, repeats: int, level: float
) -> tuple[Verdict, ConfidenceInterval]:
    """A4: ``E[eps | g] = 0`` on re-quantized gradients; ``sigma_q2``, the largest ``E‖eps‖²``."""
    count = len(points)
    tests = sum(p.a4_tests for p in points)
    threshold = (1 - level) / max(tests, 1)
    significant, smallest_level = _count_below([p.a4_levels for p in points], threshold)
    biased_points = sum(1 for p in points if p.a4_levels.size and p.a4_levels[0] < threshold)
    holds = biased_points == 0
    stats = [mean_and_se(p.eps_sq) for p in points]
    second = np.array([m for m, _ in stats])
    second_se = np.array([s for _, s in stats])
    z_sigma = normal_quantile(1 - (1 - level) / count)
    top = int(np.argmax(np.where(np.isnan(second), np.inf, second)))
    sigma_q2 = ConfidenceInterval(
        float(second[top]),
        float(max(second[top] - z_sigma * second_se[top], 0.0)),
        float(second[top] + z_sigma * second_se[top]),
        level,
        f"largest per-point mean of ‖eps‖² over the samples, Bonferroni over {count} points",
    )
    relative = max((p.a4_relative_bias for p in points), default=0.0)
    numbers = {
        "points_with_biased_eps": biased_points,
        "significant_coordinates": significant,
        "coordinates_tested": tests,
        "smallest_level": smallest_level,
        "threshold": threshold,
        "max_relative_conditional_mean": float(relative),
        "deterministic": deterministic,
    }
    how = (
        "the quantizer is deterministic, so E[eps | g] = eps exactly"
        if deterministic
        else f"each gradient re-quantized {repeats} times, empirical-Bernstein on the rounding's "
        "range"
    )
    evidence = (
        f"E[eps | g] = 0 tested at {count} gradients ({how}): "
        f"{biased_points} with a significantly non-zero conditional mean "
        f"(largest ‖E[eps | g]‖/‖g‖ = {relative:.3g}); "
        f"sigma_q2 = {sigma_q2.value:.4g} [{sigma_q2.low:.4g}, {sigma_q2.high:.4g}]."
    )
    return Verdict(holds, evidence, numbers), sigma_q2


def fraction(value: float, n: int, level: float) -> ConfidenceInterval:
    """A fraction of entries with a descriptive range only.

    Entries within one gradient are dependent, so this is the normal interval of a proportion,
    clipped to [0, 1], not a confidence interval for a population quantity.
    """
    half = normal_quantile(level) * np.sqrt(value * (1 - value) / max(n, 1))
    return ConfidenceInterval(
        value, max(0.0, value - half), min(1.0, float(value + half)), level, "observed fraction"
    )
