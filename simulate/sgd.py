"""Vectorized quantized SGD: ``R`` replicas advance together, one set of array operations per step.

Step ``k`` (docs/spec.md section 2), for every replica at once::

    g_k   = noise(∇F(x_k))                     stochastic gradient (A2), or ∇F(x_k)
    ĝ_k   = Q_g(s_k g_k) / s_k                 gradient quantizer, loss scale s_k (or the
                                               synthetic model q_k g_k + eps_k)
    u_k   = Q_u(mu_k ĝ_k)                      update quantizer (optional)
    x_k+1 = Q_w(x_k - u_k)                     weight quantizer (optional; None = float64
                                               master weights)

and records, over live replicas, ``F(x_k) - F_ref`` and ``‖∇F(x_k)‖²`` with confidence
intervals, the measured ``q_k = <ĝ_k, g_k>/‖g_k‖²`` and ``eps_k = ĝ_k - q_k g_k``
(:mod:`simulate.measure`), the fractions of gradient entries that underflowed or saturated,
and the replicas that diverged. A replica whose iterate, value or gradient becomes non-finite
is frozen at its last finite iterate and counted in ``diverged``; it is excluded from the
statistics from then on, never dropped silently. Floating-point warnings inside the loop are
silenced on purpose: overflow is an outcome the run measures, not an error.

Random numbers come from one ``numpy.random.Generator`` seeded by ``seed`` and are drawn in a
fixed order, so the same arguments give the same bits.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from plumbing import validate
from simulate import memory
from simulate.measure import mean_ci, normal_quantile, projection
from simulate.noise import NoiseModel
from simulate.problems import Problem
from simulate.quantizer import QuantizerProtocol, as_quantizer
from simulate.trajectory import ITERATE_FIELDS, STEP_FIELDS, Trajectory

__all__ = ["Stepsize", "run"]

FloatArray = NDArray[np.float64]
Stepsize = float | NDArray[np.float64] | Callable[[NDArray[np.int64]], Any]


def _stepsizes(stepsize: Stepsize, steps: int) -> FloatArray:
    counts = np.arange(1, steps + 1, dtype=np.int64)
    if callable(stepsize):
        raw = stepsize(counts)
    elif isinstance(stepsize, np.ndarray):
        raw = stepsize
    else:
        # a number, never a string ("0.1") or a bool: both would convert silently
        return np.full(steps, validate.real("stepsize", stepsize, low=0.0))
    try:
        mu = np.broadcast_to(np.asarray(raw, dtype=np.float64), (steps,)).copy()
    except ValueError:
        raise ValueError(
            "stepsize must be a float or a vectorized callable k -> mu_k returning shape (steps,)"
        ) from None
    if not np.all(np.isfinite(mu) & (mu > 0)):
        raise ValueError("stepsize must be finite and > 0 at every step")
    return mu


def _start(problem: Problem, x0: Any, replicas: int) -> FloatArray:
    start = problem.x0 if x0 is None else np.asarray(x0, dtype=np.float64)
    if start.shape == (problem.dim,):
        return np.repeat(start[None], replicas, axis=0)
    if start.shape == (replicas, problem.dim):
        return start.copy()
    raise ValueError(f"x0 must have shape ({problem.dim},) or ({replicas}, {problem.dim})")


def _loss_scaler(loss_scale: Any) -> Any:
    """``None`` (no scaling: an overflow propagates), or the scaler ``loss_scale`` describes."""
    if loss_scale is None:
        return None
    from simulate.loss_scaling import as_loss_scaler

    return as_loss_scaler(loss_scale)


def run(
    problem: Problem,
    *,
    steps: int,
    replicas: int,
    stepsize: Stepsize,
    seed: int = 0,
    noise: NoiseModel | None = None,
    gradient_quantizer: QuantizerProtocol | None = None,
    update_quantizer: QuantizerProtocol | None = None,
    weight_quantizer: QuantizerProtocol | None = None,
    loss_scale: Any = None,
    x0: Any = None,
    level: float = 0.999,
    progress: bool | None = None,
) -> Trajectory:
    """Run ``replicas`` independent copies of (quantized) SGD for ``steps`` steps.

    Parameters
    ----------
    problem : Problem
        Objective with its constants (:mod:`simulate.problems`).
    steps : int
        Number of SGD steps ``K >= 1``.
    replicas : int
        Number of independent replicas ``R >= 1``.
    stepsize : float, ndarray of shape (steps,), or callable
        ``mu``, the stepsizes ``mu_1 .. mu_K``, or a vectorized schedule ``k -> mu_k`` called
        once on ``k = 1..K`` (int array). Strings are refused, not parsed.
    seed : int
        Seed (``>= 0``) of the single random generator (noise, synthetic ``q``, stochastic
        rounding).
    noise : NoiseModel, optional
        Gradient noise (:mod:`simulate.noise`); ``None`` uses exact gradients.
    gradient_quantizer : QuantizerProtocol, optional
        Rounding of the stochastic gradient (the paper's model): a
        :class:`~simulate.quantizer.Quantizer`, the synthetic model, or ``None`` (identity).
        Each replica is one tensor.
    update_quantizer : QuantizerProtocol, optional
        Rounding of the scaled update ``mu_k ĝ_k``.
    weight_quantizer : QuantizerProtocol, optional
        Rounding of the weights (``None``: float64 master weights); ``x_1`` is rounded too.
    loss_scale : float or loss scaler, optional
        Static scale, or a scaler from :mod:`simulate.loss_scaling` (its state is advanced by
        the run; a dynamic scaler must be built with ``replicas=R``). Replicas whose scaled
        gradient is non-finite skip the step (counted in ``skipped``). ``None``: no scaling.
    x0 : array_like, optional
        Start, shape ``(d,)`` or ``(R, d)``; default ``problem.x0``.
    level : float
        Confidence level of the reported intervals (default 99.9%).
    progress : bool, optional
        Show a tqdm progress bar; default: when ``steps >= 1000`` and stderr is a terminal.

    Returns
    -------
    Trajectory
        Per-step statistics. On KeyboardInterrupt the steps done so far are returned with
        ``interrupted=True``.

    Raises
    ------
    ValueError
        Naming the parameter and its rule; also when the run's arrays (about
        ``24 x replicas x d`` values per step plus ``20 x steps`` statistics) cannot fit in the
        memory available (:mod:`simulate.memory`), before anything is allocated.
    """
    steps = validate.integer("steps", steps)
    replicas = validate.integer("replicas", replicas)
    seed = validate.seed(seed)
    level = validate.level(level)
    batch = getattr(noise, "batch_size", 0)
    memory.check_run(steps, replicas, problem.dim, batch_size=batch)
    mu = _stepsizes(stepsize, steps)
    z = normal_quantile(level)
    scaler = _loss_scaler(loss_scale)
    quantizers = (
        as_quantizer(gradient_quantizer),
        as_quantizer(update_quantizer),
        as_quantizer(weight_quantizer),
    )
    rng = np.random.default_rng(seed)
    x = _start(problem, x0, int(replicas))
    if weight_quantizer is not None:
        x = quantizers[2](x, rng)
    if progress is None:
        progress = steps >= 1000 and sys.stderr.isatty()

    iterate = {name: np.full(steps + 1, np.nan) for name in ITERATE_FIELDS}
    iterate["diverged"] = np.zeros(steps + 1, dtype=np.int64)
    per_step = {name: np.full(steps, np.nan) for name in STEP_FIELDS}
    per_step["skipped"] = np.zeros(steps, dtype=np.int64)
    per_step["stepsize"] = mu
    F_ref = problem.F_ref
    entries = float(problem.dim)

    def record_iterate(k: int, values: FloatArray, grads: FloatArray, alive: Any) -> None:
        grad_sq = np.einsum("rd,rd->r", grads, grads)
        iterate["gap_mean"][k], iterate["gap_low"][k], iterate["gap_high"][k] = mean_ci(
            values - F_ref, alive, z
        )
        stats = mean_ci(grad_sq, alive, z)
        iterate["grad_sq_mean"][k], iterate["grad_sq_low"][k], iterate["grad_sq_high"][k] = stats
        iterate["diverged"][k] = replicas - int(alive.sum())

    done = 0
    interrupted = False
    with np.errstate(all="ignore"):
        values, grads = problem.value_and_grad(x)
        alive = np.isfinite(values) & np.isfinite(grads).all(axis=1) & np.isfinite(x).all(axis=1)
        record_iterate(0, values, grads, alive)
        try:
            for k in tqdm(range(steps), disable=not progress, desc="sgd", unit="step"):
                x, values, grads, alive = _step(
                    k, problem, x, values, grads, alive, mu[k], rng, noise, quantizers,
                    scaler, per_step, entries,
                )  # fmt: skip
                record_iterate(k + 1, values, grads, alive)
                done = k + 1
        except KeyboardInterrupt:
            interrupted = True

    return Trajectory(
        **{name: a[: done + 1] for name, a in iterate.items()},
        **{name: a[:done] for name, a in per_step.items()},
        x_final=x,
        alive=alive,
        level=float(level),
        steps=done,
        interrupted=interrupted,
        meta={
            "problem": problem.name,
            "dim": problem.dim,
            "L": problem.L,
            "c": problem.c,
            "F_ref": F_ref,
            "replicas": int(replicas),
            "seed": seed,
            "noise": None if noise is None else repr(noise),
            "gradient_quantizer": _describe(gradient_quantizer),
            "update_quantizer": _describe(update_quantizer),
            "weight_quantizer": _describe(weight_quantizer),
            "stepsize": _describe_stepsize(mu),
            "loss_scaler": _describe_scaler(scaler),
            "ci": f"normal approximation over live replicas, z = {z:.6f}",
        },
    )


def _describe(quantizer: QuantizerProtocol | None) -> dict[str, Any] | None:
    return None if quantizer is None else quantizer.describe()


def _describe_stepsize(mu: FloatArray) -> dict[str, float]:
    if np.all(mu == mu[0]):
        return {"mu": float(mu[0])}
    return {"mu_1": float(mu[0]), "mu_K": float(mu[-1]), "max": float(mu.max())}


def _describe_scaler(scaler: Any) -> dict[str, Any] | None:
    if scaler is None:
        return None
    scale = np.asarray(scaler.scale, dtype=np.float64)
    if scale.ndim == 0:
        return {"kind": "static", "scale": float(scale), "scaler": repr(scaler)}
    # a dynamic scaler's scale is its state after the run; its repr holds the settings
    return {"kind": "dynamic", "final_scale_mean": float(scale.mean()), "scaler": repr(scaler)}


def _step(
    k: int,
    problem: Problem,
    x: FloatArray,
    values: FloatArray,
    grads: FloatArray,
    alive: NDArray[np.bool_],
    mu: float,
    rng: np.random.Generator,
    noise: NoiseModel | None,
    quantizers: tuple[QuantizerProtocol, QuantizerProtocol, QuantizerProtocol],
    scaler: Any,
    per_step: dict[str, Any],
    entries: float,
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.bool_]]:
    gradient_quantizer, update_quantizer, weight_quantizer = quantizers
    g = grads if noise is None else noise.sample(problem, x, grads, rng)
    live = alive.copy()
    if scaler is None:  # no loss scaling: an overflowed gradient is applied (and diverges)
        per_step["loss_scale"][k] = 1.0
        scaled = g
        g_hat = quantized = np.asarray(gradient_quantizer(scaled, rng), dtype=np.float64)
    else:  # loss scaling: replicas whose scaled gradient overflowed skip the step
        scale = np.broadcast_to(np.asarray(scaler.scale, dtype=np.float64), (x.shape[0],))
        per_step["loss_scale"][k] = float(scale[live].mean()) if live.any() else np.nan
        scaled = g * scale[:, None]
        quantized = np.asarray(gradient_quantizer(scaled, rng), dtype=np.float64)
        g_hat, found_inf = scaler.unscale_and_check(quantized)
        found_inf = np.broadcast_to(np.asarray(found_inf, dtype=bool), (x.shape[0],))
        scaler.update(found_inf)
        per_step["skipped"][k] = int((found_inf & live).sum())
        live &= ~found_inf
    q, eps = projection(g, g_hat)
    _record_shrinkage(k, per_step, q, eps, live)
    count = max(int(live.sum()), 1) * entries
    underflow = (g_hat == 0) & (g != 0)
    saturated = gradient_quantizer.saturated(scaled, quantized)
    per_step["underflow"][k] = np.count_nonzero(underflow[live]) / count
    per_step["saturated"][k] = np.count_nonzero(saturated[live]) / count

    update = np.asarray(update_quantizer(mu * g_hat, rng), dtype=np.float64)
    x_new = x - update
    x_new = np.asarray(weight_quantizer(x_new, rng), dtype=np.float64)
    stalled = (x_new == x) & (update != 0)
    per_step["stalled"][k] = np.count_nonzero(stalled[live]) / (max(int(live.sum()), 1) * entries)

    new_values, new_grads = problem.value_and_grad(x_new)
    finite = (
        np.isfinite(new_values)
        & np.isfinite(new_grads).all(axis=1)
        & np.isfinite(x_new).all(axis=1)
    )
    moved = live & finite
    alive = alive & (finite | ~live)  # skipped replicas stay alive and keep their iterate
    if moved.all():  # the common case: no copies
        return x_new, new_values, new_grads, alive
    x = np.where(moved[:, None], x_new, x)
    values = np.where(moved, new_values, values)
    grads = np.where(moved[:, None], new_grads, grads)
    return x, values, grads, alive


def _record_shrinkage(
    k: int,
    per_step: dict[str, Any],
    q: FloatArray,
    eps: FloatArray,
    live: NDArray[np.bool_],
) -> None:
    if not live.any():
        return
    everyone = live.all()  # skip the (R, d) fancy-indexing copy in the common case
    q_live = q if everyone else q[live]
    per_step["q_mean"][k] = q_live.mean()
    per_step["q_min"][k] = q_live.min()
    per_step["q_max"][k] = q_live.max()
    eps_live = eps if everyone else eps[live]
    per_step["eps_sq_mean"][k] = np.einsum("rd,rd->r", eps_live, eps_live).mean()
    per_step["eps_mean"][k] = eps_live.mean()
