"""C1's proof: T1's argument with exact arithmetic, and T1-T4 reduced to the reference."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from bounds.proof import check
from bounds.theorems import c1_full_precision as c1
from tests.bounds.theorems._proofs import assert_proves_statement


def test_proof_checks_and_concludes_the_statement() -> None:
    report = assert_proves_statement(c1.proof(), c1.STATEMENT)
    reductions = [lemma for lemma in report.lemmas if "at full precision is" in lemma.name]
    assert len(reductions) == 4
    assert all(lemma.status == "proved" for lemma in reductions)


def test_reduction_without_the_substitution_is_refuted() -> None:
    # At low precision (q_min < 1 or sigma_q2 > 0) T1 is not the reference's Theorem 4.8.
    reduction = c1.REDUCTIONS[0]
    lemma = c1._reduction_lemma(reduction)
    start = reduction.ours.bound
    broken = replace(lemma, start=start, target=sp.Eq(start, lemma.steps[0].expr, evaluate=False))
    verdict = check(broken).steps[0]
    assert verdict.status == "refuted", verdict.message
    point = verdict.evidence
    # Every value is a plain symbol's (T1's bound has no opaque atoms), so the point is real.
    difference = start - lemma.steps[0].expr
    assert {s.name for s in difference.free_symbols} <= set(point)
    assert difference.xreplace({s: point[s.name] for s in difference.free_symbols}) != 0
