"""Induction: base case and step both checked; a wrong bound fails one of them."""

from __future__ import annotations

import sympy as sp

from bounds.proof.tactics import Goal, induction

k = sp.Symbol("k", integer=True, positive=True)
a = sp.Function("a", nonnegative=True)
HYPS = (("a(1) <= 1", a(1) <= 1), ("recursion", a(k + 1) <= a(k) / 2))


def goal_for(bound: sp.Lambda) -> Goal:
    hint = {
        "index": k,
        "start": 1,
        "sequence": sp.Lambda(k, a(k)),
        "bound": bound,
        "base": ("a(1) <= 1",),
        "step": ("recursion",),
    }
    return Goal(a(k), "<=", bound(k), HYPS, hint)


def test_geometric_bound_by_induction() -> None:
    assert induction.check(goal_for(sp.Lambda(k, sp.Integer(2) / 2**k))).status == "proved"


def test_too_strong_bound_fails() -> None:
    # a(k) <= 1/4**k fails at the base (a(1) may be 1 > 1/4).
    assert induction.check(goal_for(sp.Lambda(k, sp.Integer(1) / 4**k))).status == "unknown"
