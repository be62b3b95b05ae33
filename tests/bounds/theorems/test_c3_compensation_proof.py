"""C3's proof: T1's argument at the nominal stepsize mu/q_min, under the compensated condition."""

from __future__ import annotations

import sympy as sp

from bounds.proof import check
from bounds.symbols import M_G, L, grad_norm2, mu, q_k, q_min
from bounds.theorems import _fixed_step as fs
from bounds.theorems import c3_compensation as c3
from tests.bounds.theorems._proofs import assert_proves_statement


def test_proof_checks_and_concludes_the_statement() -> None:
    assert_proves_statement(c3.proof(), c3.STATEMENT)


def test_descent_under_uncompensated_condition_is_refuted() -> None:
    # Keeping T1's condition mu <= 1/(L M_G) while stepping with mu/q_min: Lemma 3's last step
    # then overshoots (the nominal stepsize exceeds 1/(L M_G) when q_min < 1).
    wrong = {"positive stepsize": mu > 0, "compensated stepsize condition": mu <= 1 / (L * M_G)}
    factor = L * M_G * mu * q_k**2 * grad_norm2 / (2 * q_min**2)
    lemma = fs.descent(
        "wrong", c3.NOMINAL_STEPSIZE, wrong, "compensated stepsize condition", factor
    )
    verdict = check(lemma).steps[-1]
    assert verdict.status == "refuted", verdict.message
    point = verdict.evidence
    assert point["q_min"] < 1
    previous, claimed = lemma.steps[-2].expr, lemma.steps[-1].expr
    values = {s: point[s.name] for s in (claimed - previous).free_symbols}
    assert sp.Rational((claimed - previous).xreplace(values)) < 0
    for name in lemma.steps[-1].uses:
        hyp = lemma.hypotheses[name]
        assert bool(hyp.xreplace({s: point[s.name] for s in hyp.free_symbols})), name
