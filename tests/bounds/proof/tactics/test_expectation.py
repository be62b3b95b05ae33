"""Expectation rules: linearity and measurable factors always; moment facts only when cited."""

from __future__ import annotations

import sympy as sp

from bounds.proof.expectation import E, Ek
from bounds.proof.tactics import Goal, expectation

q, mu = sp.symbols("q mu", positive=True)
g, eps, G = sp.symbols("g eps G", real=True)
HINT = {"measurable": (q, mu, G), "deterministic": (mu,)}


def test_linearity_and_measurable_factor() -> None:
    goal = Goal(Ek(mu * q * g + eps), "=", mu * q * Ek(g) + Ek(eps), (), HINT)
    assert expectation.check(goal).status == "proved"


def test_random_factor_is_not_pulled_out() -> None:
    # E[g * eps] = E[g] E[eps] is false in general (g, eps random).
    goal = Goal(Ek(g * eps), "=", Ek(g) * Ek(eps), (), HINT)
    assert expectation.check(goal).status == "unknown"


def test_tower_property() -> None:
    goal = Goal(E(Ek(q * g)), "=", E(q * g), (), HINT)
    assert expectation.check(goal).status == "proved"


def test_zero_mean_only_under_its_hypothesis() -> None:
    cited = (("A4", sp.Eq(Ek(eps), 0)),)
    assert expectation.check(Goal(Ek(q * g + eps), "=", q * Ek(g), cited, HINT)).status == (
        "proved"
    )
    assert expectation.check(Goal(Ek(q * g + eps), "=", q * Ek(g), (), HINT)).status == "unknown"
