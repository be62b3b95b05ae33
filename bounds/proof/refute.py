"""Counterexample search inside the hypotheses' region, re-checked in exact rationals.

Points come from the slack parametrisation of :mod:`bounds.proof.region`: slack values at the
boundary (0: the hypothesis is tight), small, large, and seeded random rationals; symbols
without bounds take values from a list of rationals of both signs where their sign allows.
Each candidate is checked against every hypothesis and the negated claim exactly, so a
reported counterexample is a fact; finding none means nothing ("unknown", never "proved").
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction
from itertools import chain, islice, product

import sympy as sp

from bounds.proof import region
from bounds.proof.chain import Relation, relation_of

#: Slack values: 0 makes the hypothesis tight; the others probe the interior and far out.
SLACK_VALUES = (0, sp.Rational(1, 10), 1, 10)
#: Values for unbounded generators (sign permitting).
FREE_VALUES = (sp.Rational(1, 2), 1, 2, 10, 0, -1, sp.Rational(-1, 3))
#: At most this many boundary-grid points per substitution alternative.
GRID_LIMIT = 3000


def _holds(lhs: sp.Expr, rel: Relation, rhs: sp.Expr) -> bool | None:
    diff = sp.cancel(rhs - lhs)
    if not diff.is_Rational:
        return None
    if rel == "=":
        return bool(diff == 0)
    return bool(diff > 0) if rel == "<" else bool(diff >= 0)


def _atoms(exprs: Sequence[sp.Expr]) -> dict[sp.Expr, sp.Symbol]:
    """Non-symbol generators (``E(...)``, ``Sum(...)``, ...) replaced by fresh real symbols."""
    found: set[sp.Expr] = set()
    for expr in exprs:
        num, den = sp.fraction(sp.together(expr))
        for part in (num, den):
            if not part.is_number:
                found |= {g for g in sp.Poly(part).gens if not g.is_Symbol}
    return {g: sp.Dummy(f"atom{i}", real=True) for i, g in enumerate(sorted(found, key=str))}


def search(
    lhs: sp.Expr,
    rel: Relation,
    rhs: sp.Expr,
    hypotheses: Sequence[tuple[str, sp.Basic]],
    samples: int = 200,
    seed: int = 0,
    alternatives: int = 16,
) -> dict[str, sp.Rational] | None:
    """An exact point satisfying every hypothesis where ``lhs rel rhs`` is false, or ``None``.

    Parameters
    ----------
    samples
        Random slack vectors tried per substitution alternative after the boundary grid.
    seed
        Seed of the random rationals (the search is deterministic given it).
    alternatives
        At most this many substitution alternatives are searched, each with at most
        ``GRID_LIMIT`` boundary points and ``samples`` random ones (counts, not times, so the
        search is reproducible on any machine).

    Returns
    -------
    dict or None
        Symbol (or atom) name -> exact ``Rational`` value.
    """
    hyps = [(n, h) for n, h in hypotheses if h is not sp.true]
    relations = [relation_of(h) for _, h in hyps]
    exprs = [lhs, rhs, *(a for a, _, _ in relations), *(b for _, _, b in relations)]
    atom_map = _atoms(exprs)
    lhs, rhs = lhs.xreplace(atom_map), rhs.xreplace(atom_map)
    relations = [(a.xreplace(atom_map), r, b.xreplace(atom_map)) for a, r, b in relations]
    atom_hyps = [
        (n, sp.Le(a, b) if r != "=" else sp.Eq(a, b))
        for (n, _), (a, r, b) in zip(hyps, relations, strict=False)
    ]
    symbols: set[sp.Symbol] = set(lhs.free_symbols | rhs.free_symbols)
    for a, _, b in relations:
        symbols |= a.free_symbols | b.free_symbols
    subs, sgn = region.parametrize(atom_hyps, symbols)
    rng = random.Random(seed)
    for alternative in subs[:alternatives]:
        slacks = list(alternative.slacks)
        mapped = {sym: alternative.apply(sym) for sym in symbols}
        rest = sorted(
            set().union(*(v.free_symbols for v in mapped.values())) - set(slacks), key=str
        )
        choices = []
        for sym in rest:
            if sgn.is_positive(sym):
                choices.append([v for v in FREE_VALUES if v > 0])
            elif sgn.is_nonnegative(sym):
                choices.append([v for v in FREE_VALUES if v >= 0])
            else:
                choices.append(list(FREE_VALUES))
        grid = product(*([SLACK_VALUES] * len(slacks) + choices))
        randoms = (
            [Fraction(rng.randint(0, 1000), rng.randint(1, 100)) for _ in slacks]
            + [rng.choice(c) for c in choices]
            for _ in range(samples)
        )
        # The boundary grid first (capped: it grows as 4**slacks), then random rationals.
        for values in chain(islice(grid, GRID_LIMIT), randoms):
            point = {s: sp.Rational(v) for s, v in zip([*slacks, *rest], values, strict=False)}
            found = _check_point(mapped, point, lhs, rel, rhs, relations)
            if found is not None:
                names = {v: k for k, v in atom_map.items()}
                return {str(names.get(s, s)): value for s, value in found.items()}
    return None


def _check_point(
    mapped: dict[sp.Symbol, sp.Expr],
    point: dict[sp.Symbol, sp.Rational],
    lhs: sp.Expr,
    rel: Relation,
    rhs: sp.Expr,
    relations: list[tuple[sp.Expr, Relation, sp.Expr]],
) -> dict[sp.Symbol, sp.Rational] | None:
    try:
        values = {sym: sp.Rational(value.xreplace(point)) for sym, value in mapped.items()}
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    for sym in [*mapped]:
        if sym.is_positive and not values[sym] > 0:
            return None
        if sym.is_nonnegative and not values[sym] >= 0:
            return None
    for a, r, b in relations:
        if _holds(a.xreplace(values), r, b.xreplace(values)) is not True:
            return None
    if _holds(lhs.xreplace(values), rel, rhs.xreplace(values)) is False:
        return values
    return None
