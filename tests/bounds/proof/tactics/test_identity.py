"""Exact identity: rational-function cancellation, never sampling."""

from __future__ import annotations

import sympy as sp

from bounds.proof.tactics import Goal, identity

x, y = sp.symbols("x y", positive=True)


def test_rational_identity_is_proved() -> None:
    goal = Goal(1 / x + 1 / y, "=", (x + y) / (x * y))
    assert identity.check(goal).status == "proved"


def test_near_identity_is_not() -> None:
    # Off by x**100/10**300: equal at every float you would sample, still not an identity.
    goal = Goal(1 / x + 1 / y, "=", (x + y) / (x * y) + x**100 / 10**300)
    assert identity.check(goal).status == "unknown"


def test_identity_cannot_prove_strict() -> None:
    assert identity.check(Goal(x, "<", x)).status == "unknown"
