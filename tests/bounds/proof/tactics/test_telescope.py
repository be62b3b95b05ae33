"""Telescoping as a checked lemma instance."""

from __future__ import annotations

import sympy as sp

from bounds.proof.tactics import Goal, telescope

k = sp.Symbol("k", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
D = sp.Function("D")
HYPS = (("K>=1", K >= 1),)


def test_telescoping_sum() -> None:
    hint = {"term": sp.Lambda(k, D(k)), "limits": (k, 1, K)}
    goal = Goal(sp.Sum(D(k + 1) - D(k), (k, 1, K)), "=", D(K + 1) - D(1), HYPS, hint)
    assert telescope.check(goal).status == "proved"


def test_off_by_one_is_refused() -> None:
    hint = {"term": sp.Lambda(k, D(k)), "limits": (k, 1, K)}
    goal = Goal(sp.Sum(D(k + 1) - D(k), (k, 1, K)), "=", D(K) - D(1), HYPS, hint)
    assert telescope.check(goal).status == "unknown"
