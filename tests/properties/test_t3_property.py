"""T3 (PL, fixed stepsize) holds in simulation: ``E[F(x_k) - F_star]`` never provably exceeds it.

Cases: diagonal quadratics with a drawn spectrum (``L``, ``c`` exact), Gaussian noise with exact
``(M, M_V)``, the synthetic shrinkage model (``q_k`` uniform on ``[q_min, 1]`` or fixed at
``q_min``; ``E‖eps‖² = sigma_q2``), ``mu = fraction / (L M_G)``, ``K <= 200``, R = 2000
replicas, seeds drawn by Hypothesis. Level: 99.9 % family-wise over every iterate of every
example (clipped empirical Bernstein, :mod:`tests.stats`).
"""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import example, given, settings

from simulate.problems import quadratic
from tests.properties.checks import compare, simulate_case
from tests.strategies import Schedule, ShrinkageCase, make_case, shrinkage_cases, theorem_constants

THEOREM = "T3"
EXAMPLES = 25
EXPLICIT = 2
# Edge cases: the largest allowed stepsize 1/(L M_G) with the strongest shrinkage drawn
# (q fixed at q_min = 0.05), and full precision (q_min = 1, sigma_q2 = 0: C1 itself).
SPECTRUM = np.array([2.0, 0.1, 1.0, 0.5, 1.5, 0.25, 0.75, 1.25])
EDGE_STRONG_SHRINK = make_case(
    theorem=THEOREM,
    problem=quadratic(SPECTRUM, rotate=False, x0_scale=1.0, seed=3),
    schedule=Schedule("constant", mu=0.25),
    steps=200,
    q_min=0.05,
    sigma_q2=2.0,
    M=1.0,
    M_V=1.0,
    law="fixed",
    seed=1,
)
EDGE_FULL_PRECISION = make_case(
    theorem=THEOREM,
    problem=quadratic(SPECTRUM, rotate=False, x0_scale=2.0, seed=4),
    schedule=Schedule("constant", mu=0.5),
    steps=100,
    q_min=1.0,
    sigma_q2=0.0,
    M=0.5,
    seed=2,
)


@settings(max_examples=100)
@given(constants=theorem_constants(theorem=THEOREM))
def test_generated_constants_satisfy_the_hypotheses(constants: dict[str, float]) -> None:
    statement = importlib.import_module("bounds.theorems").get(THEOREM)
    assert not list(statement.violated_hypotheses(**constants))


@settings(max_examples=EXAMPLES)
@given(case=shrinkage_cases(theorem=THEOREM))
@example(case=EDGE_STRONG_SHRINK)
@example(case=EDGE_FULL_PRECISION)
def test_simulated_gap_respects_the_bound(case: ShrinkageCase) -> None:
    statement = importlib.import_module("bounds.theorems").get(THEOREM)
    assert not list(statement.violated_hypotheses(**case.constants, k=case.steps))
    comparison = compare(case, simulate_case(case), examples=EXAMPLES + EXPLICIT)
    worst = int(np.argmin(comparison.bound - comparison.mean))
    assert not comparison.violated.any(), (
        f"k={worst + 2}: mean {comparison.mean[worst]:.6g} > bound {comparison.bound[worst]:.6g}"
    )
