r"""Robbins-Monro conditions (T2): does ``Σ mu_k`` diverge and ``Σ mu_k²`` converge? Decided
symbolically, from the schedule's closed form.

The test is the power test on the logarithmic derivative: with
``p = lim_{k->oo} −k (log mu_k)'``, ``Σ mu_k`` converges if ``p > 1`` and diverges if ``p < 1``
(then ``mu_k`` is eventually squeezed between ``k^(−p±δ)``); at ``p = 1`` it diverges when
``k mu_k`` tends to a finite positive limit (limit comparison with the harmonic series), and is
left undecided otherwise. ``mu_k²`` has exponent ``2p``. A ``floor`` in the closed form (step
decay) is replaced by its argument: ``x − 1 < floor(x) <= x`` changes ``decay**floor(x)`` by at
most a constant factor, which neither test can see. A join is decided by its last piece: a
finite prefix changes neither sum's convergence.

For a family with a free exponent (``mu0/k**a``) the answers are sets of exponents.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from bounds import schedules
from bounds import symbols as sy

__all__ = ["RobbinsMonro", "robbins_monro"]

_EXPONENT_DOMAIN = sp.Interval.open(0, sp.oo)


@dataclass(frozen=True)
class RobbinsMonro:
    """The decision for one schedule (or family).

    Attributes
    ----------
    term : sympy.Expr
        The summand used (the tail's closed form, floors removed).
    exponent : sympy.Expr
        ``p = lim −k (log mu_k)'`` (``oo`` for geometric decay); may contain ``a``.
    sum_diverges, squares_converge, satisfied : bool or sympy.Set
        Booleans for a concrete schedule; for a family with free exponent ``a``, the set of
        ``a > 0`` where each holds.
    """

    term: sp.Expr
    exponent: sp.Expr
    sum_diverges: bool | sp.Set
    squares_converge: bool | sp.Set
    satisfied: bool | sp.Set


def _exponent(term: sp.Expr) -> sp.Expr:
    return sp.simplify(sp.limit(-sy.k * sp.diff(sp.log(term), sy.k), sy.k, sp.oo))


def _diverges_at_one(term: sp.Expr) -> bool:
    edge = sp.limit(sy.k * term, sy.k, sp.oo)
    if edge.is_positive and edge.is_finite:
        return True
    raise NotImplementedError(f"power test inconclusive for {term} (k*mu_k -> {edge})")


def _diverges(term: sp.Expr, p: sp.Expr) -> bool | sp.Set:
    if schedules.A in p.free_symbols:
        below = sp.solveset(p < 1, schedules.A, _EXPONENT_DOMAIN)
        edge = sp.solveset(sp.Eq(p, 1), schedules.A, _EXPONENT_DOMAIN)
        assert isinstance(edge, sp.FiniteSet), edge
        at_edge = [e for e in edge if _diverges_at_one(term.subs(schedules.A, e))]
        return sp.Union(below, sp.FiniteSet(*at_edge))
    if p == sp.oo or bool(p > 1):
        return False
    if bool(p < 1):
        return True
    return _diverges_at_one(term)


def _decided_term(schedule: schedules.Schedule | sp.Expr) -> sp.Expr:
    if isinstance(schedule, schedules.Schedule):
        expr = schedule.tail.exact
    else:
        expr = schedule
        # 0 < decay < 1 is a factory rule, not a symbol assumption: make it one.
        t = sp.Dummy("t", positive=True)
        expr = expr.subs(schedules.DECAY, 1 / (1 + t))
    return expr.replace(sp.floor, lambda arg: arg)


def robbins_monro(schedule: schedules.Schedule | sp.Expr) -> RobbinsMonro:
    """Decide T2's conditions ``Σ mu_k = oo`` and ``Σ mu_k² < oo`` for ``schedule``.

    Parameters
    ----------
    schedule : Schedule or sympy.Expr
        A concrete schedule (its numbers are used exactly), or a family's closed form in ``k``
        (e.g. ``schedules.power(1, 0.5).template``) with its parameters symbolic.

    Returns
    -------
    RobbinsMonro
    """
    term = _decided_term(schedule)
    p = _exponent(term)
    diverges = _diverges(term, p)
    squares = _diverges(term**2, 2 * p)
    if isinstance(diverges, sp.Set) or isinstance(squares, sp.Set):
        domain = _EXPONENT_DOMAIN
        div_set = (
            diverges if isinstance(diverges, sp.Set) else (domain if diverges else sp.S.EmptySet)
        )
        sq_set = squares if isinstance(squares, sp.Set) else (domain if squares else sp.S.EmptySet)
        converge_set = sp.Complement(domain, sq_set)
        return RobbinsMonro(term, p, div_set, converge_set, sp.Intersection(div_set, converge_set))
    return RobbinsMonro(term, p, diverges, not squares, diverges and not squares)
