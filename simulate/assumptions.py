"""The assumption checker: do a real format and a noise model satisfy A2-A4?

docs/spec.md sections 2 and 4.

:func:`check` samples many stochastic gradients at many points (along a short float64 SGD path
from ``problem.x0`` and at random points around it), quantizes them, and measures, per
docs/spec.md section 4, ``q = <Q(g), g>/‖g‖²`` and ``eps = Q(g) - q g``. It reports:

- **A2** (unbiased gradients, ``E‖g‖² ≤ M + M_G‖∇F‖²``): a per-coordinate test of
  ``E[g] = ∇F`` at every point, and the measured second moment against the noise model's
  constants; ``M`` and ``M_G`` are also fitted (weighted least squares of the per-point second
  moment on ``‖∇F‖²``).
- **A3** (``q_min ≤ q_k ≤ 1``, ``q_k`` determined by the history): the history-measurable part
  of ``q`` at a point is its conditional mean ``q̄(x) = E[q | x]``; A3 fails when some
  ``q̄(x)`` is significantly above 1 (round-to-nearest rounding magnitudes up) or not
  significantly above 0. ``q_min`` / ``q_max`` are the smallest / largest ``q̄(x)``.
- **A4** (``E[eps | g] = 0``, ``E‖eps‖² ≤ sigma_q2``): the same gradient ``g`` is quantized
  ``repeats`` times; round-to-nearest makes ``eps`` a deterministic non-zero function of ``g``
  (so its conditional mean is ``eps`` itself), stochastic rounding averages it out.
  ``sigma_q2`` is the largest per-point mean of ``‖eps‖²``.

Statistics: every interval and test is two-sided at the overall ``level`` (default 99.9%),
split by Bonferroni across everything tested in the same verdict, so a verdict of "fails" is
wrong with probability at most ``1 - level`` when the assumption holds. A4's test on a real
quantizer is distribution-free: the empirical-Bernstein bound (Maurer & Pontil 2009) with the
range of ``eps`` bounded by the two format values around each entry (rounding up and down),
which stays valid when stochastic rounding of tiny entries jumps rarely. The A2 tests and the
noise part of the ``q`` intervals are normal (CLT) intervals, which need ``samples`` in the
hundreds; the rounding part of the ``q`` intervals adds the same Bernstein range term. A
deterministic quantizer gives zero-width intervals: its verdicts are then exact, up to a
float64 tolerance of ``1e-12`` relative.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plumbing import validate
from simulate import memory
from simulate.measure import ConfidenceInterval, normal_quantile, projection, require_measurable
from simulate.noise import NoiseModel
from simulate.problems import Problem
from simulate.quantizer import Quantizer, SyntheticShrinkage

__all__ = ["AssumptionReport", "Verdict", "check"]

FloatArray = NDArray[np.float64]
# float64 slack for quantities that are exactly zero in exact arithmetic (projections, means
# of identical samples): relative to the magnitudes involved
_RELATIVE_TOLERANCE = 1e-12


@dataclass(frozen=True)
class Verdict:
    """Whether one assumption holds, with the evidence.

    Attributes
    ----------
    holds : bool
        False only when the data refute the assumption at the report's level.
    evidence : str
        One-paragraph explanation with the key numbers.
    numbers : dict
        The statistics behind the verdict (JSON-ready).
    conclusive : bool
        Whether a violation would have been seen: False when the test could not resolve one
        (see :attr:`status`). Irrelevant when ``holds`` is False (a refutation is conclusive).
    """

    holds: bool
    evidence: str
    numbers: dict[str, Any] = field(default_factory=dict)
    conclusive: bool = True

    @property
    def status(self) -> str:
        """``"fails"`` (refuted), ``"holds"`` (not refuted by a test that could have), or
        ``"inconclusive"`` (not refuted, but the intervals are too wide to tell)."""
        if not self.holds:
            return "fails"
        return "holds" if self.conclusive else "inconclusive"


@dataclass(frozen=True)
class AssumptionReport:
    """Verdicts on A2-A4 and the estimated constants.

    ``report["A4"].holds``, ``report["A4"].evidence``, ``report.estimates["q_min"].value``,
    ``.low``, ``.high``. Estimates: ``q_min``, ``q_max``, ``sigma_q2``, ``M``, ``M_G``,
    ``underflow`` and ``saturated`` (fractions of gradient entries).
    """

    verdicts: dict[str, Verdict]
    estimates: dict[str, ConfidenceInterval]
    settings: dict[str, Any]

    def __getitem__(self, name: str) -> Verdict:
        return self.verdicts[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "verdicts": {
                k: {
                    "status": v.status,
                    "holds": v.holds,
                    "evidence": v.evidence,
                    "numbers": v.numbers,
                }
                for k, v in self.verdicts.items()
            },
            "estimates": {k: v.to_dict() for k, v in self.estimates.items()},
            "settings": self.settings,
        }


def _as_quantizer(
    format: Any, rounding: str, random_bits: int | None, tensor_scaling: bool
) -> Quantizer | SyntheticShrinkage | None:
    if format is None or isinstance(format, (Quantizer, SyntheticShrinkage)):
        return format
    return Quantizer(
        format, rounding=rounding, random_bits=random_bits, tensor_scaling=tensor_scaling
    )


def _points(
    problem: Problem, noise: NoiseModel | None, count: int, run_steps: int, rng: np.random.Generator
) -> FloatArray:
    """Half along a float64 SGD path from x0 (stepsize 1/(L M_G)), half random around it.

    Quietly: a path that overflows gives non-finite points, which the measurability check
    of :func:`check` then refuses with a message.
    """
    with np.errstate(all="ignore"):
        return _sample_points(problem, noise, count, run_steps, rng)


def _sample_points(
    problem: Problem, noise: NoiseModel | None, count: int, run_steps: int, rng: np.random.Generator
) -> FloatArray:
    M_V = 0.0 if noise is None else noise.variance_constants(problem)[1]
    mu = 1.0 / (problem.L * (1.0 + M_V))
    along = max(count // 2, 1)
    keep = set(np.linspace(0, run_steps, along).astype(int).tolist())
    x = problem.x0[None].copy()
    path = []
    for k in range(run_steps + 1):  # a loop over SGD steps, one replica
        if k in keep:
            path.append(x[0].copy())
        grads = problem.grad(x)
        g = grads if noise is None else noise.sample(problem, x, grads, rng)
        x = x - mu * g
    centre = problem.x0 if problem.x_star is None else problem.x_star
    radius = max(float(np.linalg.norm(problem.x0 - centre)) / np.sqrt(problem.dim), 1e-3)
    random = problem.x0 + radius * rng.standard_normal((count - len(path), problem.dim))
    return np.vstack([np.array(path), random])


def _quantize(
    quantizer: Quantizer | SyntheticShrinkage | None,
    g: FloatArray,
    loss_scale: float,
    rng: np.random.Generator,
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Effective quantized gradient Q(s g)/s, the quantized scaled values and saturation."""
    if quantizer is None:
        return g, g, np.zeros(g.shape, dtype=bool)
    if isinstance(quantizer, SyntheticShrinkage):
        q = quantizer.draw_q(g.shape[0], rng)
        out = quantizer.apply(g, q, rng)
        return out, out, np.zeros(g.shape, dtype=bool)
    scaled = g * loss_scale
    quantized = quantizer(scaled, rng)
    return quantized / loss_scale, quantized, quantizer.saturated(scaled, quantized)


