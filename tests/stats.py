"""One-sided confidence bounds on the mean of non-negative replica values.

The property tests compare a simulated expectation ``E[X]`` (for example
``E[F(x_k) - F_star]``) with a theorem's bound ``b``. A test may fail only when the
simulation *proves*, at a stated confidence, that ``E[X] > b``; so what is needed is a
**lower** confidence bound ``lcb`` with ``P(lcb > E[X]) <= delta`` whatever the
distribution of ``X`` (the replicas of a quantized-SGD run are neither Gaussian nor
symmetric: ``F(x_k) - F_star`` is a skewed, chi-square-like quantity).

The choice: clipped empirical Bernstein
--------------------------------------
A Student-t / CLT bound is only asymptotic, and its error at the far tails that a
Bonferroni-corrected level of ``1 - 1e-3 / m`` reaches is not controlled by the sample size
alone. Markov's inequality is valid for any non-negative ``X`` (``P(mean >= E[X]/delta) <=
delta``) but throws away a factor ``1/delta`` (1000 at 99.9 %), so it could never catch a
violation. We use instead a distribution-free bound that is exact at finite ``n``:

1. *Clip.* For a constant ``B > 0`` fixed before the data are seen (in the property tests
   ``B`` is a multiple of the bound being tested, which depends only on the generated
   constants), ``Y = min(X, B)`` satisfies ``0 <= Y <= B`` and ``E[Y] <= E[X]`` because
   ``X >= 0``. A lower confidence bound for ``E[Y]`` is therefore one for ``E[X]``:
   clipping can only make the test more conservative, never flaky.
2. *Empirical Bernstein* (Maurer & Pontil 2009, Theorem 4). For ``n >= 2`` i.i.d. values
   in ``[0, 1]`` with sample mean ``Ybar`` and unbiased sample variance ``V``, with
   probability at least ``1 - delta``
   ``E[Y] >= Ybar - sqrt(2 V ln(2/delta) / n) - 7 ln(2/delta) / (3 (n - 1))``.
   (Their statement bounds ``E[Y] - Ybar`` from above; apply it to ``1 - Y``, which has the
   same variance.) Scaling to ``[0, B]`` multiplies the last term by ``B``.

The bound holds for every ``n >= 2``; no sample-size condition is needed, only independence
of the replicas (each replica is an independent SGD run, seeded from one generator). Its
cost is the ``7 B ln(2/delta)/(3(n-1))`` term: at ``n = 2000``, ``delta = 1e-8`` and
``B = 4 b`` it is ``0.09 b``, so a true mean above about ``1.1 b`` plus the variance term is
caught.

Several comparisons at once (every step ``k`` of a trajectory, every generated example) use
the Bonferroni correction: if each of ``m`` bounds fails with probability at most
``delta / m``, all hold simultaneously with probability at least ``1 - delta``.

References
----------
.. [1] A. Maurer and M. Pontil, "Empirical Bernstein Bounds and Sample Variance
       Penalization", COLT 2009, Theorem 4.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_CONFIDENCE",
    "bernstein_lower_bound",
    "bernstein_penalty",
    "bonferroni",
    "exceeds",
]

#: The family-wise confidence level of every statistical property in the suite.
DEFAULT_CONFIDENCE = 0.999


def bonferroni(confidence: float, comparisons: int) -> float:
    """Per-comparison confidence so that ``comparisons`` bounds hold together at ``confidence``.

    Parameters
    ----------
    confidence : float
        Family-wise level, in ``(0, 1)``.
    comparisons : int
        Number of bounds that must hold simultaneously, ``>= 1``.

    Returns
    -------
    float
        ``1 - (1 - confidence) / comparisons``.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    if isinstance(comparisons, bool) or not isinstance(comparisons, int) or comparisons < 1:
        raise ValueError(f"comparisons must be an integer >= 1, got {comparisons!r}")
    return 1.0 - (1.0 - confidence) / comparisons


