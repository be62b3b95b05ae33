"""Expectation rules: linearity and measurable factors always; moment facts only when cited."""

from __future__ import annotations

import sympy as sp

from bounds.proof.expectation import E, Ek
from bounds.proof.facts import Deterministic, Measurable
from bounds.proof.tactics import Goal, expectation

q, mu = sp.symbols("q mu", positive=True)
g, eps, G = sp.symbols("g eps G", real=True)
KNOWN = (("q, G measurable", Measurable(q, G)), ("mu deterministic", Deterministic(mu)))


def test_linearity_and_measurable_factor() -> None:
    goal = Goal(Ek(mu * q * g + eps), "=", mu * q * Ek(g) + Ek(eps), KNOWN)
    assert expectation.check(goal).status == "proved"


def test_nothing_is_known_unless_a_cited_fact_says_so() -> None:
    # Without the declarations, q and mu stay inside E_k: the step is not proved.
    goal = Goal(Ek(mu * q * g + eps), "=", mu * q * Ek(g) + Ek(eps))
    assert expectation.check(goal).status == "unknown"


def test_a_hint_cannot_declare_measurability() -> None:
    # The old engine took {"measurable": (g,)} from the hint and proved E_k[g²] = E_k[g]².
    goal = Goal(Ek(g**2), "=", Ek(g) ** 2, (), {"measurable": (g,), "deterministic": (g,)})
    assert expectation.check(goal).status == "unknown"


def test_random_factor_is_not_pulled_out() -> None:
    # E[g * eps] = E[g] E[eps] is false in general (g, eps random).
    goal = Goal(Ek(g * eps), "=", Ek(g) * Ek(eps), KNOWN)
    assert expectation.check(goal).status == "unknown"


def test_tower_property() -> None:
    goal = Goal(E(Ek(q * g)), "=", E(q * g), KNOWN)
    assert expectation.check(goal).status == "proved"


def test_zero_mean_only_under_its_hypothesis() -> None:
    cited = (*KNOWN, ("A4", sp.Eq(Ek(eps), 0)))
    assert expectation.check(Goal(Ek(q * g + eps), "=", q * Ek(g), cited)).status == "proved"
    assert expectation.check(Goal(Ek(q * g + eps), "=", q * Ek(g), KNOWN)).status == "unknown"