def _bracket_span(
    quantizer: Quantizer | SyntheticShrinkage | None,
    g: FloatArray,
    loss_scale: float,
    rng: np.random.Generator,
) -> FloatArray:
    """Width ``Q_up(g) - Q_down(g)`` of the two format values around each entry, (N, d).

    Any rounding of ``g`` (stochastic included) lands in ``[Q_down(g), Q_up(g)]``, so this bounds
    the support of the rounding error. Zero unless the rounding is stochastic: deterministic
    rounding adds no randomness of its own, and the synthetic model's noise is Gaussian.
    """
    if not isinstance(quantizer, Quantizer) or not quantizer.stochastic:
        return np.zeros_like(g)
    up = _quantize(replace(quantizer, rounding="rup"), g, loss_scale, rng)[0]
    down = _quantize(replace(quantizer, rounding="rdn"), g, loss_scale, rng)[0]
    span = up - down
    return np.where(np.isfinite(span), span, 0.0)


def _range_term(span: FloatArray, n: int, delta: FloatArray | float) -> FloatArray:
    """The range term ``7 R ln(4/δ) / (3(n - 1))`` of the two-sided empirical-Bernstein bound.

    Maurer & Pontil (2009), Theorem 4: for ``n`` i.i.d. values in an interval of width ``R``,
    with probability ``1 - δ``, ``|mean - μ| ≤ sqrt(2 V ln(4/δ)/n) + 7 R ln(4/δ)/(3(n-1))``
    (``V`` the sample variance; two-sided by a union bound). Stochastic rounding of tiny
    values jumps rarely and far, where the normal interval alone is too narrow; this term
    covers jumps not seen in the sample. Returns 0 for ``n < 2``.
    """
    if n < 2:
        return np.zeros_like(span)
    return 7.0 * span * np.log(4.0 / delta) / (3.0 * (n - 1))


