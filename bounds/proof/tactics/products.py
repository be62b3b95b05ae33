"""Products of hypotheses: the exact-LP certificate of :mod:`bounds.proof.lp` as a tactic."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from bounds.proof import lp, region
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

    def positive(expr: sp.Expr) -> Any:
        ok, cert, _ = positivity.certify(expr, goal.hypotheses, strict=True)
        if ok:
            return {"by": "positivity", "certificate": cert}
        # A denominator such as b c q - 1 is positive when a strict hypothesis says so.
        expr_num, expr_den = region.numerator_denominator(expr)
        if not expr_den.is_number or not expr_den.is_positive:
            return None
        found = lp.find_certificate(expr_num, cons, sgn, degree=1, strict=True)
        if found is None:
            return None
        return {"by": "products", "certificate": linear_evidence(expr_num, expr_den, *found)}

    return certified(goal, degree, positive, squares=False, name="products")


def linear_evidence(
    numerator: sp.Expr, denominator: sp.Expr, scale: sp.Expr, cert: lp.Certificate
) -> dict[str, Any]:
    """The evidence of an LP certificate of ``numerator/denominator >= 0`` (or ``> 0``)."""
    return {
        "numerator": numerator,
        "denominator": denominator,
        "denominator_proof": {"by": "number"},
        "scale": scale,
        "scale_proof": cert.scale_proof,
        "certificate": cert,
    }


def certified(
    goal: Goal, degree: int, positive: lp.PositiveProof, squares: bool, name: str
) -> TacticResult:
    """The products (``squares=False``) or sums-of-squares certificate of ``goal``."""
    cons = region.constraints(goal.hypotheses)
    sgn = region.signs(cons)
    diff, rewrites = reduced_difference(goal)
    num, den = region.numerator_denominator(diff)
    sign, den_proof = lp.denominator_sign(den, sgn, positive)
    num, den = sign * num, sign * den
    if sign == 0:
        return TacticResult("unknown", None, f"{name}: denominator {den} not shown positive")
    evidence: dict[str, Any] = {
        "strict": goal.rel == "<",
        "facts": [n for n, _ in goal.relations],
        "difference": diff,
        "rewrites": rewrites,
        "numerator": num,
        "denominator": den,
        "denominator_proof": den_proof,
    }
    if num.is_number:
        ok = bool(num.is_positive) if goal.rel == "<" else bool(num.is_nonnegative)
        return TacticResult(
            "proved" if ok else "unknown",
            {**evidence, "scale": sp.Integer(1), "scale_proof": {"by": "number"}},
            "numeric difference",
        )
    found = lp.find_certificate(
        num, cons, sgn, degree=degree, strict=goal.rel == "<", positive=positive, squares=squares
    )
    if found is None:
        what = (
            "no diagonally dominant SOS certificate"
            if squares
            else f"no non-negative combination of hypothesis products up to degree {degree}"
        )
        return TacticResult("unknown", None, f"{name}: {what}")
    scale, cert = found
    return TacticResult(
        "proved",
        {**evidence, "scale": scale, "scale_proof": cert.scale_proof, "certificate": cert},
        "scale * numerator = non-negative combination of hypothesis products"
        + (" + exact squares" if squares else "")
        + " + non-negative remainder",
    )
