"""C4's proof: Assumption 4.3 for ĝ_k, the reference's Lemma 4.4, Theorem 4.8's summation."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from bounds.proof import check
from bounds.symbols import M_G, L, mu
from bounds.theorems import c4_reduction as c4
from bounds.theorems._fixed_step import SHRINKAGE
from tests.bounds.theorems._proofs import assert_proves_statement


def test_proof_checks_and_concludes_the_statement() -> None:
    report = assert_proves_statement(c4.proof(), c4.STATEMENT)
    names = {lemma.name for lemma in report.lemmas}
    assert "C4: Lemma 4.4 of the reference (total expectation)" in names


def test_descent_under_t1_cap_is_refuted() -> None:
    # Bottou et al.'s Lemma 4.4 needs their cap q_min/(L M_G); with T1's cap 1/(L M_G) in its
    # place, the step that absorbs the M_G term fails for q_min < 1.
    lemma = c4._descent_lemma({"reference stepsize condition": mu <= 1 / (L * M_G)})
    last = replace(lemma.steps[-1], uses=(*lemma.steps[-1].uses, *SHRINKAGE))
    broken = replace(lemma, steps=(*lemma.steps[:-1], last))
    verdict = check(broken).steps[-1]
    assert verdict.status == "refuted", verdict.message
    point = verdict.evidence
    assert all(isinstance(v, sp.Rational) for v in point.values())
    assert point["q_min"] < 1
    # Re-check in exact rationals: the cited hypotheses hold, the step's claim fails.
    previous = lemma.steps[-2].expr
    values = {s: point[s.name] for s in (previous - last.expr).free_symbols}
    assert (last.expr - previous).xreplace(values) < 0
    for name in last.uses:
        hyp = broken.hypotheses[name]
        assert bool(hyp.xreplace({s: point[s.name] for s in hyp.free_symbols})), name
