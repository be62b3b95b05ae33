"""The model's quantities measured on a real quantizer (docs/spec.md section 4); replica statistics.

For a gradient ``g`` and its quantized value ``Q(g)``:

- ``q = <Q(g), g>/‖g‖²``, the projection coefficient: the least-squares fit of
  ``Q(g) ≈ q g``, so that ``eps = Q(g) - q g`` is orthogonal to ``g``;
- ``eps = Q(g) - q g``.

When ``g = 0`` the projection is undefined; the convention is ``q = 1`` and
``eps = Q(g)`` (an exact zero stays zero in every format, so then ``eps = 0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

from plumbing import validate

__all__ = ["ConfidenceInterval", "mean_ci", "normal_quantile", "projection", "require_measurable"]

FloatArray = NDArray[np.float64]
_TINY = 2.0**-900
_HUGE = 2.0**900


def projection(g: FloatArray, quantized: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Projection coefficients and residuals, row by row.

    Parameters
    ----------
    g : ndarray, shape (R, d)
        Gradients before quantization.
    quantized : ndarray, shape (R, d)
        ``Q(g)``.

    Returns
    -------
    q : ndarray, shape (R,)
        ``<Q(g), g>/‖g‖²`` (1 where ``g = 0``).
    eps : ndarray, shape (R, d)
        ``Q(g) - q g``.
    """
    with np.errstate(over="ignore", under="ignore"):
        norm_sq = np.einsum("rd,rd->r", g, g)
        inner = np.einsum("rd,rd->r", quantized, g)
    # ‖g‖² can underflow (|g| ~ 1e-160) or overflow (|g| ~ 1e155), and <Q(g), g> overflow, in
    # float64 although the ratio is representable; only those rare rows pay for rescaling g and
    # Q(g) each by its largest entry (q then overflows only if ‖Q(g)‖/‖g‖ does).
    unsafe = ~((norm_sq > _TINY) & (norm_sq < _HUGE) & (np.abs(inner) < _HUGE))
    q = np.divide(inner, norm_sq, out=np.ones_like(norm_sq), where=~unsafe)
    if unsafe.any():
        g_peak, q_peak = _row_peak(g[unsafe]), _row_peak(quantized[unsafe])
        g_scaled, q_scaled = g[unsafe] / g_peak, quantized[unsafe] / q_peak
        scaled_norm_sq = np.einsum("rd,rd->r", g_scaled, g_scaled)
        nonzero = scaled_norm_sq > 0
        ratio = np.divide(
            np.einsum("rd,rd->r", q_scaled, g_scaled),
            scaled_norm_sq,
            out=np.zeros_like(scaled_norm_sq),
            where=nonzero,
        )
        with np.errstate(over="ignore"):
            q[unsafe] = np.where(nonzero, ratio * (q_peak / g_peak)[:, 0], 1.0)
    return q, quantized - q[:, None] * g


def _row_peak(values: FloatArray) -> FloatArray:
    """Largest magnitude of each row, as a column (1 for an all-zero row)."""
    peak = np.max(np.abs(values), axis=1, keepdims=True)
    peak[peak == 0] = 1.0
    return peak


def require_measurable(g: FloatArray) -> None:
    """Refuse stochastic gradients (R, d) whose squared norms overflow float64.

    ``q`` and ``eps`` of such a gradient are not numbers, so nothing about the quantizer can
    be measured on it (the simulator, by contrast, counts its replica as diverged).

    Raises
    ------
    ValueError
        Naming how many of the samples overflow.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        norm_sq = np.einsum("rd,rd->r", g, g)
    if not np.isfinite(norm_sq).all():
        raise ValueError(
            "noise and problem must keep the stochastic gradients' ||g||^2 finite in float64; "
            f"it overflows at {int((~np.isfinite(norm_sq)).sum())} of {norm_sq.size} samples "
            "(lower M, M_V or the problem's scale)"
        )


def normal_quantile(level: float) -> float:
    """Two-sided standard-normal quantile ``z`` with ``P(|Z| <= z) = level``."""
    return NormalDist().inv_cdf(0.5 + validate.level(level) / 2)


@dataclass(frozen=True)
class ConfidenceInterval:
    """A point estimate with a confidence interval.

    Attributes
    ----------
    value, low, high : float
        Estimate and interval ends.
    level : float
        Confidence level of ``[low, high]``.
    method : str
        How the interval was derived.
    """

    value: float
    low: float
    high: float
    level: float
    method: str

    def to_dict(self) -> dict[str, float | str]:
        """JSON-ready form."""
        return {
            "value": self.value,
            "low": self.low,
            "high": self.high,
            "level": self.level,
            "method": self.method,
        }


def mean_ci(
    values: FloatArray, mask: NDArray[np.bool_], z: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Masked mean and normal-approximation interval along the last axis.

    ``mean ± z · s/sqrt(n)`` over the entries where ``mask`` is true, ``s`` the sample standard
    deviation (``ddof=1``). The central limit theorem justifies it for the replica means the
    simulator reports when the number of replicas is large (tens or more); with one valid
    entry the interval is the point, and with none everything is NaN.

    Parameters
    ----------
    values : ndarray, shape (..., R)
    mask : ndarray of bool, shape (..., R)
    z : float
        Normal quantile, e.g. :func:`normal_quantile` (0.999) ≈ 3.29.

    Returns
    -------
    mean, low, high : ndarray, shape (...)
    """
    count = mask.sum(axis=-1)
    safe = np.where(mask, values, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = safe.sum(axis=-1) / count
        centred = np.where(mask, values - mean[..., None], 0.0)
        variance = (centred * centred).sum(axis=-1) / np.maximum(count - 1, 1)
        half = z * np.sqrt(variance / count)
    return mean, mean - half, mean + half
