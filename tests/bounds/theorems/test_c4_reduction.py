"""C4: the model as an instance of Bottou et al.'s Assumption 4.3, and the cap it costs."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.theorems import c4_reduction as c4

C4 = theorems.get("C4")


@pytest.mark.parametrize("condition", c4.INSTANCE, ids=lambda c: c.name)
def test_instance_conditions_are_certified(condition: c4.InstanceCondition) -> None:
    assert condition.certified()


def test_a_wrong_instance_condition_is_not_certified() -> None:
    # Planted: angle constant 1 instead of q_min (false when q_k < 1).
    wrong = c4.InstanceCondition("angle 1", sy.grad_norm2, sy.q_k * sy.grad_norm2)
    assert not wrong.certified()
    # Planted: variance constant M without the quantization noise.
    no_noise = c4.InstanceCondition("variance", c4.INSTANCE[2].lhs, sy.M + sy.M_V * sy.grad_norm2)
    assert not no_noise.certified()


def test_reference_route_gives_t1_bound_under_a_smaller_cap() -> None:
    comparison = c4.compare_with_t1()
    assert comparison.bound_difference == 0
    assert sp.simplify(comparison.gap - (1 - sy.q_min) / (sy.L * sy.M_G)) == 0
    assert comparison.t1_larger
    assert comparison.equal_at == sp.FiniteSet(1)


def test_hand_computed_value_and_cap() -> None:
    # T1's numbers, mu = 1/4 <= q_min/(L M_G) = 1/2:
    # 2*2/(10 * 1/4 * 1/2) + (1/4)(2)/(1/2) = 21/5
    value = C4.evaluate(L=1, Delta=2, M=1, M_G=1, q_min=0.5, sigma_q2=1, K=10, mu=0.25)
    assert value == pytest.approx(4.2, rel=1e-15)
    # mu = 0.75 is fine for T1 (cap 1) but not on the reference route (cap 1/2)
    point = {"L": 1, "Delta": 2, "M": 1, "M_G": 1, "q_min": 0.5, "sigma_q2": 1, "K": 10, "mu": 0.75}
    assert C4.violated_hypotheses(**point) == ("reference stepsize condition",)
    assert theorems.get("T1").violated_hypotheses(**point) == ()