def bernstein_penalty(n: int, confidence: float) -> float:
    """The range term ``7 ln(2/delta) / (3 (n - 1))`` of the bound, per unit of clip level.

    Parameters
    ----------
    n : int
        Number of i.i.d. replicas, ``>= 2``.
    confidence : float
        ``1 - delta``, in ``(0, 1)``.

    Returns
    -------
    float
        The deficit, as a fraction of the clip level ``B``, that the bound subtracts even when
        the sample variance is zero.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"n must be an integer >= 2, got {n!r}")
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence!r}")
    return 7.0 * math.log(2.0 / (1.0 - confidence)) / (3.0 * (n - 1))


def bernstein_lower_bound(
    values: ArrayLike, *, clip: ArrayLike, confidence: float
) -> NDArray[np.float64]:
    """Lower confidence bound on ``E[X]`` from i.i.d. non-negative replicas, clipped at ``clip``.

    Parameters
    ----------
    values : array_like, shape (n, ...)
        Replica values along axis 0 (non-negative, finite); any trailing axes (steps,
        quantities) get one bound each.
    clip : array_like, broadcastable to ``values.shape[1:]``
        Clip level ``B > 0`` per bound. It must be chosen without looking at ``values``
        (e.g. a multiple of the theorem's bound); then ``E[min(X, B)] <= E[X]`` keeps the
        result valid whatever ``B`` is.
    confidence : float
        ``1 - delta`` for *each* bound, in ``(0, 1)``; use :func:`bonferroni` to correct for
        several.

    Returns
    -------
    ndarray of float64, shape ``values.shape[1:]``
        ``lcb`` with ``P(lcb > E[X]) <= 1 - confidence`` for each entry (Maurer & Pontil
        2009, Theorem 4, applied to ``1 - min(X, B)/B``).
    """
    sample = np.asarray(values, dtype=np.float64)
    if sample.ndim < 1 or sample.shape[0] < 2:
        raise ValueError(f"values must have at least 2 replicas along axis 0, got {sample.shape}")
    if not np.all(np.isfinite(sample)) or np.any(sample < 0.0):
        raise ValueError("values must be finite and non-negative")
    level = np.broadcast_to(np.asarray(clip, dtype=np.float64), sample.shape[1:])
    if not np.all(np.isfinite(level)) or np.any(level <= 0.0):
        raise ValueError("clip must be finite and > 0")
    n = sample.shape[0]
    penalty = bernstein_penalty(n, confidence)
    log_term = math.log(2.0 / (1.0 - confidence))
    clipped = np.minimum(sample, level)
    mean = clipped.mean(axis=0)
    variance = clipped.var(axis=0, ddof=1)
    return np.asarray(mean - np.sqrt(2.0 * variance * log_term / n) - penalty * level)


def exceeds(
    values: ArrayLike,
    threshold: ArrayLike,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    clip_factor: float = 4.0,
) -> NDArray[np.bool_]:
    """Whether the replicas prove ``E[X] > threshold``, for every entry at once.

    Parameters
    ----------
    values : array_like, shape (n, m) or (n,)
        Non-negative replica values; the ``m`` columns are the comparisons.
    threshold : array_like, broadcastable to ``values.shape[1:]``
        The claimed upper bounds on ``E[X]`` (same units as ``values``), ``> 0``.
    confidence : float
        Family-wise level over all ``m`` comparisons (Bonferroni-corrected inside).
    clip_factor : float
        Clip level as a multiple of ``threshold`` (``> 1``): data-independent, as the bound
        requires; it trades the range penalty against clipping away true excess.

    Returns
    -------
    ndarray of bool, shape ``values.shape[1:]``
        True where the lower confidence bound exceeds ``threshold``. When every threshold is
        a true upper bound on its mean, the chance that any entry is True is at most
        ``1 - confidence``.
    """
    if not clip_factor > 1.0:
        raise ValueError(f"clip_factor must be > 1, got {clip_factor!r}")
    sample = np.asarray(values, dtype=np.float64)
    bound = np.broadcast_to(np.asarray(threshold, dtype=np.float64), sample.shape[1:])
    if not np.all(bound > 0.0):
        raise ValueError("threshold must be > 0")
    comparisons = max(1, int(np.prod(sample.shape[1:], dtype=np.int64)))
    lcb = bernstein_lower_bound(
        sample, clip=clip_factor * bound, confidence=bonferroni(confidence, comparisons)
    )
    return np.asarray(lcb > bound)
