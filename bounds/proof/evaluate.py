"""Exact evaluation of expressions in a concrete model, for honest counterexamples.

A :class:`Model` is a finite probability space with equally likely outcomes and, on it, a value
for every symbol (a constant or one value per outcome), and a table of values for applied
functions (``EF(3)``, ``D(2)``, ``mu[4]``). In it

* ``E(X)`` is the mean of ``X`` over the outcomes, and so is ``Ek(X)``: the model's history is
  trivial, so the quantities declared measurable are constants there;
* ``Sum(f, (k, a, b))`` is added up term by term (SymPy's convention for reversed ranges);
* ``exp``, ``log``, ``Abs``, ``Max``, ``sqrt``, ... are SymPy's exact functions, and the sign of
  an irrational number is decided by interval arithmetic (mpmath's ``iv``) or not at all;
* a relation holds when it holds at every outcome.

Anything that cannot be decided raises :class:`Undecided`, so a counterexample built on it is
never reported.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp
from sympy.core.function import AppliedUndef

from bounds.proof.chain import Relation, relation_of
from bounds.proof.expectation import E, Ek

__all__ = ["MAX_SUM_TERMS", "Model", "Undecided", "holds", "sign", "value"]

#: Longer sums are not added up (the model's indices are small anyway).
MAX_SUM_TERMS = 400


class Undecided(Exception):
    """The expression has no decidable real value in the model."""


@dataclass
class Model:
    """Symbols' values (one per outcome) and applied functions' values on ``outcomes`` outcomes."""

    outcomes: int = 1
    symbols: dict[sp.Symbol, tuple[sp.Rational, ...]] = field(default_factory=dict)
    tables: dict[tuple[Any, tuple[sp.Basic, ...]], sp.Rational] = field(default_factory=dict)

    def constant(self, symbol: sp.Symbol, number: sp.Rational) -> None:
        self.symbols[symbol] = (sp.Rational(number),) * self.outcomes

    def describe(self) -> dict[str, Any]:
        """Name -> value (a number, or a tuple over the outcomes) for the report."""
        out: dict[str, Any] = {}
        for sym, values in sorted(self.symbols.items(), key=lambda kv: str(kv[0])):
            out[str(sym)] = values[0] if len(set(values)) == 1 else values
        for (head, args), number in sorted(self.tables.items(), key=lambda kv: str(kv[0])):
            name = getattr(head, "__name__", None) or str(head)
            out[f"{name}({', '.join(map(str, args))})"] = number
        return out


def _real_number(expr: sp.Basic) -> sp.Expr:
    if expr.is_Rational:  # finite and real: the common case, without searching the tree
        return expr
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo, sp.I):
        raise Undecided(f"{expr} is not a finite real number")
    if not expr.is_number:
        raise Undecided(f"{expr} did not evaluate to a number")
    if expr.is_real is False:
        raise Undecided(f"{expr} is not real")
    return expr


def value(expr: sp.Basic, model: Model, outcome: int, bound: Mapping | None = None) -> sp.Expr:
    """``expr`` at one outcome of ``model`` as an exact SymPy number."""
    bound = bound or {}
    if expr.is_Number:
        return _real_number(expr)
    if isinstance(expr, sp.Symbol):
        if expr in bound:
            return bound[expr]
        if expr not in model.symbols:
            raise Undecided(f"no value for {expr}")
        return model.symbols[expr][outcome]
    if isinstance(expr, (E, Ek)):
        total = sp.Add(*(value(expr.args[0], model, w, bound) for w in range(model.outcomes)))
        return _real_number(total / model.outcomes)
    if isinstance(expr, (AppliedUndef, sp.Indexed)):
        head = expr.func if isinstance(expr, AppliedUndef) else expr.base
        args = expr.args if isinstance(expr, AppliedUndef) else expr.indices
        key = (head, tuple(value(a, model, outcome, bound) for a in args))
        if key not in model.tables:
            raise Undecided(f"no value for {expr}")
        return model.tables[key]
    if isinstance(expr, sp.Sum):
        if len(expr.limits) != 1:
            raise Undecided("only single sums are evaluated")
        index, low, high = expr.limits[0]
        a, b = value(low, model, outcome, bound), value(high, model, outcome, bound)
        if not (a.is_Integer and b.is_Integer):
            raise Undecided(f"sum limits {a}, {b} are not integers")
        sign_, first, last = (1, a, b) if b >= a - 1 else (-1, b + 1, a - 1)
        if last - first + 1 > MAX_SUM_TERMS:
            raise Undecided("sum too long to add up")
        terms = [
            value(expr.function, model, outcome, {**bound, index: sp.Integer(n)})
            for n in range(int(first), int(last) + 1)
        ]
        return _real_number(sign_ * sp.Add(*terms))
    if expr.is_Relational or not expr.args:
        raise Undecided(f"cannot evaluate {expr}")
    args = [value(a, model, outcome, bound) for a in expr.args]
    if (expr.is_Add or expr.is_Mul) and all(a.is_Rational for a in args):
        # Exact rational arithmetic pairwise: the same number as rebuilding the node, without
        # SymPy's flattening and caching (most of a refutation search's time).
        return functools.reduce(operator.add if expr.is_Add else operator.mul, args)
    try:
        result = expr.func(*args)
    except (TypeError, ValueError, ZeroDivisionError) as exc:
        raise Undecided(f"{expr.func}: {exc}") from None
    return _real_number(result)


def _interval(expr: sp.Expr) -> Any:
    """An mpmath interval enclosing the real number ``expr``."""
    iv = mpmath.iv
    if expr.is_Rational:
        return iv.mpf(int(expr.p)) / iv.mpf(int(expr.q))
    if expr is sp.pi:
        return iv.pi
    if expr is sp.E:
        return iv.e
    if expr.is_Add:
        total = iv.mpf(0)
        for a in expr.args:
            total += _interval(a)
        return total
    if expr.is_Mul:
        total = iv.mpf(1)
        for a in expr.args:
            total *= _interval(a)
        return total
    if expr.is_Pow:
        base, exp = expr.args
        if exp.is_Integer:
            return _interval(base) ** int(exp)
        b = _interval(base)
        if b.a <= 0:
            raise Undecided(f"power of a possibly non-positive base: {expr}")
        return iv.exp(_interval(exp) * iv.log(b))
    unary = {sp.exp: iv.exp, sp.log: iv.log, sp.sin: iv.sin, sp.cos: iv.cos}
    if expr.func in unary and len(expr.args) == 1:
        inner = _interval(expr.args[0])
        if expr.func is sp.log and inner.a <= 0:
            raise Undecided(f"log of a possibly non-positive number: {expr}")
        return unary[expr.func](inner)
    if isinstance(expr, sp.Abs):
        inner = _interval(expr.args[0])
        return abs(inner)
    if isinstance(expr, (sp.Max, sp.Min)):
        parts = [_interval(a) for a in expr.args]
        pick = max if isinstance(expr, sp.Max) else min
        return iv.mpf([pick(p.a for p in parts), pick(p.b for p in parts)])
    raise Undecided(f"no interval rule for {expr.func}")


def sign(number: sp.Expr) -> int:
    """The sign of a real number: exact for rationals, by a 200-bit interval otherwise."""
    number = _real_number(number)
    if number.is_Rational:
        return int(bool(number > 0)) - int(bool(number < 0))
    if number == 0:
        return 0
    with mpmath.workprec(200):
        enclosure = _interval(number)
    if enclosure.a > 0:
        return 1
    if enclosure.b < 0:
        return -1
    raise Undecided(f"cannot decide the sign of {number}")


def holds(claim: sp.Basic, model: Model) -> bool:
    """Whether ``claim`` holds at every outcome of ``model``; :class:`Undecided` if unsure."""
    lhs, rel, rhs = relation_of(claim)
    return all(_holds_at(lhs, rel, rhs, model, w) for w in range(model.outcomes))


def _holds_at(lhs: sp.Expr, rel: Relation, rhs: sp.Expr, model: Model, outcome: int) -> bool:
    program = _rational_program(rhs - lhs)
    if program is not None:
        number = program({s: v[outcome] for s, v in model.symbols.items()})
        s = (number > 0) - (number < 0)
    else:
        s = sign(value(rhs, model, outcome) - value(lhs, model, outcome))
    if rel == "=":
        return s == 0
    return s > 0 if rel == "<" else s >= 0


_PROGRAMS: dict[sp.Basic, Any] = {}


def _rational_program(expr: sp.Basic) -> Any:
    """A function of symbol values (SymPy rationals) computing ``expr`` exactly with
    :class:`fractions.Fraction`, when ``expr`` is a rational function of symbols; else ``None``.

    The same arithmetic as :func:`value`, without building SymPy objects per candidate.
    """
    if expr in _PROGRAMS:
        return _PROGRAMS[expr]
    program = _compile(expr)
    if len(_PROGRAMS) > 4096:
        _PROGRAMS.clear()
    _PROGRAMS[expr] = program
    return program


def _compile(expr: sp.Basic) -> Any:
    if expr.is_Rational:
        number = Fraction(int(expr.p), int(expr.q))
        return lambda values: number
    if isinstance(expr, sp.Symbol):

        def symbol(values: Mapping) -> Fraction:
            if expr not in values:
                raise Undecided(f"no value for {expr}")
            v = values[expr]
            return Fraction(int(v.p), int(v.q))

        return symbol
    if expr.is_Add or expr.is_Mul:
        parts = [_compile(a) for a in expr.args]
        if any(p is None for p in parts):
            return None
        if expr.is_Add:
            return lambda values: sum((p(values) for p in parts), Fraction(0))

        def product(values: Mapping) -> Fraction:
            total = Fraction(1)
            for p in parts:
                total *= p(values)
            return total

        return product
    if expr.is_Pow and expr.exp.is_Integer:
        base = _compile(expr.base)
        if base is None:
            return None
        exponent = int(expr.exp)

        def power(values: Mapping) -> Fraction:
            b = base(values)
            if b == 0 and exponent < 0:
                raise Undecided("division by zero")
            return b**exponent

        return power
    return None
