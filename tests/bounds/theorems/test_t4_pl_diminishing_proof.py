"""T4's proof: induction on k with nu, the step from the recursion at mu_k = beta/(gamma + k)."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from bounds import symbols as sy
from bounds.proof import check
from bounds.theorems import t4_pl_diminishing as t4
from tests.bounds.theorems._proofs import assert_proves_statement


def test_proof_checks_and_concludes_the_statement() -> None:
    report = assert_proves_statement(t4.proof(), t4.STATEMENT)
    assert report.steps[0].rule == "induction"
    assert {lemma.name for lemma in report.lemmas} == {"T4: base case", "T4: inductive step"}


def test_step_with_full_precision_slope_is_refuted() -> None:
    # A schedule tuned for full precision: beta > 1/c and nu's noise branch with beta c - 1.
    lemma = t4._step_lemma()
    hypotheses = dict(lemma.hypotheses)
    hypotheses["slope condition"] = sy.beta > 1 / sy.c
    noise = sy.beta**2 * sy.L * sy.S / (2 * (sy.beta * sy.c - 1))
    hypotheses["max: nu >= noise branch"] = t4._nu >= noise
    broken = replace(lemma, hypotheses=hypotheses)
    report = check(broken)
    assert report.status != "proved"
    verdict = report.steps[3]  # the step that uses nu's noise branch
    assert verdict.status == "refuted", verdict.message
    point = verdict.evidence
    assert all(isinstance(v, sp.Rational) for v in point.values())
    # Re-check exactly: beta > 1/c holds, yet beta c q_min <= 1 at the counterexample or the
    # claimed inequality fails there.
    values = {s: point[s.name] for s in (broken.steps[3].expr - broken.steps[2].expr).free_symbols}
    assert (broken.steps[3].expr - broken.steps[2].expr).xreplace(values) < 0
    assert point["beta"] * point["c"] > 1
