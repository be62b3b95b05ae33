"""Monotonicity: cited inequalities times factors proved non-negative."""

from __future__ import annotations

import sympy as sp

from bounds.proof.tactics import Goal, monotone

a, b, f = sp.symbols("a b f", real=True)
t = sp.Symbol("t", positive=True)


def test_multiply_by_positive_factor() -> None:
    hyps = (("a<=b", a <= b),)
    goal = Goal(t * a, "<=", t * b, hyps, {"terms": [(t, "a<=b")]})
    assert monotone.check(goal).status == "proved"


def test_factor_of_unknown_sign_is_refused() -> None:
    # f*a <= f*b is false for f < 0: the factor's sign must be proved, not assumed.
    hyps = (("a<=b", a <= b),)
    goal = Goal(f * a, "<=", f * b, hyps, {"terms": [(f, "a<=b")]})
    assert monotone.check(goal).status == "unknown"


def test_uncited_hypothesis_is_refused() -> None:
    goal = Goal(a, "<=", b, (), {"terms": [(1, "a<=b")]})
    assert monotone.check(goal).status == "unknown"
