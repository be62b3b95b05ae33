"""Every statement's proof, built from the statement, checks against the statement itself."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.proof import check
from bounds.theorems import c2_slowdown as c2
from bounds.theorems import l3_known_q, l3_matrix, l3_sharp, t3_sharp

WITH_PROOF = [s.id for s in theorems.with_variants() if s.has_proof]
#: The one-step lemmas the refined proofs cite (checked statements, not library entries).
LEMMAS = {"L3.sharp": l3_sharp, "L3.matrix": l3_matrix, "L3.known_q": l3_known_q}


def test_every_result_of_the_library_has_a_proof() -> None:
    assert [i for i in WITH_PROOF if i in theorems.IDS] == list(theorems.IDS)
    assert [i for i in WITH_PROOF if i not in theorems.IDS] == list(theorems.REFINED_IDS)


@pytest.mark.parametrize("lemma_id", LEMMAS)
def test_one_step_lemmas_of_the_refined_proofs_check(lemma_id: str) -> None:
    statement = LEMMAS[lemma_id].STATEMENT
    assert statement.id == lemma_id
    report = statement.check()
    assert report.status == "proved", report.failures()
    assert set(report.used) <= set(statement.premises().facts)


@pytest.mark.parametrize("result_id", WITH_PROOF)
def test_proof_checks_against_its_statement(result_id: str) -> None:
    statement = theorems.get(result_id)
    report = statement.check()
    failures = [(name, s.index, s.rule, s.message) for name, s in report.failures()]
    assert report.problems == ()
    assert report.status == "proved", failures
    # The engine compared the conclusion with the statement; say it here too.
    proof = statement.proof()
    assert sp.simplify(proof.target.rhs - statement.bound) == 0
    assert sp.simplify(proof.target.lhs - statement.quantity_expr) == 0


@pytest.mark.parametrize("result_id", WITH_PROOF)
def test_proof_uses_only_declared_facts(result_id: str) -> None:
    statement = theorems.get(result_id)
    report = statement.check()
    declared = set(statement.premises().facts)
    assert set(report.used) <= declared


def test_variants_without_proof_are_not_claimed_proved() -> None:
    for variant in theorems.get("T2").variants:
        assert not variant.has_proof
        with pytest.raises(ValueError, match="no checked proof"):
            variant.proof()


def test_a_changed_statement_is_checked_as_changed() -> None:
    t1 = theorems.get("T1")
    false = dataclasses.replace(t1, bound=t1.bound.subs(sy.Delta, sy.Delta / 2))
    report = false.check()
    assert report.status != "proved"
    assert report.failures()[-1][1].rule == "positivity"


# Planted: refined statements made false in the way their sharpening could go wrong; the
# proof, rebuilt from the changed statement, must not check. (The witnessed mutants of
# tests/bounds/theorems/test_mutations.py also cover every refined statement; the edits kept
# here are the ones no mutant there makes: the sharpened factors themselves.)
FALSE_REFINED = {
    # the descent factor 2 - L mu M_G q_min replaced by 2 (T1 halved)
    "T1.sharp": lambda s: s.bound.subs(s.extra("descent factor"), 2),
    # the floor halved (the factor 2 - L mu M_G q_min taken as 4). A faster contraction than
    # proved (L mu M_G q_min dropped) is not proved either, but deciding the last step of the
    # induction then takes the positivity tactic minutes (rho^(k-1) against another power).
    "T3.sharp": lambda s: s.bound.subs(t3_sharp.FLOOR, t3_sharp.FLOOR / 2),
    # the weights' smallest factor 2 - L M_G q_min mu_max replaced by 2
    "T2.sharp": lambda s: s.bound.subs(sy.mu_max, 0),
    # T4.sharp's nu over gamma + k + 1 instead of gamma + k
    "T4.sharp": lambda s: s.bound * (sy.gamma + sy.k) / (sy.gamma + sy.k + 1),
}


@pytest.mark.parametrize("result_id", FALSE_REFINED)
def test_a_false_refined_statement_does_not_check(result_id: str) -> None:
    statement = theorems.get(result_id)
    false_bound = FALSE_REFINED[result_id](statement)
    assert sp.simplify(false_bound - statement.bound) != 0
    false = dataclasses.replace(statement, bound=false_bound)
    assert false.check().status != "proved"


def test_wrong_minimiser_is_refuted() -> None:
    # Dropping the factor 2 in mu* = sqrt(2 Delta/(K L S)): the derivative no longer vanishes.
    wrong_mu = sp.sqrt(sy.Delta / (sy.K * sy.L * sy.S))
    regime = {h.name: h.relation for h in c2.STATEMENT.hypotheses if h.kind == "domain"}
    lemma = c2._stationary_lemma(regime)
    start = sp.diff(c2._T1_BOUND, sy.mu).subs(sy.mu, wrong_mu)
    broken = dataclasses.replace(lemma, start=start, target=sp.Eq(start, 0, evaluate=False))
    verdict = check(broken).steps[0]
    assert verdict.status == "refuted", verdict.message
