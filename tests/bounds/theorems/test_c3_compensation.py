"""C3: compensated stepsize mu/q_min."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from tests.bounds.theorems._limits import assert_floor_and_rate

C3 = theorems.get("C3")


def test_hand_computed_value() -> None:
    # Delta = 1, K = 10, mu = 1/4, L = 1, S = 2, q_min = 1/2, M_G = 2 (cap q_min/(L M_G) = 1/4):
    # 2/(10/4) + (1/4)(2)/(1/4) = 4/5 + 2 = 14/5
    value = C3.evaluate(Delta=1, K=10, mu=0.25, L=1, M=1, sigma_q2=1, q_min=0.5, M_G=2)
    assert value == pytest.approx(2.8, rel=1e-15)


def test_is_t1_at_the_nominal_stepsize() -> None:
    t1 = theorems.get("T1")
    nominal = C3.extra("nominal stepsize")
    assert sp.simplify(t1.bound.subs(sy.mu, nominal) - C3.bound) == 0
    cap = t1.hypothesis("stepsize condition").relation
    ours = C3.hypothesis("compensated stepsize condition").relation
    assert sp.simplify(cap.rhs * sy.q_min - ours.rhs) == 0


def test_floor_and_condition() -> None:
    assert_floor_and_rate(C3, sy.L * sy.mu * sy.S / sy.q_min**2)
    # mu = 0.3 meets T1's cap 1/2 but not the compensated cap 1/4
    assert C3.violated_hypotheses(
        Delta=1, K=10, mu=0.3, L=1, M=1, sigma_q2=1, q_min=0.5, M_G=2
    ) == ("compensated stepsize condition",)
