"""Exact identity: ``rhs - lhs`` is the zero rational function, after the cited rewrites.

Both sides are put in canonical form (:mod:`bounds.proof.canonical`: sums split, expectations
pushed in as far as the cited declarations allow); every cited equation ``atom = value``
(a definition, a model equation, a conditional moment such as A4's ``Ek(eps_g) = 0``) rewrites
its atom; then ``cancel`` of ``together`` decides the difference exactly.
"""

from __future__ import annotations

import sympy as sp

from bounds.proof.canonical import cancel, canonical, rewrite_rules, substitute
from bounds.proof.tactics import Goal, TacticResult


def reduced_difference(goal: Goal) -> tuple[sp.Expr, list[str]]:
    """``rhs - lhs`` in canonical form after the cited rewrites, and the rewrites' names."""
    knowledge = goal.knowledge
    rules = rewrite_rules((c for _, c in goal.hypotheses), knowledge)
    used = [
        name
        for name, claim in goal.hypotheses
        if isinstance(claim, sp.Equality) and any(claim.lhs == lhs for lhs in rules)
    ]
    diff = canonical(goal.difference, knowledge)
    for _ in range(4):
        # Rewrites may expose new expectation atoms; a few rounds reach the fixed point.
        new = canonical(substitute(diff, rules), knowledge)
        if new == diff:
            break
        diff = new
    return diff, used


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs = rhs`` (which also gives ``<=``); ``<`` never follows from an identity."""
    if goal.rel == "<":
        return TacticResult("unknown", None, "an identity cannot prove a strict inequality")
    diff, used = reduced_difference(goal)
    residue = diff if sp.expand(diff) == 0 else cancel(diff)
    if residue == 0:
        return TacticResult(
            "proved", {"rhs - lhs": "0", "rewrites": used}, "rhs - lhs cancels to 0"
        )
    return TacticResult("unknown", None, f"rhs - lhs does not cancel: it is {residue}")
