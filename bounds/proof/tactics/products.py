"""Products of hypotheses: the exact-LP certificate of :mod:`bounds.proof.lp` as a tactic."""

from __future__ import annotations

from collections.abc import Mapping

from bounds.proof import lp, region
from bounds.proof.chain import Status
from bounds.proof.tactics import Goal, TacticResult
from bounds.proof.tactics.identity import canonical

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
    num, den = region.numerator_denominator(canonical(goal.difference, goal.hint))
    if region.is_positive_expr(-den, sgn) and not region.is_positive_expr(den, sgn):
        num, den = -num, -den
    if not (den.is_number and den.is_positive) and not region.is_positive_expr(den, sgn):
        return TacticResult("unknown", None, f"products: denominator {den} not shown positive")
    if num.is_number:
        ok = bool(num.is_positive) if goal.rel == "<" else bool(num.is_nonnegative)
        status: Status = "proved" if ok else "unknown"
        return TacticResult(status, {"rhs - lhs": str(num / den)}, "numeric difference")
    cert = lp.find_certificate(num, cons, sgn, degree=degree, strict=goal.rel == "<")
    if cert is None:
        return TacticResult(
            "unknown",
            None,
            f"products: no non-negative combination of hypothesis products up to degree {degree}",
        )
    return TacticResult(
        "proved",
        {"denominator": str(den), **cert.as_dict()},
        "numerator = non-negative combination of hypothesis products + non-negative remainder",
    )