def check(
    problem: Problem,
    format: Any = None,
    rounding: str = "rne",
    noise: NoiseModel | None = None,
    *,
    random_bits: int | None = None,
    tensor_scaling: bool = False,
    loss_scale: float = 1.0,
    points: Any = None,
    n_points: int = 16,
    samples: int = 256,
    repeats: int = 256,
    run_steps: int = 50,
    level: float = 0.999,
    seed: int = 0,
) -> AssumptionReport:
    """Estimate ``q_min, q_max, sigma_q2, M, M_G`` and test A2-A4 on a format and noise model.

    Parameters
    ----------
    problem : Problem
        Objective (its exact gradient is the reference for A2).
    format : str, Format, BlockFormat, Quantizer, SyntheticShrinkage or None
        Gradient quantizer: a registry name (``"fp8_e4m3"``, ``"mxfp4"``, ``"nvfp4"``, ...), a
        format object, a ready :class:`~simulate.quantizer.Quantizer`, the synthetic model, or
        ``None`` (no quantization).
    rounding : str
        Rounding mode when ``format`` is a name or format (``"rne"``, ..., ``"sr"``).
    noise : NoiseModel, optional
        Gradient noise; ``None`` uses exact gradients.
    random_bits : int, optional
        Random bits of stochastic rounding.
    tensor_scaling : bool
        Per-tensor amax scaling of element formats.
    loss_scale : float
        Static loss scale ``0 < s <= `` float32's maximum: the quantized gradient is
        ``Q(s g)/s``.
    points : array_like, shape (P, d), optional
        Where to sample; default ``n_points`` points (half along a float64 SGD path of
        ``run_steps`` steps from ``x0``, half random around ``x0``).
    n_points, samples, repeats, run_steps : int
        Points, stochastic gradients per point (``>= 2``), re-quantizations of each A4
        gradient (one gradient per point, ``>= 2``), SGD steps of the default path.
    level : float
        Overall confidence level of each verdict and interval.
    seed : int
        Seed of every random draw.

    Returns
    -------
    AssumptionReport
        Verdicts ``"holds"``, ``"fails"`` or ``"inconclusive"`` (:attr:`Verdict.status`).

    Raises
    ------
    ValueError
        Naming the parameter and its rule; also when the sampled gradients cannot fit in the
        memory available (:mod:`simulate.memory`), before anything is allocated.
    """
    n_points = validate.integer("n_points", n_points)
    run_steps = validate.integer("run_steps", run_steps)
    # a variance (hence every interval) needs two values
    samples = validate.integer("samples", samples, minimum=2)
    repeats = validate.integer("repeats", repeats, minimum=2)
    loss_scale = validate.loss_scale(loss_scale)
    level = validate.level(level)
    seed = validate.seed(seed)
    quantizer = _as_quantizer(format, rounding, random_bits, tensor_scaling)
    if loss_scale != 1.0 and not isinstance(quantizer, Quantizer):
        raise ValueError("loss_scale needs a real format to quantize to")
    count = n_points if points is None else int(np.shape(points)[0])
    memory.check_assumption_check(count, samples, repeats, problem.dim)
    rng = np.random.default_rng(seed)
    if points is None:
        xs = _points(problem, noise, n_points, run_steps, rng)
    else:
        xs = np.asarray(points, dtype=np.float64)
        if xs.ndim != 2 or xs.shape[1] != problem.dim or xs.shape[0] < 1:
            raise ValueError(f"points must have shape (P, {problem.dim}) with P >= 1")
    count, d = xs.shape
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        grads = problem.grad(xs)
        stacked = np.repeat(xs, samples, axis=0)
        exact = np.repeat(grads, samples, axis=0)
        g = exact if noise is None else noise.sample(problem, stacked, exact, rng)
        require_measurable(g)
        g_hat, _, saturated = _quantize(quantizer, g, loss_scale, rng)
        q, eps = projection(g, g_hat)
        # how far q can move by rounding alone: Σ_j span_j |g_j| / ‖g‖² per sample
        span = _bracket_span(quantizer, g, loss_scale, rng)
        q_span = projection(np.abs(g), span)[0] * (np.abs(g).sum(axis=1) > 0)
        # A4: one gradient per point, quantized `repeats` times
        g_once = g[::samples]
        repeated = np.repeat(g_once, repeats, axis=0)
        rep_hat = _quantize(quantizer, repeated, loss_scale, rng)[0]
        _, rep_eps = projection(repeated, rep_hat)
        by_point = rep_hat.reshape(count, repeats, d)
        deterministic = bool(np.all(by_point == by_point[:, :1]))
        # eps_i = Q_i - q g_i ranges over span_i + |g_i| · (range of q)
        once_span = span[::samples]
        eps_span = once_span + np.abs(g_once) * q_span[::samples, None]

    shape = (count, samples)
    a2, m_fit, mg_fit = _check_a2(problem, noise, g.reshape(*shape, d), grads, level)
    # A quantized gradient that overflowed to inf or NaN has no q and no eps: the statistics
    # below are NaN (computed quietly) and A3-A4 are refuted outright.
    with np.errstate(invalid="ignore", over="ignore"):
        a3, q_min, q_max = _check_a3(q.reshape(shape), q_span.reshape(shape).max(axis=1), level)
        a4, sigma_q2 = _check_a4(
            rep_eps.reshape(count, repeats, d),
            eps_span,
            g_once,
            np.einsum("rd,rd->r", eps, eps).reshape(shape),
            deterministic,
            level,
        )
    not_finite = float(np.mean(~np.isfinite(g_hat).all(axis=1)))
    if not_finite > 0:
        evidence = (
            f"{not_finite:.3g} of the quantized gradients overflowed to inf or NaN, where "
            "q_k and eps_k are undefined: the model Q(g) = q g + eps does not apply."
        )
        numbers = {"fraction_not_finite": not_finite}
        a3 = Verdict(False, "A3: " + evidence, numbers)
        a4 = Verdict(False, "A4: " + evidence, numbers)
    underflow = ((g != 0) & (g_hat == 0)).mean()
    estimates = {
        "q_min": q_min,
        "q_max": q_max,
        "sigma_q2": sigma_q2,
        "M": m_fit,
        "M_G": mg_fit,
        "underflow": _fraction(float(underflow), g.size, level),
        "saturated": _fraction(float(saturated.mean()), g.size, level),
    }
    settings = {
        "problem": problem.name,
        "quantizer": None if quantizer is None else quantizer.describe(),
        "noise": None if noise is None else repr(noise),
        "loss_scale": loss_scale,
        "points": count,
        "samples": samples,
        "repeats": repeats,
        "level": level,
        "seed": seed,
    }
    return AssumptionReport({"A2": a2, "A3": a3, "A4": a4}, estimates, settings)


