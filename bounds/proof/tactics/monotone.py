"""Monotonicity: add cited inequalities, each multiplied by a factor proved non-negative.

The hint lists ``(factor, hypothesis)`` pairs, optionally ``(factor, hypothesis, wrap)`` where
``wrap`` is ``"E"``/``"Ek"`` (apply the expectation: ``A <= B`` gives ``E[A] <= E[B]``) or a
summation range ``(k, a, b)`` (``A(k) <= B(k)`` for each ``k`` gives the summed inequality).
The step ``lhs <= rhs`` is proved when

    rhs - lhs = sum_j factor_j * (B_j - A_j) + R

with every ``factor_j >= 0`` and ``R >= 0`` certified by the positivity tactic (``R`` is
usually 0, checked by exact cancellation). This covers "multiply an inequality by a
non-negative factor", "add inequalities" and "substitute a bound for a term whose coefficient
has a known sign".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import sympy as sp

from bounds.proof import expectation
from bounds.proof.chain import relation_of
from bounds.proof.tactics import Goal, TacticResult, positivity
from bounds.proof.tactics.identity import canonical


def _wrapped(expr: sp.Expr, wrap: object) -> sp.Expr:
    if wrap == "E":
        return expectation.E(expr)
    if wrap == "Ek":
        return expectation.Ek(expr)
    if isinstance(wrap, tuple) and len(wrap) == 3:
        return sp.Sum(expr, wrap)
    return expr


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs <= rhs`` (or ``<``) as a non-negative combination of cited inequalities."""
    if goal.rel == "=" or not isinstance(goal.hint, Mapping):
        return TacticResult("unknown", None, "monotone needs '<=' or '<' and a hint with 'terms'")
    terms: Sequence[tuple] = goal.hint.get("terms", ())
    combination = sp.Integer(0)
    strict_used = False
    evidence = []
    for item in terms:
        factor, name = item[0], item[1]
        wrap = item[2] if len(item) > 2 else None
        try:
            small, rel, big = relation_of(goal.hypothesis(name))
        except KeyError:
            return TacticResult("unknown", None, f"monotone: hypothesis {name!r} is not cited")
        if rel == "=":
            return TacticResult("unknown", None, f"monotone: {name!r} is an equation")
        factor = sp.sympify(factor)
        ok, _, reason = positivity.certify(canonical(factor, goal.hint), goal.hypotheses, False)
        if not ok:
            return TacticResult(
                "unknown", None, f"monotone: factor {factor} of {name!r} not >= 0 ({reason})"
            )
        if rel == "<":
            strict_used = strict_used or positivity.certify(factor, goal.hypotheses, True)[0]
        # A summed inequality needs no range check: each summand is >= 0, so is the sum.
        combination += factor * (_wrapped(big, wrap) - _wrapped(small, wrap))
        suffix = f" [{wrap}]" if wrap else ""
        evidence.append(f"{factor} * ({name}: {small} {rel} {big}){suffix}")
    remainder = canonical(goal.difference - combination, goal.hint)
    remainder = sp.cancel(sp.together(remainder))
    if remainder == 0:
        if goal.rel == "<" and not strict_used:
            return TacticResult("unknown", None, "monotone: no strict inequality with factor > 0")
        return TacticResult("proved", {"combination": evidence, "remainder": "0"}, "")
    strict = goal.rel == "<" and not strict_used
    ok, _, reason = positivity.certify(remainder, goal.hypotheses, strict=strict)
    if ok:
        return TacticResult("proved", {"combination": evidence, "remainder": str(remainder)}, "")
    return TacticResult(
        "unknown", None, f"monotone: remainder {remainder} not shown non-negative ({reason})"
    )
