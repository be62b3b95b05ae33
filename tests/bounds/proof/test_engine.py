"""The checker: every step under only its cited hypotheses, then the chaining to the target."""

from __future__ import annotations

import sympy as sp

from bounds.proof import check
from bounds.proof.chain import Proof, Step

x = sp.Symbol("x", positive=True)
HYPS = {"x>=1": x >= 1}


def test_valid_chain_is_proved() -> None:
    proof = Proof(
        "demo",
        x,
        (Step("<=", x**2, "positivity", ("x>=1",)), Step("<", x**2 + 1, "positivity")),
        x < x**2 + 1,
        HYPS,
    )
    report = check(proof)
    assert report.status == "proved"
    assert [s.status for s in report.steps] == ["proved", "proved"]
    assert report.chain.status == "proved"


def test_step_without_its_citation_is_not_proved() -> None:
    # x <= x**2 needs x >= 1; not citing it must not let the checker use it.
    proof = Proof("demo", x, (Step("<=", x**2, "positivity"),), x <= x**2, HYPS)
    report = check(proof)
    assert report.steps[0].status == "refuted"
    assert report.steps[0].evidence == {"x": sp.Rational(1, 2)}
    assert report.status == "refuted"


def test_chain_weaker_than_target_is_caught() -> None:
    proof = Proof("demo", x, (Step("<=", x**2, "positivity", ("x>=1",)),), x < x**2, HYPS)
    report = check(proof)
    assert all(s.status == "proved" for s in report.steps)
    assert report.chain.status == "unknown"
    assert "target needs '<'" in report.chain.message


def test_chain_ending_elsewhere_is_caught() -> None:
    proof = Proof("demo", x, (Step("<=", x**2, "positivity", ("x>=1",)),), x <= x**3, HYPS)
    assert check(proof).chain.status == "unknown"


def test_unknown_rule_and_lemma_propagation() -> None:
    lemma = Proof("lemma", x, (Step("<=", x**2, "positivity", ("x>=1",)),), x <= x**2, HYPS)
    main = Proof(
        "main",
        2 * x,
        (Step("<=", 2 * x**2, "monotone", ("lemma",), {"terms": [(2, "lemma")]}),),
        2 * x <= 2 * x**2,
        lemmas=(lemma,),
    )
    assert check(main).status == "proved"
    bogus = Proof("bogus", x, (Step("=", x, "magic"),), sp.Eq(x, x, evaluate=False))
    assert check(bogus).steps[0].status == "unknown"
    assert "unknown rule" in check(bogus).steps[0].message
