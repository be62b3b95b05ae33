"""T1: non-convex, fixed stepsize."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bounds import symbols as sy
from bounds import theorems
from tests.bounds.theorems._limits import assert_floor_and_rate

T1 = theorems.get("T1")


def test_hand_computed_value() -> None:
    # 2*2/(10 * 1/2 * 1/2) + 1 * 1/2 * (1 + 1)/(1/2) = 8/5 + 2 = 18/5
    expected = Fraction(2 * 2) / (10 * Fraction(1, 2) * Fraction(1, 2)) + Fraction(
        1, 2
    ) * 2 / Fraction(1, 2)
    value = T1.evaluate(L=1, Delta=2, M=1, M_G=1, q_min=0.5, sigma_q2=1, K=10, mu=0.5)
    assert value == pytest.approx(float(expected), rel=1e-15)


def test_floor_and_rate() -> None:
    assert_floor_and_rate(T1, sy.L * sy.mu * sy.S / sy.q_min)


def test_stepsize_condition_is_the_only_own_hypothesis_on_mu() -> None:
    names = [h.name for h in T1.stepsize_conditions]
    assert names == ["positive stepsize", "stepsize condition"]
    assert T1.violated_hypotheses(L=2, Delta=1, M=0, M_G=2, q_min=1, sigma_q2=0, K=1, mu=0.26) == (
        "stepsize condition",
    )
