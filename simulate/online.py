"""Streaming statistics for the gradient checker: O(d) moments and per-test significance levels.

The checker sees each point once and may not keep ``points x d`` numbers, so

- per-coordinate means and variances are accumulated batch by batch
  (:class:`ShiftedMoments`: sums of deviations from the first batch's first row, which keeps
  the variance free of the cancellation that raw sums of squares suffer when the mean is
  large against the spread);
- every test of a point is reduced to its *significance level*: the smallest ``δ`` at which
  it would reject (:func:`bernstein_delta`, :func:`normal_delta`). A Bonferroni threshold
  needs the number of tests, known only at the end; a test rejects at the end iff its level
  is below ``(1 - level) / tests``. Only the smallest few levels of each point are kept
  (:func:`smallest`), which is all a count of rejections up to that many needs.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = ["KEPT_LEVELS", "ShiftedMoments", "bernstein_delta", "normal_delta", "smallest"]

FloatArray = NDArray[np.float64]

#: Significance levels kept per point and test family: rejections are counted exactly up to it.
KEPT_LEVELS = 1000


class ShiftedMoments:
    """Per-entry mean and unbiased variance of a stream of arrays of one shape.

    ``update(batch)`` takes ``(n, *shape)``; the shift is the first row seen.
    """

    def __init__(self) -> None:
        self.count = 0
        empty = np.zeros(0)
        self._shift, self._sum, self._sum_sq = empty, empty, empty

    def update(self, batch: FloatArray) -> None:
        """Add the rows of ``batch`` ``(n, *shape)``."""
        if not self.count:
            self._shift = np.array(batch[0], dtype=np.float64)
            self._sum = np.zeros_like(self._shift)
            self._sum_sq = np.zeros_like(self._shift)
        deviation = batch - self._shift
        self._sum += deviation.sum(axis=0)
        self._sum_sq += np.einsum("n...,n...->...", deviation, deviation)
        self.count += batch.shape[0]

    @property
    def mean(self) -> FloatArray:
        """Per-entry mean."""
        return self._shift + self._sum / self.count

    @property
    def variance(self) -> FloatArray:
        """Per-entry unbiased sample variance (0 with one row)."""
        if self.count < 2:
            return np.zeros_like(self._sum)
        centred = self._sum_sq - self._sum * self._sum / self.count
        return np.maximum(centred, 0.0) / (self.count - 1)


def bernstein_delta(
    deviation: FloatArray, standard_error: FloatArray, span: FloatArray | float, n: int
) -> FloatArray:
    """Smallest ``δ`` at which the empirical-Bernstein bound rejects a zero mean.

    Maurer & Pontil (2009), Theorem 4, two-sided: for ``n`` i.i.d. values in an interval of
    width ``R``, with probability ``1 − δ``, ``|mean − μ| ≤ sqrt(2 V t/n) + 7 R t/(3(n − 1))``
    with ``t = ln(4/δ)`` and ``V`` the sample variance (``sqrt(V/n)`` the standard error). A
    deviation ``D`` rejects iff ``a u + b u² < D`` with ``u = sqrt(t)``, ``a = sqrt(2)·se``,
    ``b = 7R/(3(n − 1))``: the root ``u*`` of ``b u² + a u = D`` gives ``δ = 4 exp(−u*²)``
    (capped at 1). A deviation ``D <= 0`` never rejects (``δ = 1``); ``D > 0`` with
    ``a = b = 0`` (no spread, no range) always does (``δ = 0``); a NaN deviation is a
    rejection.

    Parameters
    ----------
    deviation : ndarray
        ``|mean − μ₀|`` minus any tolerance.
    standard_error : ndarray
        ``sqrt(V/n)``, same shape.
    span : ndarray or float
        The width ``R`` of an interval holding every value (``inf``: unbounded, use
        :func:`normal_delta`).
    n : int
        Number of values, ``>= 2``.

    Returns
    -------
    ndarray
        The levels, in ``[0, 1]``.
    """
    a = math.sqrt(2.0) * np.asarray(standard_error, dtype=np.float64)
    b = 7.0 * np.asarray(span, dtype=np.float64) / (3.0 * (n - 1))
    d = np.asarray(deviation, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # u* = 2D/(a + sqrt(a² + 4bD)): the stable form of the quadratic's root, also at b = 0
        root = 2.0 * d / (a + np.sqrt(a * a + 4.0 * b * np.maximum(d, 0.0)))
        level = np.minimum(4.0 * np.exp(-root * root), 1.0)
    level = np.where(d > 0, level, 1.0)
    level = np.where(np.isnan(d) | ((d > 0) & (a == 0) & (b == 0)), 0.0, level)
    return np.asarray(level, dtype=np.float64)


def normal_delta(deviation: FloatArray, standard_error: FloatArray) -> FloatArray:
    """Two-sided normal (CLT) level ``P(|Z| > D/se) = erfc(D/(se √2))``; conventions as above."""
    d = np.asarray(deviation, dtype=np.float64)
    se = np.asarray(standard_error, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(d > 0, d / se, 0.0)
    level = _erfc(z / math.sqrt(2.0))
    level = np.where(d > 0, level, 1.0)
    return np.asarray(np.where(np.isnan(d) | ((d > 0) & (se == 0)), 0.0, level), np.float64)


def _erfc(x: FloatArray) -> FloatArray:
    # math.erfc is exact to an ulp and the tests are per coordinate, so a vectorized loop in C
    return np.asarray(np.frompyfunc(math.erfc, 1, 1)(np.asarray(x, np.float64)), np.float64)


def smallest(levels: FloatArray, keep: int = KEPT_LEVELS) -> FloatArray:
    """The ``keep`` smallest entries of ``levels`` (flattened), sorted."""
    flat = np.asarray(levels, dtype=np.float64).reshape(-1)
    if flat.size > keep:
        flat = np.partition(flat, keep - 1)[:keep]
    return np.sort(flat)
