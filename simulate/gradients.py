"""The assumption checker on recorded gradients: A2-A4, overall and per layer, streaming.

:func:`check` takes the stochastic gradients recorded along a run — an iterable of points,
each a mapping ``layer -> array (samples, *layer_shape)`` (:mod:`simulate.gradient_points`)
— and a quantizer (:mod:`simulate.quantizer`), and measures, per docs/spec.md section 4,
``q = <Q(g), g>/‖g‖²`` and ``eps = Q(g) − q g``, for the whole model and for each layer as if
it were the whole model:

- **A2** (``E[g] = ∇F``, ``E‖g‖² ≤ M + M_G‖∇F‖²``): per coordinate, the mean of the samples
  against the point's exact gradient when it carries one (:class:`GradientPoint`). With the
  support of one stochastic gradient (``low``, ``high``) the test is empirical-Bernstein,
  distribution-free: no false alarm on sparse features, whose minibatch gradient is zero in
  most samples and large in a few (where a normal interval sees no variance at all).
  Without it the test is a normal (CLT) interval. ``M`` and ``M_G`` are fitted over points.
- **A3** (``0 < q_min ≤ q_k ≤ 1``): the conditional mean of ``q`` at every point.
- **A4** (``E[eps | g] = 0``, ``E‖eps‖² ≤ sigma_q2``): the first sample of every point is
  quantized ``repeats`` times; round-to-nearest makes ``eps`` a deterministic non-zero
  function of ``g``, stochastic rounding averages it out.

The quantizer sees each layer as a tensor (blocks along its last axis, tensor scales per
tensor), never the flattened model. Loss scaling (``loss_scale``) quantizes ``s g`` and
divides by ``s``; a dynamic scaler (:class:`~simulate.loss_scaling.DynamicLossScaler`) runs
its state machine over the samples in order, as over training steps, and samples whose scaled
gradient overflows are skipped (reported as ``skipped``) as a trainer skips those steps.

Memory: one point's samples (held by the producer) plus ``O(d)`` accumulators and a chunk
of about :data:`CHUNK_ELEMENTS` values; nothing of size ``points x d`` is kept (the tests
are reduced to their significance levels, :mod:`simulate.online`). Statistics: every verdict
and interval is at the overall ``level``, Bonferroni over everything tested in it.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from tqdm import tqdm

from simulate.gradient_points import GradientPoint, as_array, load, save
from simulate.gradient_verdicts import (
    RELATIVE_TOLERANCE,
    PointSummary,
    check_a2,
    check_a3,
    check_a4,
    fraction,
)
from simulate.loss_scaling import as_loss_scaler
from simulate.online import ShiftedMoments, bernstein_delta, normal_delta, smallest
from simulate.quantizer import QuantizerProtocol, as_quantizer
from simulate.verdicts import AssumptionReport, Verdict

__all__ = ["GradientPoint", "check", "load", "overflows", "save"]

FloatArray = NDArray[np.float64]
#: Values per chunk of samples or repeats (8 MB of float64): the checker's working set.
CHUNK_ELEMENTS = 1 << 20
#: Units in the last place of the recorded dtype that the A2 test allows between the mean of
#: the samples and the exact gradient: both are computed in that precision, with different
#: summation orders (a float32 gradient sums thousands of float32 products).
RECORDED_ULPS = 64
_WHOLE = "(whole model)"


def overflows(quantizer: QuantizerProtocol, scaled: Any, quantized: Any) -> NDArray[np.bool_]:
    """Entries whose scaled value overflowed, as a dynamic loss scaler must see it.

    An infinite or NaN output; and for a saturating element format (fp4 E2M1 has no
    infinity) a value clipped to its largest magnitude, since a smaller loss scale avoids it.
    A block format or tensor scaling clips the largest entries of a block as part of its
    scaling, whatever the loss scale: there only a non-finite output counts.
    """
    quantized = np.asarray(quantized)
    bad = ~np.isfinite(quantized)
    if getattr(quantizer, "is_block", False) or getattr(quantizer, "tensor_scaling", False):
        return bad
    return bad | np.asarray(quantizer.saturated(scaled, quantized), dtype=bool)


@dataclass
class _Counts:
    entries: int = 0
    underflow: int = 0
    saturated: int = 0
    samples: int = 0
    not_finite: int = 0
    skipped: int = 0
    points: list[PointSummary] = field(default_factory=list)

    def add(self, other: _Counts) -> None:
        for name in ("entries", "underflow", "saturated", "samples", "not_finite", "skipped"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def check(
    points: Iterable[Mapping[str, Any]],
    quantizer: Any = None,
    *,
    loss_scale: Any = 1.0,
    level: float = 0.999,
    repeats: int = 256,
    seed: int = 0,
    claim: tuple[float, float] | None = None,
    progress: bool | None = None,
) -> AssumptionReport:
    """Check A2-A4 on recorded stochastic gradients and estimate the constants, per layer.

    Parameters
    ----------
    points : iterable of mappings
        Consumed once. Each item maps layer names to arrays ``(samples, *shape)`` (any array
        type NumPy takes through DLPack or ``__array__``:
        :func:`simulate.gradient_points.as_array`), ``samples >= 2``, the same layers and
        shapes at every point; a
        :class:`GradientPoint` also carries ``∇F`` and the gradients' support for A2.
    quantizer : QuantizerProtocol, format, format name or None
        What the gradients are rounded with (a name means round-to-nearest-even;
        ``None``: no quantization).
    loss_scale : float or loss scaler
        A static scale ``s > 0`` (an overflow then refutes A3-A4), or a scaler object
        (:class:`~simulate.loss_scaling.DynamicLossScaler` with ``replicas=1``, advanced over
        the samples in order; overflowed samples are skipped, as in training).
    level : float
        Overall confidence level of each verdict and interval, in ``(0, 1)``.
    repeats : int
        Re-quantizations of one gradient per point for A4 (``>= 2``; a deterministic
        quantizer needs one).
    seed : int
        Seed of the rounding's random numbers.
    claim : (float, float), optional
        Claimed ``(M, M_G)`` of the gradient noise, tested by A2 (needs ``∇F``).
    progress : bool, optional
        A progress bar over points; default when stderr is a terminal.

    Returns
    -------
    AssumptionReport
        ``report["A2"]``, ..., ``report.estimates["q_min"]``, ..., and
        ``report.layers[name]`` with the same for each layer.

    Raises
    ------
    ValueError
        A parameter breaks its rule, or a point is malformed (named by its index).
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int | np.integer) or repeats < 2:
        raise ValueError(f"repeats must be an integer >= 2, got {repeats!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not (isinstance(level, float | int) and 0 < level < 1):
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if claim is not None:
        claim = (float(claim[0]), float(claim[1]))
        if not (claim[0] >= 0 and claim[1] >= 1):
            raise ValueError(f"claim must be (M >= 0, M_G >= 1), got {claim!r}")
    if isinstance(points, Mapping):
        raise ValueError("points must be an iterable of points (mappings), not one mapping")
    rounder = as_quantizer(quantizer)
    # a scaler object runs over the samples as over training steps, skipping overflows; a
    # plain number is a fixed multiplier, and an overflow under it refutes A3-A4
    skips = not isinstance(loss_scale, int | float | np.number)
    scaler = as_loss_scaler(loss_scale)
    if skips and np.asarray(scaler.scale).size != 1:
        raise ValueError("loss_scale: a scaler for the checker must have one replica")
    rng = np.random.default_rng(seed)
    layout: list[tuple[str, tuple[int, ...]]] = []
    scopes: dict[str, _Counts] = {}
    if progress is None:
        progress = sys.stderr.isatty()
    for index, point in enumerate(tqdm(points, disable=not progress, desc="points", unit="pt")):
        if not isinstance(point, Mapping):
            raise ValueError(f"points[{index}] must be a mapping layer -> array")
        arrays = _arrays(point, index, layout)
        if not layout:
            layout = [(name, tuple(array.shape[1:])) for name, array in arrays.items()]
            scopes = {name: _Counts() for name, _ in layout}
            scopes[_WHOLE] = _Counts()
        for scope, counts in _point(point, arrays, rounder, scaler, skips, repeats, rng, claim):
            scopes[scope].add(counts)
            scopes[scope].points.extend(counts.points)
    if not layout:
        raise ValueError("points must hold at least one point")
    settings = {
        "quantizer": rounder.describe(),
        "loss_scale": repr(scaler) if skips else float(scaler.scale),
        "points": len(scopes[_WHOLE].points),
        "samples": scopes[_WHOLE].samples,
        "repeats": repeats,
        "level": float(level),
        "seed": int(seed),
        "claim": None if claim is None else list(claim),
        "layers": {name: list(shape) for name, shape in layout},
    }
    deterministic = not rounder.stochastic
    whole = _report(scopes[_WHOLE], settings, deterministic, repeats, level, claim)
    layers = {
        name: _report(scopes[name], settings, deterministic, repeats, level, None)
        for name, _ in layout
    }
    return AssumptionReport(whole.verdicts, whole.estimates, whole.settings, layers)


def _arrays(
    point: Mapping[str, Any], index: int, layout: list[tuple[str, tuple[int, ...]]]
) -> dict[str, NDArray[Any]]:
    arrays = {str(name): as_array(point[name], f"points[{index}][{name!r}]") for name in point}
    if not arrays:
        raise ValueError(f"points[{index}] must hold at least one layer")
    samples = {array.shape[0] if array.ndim else 0 for array in arrays.values()}
    if len(samples) != 1 or min(samples) < 2:
        raise ValueError(
            f"points[{index}]: every layer must have the same number of samples (>= 2) on "
            f"its first axis, got {sorted(samples)}"
        )
    if layout:
        shapes = [(name, tuple(array.shape[1:])) for name, array in arrays.items()]
        if shapes != layout:
            raise ValueError(f"points[{index}] has layers {shapes}, the first point {layout}")
    return arrays


def _reference(point: Mapping[str, Any], part: str, name: str, shape: tuple[int, ...]) -> Any:
    if not isinstance(point, GradientPoint) or getattr(point, part) is None:
        return None
    array = as_array(getattr(point, part)[name], f"{part}[{name!r}]")
    if tuple(array.shape) != shape:
        raise ValueError(f"{part}[{name!r}] must have shape {shape}, got {tuple(array.shape)}")
    return array.astype(np.float64).reshape(-1)


def _scale(scaler: Any) -> float:
    return float(np.asarray(scaler.scale, dtype=np.float64).reshape(-1)[0])


def _point(
    point: Mapping[str, Any],
    arrays: dict[str, NDArray[Any]],
    quantizer: QuantizerProtocol,
    scaler: Any,
    skips: bool,
    repeats: int,
    rng: np.random.Generator,
    claim: tuple[float, float] | None,
) -> list[tuple[str, _Counts]]:
    """Summaries of one point, per layer and for the whole model."""
    names = list(arrays)
    n = next(iter(arrays.values())).shape[0]
    total = sum(int(np.prod(a.shape[1:])) for a in arrays.values())
    # a scaler's state can change after any sample; a fixed scale can take many at once
    chunk = 1 if skips else max(1, min(n, CHUNK_ELEMENTS // max(total, 1)))
    moments = {name: ShiftedMoments() for name in names}
    per = {key: np.zeros((n, len(names))) for key in ("gg", "qg", "eps_sq", "span")}
    finite = np.ones((n, len(names)), dtype=bool)
    overflowed = np.zeros(n, dtype=bool)
    counts = {name: _Counts() for name in names}
    with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
        for start in range(0, n, chunk):
            stop = min(start + chunk, n)
            scale = _scale(scaler)
            for column, name in enumerate(names):
                g = np.asarray(arrays[name][start:stop], dtype=np.float64)
                flat = g.reshape(stop - start, -1)
                moments[name].update(flat)
                scaled = g * scale
                quantized = np.asarray(quantizer(scaled, rng), dtype=np.float64)
                hat = (quantized / scale).reshape(stop - start, -1)
                gg = np.einsum("rn,rn->r", flat, flat)
                qg = np.einsum("rn,rn->r", hat, flat)
                q = np.divide(qg, gg, out=np.ones_like(gg), where=gg != 0)
                eps = hat - q[:, None] * flat
                span = np.asarray(quantizer.rounding_span(scaled)).reshape(stop - start, -1)
                rows = slice(start, stop)
                per["gg"][rows, column] = gg
                per["qg"][rows, column] = qg
                per["eps_sq"][rows, column] = np.einsum("rn,rn->r", eps, eps)
                per["span"][rows, column] = np.einsum("rn,rn->r", span / scale, np.abs(flat))
                finite[rows, column] = np.isfinite(hat).all(axis=1)
                counts[name].underflow += int(np.count_nonzero((flat != 0) & (hat == 0)))
                counts[name].saturated += int(
                    np.count_nonzero(quantizer.saturated(scaled, quantized))
                )
                flagged = overflows(quantizer, scaled, quantized)
                overflowed[rows] |= flagged.reshape(stop - start, -1).any(axis=1)
            if skips:
                scaler.update(np.array([overflowed[start] or not finite[start].all()]))
        if skips:
            finite &= ~overflowed[:, None]
        a4 = _requantized(arrays, names, quantizer, _scale(scaler), repeats, rng)
        return _summaries(point, arrays, names, moments, per, finite, counts, a4, skips, claim)


def _summaries(
    point: Mapping[str, Any],
    arrays: dict[str, NDArray[Any]],
    names: list[str],
    moments: dict[str, ShiftedMoments],
    per: dict[str, FloatArray],
    finite: NDArray[np.bool_],
    counts: dict[str, _Counts],
    a4: dict[str, _A4],
    skips: bool,
    claim: tuple[float, float] | None,
) -> list[tuple[str, _Counts]]:
    n = finite.shape[0]
    shape_of = {name: tuple(arrays[name].shape[1:]) for name in names}
    size_of = {name: int(np.prod(shape_of[name])) for name in names}
    kept = np.asarray(finite.all(axis=1) if skips else np.ones(n, dtype=bool), dtype=bool)
    a2 = {
        name: _a2_levels(point, name, shape_of[name], moments[name], arrays[name].dtype)
        for name in names
    }
    results: list[tuple[str, _Counts]] = []
    whole = _Counts()
    for column, name in enumerate(names):
        summary = _layer_summary(a2[name], moments[name], per, column, kept)
        counts[name].points.append(_with_a4(summary, a4[name]))
        _tally(counts[name], size_of[name], n, finite[:, column], kept)
        whole.add(counts[name])
        results.append((name, counts[name]))
    whole_summary = _whole_summary(names, a2, moments, per, kept, claim)
    whole.points = [_with_a4(whole_summary, a4[_WHOLE])]
    _tally(whole, 0, n, np.asarray(finite.all(axis=1), dtype=bool), kept, entries_done=True)
    results.append((_WHOLE, whole))
    return results


def _tally(
    counts: _Counts,
    size: int,
    n: int,
    finite: NDArray[np.bool_],
    kept: NDArray[np.bool_],
    entries_done: bool = False,
) -> None:
    if not entries_done:
        counts.entries += size * n
    counts.samples = n
    counts.skipped = int((~kept).sum())
    counts.not_finite = int((~finite & kept).sum())


def _a2_levels(
    point: Mapping[str, Any],
    name: str,
    shape: tuple[int, ...],
    moments: ShiftedMoments,
    recorded_dtype: Any,
) -> tuple[FloatArray | None, int, bool, float | None]:
    """Significance levels of ``E[g_j] = ∇F_j`` for one layer, and ``‖∇F‖²`` if known."""
    exact = _reference(point, "exact", name, shape)
    if exact is None:
        return None, 0, False, None
    low = _reference(point, "low", name, shape)
    high = _reference(point, "high", name, shape)
    n = moments.count
    mean = moments.mean
    se = np.sqrt(moments.variance / n)
    ulp = float(np.finfo(recorded_dtype).eps) if np.dtype(recorded_dtype).kind == "f" else 0.0
    tolerance = max(RELATIVE_TOLERANCE, RECORDED_ULPS * ulp)
    grad_sq = float(exact @ exact)
    scale = np.abs(exact) + math.sqrt(grad_sq / max(exact.size, 1))
    deviation = np.abs(mean - exact) - tolerance * scale
    if low is not None and high is not None:
        levels = bernstein_delta(deviation, se, np.maximum(high - low, 0.0), n)
    else:
        levels = normal_delta(deviation, se)
    return smallest(levels), exact.size, low is not None, grad_sq


def _estimated_grad_sq(moments: ShiftedMoments) -> float:
    mean = moments.mean
    return max(float(mean @ mean - moments.variance.sum() / moments.count), 0.0)


def _layer_summary(
    a2: tuple[FloatArray | None, int, bool, float | None],
    moments: ShiftedMoments,
    per: dict[str, FloatArray],
    column: int,
    kept: NDArray[np.bool_],
) -> PointSummary:
    levels, tests, free, grad_sq = a2
    gg, qg = per["gg"][kept, column], per["qg"][kept, column]
    q = np.divide(qg, gg, out=np.ones_like(gg), where=gg != 0)
    return PointSummary(
        q=q,
        q_span=np.divide(per["span"][kept, column], gg, out=np.zeros_like(gg), where=gg != 0),
        eps_sq=per["eps_sq"][kept, column],
        second=gg,
        grad_sq=_estimated_grad_sq(moments) if grad_sq is None else grad_sq,
        grad_sq_exact=grad_sq is not None,
        bias_levels=levels,
        bias_tests=tests,
        distribution_free=free,
        moment_level=None,
        a4_levels=np.zeros(0),
        a4_tests=0,
        a4_relative_bias=0.0,
    )


def _whole_summary(
    names: list[str],
    a2: dict[str, tuple[FloatArray | None, int, bool, float | None]],
    moments: dict[str, ShiftedMoments],
    per: dict[str, FloatArray],
    kept: NDArray[np.bool_],
    claim: tuple[float, float] | None,
) -> PointSummary:
    gg_layers, qg_layers = per["gg"][kept], per["qg"][kept]
    gg, qg = gg_layers.sum(axis=1), qg_layers.sum(axis=1)
    q = np.divide(qg, gg, out=np.ones_like(gg), where=gg != 0)
    q_layers = np.divide(qg_layers, gg_layers, out=np.ones_like(gg_layers), where=gg_layers != 0)
    # ‖ĝ − q g‖² = Σ_l ‖eps_l‖² + (q_l − q)² ‖g_l‖², since eps_l ⊥ g_l (exact, no cancellation)
    eps_sq = (per["eps_sq"][kept] + (q_layers - q[:, None]) ** 2 * gg_layers).sum(axis=1)
    levels: list[FloatArray] = []
    tests, free, known = 0, True, True
    grad_sq = 0.0
    for name in names:
        layer_levels, layer_tests, layer_free, layer_sq = a2[name]
        if layer_levels is None or layer_sq is None:
            known = False
            grad_sq += _estimated_grad_sq(moments[name])
            continue
        levels.append(layer_levels)
        tests += layer_tests
        free &= layer_free
        grad_sq += layer_sq
    second = gg
    moment_level = None
    if claim is not None and known and second.size > 1:
        bound = claim[0] + claim[1] * grad_sq
        se = float(second.std(ddof=1)) / math.sqrt(second.size)
        deviation = float(second.mean()) - bound * (1 + RELATIVE_TOLERANCE)
        moment_level = float(normal_delta(np.array([deviation]), np.array([se]))[0])
    return PointSummary(
        q=q,
        q_span=np.divide(per["span"][kept].sum(axis=1), gg, out=np.zeros_like(gg), where=gg != 0),
        eps_sq=eps_sq,
        second=second,
        grad_sq=grad_sq,
        grad_sq_exact=known,
        bias_levels=smallest(np.concatenate(levels)) if known and levels else None,
        bias_tests=tests if known else 0,
        distribution_free=free and known,
        moment_level=moment_level,
        a4_levels=np.zeros(0),
        a4_tests=0,
        a4_relative_bias=0.0,
    )


@dataclass(frozen=True)
class _A4:
    levels: FloatArray
    tests: int
    relative_bias: float


def _with_a4(summary: PointSummary, a4: _A4) -> PointSummary:
    return replace(
        summary, a4_levels=a4.levels, a4_tests=a4.tests, a4_relative_bias=a4.relative_bias
    )


def _requantized(
    arrays: dict[str, NDArray[Any]],
    names: list[str],
    quantizer: QuantizerProtocol,
    scale: float,
    repeats: int,
    rng: np.random.Generator,
) -> dict[str, _A4]:
    """A4 at one point: the first sample quantized ``repeats`` times (once if deterministic)."""
    once = {name: np.asarray(arrays[name][:1], dtype=np.float64) for name in names}
    flat = {name: once[name].reshape(-1) for name in names}
    gg = {name: float(flat[name] @ flat[name]) for name in names}
    gg_whole = sum(gg.values())
    size = {name: float(np.max(np.abs(flat[name]), initial=0.0)) for name in names}
    size_whole = max(size.values())
    if not quantizer.stochastic:
        return _deterministic_a4(once, flat, gg, size, quantizer, scale, rng)
    span = {
        name: np.asarray(quantizer.rounding_span(once[name] * scale)).reshape(-1) / scale
        for name in names
    }
    q_span = {
        name: float(span[name] @ np.abs(flat[name])) / gg[name] if gg[name] else 0.0
        for name in names
    }
    q_span_whole = (
        sum(float(span[n] @ np.abs(flat[n])) for n in names) / gg_whole if gg_whole else 0.0
    )
    total = sum(flat[name].size for name in names)
    chunk = max(1, min(repeats, CHUNK_ELEMENTS // max(total, 1)))
    sums: dict[str, dict[str, Any]] = {}
    q_sum_whole = np.zeros(2)
    q_sums = {name: np.zeros(2) for name in names}
    first_q: dict[str, float] = {}
    first_q_whole = 1.0
    done = 0
    while done < repeats:
        count = min(chunk, repeats - done)
        hats = {}
        for name in names:
            tiled = np.repeat(once[name], count, axis=0) * scale
            hats[name] = (
                np.asarray(quantizer(tiled, rng), dtype=np.float64).reshape(count, -1) / scale
            )
        qg = {name: hats[name] @ flat[name] for name in names}
        q_whole = np.asarray(sum(qg.values())) / gg_whole if gg_whole else np.ones(count)
        q_layer = {name: qg[name] / gg[name] if gg[name] else np.ones(count) for name in names}
        if not done:
            first_q_whole = float(q_whole[0])
            first_q.update({name: float(q_layer[name][0]) for name in names})
        shifted_whole = q_whole - first_q_whole
        q_sum_whole += [shifted_whole.sum(), shifted_whole @ shifted_whole]
        for name in names:
            shifted = q_layer[name] - first_q[name]
            q_sums[name] += [shifted.sum(), shifted @ shifted]
            if name not in sums:
                zeros = np.zeros_like(flat[name])
                sums[name] = {"K": hats[name][0].copy(), "D": zeros.copy(), "DD": zeros.copy(),
                              "Dq": zeros.copy(), "Dql": zeros.copy()}  # fmt: skip
            acc = sums[name]
            deviation = hats[name] - acc["K"]
            acc["D"] += deviation.sum(axis=0)
            acc["DD"] += np.einsum("rn,rn->n", deviation, deviation)
            acc["Dq"] += shifted_whole @ deviation
            acc["Dql"] += shifted @ deviation
        done += count
    n = repeats
    result: dict[str, _A4] = {}
    whole_levels: list[FloatArray] = []
    whole_mean_sq = 0.0
    for name in names:
        acc = sums[name]
        g = flat[name]
        whole_mean, whole_var = _eps_moments(acc, "Dq", q_sum_whole, first_q_whole, g, n)
        layer_mean, layer_var = _eps_moments(acc, "Dql", q_sums[name], first_q[name], g, n)
        layer_levels = bernstein_delta(
            np.abs(layer_mean) - RELATIVE_TOLERANCE * size[name],
            np.sqrt(layer_var / n),
            span[name] + np.abs(g) * q_span[name],
            n,
        )
        result[name] = _A4(
            smallest(layer_levels),
            g.size,
            float(np.linalg.norm(layer_mean) / math.sqrt(gg[name])) if gg[name] else 0.0,
        )
        whole_levels.append(
            smallest(
                bernstein_delta(
                    np.abs(whole_mean) - RELATIVE_TOLERANCE * size_whole,
                    np.sqrt(whole_var / n),
                    span[name] + np.abs(g) * q_span_whole,
                    n,
                )
            )
        )
        whole_mean_sq += float(whole_mean @ whole_mean)
    result[_WHOLE] = _A4(
        smallest(np.concatenate(whole_levels)),
        total,
        math.sqrt(whole_mean_sq / gg_whole) if gg_whole else 0.0,
    )
    return result


def _eps_moments(
    acc: dict[str, Any], cross: str, q_sum: FloatArray, q_first: float, g: FloatArray, n: int
) -> tuple[FloatArray, FloatArray]:
    """Mean and unbiased variance over repeats of ``eps_j = ĝ_j − q g_j`` from shifted sums."""
    mean_d = acc["D"] / n
    var_d = (acc["DD"] - n * mean_d * mean_d) / (n - 1)
    mean_q = q_sum[0] / n
    var_q = (q_sum[1] - n * mean_q * mean_q) / (n - 1)
    cov = (acc[cross] - n * mean_d * mean_q) / (n - 1)
    mean = acc["K"] + mean_d - (q_first + mean_q) * g
    variance = np.maximum(var_d - 2.0 * g * cov + g * g * var_q, 0.0)
    return mean, variance


def _deterministic_a4(
    once: dict[str, FloatArray],
    flat: dict[str, FloatArray],
    gg: dict[str, float],
    size: dict[str, float],
    quantizer: QuantizerProtocol,
    scale: float,
    rng: np.random.Generator,
) -> dict[str, _A4]:
    """A deterministic quantizer: ``E[eps | g] = eps`` exactly, so any ``eps != 0`` refutes A4."""
    names = list(once)
    hats = {
        name: np.asarray(quantizer(once[name] * scale, rng), dtype=np.float64).reshape(-1) / scale
        for name in names
    }
    gg_whole = sum(gg.values())
    q_whole = sum(float(hats[n] @ flat[n]) for n in names) / gg_whole if gg_whole else 1.0
    size_whole = max(size.values())
    result: dict[str, _A4] = {}
    whole_levels = []
    whole_sq = 0.0
    for name in names:
        g, hat = flat[name], hats[name]
        q_layer = float(hat @ g) / gg[name] if gg[name] else 1.0
        eps_layer = hat - q_layer * g
        eps_whole = hat - q_whole * g
        levels = np.where(np.abs(eps_layer) <= RELATIVE_TOLERANCE * size[name], 1.0, 0.0)
        result[name] = _A4(
            smallest(levels),
            g.size,
            float(np.linalg.norm(eps_layer) / math.sqrt(gg[name])) if gg[name] else 0.0,
        )
        whole_levels.append(
            smallest(np.where(np.abs(eps_whole) <= RELATIVE_TOLERANCE * size_whole, 1.0, 0.0))
        )
        whole_sq += float(eps_whole @ eps_whole)
    total = sum(g.size for g in flat.values())
    result[_WHOLE] = _A4(
        smallest(np.concatenate(whole_levels)),
        total,
        math.sqrt(whole_sq / gg_whole) if gg_whole else 0.0,
    )
    return result


def _report(
    counts: _Counts,
    settings: dict[str, Any],
    deterministic: bool,
    repeats: int,
    level: float,
    claim: tuple[float, float] | None,
) -> AssumptionReport:
    points = counts.points
    a2, m_fit, mg_fit = check_a2(points, claim, level)
    with np.errstate(invalid="ignore", over="ignore"):
        a3, q_min, q_max = check_a3(points, level)
        a4, sigma_q2 = check_a4(points, deterministic, repeats, level)
    if counts.not_finite:
        share = counts.not_finite / max(counts.samples, 1)
        evidence = (
            f"{share:.3g} of the quantized gradients overflowed to inf or NaN, where q_k and "
            "eps_k are undefined: the model Q(g) = q g + eps does not apply."
        )
        numbers = {"fraction_not_finite": share}
        a3 = Verdict(False, "A3: " + evidence, numbers)
        a4 = Verdict(False, "A4: " + evidence, numbers)
    estimates = {
        "q_min": q_min,
        "q_max": q_max,
        "sigma_q2": sigma_q2,
        "M": m_fit,
        "M_G": mg_fit,
        "underflow": fraction(counts.underflow / max(counts.entries, 1), counts.entries, level),
        "saturated": fraction(counts.saturated / max(counts.entries, 1), counts.entries, level),
        "skipped": fraction(counts.skipped / max(counts.samples, 1), counts.samples, level),
    }
    return AssumptionReport({"A2": a2, "A3": a3, "A4": a4}, estimates, dict(settings))
