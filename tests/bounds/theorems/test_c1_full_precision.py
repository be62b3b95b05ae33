"""C1: T1-T4 at q_min = 1, sigma_q2 = 0 are Bottou et al.'s Theorems 4.8, 4.10, 4.6, 4.7."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.reference import bottou2018 as ref
from bounds.theorems import c1_full_precision as c1

C1 = theorems.get("C1")


@pytest.mark.parametrize("reduction", c1.REDUCTIONS, ids=lambda r: f"{r.ours.id}-{r.theirs.number}")
def test_reduces_exactly_and_differs_otherwise(reduction: c1.Reduction) -> None:
    result = c1.check(reduction)
    assert result.bound_difference == 0
    assert result.condition_differences
    assert all(d == 0 for d in result.condition_differences)
    assert result.reduces
    assert result.counter_difference != 0
    assert result.differs_otherwise
    assert result.counter_point[sp.Symbol("q_min", positive=True)] == sp.Rational(1, 2)


def test_counter_differences_hand_computed() -> None:
    # T1 at q = 1/2, sigma_q2 = 1, L = M = M_G = Delta = 1, mu = 1/2, K = 3:
    # ours 2/(3/4) + (1/2)(2)/(1/2) = 14/3; theirs 2/(3/2) + 1/2 = 11/6; difference 17/6.
    assert c1.check(c1.REDUCTIONS[0]).counter_difference == sp.Rational(17, 6)
    # T2 with mu_k = 1/2, K = 3: ours (2 + 2*3/4)*2 = 7, theirs 2 + 3/4; difference 17/4.
    assert c1.check(c1.REDUCTIONS[1]).counter_difference == sp.Rational(17, 4)


def test_a_wrong_reference_is_caught() -> None:
    # Planted: Theorem 4.8 with the transient term missing its factor 2.
    wrong = dataclasses.replace(
        ref.theorem_4_8,
        bound=ref.alpha * ref.L * ref.M / ref.ANGLE + ref.gap_inf / (ref.K * ref.ANGLE * ref.alpha),
    )
    result = c1.check(c1.Reduction(theorems.get("T1"), wrong))
    assert result.bound_difference != 0
    assert not result.reduces
    # Planted: a strict condition where the reference has a non-strict one.
    strict = dataclasses.replace(
        ref.theorem_4_8,
        conditions=(
            ref.theorem_4_8.conditions[0],
            sp.StrictLessThan(ref.alpha, ref.ANGLE / (ref.L * ref.M_G), evaluate=False),
        ),
    )
    assert not c1.check(c1.Reduction(theorems.get("T1"), strict)).reduces


def test_statement_is_t1_at_full_precision() -> None:
    # 2*2/(10 * 1/2) + 1 * 1/2 * 1 = 13/10
    assert C1.evaluate(L=1, Delta=2, M=1, M_G=1, K=10, mu=0.5) == pytest.approx(1.3, rel=1e-15)
    assert sy.q_min not in C1.bound.free_symbols
    # q_min = 1 and sigma_q2 = 0 are hypotheses of the statement, filled in when not given.
    assert {"full precision: q_min = 1", "full precision: sigma_q2 = 0"} <= {
        h.name for h in C1.hypotheses
    }
    assert sy.sigma_q2 not in C1.bound.free_symbols
    assert [name for name, _ in C1.extras] == [
        f"{t} at full precision" for t in ("T1", "T2", "T3", "T4")
    ]
