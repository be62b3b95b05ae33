"""Positivity by slack substitution.

Each atomic hypothesis on a symbol (``q_min <= q_k <= 1``, ``mu <= 1/(L M_G)``, ``M_G >= 1``)
is replaced by a map from non-negative slack variables onto it (see
:func:`bounds.proof.region.parametrize`); ``rhs - lhs`` becomes a rational function
``N/D`` of the slacks and the remaining symbols. The certificate: ``D`` has only positive terms
and ``N`` only non-negative ones (one positive when the claim is strict), in every alternative.
"""

from __future__ import annotations

import sympy as sp

from bounds.proof import region
from bounds.proof.tactics import Goal, TacticResult
from bounds.proof.tactics.identity import canonical


def certify(
    expr: sp.Expr, hypotheses: tuple[tuple[str, sp.Basic], ...], strict: bool
) -> tuple[bool, list[str], str]:
    """Try to certify ``expr >= 0`` (``> 0`` if ``strict``) on the hypotheses' region.

    Returns
    -------
    ok, numerators, reason
        Whether it succeeded, the certified numerators (one per alternative) and, on failure,
        which alternative failed and why.
    """
    symbols = set(expr.free_symbols)
    for _, hyp in hypotheses:
        symbols |= hyp.free_symbols
    subs, sgn = region.parametrize(hypotheses, symbols)
    numerators: list[str] = []
    for alternative in subs:
        value = alternative.apply(expr)
        num, den = region.numerator_denominator(value)
        if region.is_positive_expr(-den, sgn) and not region.is_positive_expr(den, sgn):
            num, den = -num, -den
        if not (den.is_number and den.is_positive) and not region.is_positive_expr(den, sgn):
            return False, numerators, f"denominator {den} not shown positive"
        if num.is_number:
            ok = bool(num.is_positive) if strict else bool(num.is_nonnegative)
        else:
            ok = region.polynomial_is_nonnegative(sp.Poly(num), sgn, strict)
        if not ok:
            return False, numerators, f"numerator has a negative (or no positive) term: {num}"
        numerators.append(str(num))
    return True, numerators, ""


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs <= rhs`` or ``lhs < rhs`` by slack substitution."""
    if goal.rel == "=":
        return TacticResult("unknown", None, "positivity proves inequalities, not equations")
    diff = canonical(goal.difference, goal.hint)
    ok, numerators, reason = certify(diff, goal.hypotheses, strict=goal.rel == "<")
    if ok:
        return TacticResult(
            "proved",
            {"numerators (non-negative coefficients)": numerators},
            "after slack substitution rhs - lhs has non-negative coefficients",
        )
    return TacticResult("unknown", None, f"positivity: {reason}")
