"""Positivity by slack substitution.

Each atomic hypothesis on a symbol (``q_min <= q_k <= 1``, ``mu <= 1/(L M_G)``, ``M_G >= 1``)
is replaced by a map from non-negative slack variables onto it (see
:func:`bounds.proof.region.parametrize`); ``rhs - lhs`` becomes a rational function
``N/D`` of the slacks and the remaining symbols. The certificate: ``D`` has only positive terms
and ``N`` only non-negative ones (one positive when the claim is strict), in every alternative.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from bounds.proof import region
from bounds.proof.tactics import Goal, TacticResult
from bounds.proof.tactics.identity import reduced_difference


def certify(
    expr: sp.Expr, hypotheses: tuple[tuple[str, Any], ...], strict: bool
) -> tuple[bool, dict[str, Any], str]:
    """Try to certify ``expr >= 0`` (``> 0`` if ``strict``) on the hypotheses' region.

    Returns
    -------
    ok, evidence, reason
        Whether it succeeded; the certificate and, on failure, which alternative failed and
        why. The certificate names the facts the region is cut out by (``facts``, plus the
        ``domain`` facts ``k >= 1`` of positive integer symbols), the bounds each slack map is
        built from (``bases``), and per alternative the map, its slacks and ``N``, ``D`` with
        ``expr`` after the map equal to ``N/D``; ``positive``/``nonnegative`` are the signs of
        the generators left over.
    """
    relations = tuple((n, h) for n, h in hypotheses if isinstance(h, sp.core.relational.Relational))
    symbols = {s for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    for _, hyp in relations:
        symbols |= {s for s in hyp.free_symbols if isinstance(s, sp.Symbol)}
    domain = region.domain_facts(symbols)
    relations = (*relations, *domain)
    subs, sgn = region.parametrize(relations, symbols)
    alternatives: list[dict[str, Any]] = []
    for alternative in subs:
        value = alternative.apply(expr)
        # Unreduced first (cheap); in lowest terms only if that fails.
        for reduced in (False, True):
            ok, reason, num, den = _signed(
                *region.numerator_denominator(value, reduced), sgn, strict
            )
            if ok:
                break
        if not ok:
            return False, {}, reason
        alternatives.append(
            {
                "map": [(sym, val) for sym, val in alternative.mapping],
                "slacks": list(alternative.slacks),
                "numerator": num,
                "denominator": den,
            }
        )
    evidence = {
        "expr": expr,
        "strict": strict,
        "facts": [name for name, _ in relations[: len(relations) - len(domain)]],
        "domain": list(domain),
        "bases": list(subs[0].bases),
        "alternatives": alternatives,
        "positive": sorted(sgn.positive, key=str),
        "nonnegative": sorted(sgn.nonnegative, key=str),
    }
    return True, evidence, ""


def _signed(
    num: sp.Expr, den: sp.Expr, sgn: region.Signs, strict: bool
) -> tuple[bool, str, sp.Expr, sp.Expr]:
    """Whether ``num/den`` is shown ``>= 0`` (``> 0``) term by term, with the pair as certified
    (both signs flipped when the denominator is the negative one)."""
    positive = (den.is_number and den.is_positive) or region.is_positive_expr(den, sgn)
    if not positive and region.is_positive_expr(-den, sgn):
        num, den, positive = -num, -den, True
    if not positive:
        return False, f"denominator {den} not shown positive", num, den
    if num.is_number:
        ok = bool(num.is_positive) if strict else bool(num.is_nonnegative)
    else:
        ok = region.polynomial_is_nonnegative(region.expanded_poly(num), sgn, strict)
    if not ok:
        return False, f"numerator has a negative (or no positive) term: {num}", num, den
    return True, "", num, den


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs <= rhs`` or ``lhs < rhs`` by slack substitution."""
    if goal.rel == "=":
        return TacticResult("unknown", None, "positivity proves inequalities, not equations")
    diff, rewrites = reduced_difference(goal)
    ok, evidence, reason = certify(diff, goal.hypotheses, strict=goal.rel == "<")
    if ok:
        return TacticResult(
            "proved",
            {"difference": diff, "rewrites": rewrites, **evidence},
            "after slack substitution rhs - lhs has non-negative coefficients",
        )
    return TacticResult("unknown", None, f"positivity: {reason}")
