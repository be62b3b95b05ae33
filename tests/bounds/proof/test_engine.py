"""The checker: every step under only its cited facts, lemmas where used, then the chaining."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds.proof import Premises, Proof, Step, check

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
    assert report.used == ("x>=1",)


def test_step_without_its_citation_is_refused_with_a_genuine_point() -> None:
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


def test_lemma_is_used_only_where_its_hypotheses_are_discharged() -> None:
    lemma = Proof("lemma", x, (Step("<=", x**2, "positivity", ("x>=1",)),), x <= x**2, HYPS)
    main = Proof(
        "main",
        2 * x,
        (Step("<=", 2 * x**2, "monotone", ("lemma",), {"terms": [(2, "lemma")]}),),
        2 * x <= 2 * x**2,
        HYPS,
        lemmas=(lemma,),
    )
    assert check(main).status == "proved"
    # Without x >= 1 in the citing proof the lemma's hypothesis cannot be discharged.
    orphan = Proof("orphan", main.start, main.steps, main.target, {}, lemmas=(lemma,))
    report = check(orphan)
    assert report.status != "proved"
    assert "premise 'x>=1' of 'lemma'" in report.steps[0].message


def test_unknown_rule_and_unknown_fact_are_named() -> None:
    bogus = Proof("bogus", x, (Step("=", x, "magic"),), sp.Eq(x, x, evaluate=False))
    assert check(bogus).steps[0].status == "unknown"
    assert "unknown rule" in check(bogus).steps[0].message
    undeclared = Proof("undeclared", x, (Step("<=", x**2, "positivity", ("x>=2",)),), x <= x**2)
    message = check(undeclared).steps[0].message
    assert "'x>=2'" in message
    assert "not a hypothesis" in message


def test_against_premises_the_proof_may_not_add_hypotheses() -> None:
    proof = Proof("demo", x, (Step("<=", x**2, "positivity", ("x>=1",)),), x <= x**2, HYPS)
    report = check(proof, Premises.closed({}), x <= x**2)
    assert report.status != "proved"
    assert any("does not declare" in p for p in report.problems)
    assert check(proof, Premises.closed(HYPS), x <= x**2).status == "proved"


def test_against_a_claim_the_conclusion_must_be_it() -> None:
    proof = Proof("demo", x, (Step("<=", x**2, "positivity", ("x>=1",)),), x <= x**2, HYPS)
    report = check(proof, Premises.closed(HYPS), x <= x**3)
    assert report.status != "proved"
    assert any("statement claims" in p for p in report.problems)


def test_a_refuted_target_skips_the_search_over_products_of_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The refutation gate before degree 2: a false target ends there, a true one goes on."""
    from bounds.proof import engine
    from bounds.proof.tactics import Goal, TacticResult, products

    beta, gamma, L, M_G = sp.symbols("beta gamma L M_G", positive=True)
    facts = (("cap doubled", sp.Le(beta / (gamma + 1), 2 / (L * M_G))),)
    degrees = []
    real_check = products.check

    def counting(goal: Goal) -> TacticResult:
        degrees.append(goal.hint["degree"])
        return real_check(goal)

    monkeypatch.setattr(products, "check", counting)
    false_target = sp.Le(beta / (gamma + 1), 1 / (L * M_G))
    assert engine._refuted(*engine.relation_of(false_target), facts)
    assert engine.auto_prove(false_target, facts) is None
    assert 2 not in degrees
    # a true target is never refuted, and goes on to be proved
    x, y = sp.symbols("x y", real=True)
    pair = (("x >= 1", sp.Ge(x, 1)), ("y >= 1", sp.Ge(y, 1)))
    true_target = sp.Ge(x * y, 1)
    assert not engine._refuted(*engine.relation_of(true_target), pair)
    assert engine.auto_prove(true_target, pair) is not None
