"""Every proof of the library checks end to end, and its conclusion is the stated bound."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from bounds.proof import check, library
from bounds.proof.chain import Step

PROOFS = {proof.name: proof for proof in library.proofs()}


@pytest.mark.parametrize("name", sorted(PROOFS))
def test_proof_checks(name: str) -> None:
    report = check(PROOFS[name])
    failing = [
        (s.index, s.rule, s.message) for s in (*report.steps, report.chain) if s.status != "proved"
    ]
    assert report.status == "proved", failing


@pytest.mark.parametrize("result_id", ["L1", "L2", "L3", "T1", "T2"])
def test_theorem_module_proof_concludes_its_statement(result_id: str) -> None:
    from bounds import theorems

    statement = theorems.get(result_id)
    target = theorems.module_of(statement).proof().target
    assert isinstance(target, sp.LessThan if statement.relation == "<=" else sp.Equality)
    assert sp.cancel(sp.together(target.rhs - statement.bound)) == 0


def test_t1_conclusion_is_spec_bound() -> None:
    from bounds.symbols import Delta, K, L, M, mu, q_min, sigma_q2

    target = PROOFS["T1"].target
    spec = 2 * Delta / (K * mu * q_min) + L * mu * (M + sigma_q2) / q_min
    assert sp.simplify(target.rhs - spec) == 0


def test_lemma3_without_the_stepsize_condition_fails() -> None:
    # Planted bug: drop the stepsize hypothesis from the last step of Lemma 3.
    proof = library.lemma3()
    last = proof.steps[-1]
    uses = tuple(u for u in last.uses if not u.startswith("stepsize"))
    broken = dataclasses.replace(
        proof, steps=(*proof.steps[:-1], Step(last.rel, last.expr, last.rule, uses))
    )
    report = check(broken)
    assert report.steps[-1].status == "refuted"
    assert report.status == "refuted"


def test_lemma1_without_a4_fails() -> None:
    # Planted bug: deterministic rounding breaks A4; without citing it the mean cannot vanish.
    proof = library.lemma1()
    last = proof.steps[-1]
    uses = tuple(u for u in last.uses if not u.startswith("A4"))
    broken = dataclasses.replace(
        proof, steps=(*proof.steps[:-1], dataclasses.replace(last, uses=uses))
    )
    assert check(broken).steps[-1].status != "proved"
