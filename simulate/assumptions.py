"""The assumption checker on the built-in problems: it feeds points to :mod:`simulate.gradients`.

:func:`check` samples many stochastic gradients at many points of a built-in problem (along
a short float64 SGD path from ``problem.x0`` and at random points around it) and hands them,
one point at a time, to :func:`simulate.gradients.check` — the one checker — with what the
problem knows exactly: the gradient ``∇F`` at each point, the support of a minibatch gradient
(the per-example extremes of a finite sum, for the distribution-free A2 test), and the noise
model's claimed ``(M, M_G)``. The report is the gradient checker's (``AssumptionReport``;
the problem's parameter vector is its one layer, ``"x"``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from plumbing import validate
from simulate import gradients, memory
from simulate.gradient_points import GradientPoint
from simulate.noise import NoiseModel
from simulate.problems import Problem
from simulate.quantizer import as_quantizer
from simulate.verdicts import AssumptionReport, Verdict

__all__ = ["AssumptionReport", "Verdict", "check"]

FloatArray = NDArray[np.float64]
#: The name of the built-in problems' one parameter tensor in the report's layers.
LAYER = "x"


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


def check(
    problem: Problem,
    format: Any = None,
    rounding: str = "rne",
    noise: NoiseModel | None = None,
    *,
    random_bits: int | None = None,
    tensor_scaling: bool = False,
    loss_scale: Any = 1.0,
    points: Any = None,
    n_points: int = 16,
    samples: int = 256,
    repeats: int = 256,
    run_steps: int = 50,
    level: float = 0.999,
    seed: int = 0,
) -> AssumptionReport:
    """Estimate ``q_min, q_max, sigma_q2, M, M_G`` and test A2-A4 on a built-in problem.

    Parameters
    ----------
    problem : Problem
        Objective (its exact gradient is the reference for A2).
    format : QuantizerProtocol, str, Format, BlockFormat or None
        Gradient quantizer: a registry name (``"fp8_e4m3"``, ``"mxfp4"``, ``"nvfp4"``, ...), a
        format object, a quantizer (:mod:`simulate.quantizer`: a ready ``Quantizer``, the
        synthetic model), or ``None`` (no quantization).
    rounding : str
        Rounding mode when ``format`` is a name or format (``"rne"``, ..., ``"sr"``).
    noise : NoiseModel, optional
        Gradient noise; ``None`` uses exact gradients.
    random_bits : int, optional
        Random bits of stochastic rounding.
    tensor_scaling : bool
        Per-tensor amax scaling of element formats.
    loss_scale : float or loss scaler
        As :func:`simulate.gradients.check`: a static scale ``s > 0`` (``Q(s g)/s``) or a
        scaler object.
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
    level = validate.level(level)
    seed = validate.seed(seed)
    # the checker streams: one point's gradients at a time, plus O(dim) accumulators
    memory.check_assumption_check(1, samples, repeats, problem.dim)
    quantizer = as_quantizer(
        format, rounding, random_bits=random_bits, tensor_scaling=tensor_scaling
    )
    sampling, rounding_seed = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(sampling)
    if points is None:
        xs = _points(problem, noise, n_points, run_steps, rng)
    else:
        xs = np.asarray(points, dtype=np.float64)
        if xs.ndim != 2 or xs.shape[1] != problem.dim or xs.shape[0] < 1:
            raise ValueError(f"points must have shape (P, {problem.dim}) with P >= 1")
    if noise is None:
        claim = (0.0, 1.0)
    else:
        M, M_V = noise.variance_constants(problem)
        claim = (float(M), 1.0 + float(M_V))
    report = gradients.check(
        _sampled(problem, noise, xs, samples, rng),
        quantizer,
        loss_scale=loss_scale,
        level=level,
        repeats=repeats,
        seed=int(rounding_seed.generate_state(1)[0]),
        claim=claim,
        progress=False,
    )
    settings = {
        "problem": problem.name,
        "noise": None if noise is None else repr(noise),
        **report.settings,
        "samples": samples,
        "seed": seed,
    }
    return AssumptionReport(report.verdicts, report.estimates, settings, report.layers)


def _sampled(
    problem: Problem,
    noise: NoiseModel | None,
    xs: FloatArray,
    samples: int,
    rng: np.random.Generator,
) -> Any:
    """One :class:`GradientPoint` per row of ``xs``: ``samples`` stochastic gradients there."""
    for x in xs:
        grad = problem.grad(x[None])[0]
        stacked = np.repeat(x[None], samples, axis=0)
        exact = np.repeat(grad[None], samples, axis=0)
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            g = exact if noise is None else noise.sample(problem, stacked, exact, rng)
        support = getattr(noise, "support", None)
        bounds = None if noise is None else support(problem, x) if callable(support) else None
        if noise is None:
            bounds = (grad, grad)  # exact gradients: the support is one point
        low, high = (None, None) if bounds is None else ({LAYER: bounds[0]}, {LAYER: bounds[1]})
        yield GradientPoint({LAYER: g}, exact={LAYER: grad}, low=low, high=high)
