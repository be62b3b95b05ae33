"""Slack substitution: proves true inequalities, never false ones."""

from __future__ import annotations

import sympy as sp

from bounds.proof.tactics import Goal, positivity

x, y, q = sp.symbols("x y q", positive=True)


def test_interval_bound_is_proved() -> None:
    hyps = (("q<=1", q <= 1),)
    assert positivity.check(Goal(q**2, "<=", q, hyps)).status == "proved"


def test_false_direction_is_refused() -> None:
    hyps = (("q<=1", q <= 1),)
    assert positivity.check(Goal(q, "<=", q**2, hyps)).status == "unknown"


def test_strict_needs_a_strictly_positive_term() -> None:
    assert positivity.check(Goal(x, "<", x + y)).status == "proved"
    hyps = (("y>=x", y >= x),)
    # x <= y is proved but x < y is false at y = x.
    assert positivity.check(Goal(x, "<=", y, hyps)).status == "proved"
    assert positivity.check(Goal(x, "<", y, hyps)).status == "unknown"


def test_strict_one_sided_bound_gives_strict_claim() -> None:
    hyps = (("y>x", y > x),)
    assert positivity.check(Goal(x, "<", y, hyps)).status == "proved"


def test_even_power_of_a_possibly_complex_atom_is_not_non_negative() -> None:
    # log(z) is imaginary for z < 0, so log(z)**2 >= 0 does not follow from its form.
    z = sp.Symbol("z", real=True)
    assert positivity.check(Goal(sp.Integer(0), "<=", sp.log(z) ** 2)).status == "unknown"
    assert positivity.check(Goal(sp.Integer(0), "<=", sp.exp(z) ** 2)).status == "proved"


def test_positive_integer_symbols_are_at_least_one() -> None:
    n = sp.Symbol("n", integer=True, positive=True)
    assert positivity.check(Goal(sp.Integer(1), "<=", n)).status == "proved"
    m = sp.Symbol("m", integer=True, nonnegative=True)
    assert positivity.check(Goal(sp.Integer(1), "<=", m)).status == "unknown"
