"""T4 (PL, ``mu_k = beta/(gamma + k)``) holds in simulation: ``E[F(x_k) - F_star] <= nu/(gamma+k)``.

Cases: diagonal quadratics with a drawn spectrum (``L``, ``c`` exact), Gaussian noise with exact
``(M, M_V)``, the synthetic shrinkage model, ``beta = (1 + t)/(c q_min)`` above T4's floor and
``gamma`` large enough that ``mu_1 <= 1/(L M_G)``, ``K <= 200``, R = 2000 replicas, seeds
drawn by Hypothesis. Level: 99.9 % family-wise over every iterate of every example.
"""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import example, given, settings

from simulate.problems import quadratic
from tests.properties.checks import compare, simulate_case
from tests.strategies import Schedule, ShrinkageCase, make_case, shrinkage_cases, theorem_constants

THEOREM = "T4"
EXAMPLES = 25
EXPLICIT = 2
SPECTRUM = np.array([2.0, 0.1, 1.0, 0.5, 1.5, 0.25, 0.75, 1.25])
# Edge cases: the first step exactly at the cap 1/(L M_G) (beta = 25 > 1/(c q_min) = 20,
# gamma = 49), and beta just above its floor 1/(c q_min) with a fixed strong shrinkage.
EDGE_AT_CAP = make_case(
    theorem=THEOREM,
    problem=quadratic(SPECTRUM, rotate=False, x0_scale=1.0, seed=5),
    schedule=Schedule("inverse", beta=25.0, gamma=49.0),
    steps=200,
    q_min=0.5,
    sigma_q2=1.0,
    M=1.0,
    seed=3,
)
EDGE_BETA_FLOOR = make_case(
    theorem=THEOREM,
    problem=quadratic(SPECTRUM, rotate=False, x0_scale=0.5, seed=6),
    schedule=Schedule("inverse", beta=1.01 / (0.1 * 0.25), gamma=80.0),
    steps=150,
    q_min=0.25,
    sigma_q2=0.5,
    M=0.5,
    law="fixed",
    seed=4,
)


@settings(max_examples=100)
@given(constants=theorem_constants(theorem=THEOREM))
def test_generated_constants_satisfy_the_hypotheses(constants: dict[str, float]) -> None:
    statement = importlib.import_module("bounds.theorems").get(THEOREM)
    assert not list(statement.violated_hypotheses(**constants))


@settings(max_examples=EXAMPLES)
@given(case=shrinkage_cases(theorem=THEOREM))
@example(case=EDGE_AT_CAP)
@example(case=EDGE_BETA_FLOOR)
def test_simulated_gap_respects_the_bound(case: ShrinkageCase) -> None:
    statement = importlib.import_module("bounds.theorems").get(THEOREM)
    assert not list(statement.violated_hypotheses(**case.constants, k=case.steps))
    comparison = compare(case, simulate_case(case), examples=EXAMPLES + EXPLICIT)
    worst = int(np.argmin(comparison.bound - comparison.mean))
    assert not comparison.violated.any(), (
        f"k={worst + 2}: mean {comparison.mean[worst]:.6g} > bound {comparison.bound[worst]:.6g}"
    )
