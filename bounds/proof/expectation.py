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


def _apply(op: type[sp.Function], arg: sp.Expr, known: set[sp.Symbol]) -> sp.Expr:
    arg = sp.expand(arg)
    if arg == 0:
        return sp.Integer(0)
    if op is E and isinstance(arg, Ek):
        # Tower property: E[E_k[X]] = E[X].
        return _apply(E, arg.args[0], known)
    if arg.is_Add:
        return sp.Add(*(_apply(op, term, known) for term in arg.args))
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
            return _apply(type(node), inner, known_k if isinstance(node, Ek) else known)
        if node.args:
            return node.func(*(rewrite(a) for a in node.args))
        return node

    return rewrite(expr)


def expectation_atoms(expr: sp.Expr) -> set[sp.Expr]:
    """The ``E(...)`` and ``Ek(...)`` sub-expressions of ``expr``."""
    return set(expr.atoms(E, Ek))
