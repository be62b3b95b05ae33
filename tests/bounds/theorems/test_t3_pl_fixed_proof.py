"""T3's proof: the recursion from Lemma 3 and PL, unrolled by induction on k."""

from __future__ import annotations

import sympy as sp
from sympy.core.function import AppliedUndef

from bounds import symbols as sy
from bounds.proof import check
from bounds.theorems import t3_pl_fixed as t3
from tests.bounds.theorems._proofs import assert_proves_statement


def test_proof_checks_and_concludes_the_statement() -> None:
    report = assert_proves_statement(t3.proof(), t3.STATEMENT)
    assert report.steps[0].rule == "induction"


def test_full_precision_contraction_is_refuted() -> None:
    # The recursion does not give the full-precision contraction 1 - mu c when q_min < 1.
    lemma = t3._step_lemma(contraction=1 - sy.mu * sy.c)
    verdict = check(lemma).steps[0]
    assert verdict.status == "refuted", verdict.message
    point = verdict.evidence
    assert all(isinstance(v, sp.Rational) for v in point.values())
    assert point["q_min"] < 1
    # Exact re-check: the recursion's bound holds with equality there, the claim fails.
    previous = lemma.lemmas[0].target.rhs
    claimed = lemma.steps[0].expr
    difference = claimed - previous
    gaps = {a: point[str(a)] for a in difference.atoms(AppliedUndef)}
    value = difference.xreplace(gaps)
    value = value.xreplace({s: point[s.name] for s in value.free_symbols})
    assert value < 0
