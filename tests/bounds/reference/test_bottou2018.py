"""bounds.reference.bottou2018: the reference theorems, checked at hand-computed points."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds.reference import bottou2018 as ref


def test_registry() -> None:
    assert list(ref.THEOREMS) == ["4.6", "4.7", "4.8", "4.10"]
    with pytest.raises(ValueError, match=r"4\.6, 4\.7, 4\.8, 4\.10"):
        ref.get("4.9")


def test_theorem_4_8_at_a_point() -> None:
    # alpha = 1/2, L = M = 1, angle 1, F(x1) - F_inf = 2, K = 10: 1/2 + 4/5 = 13/10
    point = {
        ref.alpha: sp.Rational(1, 2),
        ref.L: 1,
        ref.M: 1,
        ref.ANGLE: 1,
        ref.gap_inf: 2,
        ref.K: 10,
    }
    assert ref.theorem_4_8.bound.subs(point) == sp.Rational(13, 10)


def test_theorem_4_6_at_a_point() -> None:
    # alpha = 1/4, L = 2, M = 2, c = 1, angle 1/2: floor 2*1/4*2/(2*1*1/2) = 1 ...
    point = {
        ref.alpha: sp.Rational(1, 4), ref.L: 2, ref.M: 2, ref.c: 1, ref.ANGLE: sp.Rational(1, 2),
        ref.gap_star: 3, ref.k: 3,
    }  # fmt: skip
    assert ref.theorem_4_6.bound.subs(point) == 1 + sp.Rational(7, 8) ** 2 * 2


def test_theorem_4_7_and_4_10_at_points() -> None:
    point = {ref.beta: 4, ref.gamma: 3, ref.L: 1, ref.M: 2, ref.c: 1, ref.ANGLE: sp.Rational(1, 2)}
    assert ref.theorem_4_7.bound.subs({**point, ref.gap_star: 2, ref.k: 5}) == 2
    steps = {ref.alpha_seq[1]: sp.Rational(1, 2), ref.alpha_seq[2]: sp.Rational(1, 4)}
    total = ref.theorem_4_10.bound.subs(
        {ref.K: 2, ref.L: 1, ref.M: 1, ref.ANGLE: 1, ref.gap_inf: 1}
    )
    assert total.doit().subs(steps) == 2 + sp.Rational(5, 16)
