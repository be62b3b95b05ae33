"""Products of hypotheses: the exact-LP certificate of :mod:`bounds.proof.lp` as a tactic."""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from bounds.proof import lp, region
from bounds.proof.chain import Status
from bounds.proof.tactics import Goal, TacticResult, positivity
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

    def positive(expr: sp.Expr) -> bool:
        return positivity.certify(expr, goal.hypotheses, strict=True)[0]

    sign = lp.denominator_sign(den, sgn, positive)
    num, den = sign * num, sign * den
    if sign == 0:
        return TacticResult("unknown", None, f"products: denominator {den} not shown positive")
    if num.is_number:
        ok = bool(num.is_positive) if goal.rel == "<" else bool(num.is_nonnegative)
        status: Status = "proved" if ok else "unknown"
        return TacticResult(status, {"rhs - lhs": str(num / den)}, "numeric difference")
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
        {"denominator": str(den), "scale": str(scale), **cert.as_dict()},
        "scale * numerator = non-negative combination of hypothesis products"
        " + non-negative remainder",
    )
