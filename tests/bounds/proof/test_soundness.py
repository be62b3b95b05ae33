"""Soundness: every way the earlier checker proved a false target stays rejected.

Each test builds a proof of a claim that is false (or not established by what the proof
cites) through the public API, and shows the engine refuses it; where it helps, the repaired
proof is shown accepted, so the test cannot pass by refusing everything.
"""

from __future__ import annotations

import sympy as sp

from bounds.proof import (
    Cite,
    Deterministic,
    E,
    Ek,
    Fact,
    Measurable,
    Premises,
    Proof,
    Schema,
    Step,
    check,
)

x = sp.Symbol("x", real=True)
n = sp.Symbol("n", integer=True)
k = sp.Symbol("k", integer=True, positive=True)


def test_equalities_never_prove_a_strict_target() -> None:
    proof = Proof("x < x", x, (Step("=", x, "identity"),), sp.Lt(x, x, evaluate=False))
    report = check(proof)
    assert report.steps[0].status == "proved"
    assert report.chain.status != "proved"
    assert report.status != "proved"


def _count_proof(hypotheses: dict) -> Proof:
    # 0 <= Sum(1, (k, 1, n)) by summing 0 <= 1 over k = 1..n; false at n = -1 (the sum is -1).
    summed = Cite("0 <= 1", over=(sp.Symbol("j", integer=True), 1, n))
    j = sp.Symbol("j", integer=True)
    step = Step("<=", sp.Sum(1, (j, 1, n)), "monotone", (summed,), {"terms": [(1, summed)]})
    facts = {"0 <= 1": sp.Le(0, 1, evaluate=False), **hypotheses}
    return Proof("count", sp.Integer(0), (step,), sp.Le(0, sp.Sum(1, (j, 1, n))), facts)


def test_a_sum_over_a_possibly_reversed_range_is_not_non_negative() -> None:
    assert sp.Sum(1, (k, 1, -1)).doit() == -1  # SymPy's convention: the claim is false
    report = check(_count_proof({}))
    assert report.status != "proved"
    assert "reversed range" in report.steps[0].message
    assert check(_count_proof({"n >= 0": n >= 0})).status == "proved"


def _induction(index: sp.Symbol, start: int, base_at: int) -> Proof:
    a = sp.Function("a", real=True)
    facts = {
        "a(base) <= 1": sp.Le(a(base_at), 1, evaluate=False),
        "a shrinks": Fact(sp.Le(a(index + 1), a(index) / 2, evaluate=False)),
    }
    hypothesis = "IH"
    base = Proof(
        "base",
        a(base_at),
        (
            Step(
                "<=", sp.Integer(1), "monotone", ("a(base) <= 1",), {"terms": [(1, "a(base) <= 1")]}
            ),
        ),
        sp.Le(a(base_at), 1, evaluate=False),
    )
    inductive = Proof(
        "step",
        a(index + 1),
        (
            Step("<=", a(index) / 2, "monotone", ("a shrinks",), {"terms": [(1, "a shrinks")]}),
            Step(
                "<=",
                sp.Integer(1),
                "monotone",
                (hypothesis,),
                {"terms": [(sp.Rational(1, 2), hypothesis)]},
            ),
        ),
        sp.Le(a(index + 1), 1, evaluate=False),
        {hypothesis: sp.Le(a(index), 1, evaluate=False)},
    )
    hint = {
        "index": index,
        "start": start,
        "sequence": sp.Lambda(index, a(index)),
        "bound": sp.Lambda(index, sp.Integer(1)),
        "base": "base",
        "step": "step",
    }
    step = Step("<=", sp.Integer(1), "induction", ("base", "step"), hint)
    premises = Premises(
        {
            "a(base) <= 1": Fact(facts["a(base) <= 1"]),
            "a shrinks": Fact(facts["a shrinks"].claim, Schema(index, sp.Integer(1)))
            if index.is_integer
            else Fact(facts["a shrinks"].claim),
        }
    )
    claim = sp.Le(a(index), 1, evaluate=False)
    return Proof("induction", a(index), (step,), claim, lemmas=(base, inductive)), premises, claim


def test_induction_from_its_true_start_is_accepted() -> None:
    proof, premises, claim = _induction(k, 1, 1)
    assert check(proof, premises, claim).status == "proved"


def test_induction_base_elsewhere_does_not_cover_the_claim() -> None:
    # A base case at 2 says nothing about k = 1: with start 2 the claim for k >= 1 is not covered.
    proof, premises, claim = _induction(k, 2, 2)
    report = check(proof, premises, claim)
    assert report.status != "proved"
    assert "k >= 2 is not shown" in report.steps[0].message
    # And a base case at 2 cannot stand in for the start 1.
    proof, premises, claim = _induction(k, 1, 2)
    assert check(proof, premises, claim).status != "proved"


def test_induction_needs_an_integer_index() -> None:
    t = sp.Symbol("t", real=True)
    proof, premises, claim = _induction(t, 1, 1)
    report = check(proof, premises, claim)
    assert report.status != "proved"
    assert "integer symbol" in report.steps[0].message


def test_a_lemma_hypothesis_is_discharged_where_the_lemma_is_used() -> None:
    absurd = sp.Le(x, x - 1, evaluate=False)
    lemma = Proof(
        "absurd",
        x,
        (Step("<=", x - 1, "monotone", ("x <= x - 1",), {"terms": [(1, "x <= x - 1")]}),),
        absurd,
        {"x <= x - 1": absurd},
    )
    assert check(lemma).status == "proved"  # as "x <= x - 1 => x <= x - 1": fine
    parent = Proof(
        "parent",
        x,
        (Step("<=", x - 1, "monotone", ("absurd",), {"terms": [(1, "absurd")]}),),
        absurd,
        lemmas=(lemma,),
    )
    report = check(parent)
    assert report.status != "proved"
    assert "is not shown by the facts here" in report.steps[0].message


