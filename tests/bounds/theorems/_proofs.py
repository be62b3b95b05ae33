"""Shared checks for the theorem-proof tests: every step proved, chain matched to the statement."""

from __future__ import annotations

import sympy as sp

from bounds.proof import Proof, ProofReport, StepResult, check
from bounds.proof.chain import relation_of
from bounds.statement import Statement


def all_results(report: ProofReport) -> list[StepResult]:
    """Every step and chaining verdict of ``report`` and of its lemmas, depth first."""
    results: list[StepResult] = []
    for lemma in report.lemmas:
        results += all_results(lemma)
    return [*results, *report.steps, report.chain]


def assert_proves_statement(proof: Proof, statement: Statement) -> ProofReport:
    """``proof`` checks step by step and concludes ``statement.bound`` under its hypotheses."""
    report = check(proof)
    unproved = [(r.claim, r.status, r.message) for r in all_results(report) if r.status != "proved"]
    assert not unproved, unproved
    assert report.status == "proved"
    _, rel, rhs = relation_of(proof.target)
    assert rel == "<="
    assert sp.simplify(rhs - statement.bound) == 0
    cited = set(proof.hypotheses.values())
    missing = [h.name for h in statement.hypotheses if h.relation not in cited]
    assert not missing, f"statement hypotheses not among the proof's: {missing}"
    return report
