"""An uninterpreted expectation operator and the rules that may rewrite it.

``E(X)`` is the total expectation and ``Ek(X)`` the expectation conditioned on the history up
to ``x_k``; neither evaluates. What the checker may do with them is explicit: linearity,
pulling out factors declared measurable (``q_k``, ``mu_k``, ``F(x_k)``, constants), the tower
property ``E(Ek(X)) = E(X)``, and rewriting ``Ek(X)`` to a value only through a hypothesis
the step cites (for instance A4's ``Ek(eps_k^T g_k) = 0``).
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp


class E(sp.Function):
    """Total expectation ``E[X]`` (unevaluated)."""

    nargs = 1


class Ek(sp.Function):
    """Conditional expectation ``E_k[X]`` given the history up to ``x_k`` (unevaluated)."""

    nargs = 1


def _split(term: sp.Expr, known: set[sp.Symbol]) -> tuple[sp.Expr, sp.Expr]:
    """Split a product into (factor over ``known`` symbols and numbers, the rest)."""
    coeff, factors = term.as_coeff_mul()
    outside = [f for f in factors if f.free_symbols <= known and not f.has(E, Ek)]
    inside = [f for f in factors if f not in outside]
    return coeff * sp.Mul(*outside), sp.Mul(*inside)


def _tower(term: sp.Expr, measurable: set[sp.Symbol]) -> sp.Expr:
    """``m * Ek(X)`` with ``m`` measurable becomes ``m * X`` under ``E`` (tower property)."""
    factors = sp.Mul.make_args(term)
    inner = [f for f in factors if isinstance(f, Ek)]
    rest = [f for f in factors if not isinstance(f, Ek)]
    if len(inner) == 1 and all(f.free_symbols <= measurable for f in rest):
        return sp.Mul(*rest) * inner[0].args[0]
    return term


def _apply(
    op: type[sp.Function],
    arg: sp.Expr,
    known: set[sp.Symbol],
    measurable: set[sp.Symbol] | None = None,
) -> sp.Expr:
    arg = sp.expand(arg)
    if arg == 0:
        return sp.Integer(0)
    if op is E and measurable is not None:
        # Tower property: E[m E_k[X]] = E[E_k[m X]] = E[m X] for history-measurable m.
        folded = sp.expand(sp.Add(*(_tower(t, measurable) for t in sp.Add.make_args(arg))))
        if folded != arg:
            return _apply(E, folded, known, measurable)
    if arg.is_Add:
        return sp.Add(*(_apply(op, term, known, measurable) for term in arg.args))
    outside, inside = _split(arg, known)
    if inside == 1:
        return outside
    return outside * op(inside)


def normalize(
    expr: sp.Expr,
    measurable: Iterable[sp.Symbol] = (),
    deterministic: Iterable[sp.Symbol] = (),
) -> sp.Expr:
    """Push every ``E``/``Ek`` inward by linearity, pulling out the factors it may.

    Parameters
    ----------
    measurable
        Symbols determined by the history up to ``x_k`` (constants included): ``Ek`` pulls
        them out, and ``Ek(X)`` of such an ``X`` is ``X``.
    deterministic
        Symbols that are not random at all: ``E`` pulls them out.
    """
    known_k = set(measurable) | set(deterministic)
    known = set(deterministic)

    def rewrite(node: sp.Expr) -> sp.Expr:
        if isinstance(node, (E, Ek)):
            inner = rewrite(node.args[0])
            if isinstance(node, Ek):
                return _apply(Ek, inner, known_k)
            return _apply(E, inner, known, known_k)
        if node.args:
            return node.func(*(rewrite(a) for a in node.args))
        return node

    return rewrite(expr)


def expectation_atoms(expr: sp.Expr) -> set[sp.Expr]:
    """The ``E(...)`` and ``Ek(...)`` sub-expressions of ``expr``."""
    return set(expr.atoms(E, Ek))
