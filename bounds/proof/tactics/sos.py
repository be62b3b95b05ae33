"""Sums of squares: the products certificate of :mod:`bounds.proof.lp` with squares allowed.

``scale * (rhs - lhs) = sum_j lambda_j m_j prod g + sum_i w_i s_i^2 + R`` with rationals
``lambda, w >= 0``, where each ``s_i`` is ``m_a``, ``m_a + m_b`` or ``m_a - m_b`` for monomials of
half the degree (a diagonally dominant Gram matrix, found by exact linear programming) and
``R`` has non-negative terms. Verified by exact expansion. Proves ``(x - 1)^2 >= 0``,
``2 x y <= x^2 + y^2`` and ``x^4 + y^4 >= 2 x^2 y^2`` with no hypotheses at all.
"""

from __future__ import annotations

from collections.abc import Mapping

from bounds.proof import lp, region
from bounds.proof.tactics import Goal, TacticResult, positivity
from bounds.proof.tactics.identity import reduced_difference


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs <= rhs`` / ``lhs < rhs`` by an exact (diagonally dominant) SOS certificate."""
    if goal.rel == "=":
        return TacticResult("unknown", None, "sums of squares prove inequalities, not equations")
    degree = 1
    if isinstance(goal.hint, Mapping):
        degree = int(goal.hint.get("degree", degree))
    cons = region.constraints(goal.hypotheses)
    sgn = region.signs(cons)
    diff, rewrites = reduced_difference(goal)
    num, den = region.numerator_denominator(diff)

    def positive(expr) -> bool:  # type: ignore[no-untyped-def]
        return positivity.certify(expr, goal.hypotheses, strict=True)[0]

    sign = lp.denominator_sign(den, sgn, positive)
    if sign == 0:
        return TacticResult("unknown", None, f"sos: denominator {den} not shown positive")
    num, den = sign * num, sign * den
    if num.is_number:
        ok = bool(num.is_positive) if goal.rel == "<" else bool(num.is_nonnegative)
        return TacticResult("proved" if ok else "unknown", {"difference": num / den}, "numeric")
    found = lp.find_certificate(
        num, cons, sgn, degree=degree, strict=goal.rel == "<", positive=positive, squares=True
    )
    if found is None:
        return TacticResult("unknown", None, "sos: no diagonally dominant SOS certificate")
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
        "scale * numerator = products of hypotheses + exact squares + non-negative remainder",
    )
