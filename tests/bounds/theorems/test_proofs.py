"""Every statement's proof, built from the statement, checks against the statement itself."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.proof import check
from bounds.theorems import c2_slowdown as c2

WITH_PROOF = [s.id for s in theorems.all() if s.has_proof]


def test_every_result_of_the_library_has_a_proof() -> None:
    assert list(theorems.IDS) == WITH_PROOF


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


def test_wrong_minimiser_is_refuted() -> None:
    # Dropping the factor 2 in mu* = sqrt(2 Delta/(K L S)): the derivative no longer vanishes.
    wrong_mu = sp.sqrt(sy.Delta / (sy.K * sy.L * sy.S))
    regime = {h.name: h.relation for h in c2.STATEMENT.hypotheses if h.kind == "domain"}
    lemma = c2._stationary_lemma(regime)
    start = sp.diff(c2._T1_BOUND, sy.mu).subs(sy.mu, wrong_mu)
    broken = dataclasses.replace(lemma, start=start, target=sp.Eq(start, 0, evaluate=False))
    verdict = check(broken).steps[0]
    assert verdict.status == "refuted", verdict.message
