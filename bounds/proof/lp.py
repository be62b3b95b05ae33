"""Products of hypotheses by exact rational linear programming (a Positivstellensatz-lite).

To show ``P >= 0`` from constraints ``g_i >= 0`` we look for rationals ``lambda >= 0`` with

    P - sum_j lambda_j * m_j * prod_{i in S_j} g_i  =  R,

where each ``S_j`` is a multiset of at most ``degree`` constraints, each ``m_j`` a monomial in
non-negative generators and ``R`` a polynomial whose every term is non-negative on the region.
Matching coefficients monomial by monomial is a linear program, solved exactly by SymPy's
simplex (:mod:`bounds.proof.simplex`; SymPy's own ``linprog`` returns infeasible points on
these degenerate problems, see that module); the multipliers it returns are then
re-checked by exact expansion, so the LP solver is not trusted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations_with_replacement, product

import sympy as sp

from bounds.proof import region, simplex

#: Larger LPs are not attempted: the exact dense simplex would take minutes.
MAX_COLUMNS = 600


@dataclass(frozen=True)
class Term:
    """One ``lambda * monomial * product`` term of a certificate."""

    weight: sp.Rational
    monomial: sp.Expr
    factors: tuple[str, ...]
    strict: bool

    def __str__(self) -> str:
        factors = " * ".join(f"[{f}]" for f in self.factors) or "1"
        return f"{self.weight} * {self.monomial} * {factors}"


@dataclass(frozen=True)
class Certificate:
    """Multipliers and the non-negative remainder; ``P == sum(terms) + remainder`` exactly."""

    terms: tuple[Term, ...]
    remainder: sp.Expr

    def as_dict(self) -> dict[str, object]:
        return {"terms": [str(t) for t in self.terms], "remainder": str(self.remainder)}


def _polynomial_constraints(
    cons: Sequence[region.Constraint],
    sgn: region.Signs,
    positive: Callable[[sp.Expr], bool] | None = None,
) -> list[tuple[sp.Expr, bool, str]]:
    out = []
    for con in cons:
        num, den = region.numerator_denominator(con.expr)
        if num.is_number:
            continue
        sign = denominator_sign(den, sgn, positive)
        if sign == 0:
            continue  # unknown sign of the denominator: this constraint cannot be used.
        num = sign * num
        relation = ">" if con.strict else ">="
        out.append((num, con.strict, f"{con.name}: {num} {relation} 0"))
    return out


def denominator_sign(
    den: sp.Expr, sgn: region.Signs, positive: Callable[[sp.Expr], bool] | None = None
) -> int:
    """``1`` or ``-1`` when ``den`` is shown ``> 0`` or ``< 0``; ``0`` when neither is shown.

    The cheap term-wise test first, then ``positive`` (e.g. the slack-substitution tactic under
    the goal's hypotheses) when given.
    """
    if den.is_number:
        return 1 if den.is_positive else (-1 if den.is_negative else 0)
    if region.is_positive_expr(den, sgn):
        return 1
    if region.is_positive_expr(-den, sgn):
        return -1
    if positive is not None:
        if positive(den):
            return 1
        if positive(-den):
            return -1
    return 0


def find_certificate(
    target: sp.Expr,
    cons: Sequence[region.Constraint],
    sgn: region.Signs,
    degree: int = 2,
    strict: bool = False,
    positive: Callable[[sp.Expr], bool] | None = None,
    squares: bool = False,
) -> tuple[sp.Expr, Certificate] | None:
    """Certify ``target >= 0`` as ``scale * target = sum(terms) + remainder``, or ``None``.

    With ``squares`` the terms may include exact squares (see :func:`_find_scaled`).

    ``scale`` is 1, else a positive denominator of one hypothesis (a hypothesis such as
    ``D_{k+1} <= (...)/(gamma + k)**2`` is only usable against a target multiplied by it).
    """
    scales: list[sp.Expr] = [sp.Integer(1)]
    for con in cons:
        _, den = region.numerator_denominator(con.expr)
        den = sp.factor(den)
        if not den.is_number and den not in scales and denominator_sign(den, sgn, positive) == 1:
            scales.append(den)
    # Cheap attempts first: fewer factors per product, then richer multipliers.
    for size in range(1, degree + 1):
        for linear in (False, True):
            for scale in scales:
                scaled = sp.expand(scale * target)
                cert = _find_scaled(scaled, cons, sgn, size, strict, positive, linear, squares)
                if cert is not None:
                    return scale, cert
    return None


def _find_scaled(
    target: sp.Expr,
    cons: Sequence[region.Constraint],
    sgn: region.Signs,
    degree: int = 2,
    strict: bool = False,
    positive: Callable[[sp.Expr], bool] | None = None,
    linear: bool = True,
    squares: bool = False,
) -> Certificate | None:
    """Find and verify a certificate of ``target >= 0`` (``> 0`` if ``strict``), or ``None``.

    ``target`` must be a polynomial in its atoms (multiply out positive denominators first).
    With ``squares``, the combination may also use ``(m_i + m_j)^2``, ``(m_i - m_j)^2`` and
    ``m_i^2`` for monomials ``m`` of half the target's degree: a diagonally dominant Gram
    matrix, i.e. an exact sum-of-squares certificate found by linear programming (DSOS).
    """
    polys = _polynomial_constraints(cons, sgn, positive)
    gens_set: set[sp.Expr] = set()
    for expr in [target, *(p for p, _, _ in polys)]:
        if not expr.is_number:
            gens_set |= set(sp.Poly(expr).gens)
    gens = sorted(gens_set, key=sp.default_sort_key)
    if not gens:
        return None
    target_poly = sp.Poly(target, *gens)
    products: list[tuple[sp.Poly, bool, tuple[str, ...]]] = []
    for size in range(1, degree + 1):
        for combo in combinations_with_replacement(range(len(polys)), size):
            poly = sp.Poly(sp.Mul(*(polys[i][0] for i in combo)), *gens)
            products.append(
                (poly, all(polys[i][1] for i in combo), tuple(polys[i][2] for i in combo))
            )
    columns: list[tuple[dict[tuple[int, ...], sp.Rational], sp.Expr, bool, tuple[str, ...]]] = []
    target_monos = target_poly.monoms()
    n = len(gens)
    # Multipliers: 1 and each single generator (cheap, and what cancelling terms need), plus
    # every monomial that maps some term of a product onto some term of the target.
    unit = [tuple(int(i == j) for j in range(n)) for i in range(n)]
    for poly, is_strict, names in products:
        candidates = {(0,) * n, *(unit if linear else ())}
        for t in poly.monoms():
            for p in target_monos:
                m = tuple(a - b for a, b in zip(p, t, strict=True))
                if min(m) >= 0:
                    candidates.add(m)
        for m in sorted(candidates):
            mono = sp.Mul(*(g**e for g, e in zip(gens, m, strict=True)))
            mono_poly = sp.Poly(mono, *gens)
            if not region.polynomial_is_nonnegative(mono_poly, sgn, strict=False):
                continue
            shifted = poly * mono_poly
            mono_positive = region.polynomial_is_nonnegative(mono_poly, sgn, strict=True)
            columns.append((dict(shifted.terms()), mono, is_strict and mono_positive, names))
    if squares:
        if not all(region.Signs.is_real(g) for g in gens):
            return None
        for square in _dsos_squares(target_poly, gens):
            columns.append((dict(sp.Poly(square, *gens).terms()), square, False, ()))
    if len(columns) > MAX_COLUMNS:
        return None
    monos = sorted(set(target_monos).union(*(c[0].keys() for c in columns)))
    target_coeffs = dict(target_poly.terms())
    # Remainder slots: one per monomial whose term is non-negative when its coefficient is.
    slots = [
        m
        for m in monos
        if region.polynomial_is_nonnegative(
            sp.Poly(sp.Mul(*(g**e for g, e in zip(gens, m, strict=False))), *gens),
            sgn,
            strict=False,
        )
        or sum(m) == 0
    ]
    rows = []
    rhs = []
    for m in monos:
        row = [sp.sympify(col[0].get(m, 0)) for col in columns]
        row += [sp.Integer(1 if s == m else 0) for s in slots]
        rows.append(row)
        rhs.append(sp.sympify(target_coeffs.get(m, 0)))
    if strict:
        # Prefer strict products (cost 0) over the rest, and anything over a bare remainder:
        # a remainder alone rarely has the strictly positive term a strict claim needs.
        cost = [0 if col[2] else 1 for col in columns] + [2] * len(slots)
    else:
        cost = [1] * len(columns) + [0] * len(slots)
    if not all(isinstance(v, sp.Rational) for row in rows for v in row if v != 0):
        return None
    if not all(isinstance(v, sp.Rational) for v in rhs if v != 0):
        return None
    try:
        solution = simplex.solve(
            [Fraction(c) for c in cost],
            [[Fraction(int(v.p), int(v.q)) if v else Fraction(0) for v in row] for row in rows],
            [Fraction(int(v.p), int(v.q)) if v else Fraction(0) for v in rhs],
        )
    except simplex.Infeasible:
        return None
    terms = tuple(
        Term(sp.Rational(w.numerator, w.denominator), mono, names, is_strict)
        for w, (_, mono, is_strict, names) in zip(solution, columns, strict=False)
        if w != 0
    )
    return _verified(target, terms, polys, gens, sgn, strict)


#: Largest monomial basis for the square terms (the LP has about basis**2 columns).
MAX_SQUARE_BASIS = 12


def _dsos_squares(target: sp.Poly, gens: Sequence[sp.Expr]) -> list[sp.Expr]:
    """``m_i^2`` and ``(m_i ± m_j)^2`` over monomials ``m`` with ``2m`` inside the support's box."""
    monoms = target.monoms()
    if not monoms:
        return []
    n = len(gens)
    low = [min(m[i] for m in monoms) for i in range(n)]
    high = [max(m[i] for m in monoms) for i in range(n)]
    top = max(sum(m) for m in monoms)
    bottom = min(sum(m) for m in monoms)
    ranges = [range((lo + 1) // 2, hi // 2 + 1) for lo, hi in zip(low, high, strict=True)]
    basis = [m for m in product(*ranges) if (bottom + 1) // 2 <= sum(m) <= top // 2]
    if not basis or len(basis) > MAX_SQUARE_BASIS:
        return []
    monomials = [sp.Mul(*(g**e for g, e in zip(gens, m, strict=True))) for m in basis]
    out = [m**2 for m in monomials]
    for i, a in enumerate(monomials):
        for b in monomials[i + 1 :]:
            out += [(a + b) ** 2, (a - b) ** 2]
    return out


def _verified(
    target: sp.Expr,
    terms: tuple[Term, ...],
    polys: list[tuple[sp.Expr, bool, str]],
    gens: list[sp.Expr],
    sgn: region.Signs,
    strict: bool,
) -> Certificate | None:
    by_name = {name: poly for poly, _, name in polys}
    combination = sp.Add(
        *(t.weight * t.monomial * sp.Mul(*(by_name[f] for f in t.factors)) for t in terms)
    )
    remainder = sp.expand(target - combination)
    if any(t.weight < 0 for t in terms):
        return None
    remainder_poly = sp.Poly(remainder, *gens)
    strict_from_terms = any(t.strict and t.weight > 0 for t in terms)
    if not region.polynomial_is_nonnegative(remainder_poly, sgn, strict and not strict_from_terms):
        return None
    return Certificate(terms, remainder)
