"""Telescoping: an identity for every pair of integer limits (SymPy's convention)."""

from __future__ import annotations

import sympy as sp

from bounds.proof.tactics import Goal, telescope

k = sp.Symbol("k", integer=True, positive=True)
K = sp.Symbol("K", integer=True)
D = sp.Function("D")


def test_telescoping_sum() -> None:
    goal = Goal(sp.Sum(D(k + 1) - D(k), (k, 1, K)), "=", D(K + 1) - D(1))
    assert telescope.check(goal).status == "proved"


def test_telescoping_across_separate_sums() -> None:
    split = sp.Sum(D(k + 1), (k, 1, K)) - sp.Sum(D(k), (k, 1, K))
    assert telescope.check(Goal(split, "=", D(K + 1) - D(1))).status == "proved"


def test_off_by_one_is_refused() -> None:
    goal = Goal(sp.Sum(D(k + 1) - D(k), (k, 1, K)), "=", D(K) - D(1))
    assert telescope.check(goal).status == "unknown"


def test_reversed_range_agrees_with_sympy() -> None:
    # The rule holds for K < 0 too: both sides at K = -2 agree with SymPy's own evaluation.
    total = sp.Sum(D(k + 1) - D(k), (k, 1, K)).subs(K, -2).doit()
    assert sp.expand(total - (D(-1) - D(1))) == 0