def _fraction(value: float, n: int, level: float) -> ConfidenceInterval:
    # Entries within one gradient are dependent, so this is a descriptive range only: the
    # normal interval of a proportion, clipped to [0, 1].
    half = normal_quantile(level) * np.sqrt(value * (1 - value) / n)
    return ConfidenceInterval(
        value, max(0.0, value - half), min(1.0, float(value + half)), level, "observed fraction"
    )


def _mean_and_se(values: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Mean and standard error along the last axis."""
    n = values.shape[-1]
    sd = values.std(axis=-1, ddof=1) if n > 1 else np.zeros(values.shape[:-1])
    return values.mean(axis=-1), sd / np.sqrt(n)


def _check_a2(
    problem: Problem,
    noise: NoiseModel | None,
    g: FloatArray,
    grads: FloatArray,
    level: float,
) -> tuple[Verdict, ConfidenceInterval, ConfidenceInterval]:
    count, samples, d = g.shape
    grad_sq = np.einsum("pd,pd->p", grads, grads)
    mean, se = _mean_and_se(np.moveaxis(g, 1, 2))  # (P, d)
    scale = np.abs(grads) + np.sqrt(grad_sq / d)[:, None]
    # one verdict, count * d bias tests and count moment tests: Bonferroni over all of them
    z_bias = normal_quantile(1 - (1 - level) / (count * d + count))
    deviation = np.abs(mean - grads)
    biased = deviation > z_bias * se + _RELATIVE_TOLERANCE * scale
    # ‖g‖² is finite (require_measurable) but its variance may not be: average in units of
    # the largest, so that M = 1e308 gives an answer rather than inf - inf
    squared = np.einsum("psd,psd->ps", g, g)
    unit = max(float(np.max(squared)), 1e-300)
    second, second_se = (unit * v for v in _mean_and_se(squared / unit))
    M_fit, M_G_fit = _fit_second_moment(second, second_se, grad_sq, level)
    if noise is None:
        M_claim, M_V_claim = 0.0, 0.0
    else:
        M_claim, M_V_claim = noise.variance_constants(problem)
    bound = M_claim + (1.0 + M_V_claim) * grad_sq
    z_moment = z_bias
    excess = second - z_moment * second_se - bound * (1 + _RELATIVE_TOLERANCE)
    holds = not biased.any() and not (excess > 0).any()
    numbers = {
        "biased_coordinates": int(biased.sum()),
        "max_bias_z": float(np.max(deviation / np.maximum(se, 1e-300))) if samples > 1 else None,
        "M_claimed": M_claim,
        "M_G_claimed": 1.0 + M_V_claim,
        "points_above_bound": int((excess > 0).sum()),
    }
    evidence = (
        f"E[g] = ∇F tested on {count * d} coordinates at {count} points: "
        f"{numbers['biased_coordinates']} significantly biased; E‖g‖² ≤ M + M_G‖∇F‖² with the "
        f"noise model's M = {M_claim:.4g}, M_G = {1 + M_V_claim:.4g}: "
        f"{numbers['points_above_bound']} of {count} points significantly above; fitted "
        f"M = {M_fit.value:.4g} [{M_fit.low:.4g}, {M_fit.high:.4g}], "
        f"M_G = {M_G_fit.value:.4g} [{M_G_fit.low:.4g}, {M_G_fit.high:.4g}]."
    )
    return Verdict(holds, evidence, numbers), M_fit, M_G_fit


def _fit_second_moment(
    second: FloatArray, se: FloatArray, grad_sq: FloatArray, level: float
) -> tuple[ConfidenceInterval, ConfidenceInterval]:
    """Weighted least squares ``second ≈ M + M_G grad_sq`` with normal intervals.

    The per-point standard errors are floored at a float64 tolerance so that exact (noise-free)
    data give a well-posed fit with near-zero-width intervals.
    """
    # work in units of the largest second moment: tiny gradients (1e-8) must not overflow 1/σ
    unit = max(float(np.max(np.abs(second))), 1e-300)
    sigma = np.maximum(se / unit, _RELATIVE_TOLERANCE * (np.abs(second) / unit + 1e-3))
    design = np.stack([np.ones_like(grad_sq), grad_sq / unit], axis=1) / sigma[:, None]
    target = second / unit / sigma
    method = "weighted least squares over points, normal interval (Bonferroni over 2)"
    if np.linalg.matrix_rank(design) < 2:  # all points have the same ‖∇F‖²: M_G unidentified
        value = float(np.mean(second))
        unidentified = "unidentified: every point has the same ‖∇F‖², so no slope to fit"
        nan = ConfidenceInterval(float("nan"), float("nan"), float("nan"), level, unidentified)
        return ConfidenceInterval(value, value, value, level, "mean (M_G unidentified)"), nan
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    covariance = np.linalg.inv(design.T @ design)
    coef[0] *= unit  # back to squared gradient units (M_G is dimensionless)
    covariance[0, :] *= unit
    covariance[:, 0] *= unit
    z = normal_quantile(1 - (1 - level) / 2)  # Bonferroni over the two coefficients
    half = z * np.sqrt(np.diag(covariance))
    M, M_G = (
        ConfidenceInterval(float(c), float(c - h), float(c + h), level, method)
        for c, h in zip(coef, half, strict=True)
    )
    return M, M_G


def _check_a3(
    q: FloatArray, q_span: FloatArray, level: float
) -> tuple[Verdict, ConfidenceInterval, ConfidenceInterval]:
    count, samples = q.shape
    mean, se = _mean_and_se(q)
    z = normal_quantile(1 - (1 - level) / count)
    tolerance = _RELATIVE_TOLERANCE * np.maximum(np.abs(mean), 1.0)
    # normal interval for the gradient-noise part, plus the empirical-Bernstein range term for
    # the rounding part (rare stochastic-rounding jumps of tiny entries)
    half = z * se + _range_term(q_span, samples, (1 - level) / count)
    low, high = mean - half, mean + half
    above_one = low > 1.0 + tolerance
    # NaN (overflowed quantization) fails `high > tolerance` and counts as not positive
    not_positive = ~(high > tolerance)
    holds = not above_one.any() and not not_positive.any()
    # Not refuted is not confirmed: an interval reaching 0 leaves q_min > 0 unestablished, and
    # one wider than the whole range (0, 1] cannot tell q <= 1 from q >> 1.
    unresolved = (low <= tolerance) | (high - low > 1.0)
    i_min, i_max = int(np.argmin(mean)), int(np.argmax(mean))
    method = (
        f"conditional mean of q over {samples} samples at the extreme point, "
        f"Bonferroni over {count} points"
    )
    q_min = ConfidenceInterval(
        float(mean[i_min]), float(low[i_min]), float(high[i_min]), level, method
    )
    q_max = ConfidenceInterval(
        float(mean[i_max]), float(low[i_max]), float(high[i_max]), level, method
    )
    numbers = {
        "points_with_q_above_1": int(above_one.sum()),
        "points_with_q_not_positive": int(not_positive.sum()),
        "sample_q_min": float(q.min()),
        "sample_q_max": float(q.max()),
        "fraction_of_samples_above_1": float((q > 1 + tolerance.max()).mean()),
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


def _check_a4(
    rep_eps: FloatArray,
    eps_span: FloatArray,
    g_once: FloatArray,
    eps_sq: FloatArray,
    deterministic: bool,
    level: float,
) -> tuple[Verdict, ConfidenceInterval]:
    count, repeats, d = rep_eps.shape
    mean, se = _mean_and_se(np.moveaxis(rep_eps, 1, 2))  # (P, d)
    delta = (1 - level) / (count * d)
    size = np.max(np.abs(g_once), axis=1, keepdims=True)
    if deterministic:  # eps is a function of g: its conditional mean is eps itself, exactly
        half = np.zeros_like(mean)
    else:
        # empirical Bernstein: sqrt(2 V ln(4/δ)/n) = sqrt(2 ln(4/δ)) · se (V = n se²)
        half = np.sqrt(2 * np.log(4 / delta)) * se + _range_term(eps_span, repeats, delta)
    # a non-finite eps (overflow to inf/NaN) is a violation, not a missing value
    significant = ~(np.abs(mean) <= half + _RELATIVE_TOLERANCE * size)
    biased_points = significant.any(axis=1)
    norm_g = np.linalg.norm(g_once / np.where(size == 0, 1, size), axis=1) * size[:, 0]
    relative_bias = np.linalg.norm(mean, axis=1) / np.where(norm_g == 0, 1, norm_g)
    holds = not biased_points.any()
    # the smallest conditional bias the test resolves, relative to the gradient: beyond 1, a
    # bias as large as the gradient itself would go unseen
    resolution = np.linalg.norm(half, axis=1) / np.where(norm_g == 0, 1, norm_g)
    second, second_se = _mean_and_se(eps_sq)
    z_sigma = normal_quantile(1 - (1 - level) / count)
    top = int(np.argmax(second))
    sigma_q2 = ConfidenceInterval(
        float(second[top]),
        float(max(second[top] - z_sigma * second_se[top], 0.0)),
        float(second[top] + z_sigma * second_se[top]),
        level,
        f"largest per-point mean of ‖eps‖² over {eps_sq.shape[1]} samples, Bonferroni over {count}",
    )
    numbers = {
        "points_with_biased_eps": int(biased_points.sum()),
        "significant_coordinates": int(significant.sum()),
        "max_relative_conditional_mean": float(relative_bias.max()),
        "max_relative_resolution": float(resolution.max()),
        "deterministic": deterministic,
    }
    how = (
        "the quantizer is deterministic, so E[eps | g] = eps exactly"
        if deterministic
        else f"each gradient re-quantized {repeats} times"
    )
    evidence = (
        f"E[eps | g] = 0 tested at {count} gradients ({how}): "
        f"{numbers['points_with_biased_eps']} with a significantly non-zero conditional mean "
        f"(largest ‖E[eps | g]‖/‖g‖ = {numbers['max_relative_conditional_mean']:.3g}); "
        f"sigma_q2 = {sigma_q2.value:.4g} [{sigma_q2.low:.4g}, {sigma_q2.high:.4g}]."
    )
    conclusive = not resolution.max() >= 1.0
    if holds and not conclusive:
        evidence += (
            f" Inconclusive: the test resolves conditional means only down to "
            f"{numbers['max_relative_resolution']:.3g} ‖g‖, so even a bias as large as the "
            "gradient could go unseen (more --repeats narrow it)."
        )
    return Verdict(holds, evidence, numbers, conclusive), sigma_q2
