"""The checker: verifies every step of a :class:`~bounds.proof.chain.Proof` and the chaining."""

from __future__ import annotations

import time

import sympy as sp

from bounds.proof import refute
from bounds.proof.chain import (
    Proof,
    ProofReport,
    Relation,
    Status,
    StepResult,
    compose,
    implies,
    make_relational,
    relation_of,
)
from bounds.proof.tactics import Goal, TacticResult, registry
from bounds.proof.tactics.identity import canonical, is_zero


def check_step(goal: Goal, rule: str) -> TacticResult:
    """Run ``rule`` on ``goal``; if it does not prove it, look for a counterexample."""
    tactics = registry()
    if rule not in tactics:
        return TacticResult("unknown", None, f"unknown rule {rule!r}; known: {sorted(tactics)}")
    result = tactics[rule](goal)
    if result.status == "proved":
        return result
    # Refute the canonical form: linearity of E/Sum always holds, so atoms such as E(a + b)
    # must not be sampled independently of E(a) and E(b).
    hyps = tuple((name, _canonical_relation(h, goal.hint)) for name, h in goal.hypotheses)
    counterexample = refute.search(
        canonical(goal.lhs, goal.hint), goal.rel, canonical(goal.rhs, goal.hint), hyps
    )
    if counterexample is not None:
        return TacticResult("refuted", counterexample, "counterexample (exact rationals)")
    return result


def _canonical_relation(hyp: sp.Basic, hint: object) -> sp.Basic:
    if hyp is sp.true:
        return hyp
    lhs, rel, rhs = relation_of(hyp)
    return make_relational(canonical(lhs, hint), rel, canonical(rhs, hint))


def check(proof: Proof) -> ProofReport:
    """Check ``proof``: its lemmas, each step under the hypotheses it cites, and the chaining.

    A lemma's target becomes a hypothesis (named after the lemma) only if the lemma is proved.
    """
    started = time.perf_counter()
    hypotheses = dict(proof.hypotheses)
    lemma_reports = []
    for lemma in proof.lemmas:
        lemma_report = check(lemma)
        lemma_reports.append(lemma_report)
        if lemma_report.status == "proved":
            hypotheses[lemma.name] = lemma.target
    results = []
    previous = proof.start
    relation: Relation = "="
    for index, step in enumerate(proof.steps, start=1):
        t0 = time.perf_counter()
        claim = str(make_relational(previous, step.rel, step.expr))
        missing = [name for name in step.uses if name not in hypotheses]
        if missing:
            verdict = TacticResult("unknown", None, f"cites unknown or unproved {missing}")
        else:
            cited = tuple((name, hypotheses[name]) for name in step.uses)
            goal = Goal(previous, step.rel, step.expr, cited, step.hint)
            verdict = check_step(goal, step.rule)
        results.append(
            StepResult(
                index,
                claim,
                step.rule,
                verdict.status,
                verdict.evidence,
                verdict.message or step.note,
                time.perf_counter() - t0,
            )
        )
        relation = compose(relation, step.rel)
        previous = step.expr
    chain_result = _check_chain(proof, previous, relation)
    return ProofReport(
        proof.name,
        str(proof.target),
        tuple(results),
        tuple(lemma_reports),
        chain_result,
        time.perf_counter() - started,
    )


def _check_chain(proof: Proof, final: sp.Expr, relation: Relation) -> StepResult:
    t0 = time.perf_counter()
    lhs, rel, rhs = relation_of(proof.target)
    problems = []
    if not is_zero(proof.start - lhs):
        problems.append(f"chain starts at {proof.start}, target's left side is {lhs}")
    if not is_zero(final - rhs):
        problems.append(f"chain ends at {final}, target's right side is {rhs}")
    if not implies(relation, rel):
        problems.append(f"chain gives '{relation}', target needs '{rel}'")
    status: Status = "unknown" if problems else "proved"
    message = "; ".join(problems) or f"e_0 {relation} e_n is the target {proof.target}"
    return StepResult(
        len(proof.steps) + 1,
        f"chain => {proof.target}",
        "chain",
        status,
        None,
        message,
        time.perf_counter() - t0,
    )
