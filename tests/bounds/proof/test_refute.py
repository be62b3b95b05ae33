"""Counterexamples are exact and genuine: every hypothesis holds and the claim fails."""

from __future__ import annotations

import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds.proof.refute import search

x, y = sp.symbols("x y", positive=True)


@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 3))
def test_found_points_are_checked_counterexamples(a: int, b: int, power: int) -> None:
    lhs, rhs = a * x**power * y, b * x
    hyps = [("x<=3", x <= 3), ("y>=1/2", y >= sp.Rational(1, 2))]
    point = search(lhs, "<=", rhs, hyps)
    if point is None:
        return
    values = {x: point["x"], y: point["y"]}
    assert values[x] <= 3
    assert values[y] >= sp.Rational(1, 2)
    assert lhs.xreplace(values) > rhs.xreplace(values)


def test_true_claim_has_no_counterexample_and_false_one_does() -> None:
    hyps = [("x>=1", x >= 1)]
    assert search(x, "<=", x**2, hyps) is None
    assert search(x**2, "<=", x, hyps) is not None


def test_boundary_point_is_tried() -> None:
    # Fails only where the hypothesis is tight (x = 1): random interior points miss it.
    assert search(sp.Integer(0), "<", x - 1, [("x>=1", x >= 1)]) == {"x": 1}