def test_a_hint_cannot_make_a_quantity_measurable() -> None:
    g = sp.Symbol("g", real=True)
    hint = {"measurable": (g,), "deterministic": (g,)}
    claim = sp.Eq(Ek(g**2), Ek(g) ** 2, evaluate=False)
    proof = Proof("jensen gap", Ek(g**2), (Step("=", Ek(g) ** 2, "expectation", (), hint),), claim)
    assert check(proof).status != "proved"
    declared = Proof(
        "declared",
        Ek(g**2),
        (Step("=", Ek(g) ** 2, "expectation", ("g measurable",)),),
        claim,
        {"g measurable": Measurable(g)},
    )
    assert check(declared).status == "proved"


def test_definitions_must_introduce_fresh_plain_names() -> None:
    y = sp.Symbol("y", real=True)
    claim = sp.Eq(x + 1, x + 1, evaluate=False)
    proof = Proof(
        "def",
        x + 1,
        (Step("=", y, "identity", ("def",)), Step("=", x + 1, "identity", ("def",))),
        claim,
    )
    fresh = Premises({"def": Fact(sp.Eq(y, x + 1), definition=True)})
    report = check(proof, fresh, claim)
    assert report.problems == ()
    assert report.status == "proved"
    # The defined name occurs in another premise: the "definition" is a constraint.
    clash = Premises(
        {
            "def": Fact(sp.Eq(y, x + 1), definition=True),
            "y small": Fact(sp.Le(y, 0, evaluate=False)),
        }
    )
    assert any("not a new name" in p for p in check(proof, clash).problems)
    # A defined symbol with assumptions asserts them: rho = 1 - a with rho > 0 says a < 1.
    rho = sp.Symbol("rho", positive=True)
    loaded = Premises({"def": Fact(sp.Eq(rho, 1 - x), definition=True)})
    assert any("assumptions" in p for p in check(proof, loaded).problems)


def test_a_schema_fact_about_one_step_stays_at_its_step() -> None:
    z = sp.Symbol("z", real=True)
    step = Schema(k, sp.Integer(1), None, (z,), "step")
    premises = Premises({"z <= k": Fact(sp.Le(z, k, evaluate=False), step)})
    here = Proof(
        "here",
        z,
        (Step("<=", k, "monotone", ("z <= k",), {"terms": [(1, "z <= k")]}),),
        sp.Le(z, k),
    )
    assert check(here, premises, sp.Le(z, k)).status == "proved"
    moved = Cite("z <= k", at={k: sp.Integer(1)})
    there = Proof(
        "there",
        z,
        (Step("<=", sp.Integer(1), "monotone", (moved,), {"terms": [(1, moved)]}),),
        sp.Le(z, 1),
    )
    report = check(there, premises, sp.Le(z, 1))
    assert report.status != "proved"
    assert "quantities of one step" in report.steps[0].message


def test_instantiation_respects_declared_domains() -> None:
    p = sp.Symbol("p", positive=True)
    lemma = Proof("sqrt", sp.Integer(0), (Step("<", p, "positivity"),), sp.Lt(0, p, evaluate=False))
    cite = Cite("sqrt", at={p: x})
    parent = Proof(
        "parent",
        sp.Integer(0),
        (Step("<", x, "monotone", (cite,), {"terms": [(1, cite)]}),),
        sp.Lt(0, x),
        lemmas=(lemma,),
    )
    report = check(parent)
    assert report.status != "proved"
    assert "does not meet the domain" in report.steps[0].message


def test_a_fact_about_a_given_index_cannot_be_summed() -> None:
    a = sp.Function("a", real=True)
    facts = {"a(k) <= 0": sp.Le(a(k), 0, evaluate=False)}
    summed = Cite("a(k) <= 0", over=(k, 1, 3))
    proof = Proof(
        "sum",
        sp.Sum(a(k), (k, 1, 3)),
        (Step("<=", sp.Integer(0), "monotone", (summed,), {"terms": [(1, summed)]}),),
        sp.Le(sp.Sum(a(k), (k, 1, 3)), 0),
        facts,
    )
    report = check(proof)
    assert report.status != "proved"
    assert "not a statement for all of them" in report.steps[0].message


def test_expectations_need_declared_constants() -> None:
    c = sp.Symbol("c", real=True)
    claim = sp.Eq(E(c * x), c * E(x), evaluate=False)
    bare = Proof("pull out", E(c * x), (Step("=", c * E(x), "expectation"),), claim)
    assert check(bare).status != "proved"
    declared = Proof(
        "pull out",
        E(c * x),
        (Step("=", c * E(x), "expectation", ("c is a number",)),),
        claim,
        {"c is a number": Deterministic(c)},
    )
    assert check(declared).status == "proved"


def test_a_real_variable_takes_only_real_values() -> None:
    r = sp.Symbol("r", real=True)
    lemma = Proof(
        "square", sp.Integer(0), (Step("<=", r**2, "sos"),), sp.Le(0, r**2, evaluate=False)
    )
    z = sp.Symbol("z", real=True)
    cite = Cite("square", at={r: sp.sqrt(z)})  # imaginary for z < 0, where the claim fails
    parent = Proof(
        "parent",
        sp.Integer(0),
        (Step("<=", z, "monotone", (cite,), {"terms": [(1, cite)]}),),
        sp.Le(0, z, evaluate=False),
        lemmas=(lemma,),
    )
    report = check(parent)
    assert report.status != "proved"
    assert "does not meet the domain" in report.steps[0].message
