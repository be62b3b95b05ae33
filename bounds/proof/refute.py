"""Counterexamples, each a concrete model checked exactly on the original expressions.

Candidates come from two generators:

* the slack parametrisation of :mod:`bounds.proof.region` applied to the claim with its
  non-symbol atoms (``E(...)``, ``Sum(...)``, ``EF(k)``, ``exp(x)``, ...) standing in as free
  reals: boundary points (a slack of 0 makes a hypothesis tight), small, large and seeded random
  rationals. Only the symbols' values are kept; integer symbols get integers (the candidate
  rounded both ways), applied functions get the candidate's values where consistent;
* small random models: two outcomes, random values for the symbols inside expectations that no
  cited fact declares measurable or deterministic, random tables for applied functions.

A candidate is reported only if every cited fact holds in it and the claim fails, decided by
:mod:`bounds.proof.evaluate` on the original expressions (expectations as means, sums added up,
``exp``/``Abs``/``Max`` evaluated, irrational signs by interval arithmetic). Otherwise it is
dropped; finding none means nothing ("unknown", never "proved").
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Iterator, Sequence
from fractions import Fraction
from itertools import chain, islice, product
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef

from bounds.proof import evaluate, region
from bounds.proof.chain import Relation, make_relational, relation_of
from bounds.proof.expectation import E, Ek
from bounds.proof.facts import Deterministic, Measurable, is_relation

#: Slack values: 0 makes the hypothesis tight; the others probe the interior and far out.
SLACK_VALUES = (0, sp.Rational(1, 10), 1, 10)
#: Values for unbounded generators (sign permitting).
FREE_VALUES = (sp.Rational(1, 2), 1, 2, 10, 0, -1, sp.Rational(-1, 3))
#: At most this many boundary-grid points per substitution alternative.
GRID_LIMIT = 3000
#: Random two-outcome models tried after the parametrised candidates.
RANDOM_MODELS = 150
#: At most this many candidate models from the parametrised search (a count, not a time, so
#: the search is the same on every machine).
CANDIDATES = 6000


def counterexample(
    lhs: sp.Expr,
    rel: Relation,
    rhs: sp.Expr,
    hypotheses: Sequence[tuple[str, Any]],
    samples: int = 200,
    seed: int = 0,
    candidates: int = CANDIDATES,
    random_models: int = RANDOM_MODELS,
) -> dict[str, Any] | None:
    """A model in which every hypothesis holds and ``lhs rel rhs`` fails, or ``None``.

    ``candidates`` and ``random_models`` bound the parametrised and the random search (counts,
    not times, so the answer is the same on every machine).

    Returns
    -------
    dict or None
        Symbol (or applied function) name -> exact value; a tuple of values for a symbol that
        varies over the model's outcomes.
    """
    claim = make_relational(lhs, rel, rhs)
    relations = [h for _, h in hypotheses if is_relation(h) and h is not sp.true]
    constant = set()
    for _, h in hypotheses:
        if isinstance(h, (Measurable, Deterministic)):
            constant |= {a for a in h.atoms if isinstance(a, sp.Symbol)}
    exprs = [lhs, rhs, *(side for h in relations for side in (h.lhs, h.rhs))]
    symbols = sorted(set().union(*(e.free_symbols for e in exprs)), key=str)
    symbols = [s for s in symbols if isinstance(s, sp.Symbol)]
    applied = sorted(set().union(*(_applied(e) for e in exprs)), key=str)
    for model in chain(
        islice(
            _parametrised(lhs, rel, rhs, relations, symbols, applied, samples, seed), candidates
        ),
        islice(_random_models(exprs, symbols, applied, constant, seed), random_models),
    ):
        if _refutes(model, claim, relations):
            return model.describe()
    return None


def search(
    lhs: sp.Expr,
    rel: Relation,
    rhs: sp.Expr,
    hypotheses: Sequence[tuple[str, Any]],
    samples: int = 200,
    seed: int = 0,
) -> dict[str, Any] | None:
    """Alias of :func:`counterexample` (the name the earlier checker used)."""
    return counterexample(lhs, rel, rhs, hypotheses, samples, seed)


def _refutes(model: evaluate.Model, claim: sp.Basic, relations: list[sp.Basic]) -> bool:
    # The claim first: most candidates satisfy it, and then the hypotheses need no evaluation
    # (the answer is the conjunction either way).
    try:
        if evaluate.holds(claim, model):
            return False
        return all(evaluate.holds(h, model) for h in relations)
    except evaluate.Undecided:
        return False


def _applied(expr: sp.Basic) -> set[sp.Basic]:
    return {a for a in expr.atoms(AppliedUndef, sp.Indexed)}


def _domain_ok(symbol: sp.Symbol, number: sp.Rational) -> bool:
    integer, lowest, highest = _domain(symbol)
    return _within(number, integer, lowest, highest)


@functools.lru_cache(maxsize=4096)
def _domain(symbol: sp.Basic) -> tuple[bool, int | None, int | None]:
    """``(integer, lowest sign, highest sign)`` a value of ``symbol`` (or an applied function)
    may take, looked up once per symbol (assumption queries are most of a candidate's cost
    otherwise)."""
    lowest = 1 if symbol.is_positive else 0 if symbol.is_nonnegative else None
    highest = -1 if symbol.is_negative else 0 if symbol.is_nonpositive else None
    return bool(symbol.is_integer), lowest, highest


def _within(number: sp.Rational, integer: bool, lowest: int | None, highest: int | None) -> bool:
    rational = sp.Rational(number)
    sign = (rational.p > 0) - (rational.p < 0)
    return not (
        (integer and rational.q != 1)
        or (lowest is not None and sign < lowest)
        or (highest is not None and sign > highest)
    )


def _head_domain_ok(atom: sp.Basic, number: sp.Rational) -> bool:
    """:func:`_domain_ok` for an applied function, whose values only a lower sign bounds."""
    integer, lowest, _ = _domain(atom)
    return _within(number, integer, lowest, None)


def _integer_variants(
    point: dict[sp.Symbol, sp.Rational], symbols: list[sp.Symbol]
) -> Iterator[dict[sp.Symbol, sp.Rational]]:
    integers = [s for s in symbols if s.is_integer and s in point and not point[s].is_Integer]
    if not integers:
        yield point
        return
    choices = [(math.floor(point[s]), math.ceil(point[s])) for s in integers]
    for combo in islice(product(*choices), 16):
        yield {**point, **{s: sp.Integer(v) for s, v in zip(integers, combo, strict=True)}}


def _model_from(
    point: dict[sp.Basic, sp.Rational], symbols: list[sp.Symbol], applied: list[sp.Basic]
) -> evaluate.Model | None:
    model = evaluate.Model(1)
    for sym in symbols:
        number = point.get(sym)
        if number is None:
            # A symbol seen only inside an atom: any value in its domain will do.
            number = next(
                (sp.Integer(v) for v in (1, 0, -1) if _domain_ok(sym, sp.Integer(v))), None
            )
        if number is None or not _domain_ok(sym, number):
            return None
        model.constant(sym, number)
    for atom in applied:
        if atom not in point:
            continue
        try:
            head = atom.func if isinstance(atom, AppliedUndef) else atom.base
            args = atom.args if isinstance(atom, AppliedUndef) else atom.indices
            key = (head, tuple(evaluate.value(a, model, 0) for a in args))
        except evaluate.Undecided:
            continue
        number = point[atom]
        if key in model.tables and model.tables[key] != number:
            return None
        if not _head_domain_ok(atom, number):
            return None
        model.tables[key] = number
    return model


def _parametrised(
    lhs: sp.Expr,
    rel: Relation,
    rhs: sp.Expr,
    relations: list[sp.Basic],
    symbols: list[sp.Symbol],
    applied: list[sp.Basic],
    samples: int,
    seed: int,
) -> Iterator[evaluate.Model]:
    """Models from the slack search on the claim with its atoms as free reals."""
    exprs = [lhs, rhs, *(side for h in relations for side in (h.lhs, h.rhs))]
    atom_map = _atoms(exprs)
    back = {v: k for k, v in atom_map.items()}
    lhs_a, rhs_a = lhs.xreplace(atom_map), rhs.xreplace(atom_map)
    rels = [relation_of(h) for h in relations]
    rels = [(a.xreplace(atom_map), r, b.xreplace(atom_map)) for a, r, b in rels]
    # Strict bounds are relaxed for the search (a slack of 0 is then on the grid); the exact
    # check on the original hypotheses drops the points that violate them.
    atom_hyps = [
        (str(i), sp.Eq(a, b, evaluate=False) if r == "=" else sp.Le(a, b, evaluate=False))
        for i, (a, r, b) in enumerate(rels)
    ]
    all_symbols: set[sp.Symbol] = set(lhs_a.free_symbols | rhs_a.free_symbols)
    for a, _, b in rels:
        all_symbols |= a.free_symbols | b.free_symbols
    all_symbols = {s for s in all_symbols if isinstance(s, sp.Symbol)}
    rng = random.Random(seed)
    for isolate in (False, True):
        yield from _search(atom_hyps, all_symbols, isolate, back, symbols, applied, samples, rng)


def _search(
    atom_hyps: list[tuple[str, sp.Basic]],
    all_symbols: set[sp.Symbol],
    isolate: bool,
    back: dict[sp.Symbol, sp.Expr],
    symbols: list[sp.Symbol],
    applied: list[sp.Basic],
    samples: int,
    rng: random.Random,
) -> Iterator[evaluate.Model]:
    """Boundary grid and random slack vectors of one parametrisation of the region."""
    subs, sgn = region.parametrize(atom_hyps, all_symbols, isolate)
    for alternative in subs[:16]:
        slacks = list(alternative.slacks)
        mapped = {sym: alternative.apply(sym) for sym in all_symbols}
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
        for values in chain(islice(grid, GRID_LIMIT), randoms):
            point = {s: sp.Rational(v) for s, v in zip([*slacks, *rest], values, strict=False)}
            try:
                at = {sym: sp.Rational(value.xreplace(point)) for sym, value in mapped.items()}
            except (TypeError, ValueError, ZeroDivisionError):
                continue
            named = {back.get(s, s): v for s, v in at.items()}
            for variant in _integer_variants(named, symbols):
                model = _model_from(variant, symbols, applied)
                if model is not None:
                    yield model


def _atoms(exprs: Sequence[sp.Expr]) -> dict[sp.Expr, sp.Symbol]:
    """Non-symbol generators (``E(...)``, ``Sum(...)``, ...) replaced by fresh real symbols."""
    found: set[sp.Expr] = set()
    for expr in exprs:
        num, den = sp.fraction(sp.together(expr))
        for part in (num, den):
            if not part.is_number:
                try:
                    found |= {g for g in sp.Poly(part).gens if not g.is_Symbol}
                except sp.PolynomialError:
                    continue
    return {g: sp.Dummy(f"atom{i}", real=True) for i, g in enumerate(sorted(found, key=str))}


def _random_models(
    exprs: list[sp.Expr],
    symbols: list[sp.Symbol],
    applied: list[sp.Basic],
    constant: set[sp.Symbol],
    seed: int,
) -> Iterator[evaluate.Model]:
    """Two-outcome models with random values; symbols under ``E`` vary unless declared known."""
    random_symbols: set[sp.Symbol] = set()
    for expr in exprs:
        for node in expr.atoms(E, Ek):
            random_symbols |= {s for s in node.free_symbols if isinstance(s, sp.Symbol)}
    random_symbols -= constant
    rng = random.Random(seed + 1)
    values = [sp.Rational(n, d) for n in range(-6, 7) for d in (1, 2, 3)]
    for _ in range(RANDOM_MODELS):
        outcomes = 2 if random_symbols else 1
        model = evaluate.Model(outcomes)
        ok = True
        for sym in symbols:
            pool = [v for v in values if _domain_ok(sym, v)]
            if not pool:
                ok = False
                break
            if sym in random_symbols:
                model.symbols[sym] = tuple(rng.choice(pool) for _ in range(outcomes))
            else:
                model.constant(sym, rng.choice(pool))
        if not ok:
            continue
        for atom in applied:
            try:
                head = atom.func if isinstance(atom, AppliedUndef) else atom.base
                args = atom.args if isinstance(atom, AppliedUndef) else atom.indices
                key = (head, tuple(evaluate.value(a, model, 0) for a in args))
            except evaluate.Undecided:
                continue
            pool = [v for v in values if _head_domain_ok(atom, v)]
            model.tables.setdefault(key, rng.choice(pool))
        _fill_sum_tables(exprs, model, rng, values)
        yield model


def _fill_sum_tables(
    exprs: list[sp.Expr], model: evaluate.Model, rng: random.Random, values: list[sp.Rational]
) -> None:
    """Table values for applied functions inside sums, at every index the sums reach."""
    for expr in exprs:
        for total in expr.atoms(sp.Sum):
            if len(total.limits) != 1:
                continue
            index, low, high = total.limits[0]
            try:
                a, b = evaluate.value(low, model, 0), evaluate.value(high, model, 0)
            except evaluate.Undecided:
                continue
            if not (a.is_Integer and b.is_Integer) or abs(b - a) > evaluate.MAX_SUM_TERMS:
                continue
            first, last = (a, b) if b >= a - 1 else (b + 1, a - 1)
            for n in range(int(first), int(last) + 1):
                for atom in total.function.atoms(AppliedUndef, sp.Indexed):
                    try:
                        head = atom.func if isinstance(atom, AppliedUndef) else atom.base
                        args = atom.args if isinstance(atom, AppliedUndef) else atom.indices
                        key = (
                            head,
                            tuple(
                                evaluate.value(x, model, 0, {index: sp.Integer(n)}) for x in args
                            ),
                        )
                    except evaluate.Undecided:
                        continue
                    pool = [v for v in values if _head_domain_ok(atom, v)]
                    model.tables.setdefault(key, rng.choice(pool))
