"""The exact simplex against brute-force vertex enumeration, and the SymPy defect it avoids."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from bounds.proof.simplex import Infeasible, solve


def brute_force_minimum(cost, rows, rhs):
    """Minimum of cost.x over basic feasible solutions (exact, by enumeration)."""
    m, n = len(rows), len(cost)
    best = None
    for basis in combinations(range(n), m):
        matrix = sp.Matrix([[rows[r][j] for j in basis] for r in range(m)])
        if matrix.det() == 0:
            continue
        values = matrix.LUsolve(sp.Matrix(rhs))
        if any(v < 0 for v in values):
            continue
        value = sum(cost[j] * v for j, v in zip(basis, values, strict=True))
        best = value if best is None else min(best, value)
    return best


@given(
    st.lists(st.lists(st.integers(-3, 3), min_size=5, max_size=5), min_size=2, max_size=3),
    st.lists(st.integers(0, 3), min_size=5, max_size=5),
    st.lists(st.integers(-4, 4), min_size=3, max_size=3),
)
def test_matches_brute_force(rows: list[list[int]], cost: list[int], rhs: list[int]) -> None:
    rhs = rhs[: len(rows)]
    if sp.Matrix(rows).rank() < len(rows):
        return  # enumeration over bases needs full row rank
    expected = brute_force_minimum(cost, rows, rhs)
    if expected is None:
        with pytest.raises(Infeasible):
            solve(cost, rows, rhs)
        return
    x = solve(cost, rows, rhs)
    assert all(v >= 0 for v in x)
    for row, b in zip(rows, rhs, strict=True):
        assert sum(Fraction(a) * v for a, v in zip(row, x, strict=True)) == b
    assert sum(Fraction(c) * v for c, v in zip(cost, x, strict=True)) == expected


def test_infeasible_is_reported() -> None:
    with pytest.raises(Infeasible):
        solve([1, 0], [[1, 1], [0, 1]], [2, -1])


def test_float_guided_answer_is_exact_and_falls_back() -> None:
    # The HiGHS-guided path returns an exact vertex; a system HiGHS cannot help with (here
    # an integer-coefficient LP solved exactly anyway) gives the same answer as the simplex.
    from bounds.proof import simplex

    rows = [[1, 1, 0], [0, 1, 1]]
    rhs = [Fraction(1, 3), Fraction(1, 7)]
    x = simplex.solve([1, 1, 1], rows, rhs)
    assert all(isinstance(v, Fraction) and v >= 0 for v in x)
    assert [sum(a * v for a, v in zip(r, x, strict=True)) for r in rows] == rhs
    exact = simplex._exact([1, 1, 1], rows, rhs)
    assert [sum(a * v for a, v in zip(r, exact, strict=True)) for r in rows] == rhs
