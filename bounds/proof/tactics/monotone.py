"""Monotonicity: add cited inequalities, each multiplied by a factor proved non-negative.

The hint lists ``(factor, name)`` pairs naming cited inequalities ``A_j <= B_j`` (a
:class:`~bounds.proof.facts.Cite` can sum one over a range or take its expectation first; the
engine does that and checks the range). The step ``lhs <= rhs`` is proved when

    rhs - lhs = sum_j factor_j * (B_j - A_j) + R

with every ``factor_j >= 0`` and ``R >= 0`` certified by the positivity tactic (``R`` is
usually 0, checked by exact cancellation). This covers "multiply an inequality by a
non-negative factor", "add inequalities" and "substitute a bound for a term whose coefficient
has a known sign".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy as sp

from bounds.proof.canonical import cancel, canonical, rewrite_rules, substitute
from bounds.proof.chain import relation_of
from bounds.proof.tactics import Goal, TacticResult, positivity


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs <= rhs`` (or ``<``) as a non-negative combination of cited inequalities."""
    if goal.rel == "=" or not isinstance(goal.hint, Mapping):
        return TacticResult("unknown", None, "monotone needs '<=' or '<' and a hint with 'terms'")
    terms: Sequence[Any] = goal.hint.get("terms", ())
    knowledge = goal.knowledge
    rules = rewrite_rules((c for _, c in goal.hypotheses), knowledge)
    combination = sp.Integer(0)
    strict_used = False
    evidence = []
    for item in terms:
        if not (isinstance(item, (tuple, list)) and len(item) == 2):
            return TacticResult(
                "unknown", None, f"monotone: a term is (factor, name), got {item!r}"
            )
        # A term names a cited fact by its citation (a name or the Cite object itself).
        factor, name = sp.sympify(item[0]), str(item[1])
        try:
            cited = goal.hypothesis(name)
        except KeyError:
            return TacticResult("unknown", None, f"monotone: {name!r} is not cited by the step")
        if not isinstance(cited, sp.core.relational.Relational):
            return TacticResult("unknown", None, f"monotone: {name!r} is not an inequality")
        small, rel, big = relation_of(cited)
        if rel == "=":
            return TacticResult("unknown", None, f"monotone: {name!r} is an equation")
        factor_value = canonical(substitute(factor, rules), knowledge)
        ok, _, reason = positivity.certify(factor_value, goal.hypotheses, False)
        if not ok:
            return TacticResult(
                "unknown", None, f"monotone: factor {factor} of {name!r} not >= 0 ({reason})"
            )
        if rel == "<":
            strict_used = strict_used or positivity.certify(factor_value, goal.hypotheses, True)[0]
        combination += factor * (big - small)
        evidence.append({"factor": factor, "fact": name, "small": small, "big": big, "rel": rel})
    remainder = canonical(substitute(goal.difference - combination, rules), knowledge)
    for _ in range(3):
        remainder = canonical(substitute(remainder, rules), knowledge)
    remainder = cancel(remainder)
    if remainder == 0:
        if goal.rel == "<" and not strict_used:
            return TacticResult("unknown", None, "monotone: no strict inequality with factor > 0")
        return TacticResult("proved", {"combination": evidence, "remainder": remainder}, "")
    strict = goal.rel == "<" and not strict_used
    ok, cert, reason = positivity.certify(remainder, goal.hypotheses, strict=strict)
    if ok:
        return TacticResult(
            "proved", {"combination": evidence, "remainder": remainder, "positivity": cert}, ""
        )
    return TacticResult(
        "unknown", None, f"monotone: remainder {remainder} not shown non-negative ({reason})"
    )
