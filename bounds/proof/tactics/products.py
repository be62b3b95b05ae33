"""Products of hypotheses: the exact-LP certificate of :mod:`bounds.proof.lp` as a tactic."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from bounds.proof import lp, region
from bounds.proof.chain import Status
from bounds.proof.tactics import Goal, TacticResult, positivity
from bounds.proof.tactics.identity import reduced_difference

DEFAULT_DEGREE = 2


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs <= rhs`` / ``lhs < rhs`` from products of up to ``hint['degree']`` hypotheses."""
    if goal.rel == "=":
        return TacticResult("unknown", None, "products prove inequalities, not equations")
    degree = DEFAULT_DEGREE
    if isinstance(goal.hint, Mapping):
        degree = int(goal.hint.get("degree", DEFAULT_DEGREE))
    cons = region.constraints(goal.hypotheses)
    sgn = region.signs(cons)
    diff, rewrites = reduced_difference(goal)
    num, den = region.numerator_denominator(diff)

    def positive(expr: sp.Expr) -> bool:
        if positivity.certify(expr, goal.hypotheses, strict=True)[0]:
            return True
        # A denominator such as b c q - 1 is positive when a strict hypothesis says so.
        expr_num, expr_den = region.numerator_denominator(expr)
        if not expr_den.is_number or not expr_den.is_positive:
            return False
        found = lp.find_certificate(expr_num, cons, sgn, degree=1, strict=True)
        return found is not None

    sign = lp.denominator_sign(den, sgn, positive)
    num, den = sign * num, sign * den
    if sign == 0:
        return TacticResult("unknown", None, f"products: denominator {den} not shown positive")
    if num.is_number:
        ok = bool(num.is_positive) if goal.rel == "<" else bool(num.is_nonnegative)
        status: Status = "proved" if ok else "unknown"
        return TacticResult(status, {"difference": num / den}, "numeric difference")
    found = lp.find_certificate(
        num, cons, sgn, degree=degree, strict=goal.rel == "<", positive=positive
    )
    if found is None:
        return TacticResult(
            "unknown",
            None,
            f"products: no non-negative combination of hypothesis products up to degree {degree}",
        )
    scale, cert = found
    return TacticResult(
        "proved",
        {
            "difference": diff,
            "rewrites": rewrites,
            "numerator": num,
            "denominator": den,
            "scale": scale,
            "certificate": cert,
        },
        "scale * numerator = non-negative combination of hypothesis products"
        " + non-negative remainder",
    )
