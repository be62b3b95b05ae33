"""Sums of squares: the products certificate of :mod:`bounds.proof.lp` with squares allowed.

``scale * (rhs - lhs) = sum_j lambda_j m_j prod g + sum_i w_i s_i^2 + R`` with rationals
``lambda, w >= 0``, where each ``s_i`` is ``m_a``, ``m_a + m_b`` or ``m_a - m_b`` for monomials of
half the degree (a diagonally dominant Gram matrix, found by exact linear programming) and
``R`` has non-negative terms. Verified by exact expansion. Proves ``(x - 1)^2 >= 0``,
``2 x y <= x^2 + y^2`` and ``x^4 + y^4 >= 2 x^2 y^2`` with no hypotheses at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from bounds.proof.tactics import Goal, TacticResult, positivity
from bounds.proof.tactics.products import certified


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs <= rhs`` / ``lhs < rhs`` by an exact (diagonally dominant) SOS certificate."""
    if goal.rel == "=":
        return TacticResult("unknown", None, "sums of squares prove inequalities, not equations")
    degree = 1
    if isinstance(goal.hint, Mapping):
        degree = int(goal.hint.get("degree", degree))

    def positive(expr: sp.Expr) -> Any:
        ok, cert, _ = positivity.certify(expr, goal.hypotheses, strict=True)
        return {"by": "positivity", "certificate": cert} if ok else None

    return certified(goal, degree, positive, squares=True, name="sos")
