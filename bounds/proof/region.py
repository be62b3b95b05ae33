"""The region a claim lives in: hypotheses as ``g >= 0`` / ``g > 0``, signs and slack maps.

Everything here is exact (SymPy rationals). Two consumers: the positivity tactic, which
substitutes slack variables ranging over ``[0, oo)`` for the hypotheses, and the counterexample
search, which samples the same slack variables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Literal

import sympy as sp

from bounds.proof.chain import relation_of


@dataclass(frozen=True)
class Constraint:
    """``expr >= 0`` (or ``> 0`` when ``strict``), from the hypothesis called ``name``."""

    expr: sp.Expr
    strict: bool
    name: str


def constraints(hypotheses: Iterable[tuple[str, sp.Basic]]) -> list[Constraint]:
    """Turn named relations into constraints; an equation gives two opposite ones."""
    out: list[Constraint] = []
    for name, hyp in hypotheses:
        if hyp is sp.true or not isinstance(hyp, sp.core.relational.Relational):
            continue
        lhs, rel, rhs = relation_of(hyp)
        out.append(Constraint(rhs - lhs, rel == "<", name))
        if rel == "=":
            out.append(Constraint(lhs - rhs, False, name))
    return out


@dataclass(frozen=True)
class Signs:
    """Generators known to be ``> 0`` (``positive``) or ``>= 0`` (``nonnegative``)."""

    positive: frozenset[sp.Expr]
    nonnegative: frozenset[sp.Expr]

    def is_positive(self, atom: sp.Expr) -> bool:
        return atom in self.positive or bool(atom.is_positive)

    def is_nonnegative(self, atom: sp.Expr) -> bool:
        return self.is_positive(atom) or atom in self.nonnegative or bool(atom.is_nonnegative)

    @staticmethod
    def is_real(atom: sp.Expr) -> bool:
        """Even powers are non-negative only for real generators (``log(x)`` may not be)."""
        return bool(atom.is_extended_real)


def signs(cons: Sequence[Constraint]) -> Signs:
    """Signs declared by constraints of the form ``atom >= 0`` or ``atom > 0``."""
    pos = {c.expr for c in cons if c.strict and not c.expr.is_number}
    nonneg = {c.expr for c in cons if not c.strict and not c.expr.is_number}
    # A bound ``x >= e`` with ``e`` a positive number also fixes the sign of ``x``.
    for c in cons:
        if c.expr.is_Add and len(c.expr.args) == 2:
            const, rest = c.expr.as_coeff_Add()
            if const.is_negative and not rest.is_number and (-const).is_positive:
                pos.add(rest)
    return Signs(frozenset(pos), frozenset(nonneg))


def polynomial_is_nonnegative(poly: sp.Poly, sgn: Signs, strict: bool) -> bool:
    """Certificate check: every term is ``>= 0`` on the region (and one is ``> 0`` if strict).

    A term is non-negative when its coefficient is a non-negative number and each generator in
    it is known non-negative or appears to an even power; it is positive when moreover every
    generator in it is known positive.
    """
    if poly.is_zero:
        return not strict
    gens = poly.gens
    found_positive = False
    for monom, coeff in poly.terms():
        if not (coeff.is_number and coeff.is_nonnegative):
            return False
        if coeff == 0:
            continue
        term_positive = True
        for gen, power in zip(gens, monom, strict=False):
            if power == 0:
                continue
            if not sgn.is_positive(gen):
                term_positive = False
                if power % 2 and not sgn.is_nonnegative(gen):
                    return False
                if not sgn.is_nonnegative(gen) and not sgn.is_real(gen):
                    return False
        found_positive = found_positive or term_positive
    return found_positive or not strict


def numerator_denominator(expr: sp.Expr, reduced: bool = True) -> tuple[sp.Expr, sp.Expr]:
    """``expr = num/den`` with ``num``, ``den`` expanded polynomials in ``expr``'s atoms.

    ``reduced`` cancels common factors (a gcd computation, the slow part); without it the pair
    is still exact, only possibly not in lowest terms.
    """
    from bounds.proof.canonical import atoms_as_symbols

    # with atoms as symbols the arithmetic is polynomial arithmetic over symbols (same result)
    plain, back = atoms_as_symbols(expr)
    if reduced:
        num, den = sp.fraction(sp.cancel(sp.together(plain)))
    else:
        num, den = sp.together(plain).as_numer_denom()
    return sp.expand(num).xreplace(back), sp.expand(den).xreplace(back)


def expanded_poly(expr: sp.Expr) -> sp.Poly:
    """``Poly(expr)`` of an expression :func:`numerator_denominator` has already expanded.

    Not expanding again matters: an expansion rebuilds every ``Max``/``Min`` in ``expr``, and
    SymPy re-evaluates each one. The representation is exact either way; a part left
    unexpanded only becomes a generator of unknown sign, which no tactic can use.
    """
    return sp.Poly(expr, expand=False)


def is_positive_expr(expr: sp.Expr, sgn: Signs) -> bool:
    """Cheap sufficient test for ``expr > 0``: numerator and denominator with positive terms."""
    num, den = numerator_denominator(expr, reduced=False)
    if _positive_parts(num, den, sgn):
        return True
    # A polynomial is already in lowest terms; only a quotient can gain by cancelling.
    return not den.is_number and _positive_parts(*numerator_denominator(expr), sgn)


def _positive_parts(num: sp.Expr, den: sp.Expr, sgn: Signs) -> bool:
    for part in (num, den):
        if part.is_number:
            if not part.is_positive:
                return False
            continue
        if not polynomial_is_nonnegative(expanded_poly(part), sgn, strict=True):
            return False
    return True


# --------------------------------------------------------------------------------------------
# Slack substitutions


@dataclass(frozen=True)
class Bound:
    """``symbol >= expr``, ``symbol <= expr`` or ``symbol = expr``, read off the fact ``fact``.

    ``coefficient`` is the positive factor the fact's side was divided by (``c x <= e`` read as
    ``x <= e/c``); 1 when the fact bounds the symbol itself.
    """

    expr: sp.Expr
    strict: bool
    fact: str
    coefficient: sp.Expr = sp.S.One


#: How a symbol is mapped onto slacks (see :func:`parametrize`).
Form = Literal["equal", "interval", "lower", "upper-positive", "upper-nonnegative", "upper"]


@dataclass(frozen=True)
class Basis:
    """Why a symbol's slack map covers its range: the form and the bounds it is built from.

    ``bounds`` is ``(value,)`` for ``"equal"``, ``(lower, upper)`` for ``"interval"``, and the
    one bound otherwise. A certificate records it so that the coverage can be re-checked.
    """

    symbol: sp.Symbol
    form: Form
    slack: sp.Symbol
    bounds: tuple[Bound, ...]


@dataclass(frozen=True)
class Substitution:
    """One alternative map from slack variables to the original symbols.

    The union over the alternatives of :func:`parametrize` covers the region: every point
    satisfying the hypotheses used is the image of some non-negative slack vector in one of them.
    ``bases`` (the same for every alternative) say which bounds each map is built from.
    """

    mapping: tuple[tuple[sp.Symbol, sp.Expr], ...]
    slacks: tuple[sp.Symbol, ...]
    bases: tuple[Basis, ...] = ()

    def apply(self, expr: sp.Expr) -> sp.Expr:
        from bounds.proof.canonical import replace_free

        # Sequential: later maps rewrite symbols introduced by earlier bounds.
        for sym, value in self.mapping:
            expr = replace_free(expr, {sym: value})
        return expr


def _isolate(sym: sp.Symbol, lhs: sp.Expr, rhs: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """``c sym <= e`` as ``sym <= e/c`` when the factor ``c`` is positive by declaration.

    Dividing both sides by a positive number keeps the relation, so the bound is the same set.
    Returns the new sides and ``c`` (1 when nothing was divided).
    """
    for side, other, swap in ((lhs, rhs, False), (rhs, lhs, True)):
        if side == sym or sym in other.free_symbols or not side.is_Mul:
            continue
        coeff = side / sym
        if sym in coeff.free_symbols or not coeff.is_positive:
            continue
        isolated = sp.expand(other / coeff) if other.is_number else other / coeff
        return ((isolated, sym) if swap else (sym, isolated)) + (coeff,)
    return lhs, rhs, sp.Integer(1)


def domain_facts(symbols: Iterable[sp.Basic]) -> list[tuple[str, sp.Basic]]:
    """``k >= 1`` for every positive integer symbol: its declared domain, as a relation."""
    return [
        (f"domain: {s} >= 1", sp.Ge(s, 1, evaluate=False))
        for s in sorted(symbols, key=str)
        if isinstance(s, sp.Symbol) and s.is_integer and s.is_positive
    ]


def _bounds_of(
    sym: sp.Symbol, hypotheses: Sequence[tuple[str, sp.Basic]], isolate: bool = True
) -> tuple[list[Bound], list[Bound], list[Bound]]:
    """Atomic lower bounds, upper bounds and values of ``sym``, each with its fact."""
    lower: list[Bound] = []
    upper: list[Bound] = []
    equal: list[Bound] = []
    for name, hyp in hypotheses:
        if hyp is sp.true or not isinstance(hyp, sp.core.relational.Relational):
            continue
        lhs, rel, rhs = relation_of(hyp)
        coeff = sp.Integer(1)
        if isolate:
            lhs, rhs, coeff = _isolate(sym, lhs, rhs)
        if lhs == sym and sym not in rhs.free_symbols:
            bound = Bound(rhs, rel == "<", name, coeff)
            (equal if rel == "=" else upper).append(bound)
        elif rhs == sym and sym not in lhs.free_symbols:
            bound = Bound(lhs, rel == "<", name, coeff)
            (equal if rel == "=" else lower).append(bound)

    # Numbers and bounds over few symbols first: they close the substitution order early.
    def rank(bound: Bound) -> tuple[int, str]:
        return len(bound.expr.free_symbols), str(bound.expr)

    return sorted(lower, key=rank), sorted(upper, key=rank), sorted(equal, key=rank)


def parametrize(
    hypotheses: Sequence[tuple[str, sp.Basic]], symbols: Iterable[sp.Symbol], isolate: bool = True
) -> tuple[list[Substitution], Signs]:
    """Slack substitutions that cover the region cut out by the atomic bounds on ``symbols``.

    For a symbol ``x`` with bounds ``lo <= x <= hi`` the alternatives are
    ``x = (lo + hi s)/(1 + s)`` (covers ``[lo, hi)``) and ``x = (lo s + hi)/(1 + s)``
    (covers ``(lo, hi]``); with only ``lo``: ``x = lo + s``; with only ``hi`` and ``x > 0``:
    ``x = hi/(1 + s)``; ``x = e``: ``x = e``. A bound that would make the substitution order
    cyclic is dropped, which only enlarges the region (so proofs stay sound). With
    ``isolate``, a bound ``c x <= e`` with ``c`` positive counts as ``x <= e/c``.

    Returns
    -------
    substitutions, signs
        The alternatives (a product over symbols with two-sided bounds) and the signs of the
        remaining generators, slack variables included.
    """
    hyps = list(hypotheses)
    choices: dict[sp.Symbol, list[sp.Expr]] = {}
    deps: dict[sp.Symbol, set[sp.Symbol]] = {}
    slack_of: dict[sp.Symbol, sp.Symbol] = {}
    bases: dict[sp.Symbol, Basis] = {}
    base_cons = constraints(hyps)
    base_signs = signs(base_cons)
    for sym in sorted(set(symbols), key=str):
        lower, upper, equal = _bounds_of(sym, hyps, isolate)
        # Sign constraints (x >= 0) are kept as signs, not as substitutions.
        lower = [b for b in lower if b.expr != 0]
        # A one-sided strict bound is covered exactly by a strictly positive slack.
        one_sided_strict = (lower[0].strict if lower else False) if not upper else False
        if upper and not lower and base_signs.is_positive(sym):
            one_sided_strict = upper[0].strict
        if one_sided_strict and not equal:
            s = sp.Dummy(f"s_{sym}", positive=True)
        else:
            s = sp.Dummy(f"s_{sym}", nonnegative=True)
        form: Form
        used: tuple[Bound, ...]
        if equal:
            form, used = "equal", (equal[0],)
            choices[sym] = [equal[0].expr]
        elif lower and upper:
            form, used = "interval", (lower[0], upper[0])
            lo, hi = lower[0].expr, upper[0].expr
            choices[sym] = [(lo + hi * s) / (1 + s), (lo * s + hi) / (1 + s)]
        elif lower:
            form, used = "lower", (lower[0],)
            choices[sym] = [lower[0].expr + s]
        elif upper and base_signs.is_positive(sym):
            form, used = "upper-positive", (upper[0],)
            choices[sym] = [upper[0].expr / (1 + s)]
        elif upper and base_signs.is_nonnegative(sym):
            form, used = "upper-nonnegative", (upper[0],)
            choices[sym] = [upper[0].expr / (1 + s), upper[0].expr * s / (1 + s)]
        elif upper:
            form, used = "upper", (upper[0],)
            choices[sym] = [upper[0].expr - s]
        else:
            continue
        slack_of[sym] = s
        bases[sym] = Basis(sym, form, s, used)
        deps[sym] = set().union(*(c.free_symbols for c in choices[sym])) - {s}
    order = _acyclic_order(choices, deps)
    alternatives = [choices[sym] for sym in order]
    basis = tuple(bases[sym] for sym in order)
    subs = [
        Substitution(
            tuple(zip(order, values, strict=False)), tuple(slack_of[sym] for sym in order), basis
        )
        for values in product(*alternatives)
    ]
    remaining_pos = {sym for sym in base_signs.positive if sym not in order}
    remaining_nonneg = {sym for sym in base_signs.nonnegative if sym not in order}
    remaining_pos |= {s for s in slack_of.values() if s.is_positive}
    remaining_nonneg |= set(slack_of.values())
    return subs, Signs(frozenset(remaining_pos), frozenset(remaining_nonneg))


def _acyclic_order(
    choices: dict[sp.Symbol, list[sp.Expr]], deps: dict[sp.Symbol, set[sp.Symbol]]
) -> list[sp.Symbol]:
    """Order symbols so that each is substituted before the symbols its bounds mention."""
    order: list[sp.Symbol] = []
    state: dict[sp.Symbol, int] = {}

    def visit(sym: sp.Symbol, stack: set[sp.Symbol]) -> bool:
        if state.get(sym) == 2:
            return True
        if sym in stack:
            return False
        stack.add(sym)
        ok = True
        for dep in sorted(deps.get(sym, set()) & set(choices), key=str):
            if dep != sym and not visit(dep, stack):
                ok = False
        stack.discard(sym)
        if not ok:
            # Dropping this bound (cycle) enlarges the region: the proof stays sound.
            choices.pop(sym, None)
            state[sym] = 2
            return True
        state[sym] = 2
        order.append(sym)
        return True

    for sym in sorted(choices, key=str):
        visit(sym, set())
    # Post-order puts dependencies first; we substitute dependants first.
    return [sym for sym in reversed(order) if sym in choices]
