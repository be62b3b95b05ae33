"""T2 (non-convex, ``mu_k = beta/(gamma + k)``) holds in simulation, in both of its forms.

T2 bounds ``Σ_k mu_k E‖∇F(x_k)‖²`` by ``(2 Delta + L S Σ mu_k²)/q_min``; divided by
``Σ_k mu_k`` that is the mu-weighted average, and the explicit bound of ``T2.harmonic``
(``Σ 1/(gamma+k) >= ln((gamma+K+1)/(gamma+1))``, ``Σ 1/(gamma+k)² <= 1/gamma``) bounds that
average (hence also ``min_k E‖∇F(x_k)‖²``). Both are compared, per replica.

Cases: diagonal quadratics or the non-convex Geman-McClure loss (``L`` exact), Gaussian noise
with exact ``(M, M_V)``, the synthetic shrinkage model, ``beta/(gamma + 1) <= 1/(L M_G)``,
``K <= 200``, R = 2000 replicas, seeds drawn by Hypothesis. Level: 99.9 % family-wise over
the examples and the two comparisons of each (weighted sum, weighted average).
"""

from __future__ import annotations

import importlib

import numpy as np
from hypothesis import example, given, settings

from simulate.problems import geman_mcclure
from tests.properties.checks import compare, simulate_case
from tests.strategies import Schedule, ShrinkageCase, make_case, shrinkage_cases, theorem_constants

THEOREM = "T2"
EXAMPLES = 25
EXPLICIT = 2
WEIGHTS = np.linspace(0.25, 1.0, 16)
# Edge cases on the non-convex problem (L = 2): the first step at the cap 1/(L M_G) with strong
# fixed shrinkage, and full precision (q_min = 1, sigma_q2 = 0) with a single step.
EDGE_AT_CAP = make_case(
    theorem=THEOREM,
    problem=geman_mcclure(WEIGHTS, rotate=False, x0_scale=3.0, seed=7),
    schedule=Schedule("inverse", beta=2.0, gamma=7.0),
    steps=200,
    q_min=0.05,
    sigma_q2=2.0,
    M=2.0,
    M_V=1.0,
    law="fixed",
    seed=5,
)
EDGE_ONE_STEP = make_case(
    theorem=THEOREM,
    problem=geman_mcclure(WEIGHTS, rotate=False, x0_scale=1.0, seed=8),
    schedule=Schedule("inverse", beta=0.25, gamma=0.5),
    steps=1,
    q_min=1.0,
    sigma_q2=0.0,
    M=0.0,
    seed=6,
)


@settings(max_examples=100)
@given(constants=theorem_constants(theorem=THEOREM))
def test_generated_constants_satisfy_the_hypotheses(constants: dict[str, float]) -> None:
    statement = importlib.import_module("bounds.theorems").get(THEOREM)
    assert not list(statement.violated_hypotheses(**constants))


@settings(max_examples=EXAMPLES)
@given(case=shrinkage_cases(theorem=THEOREM))
@example(case=EDGE_AT_CAP)
@example(case=EDGE_ONE_STEP)
def test_weighted_squared_gradient_respects_the_bound(case: ShrinkageCase) -> None:
    statement = importlib.import_module("bounds.theorems").get(THEOREM)
    assert not list(statement.violated_hypotheses(**case.constants, K=case.steps))
    comparison = compare(case, simulate_case(case), examples=EXAMPLES + EXPLICIT)
    assert not comparison.violated.any(), (
        f"(weighted sum, weighted average): means {comparison.mean} against bounds "
        f"{comparison.bound}, violated {comparison.violated}"
    )
