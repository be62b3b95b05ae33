"""The property every theorem must satisfy in simulation, as one reusable check.

For a generated :class:`tests.strategies.ShrinkageCase` the simulated quantity each theorem
bounds is computed *per replica* (so that a distribution-free confidence bound applies):

- T1: ``(1/K) Σ_{k=1..K} ‖∇F(x_k)‖²``, one value per replica, one comparison;
- T2: ``Σ_k mu_k ‖∇F(x_k)‖²`` against T2's bound, and the ``mu``-weighted average
  ``Σ_k mu_k ‖∇F(x_k)‖² / Σ_k mu_k`` against the explicit bound of ``T2.harmonic`` (stated
  for ``min_k E‖∇F(x_k)‖²``, but derived as a bound on this average, which is at least the
  minimum), two comparisons;
- T3, T4: ``F(x_k) - F_star`` at every iterate ``k = 2 .. K+1``, ``K`` comparisons (``k = 1``
  is the deterministic start, where the bound is an identity).

The check fails only if the clipped empirical-Bernstein lower confidence bound
(:mod:`tests.stats`) exceeds the theorem's bound; the family-wise level is 99.9 % over all
comparisons of all examples a test runs (Bonferroni), so a correct simulator and a correct
bound make a test fail with probability at most 1e-3, whatever the Hypothesis seed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from tests.properties.replicas import Recorded, record_run
from tests.stats import DEFAULT_CONFIDENCE, exceeds
from tests.strategies import ShrinkageCase

__all__ = [
    "REPLICAS",
    "Comparison",
    "compare",
    "simulate_case",
    "theorem_bound",
    "theorem_quantity",
]

FloatArray = NDArray[np.float64]

#: Replicas per simulation: enough that the Bernstein range term (``7 B ln(2/δ)/(3(R-1))``
#: with ``B = 4 × bound``) costs under 10 % of the bound at ``δ = 1e-3 / 3000``, so a true
#: excess of about 15 % is caught, while keeping a 200-step run of d = 64 under a second.
REPLICAS = 2000


def theorem_bound(theorem: str, **constants: Any) -> FloatArray:
    """The bound(s) of ``theorem`` that :func:`theorem_quantity` pairs with its values.

    ``bounds.theorems.get(theorem).evaluate(**constants)`` (hypotheses checked), and for T2
    also its ``harmonic`` variant, as a float64 array. The bound library is imported here, in
    the tests, which may cross the layering line.
    """
    statement = importlib.import_module("bounds.theorems").get(theorem)
    if theorem == "T2":
        return np.array(
            [statement.evaluate(**constants), statement.variant("harmonic").evaluate(**constants)],
            dtype=np.float64,
        )
    return np.asarray(statement.evaluate(**constants), dtype=np.float64)


def simulate_case(case: ShrinkageCase, *, replicas: int = REPLICAS, **overrides: Any) -> Recorded:
    """Run ``case`` (its problem, noise, synthetic shrinkage, schedule and seed).

    ``overrides`` replace run arguments, e.g. ``gradient_quantizer=`` a planted-bug model.
    """
    arguments: dict[str, Any] = {
        "steps": case.steps,
        "stepsize": case.schedule,
        "seed": case.seed,
        "noise": case.noise,
        "gradient_quantizer": case.shrinkage,
    }
    arguments.update(overrides)
    return record_run(case.problem, replicas=replicas, **arguments)


def theorem_quantity(theorem: str, recorded: Recorded) -> tuple[FloatArray, dict[str, Any]]:
    """Per-replica values of what ``theorem`` bounds, and the extra bound arguments.

    Returns
    -------
    values : ndarray, shape (R, m)
        ``m = 1`` for T1, ``m = 2`` for T2 (weighted sum, weighted average), ``m = K``
        (iterates ``k = 2 .. K+1``) for T3, T4.
    arguments : dict
        ``{"K": K}`` for T1, T2; ``{"k": array of k}`` for T3, T4.
    """
    steps = recorded.trajectory.steps
    if theorem == "T1":
        values = recorded.grad_sq[:, :steps].mean(axis=1, keepdims=True)
        return values, {"K": steps}
    if theorem == "T2":
        weighted_sum = recorded.grad_sq[:, :steps] @ recorded.stepsize
        average = weighted_sum / recorded.stepsize.sum()
        return np.stack([weighted_sum, average], axis=1), {"K": steps}
    return recorded.gap[:, 1:], {"k": np.arange(2, steps + 2)}


@dataclass(frozen=True)
class Comparison:
    """Simulated values against a bound, and what the confidence bound decided.

    Attributes
    ----------
    bound : ndarray, shape (m,)
        The theorem's bound at each compared point.
    mean : ndarray, shape (m,)
        Replica means (the plain estimate of the expectation).
    violated : ndarray of bool, shape (m,)
        Where the lower confidence bound exceeds ``bound``.
    """

    bound: FloatArray
    mean: FloatArray
    violated: NDArray[np.bool_]

    @property
    def tightness(self) -> float:
        """``min(bound / mean)`` over the compared points (inf if every mean is 0)."""
        with np.errstate(divide="ignore"):
            return float(np.min(self.bound / self.mean))


def compare(
    case: ShrinkageCase,
    recorded: Recorded,
    *,
    examples: int,
    confidence: float = DEFAULT_CONFIDENCE,
    **constant_overrides: Any,
) -> Comparison:
    """Compare a recorded run with ``case.theorem``'s bound.

    Parameters
    ----------
    case : ShrinkageCase
        Its ``constants`` are the bound's arguments; ``constant_overrides`` replace some
        (e.g. ``q_min=1, sigma_q2=0`` for the full-precision bound of C1).
    recorded : Recorded
        The simulation.
    examples : int
        How many examples the calling test may run: the level is split over them too.
    confidence : float
        Family-wise level over every comparison of every example.
    """
    values, arguments = theorem_quantity(case.theorem, recorded)
    bound = np.broadcast_to(
        theorem_bound(case.theorem, **{**case.constants, **constant_overrides, **arguments}),
        values.shape[1:],
    )
    per_example = 1.0 - (1.0 - confidence) / examples
    violated = exceeds(values, bound, confidence=per_example)
    return Comparison(np.asarray(bound), values.mean(axis=0), violated)
