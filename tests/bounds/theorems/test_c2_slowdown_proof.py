"""C2's proof: T1's argument for the run with mu = mu*, and the calculus that makes mu* optimal."""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from bounds import symbols as sy
from bounds.proof import check
from bounds.theorems import c2_slowdown as c2
from tests.bounds.theorems._proofs import assert_proves_statement


def test_proof_checks_and_concludes_the_statement() -> None:
    report = assert_proves_statement(c2.proof(), c2.STATEMENT)
    names = {lemma.name for lemma in report.lemmas}
    assert {"C2: derivative zero at mu*", "C2: second derivative positive"} <= names


def test_wrong_minimiser_is_refuted() -> None:
    # Dropping the factor 2 in mu* = sqrt(2 Delta/(K L S)): the derivative no longer vanishes.
    wrong_mu = sp.sqrt(sy.Delta / (sy.K * sy.L * sy.S))
    lemma = c2._stationary_lemma()
    start = sp.diff(c2._T1_BOUND, sy.mu).subs(sy.mu, wrong_mu)
    broken = replace(lemma, start=start, target=sp.Eq(start, 0, evaluate=False))
    verdict = check(broken).steps[0]
    assert verdict.status == "refuted", verdict.message
    point = verdict.evidence
    values = {s: point[s.name] for s in start.free_symbols}
    assert start.xreplace(values) != 0


def test_bound_at_a_stepsize_over_the_cap_is_not_proved() -> None:
    # Without the noise-dominated regime, mu = mu* need not meet T1's stepsize condition.
    lemma = c2._stepsize_lemma()
    hypotheses = dict(lemma.hypotheses)
    del hypotheses["noise-dominated regime"]
    verdict = check(replace(lemma, hypotheses=hypotheses)).steps[-1]
    assert verdict.status != "proved"
