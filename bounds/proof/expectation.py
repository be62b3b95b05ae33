"""An uninterpreted expectation operator and the rules that may rewrite it.

``E(X)`` is the total expectation and ``Ek(X)`` the expectation conditioned on the history up
to the current step; neither evaluates. What the checker may do with them is explicit:
linearity, pulling out factors that a cited :class:`~bounds.proof.facts.Measurable` or
:class:`~bounds.proof.facts.Deterministic` fact declares known, the tower property
``E(m Ek(X)) = E(m X)`` for known ``m``, and rewriting ``Ek(X)`` to a value only through a fact
the step cites (for instance A4's ``Ek(eps_k^T g_k) = 0``). Nothing is known unless a cited
fact says so: numbers and expectations themselves are the only exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from bounds.proof.facts import Deterministic, Measurable


class E(sp.Function):
    """Total expectation ``E[X]`` of a real random variable (unevaluated, real)."""

    nargs = 1

    def _eval_is_real(self) -> bool:
        return True


class Ek(sp.Function):
    """Conditional expectation ``E_k[X]`` given the history up to step ``k`` (unevaluated)."""

    nargs = 1

    def _eval_is_real(self) -> bool:
        return True


@dataclass(frozen=True)
class Knowledge:
    """What the cited facts declare: ``measurable`` (for ``Ek``) and ``deterministic`` heads."""

    measurable: frozenset[object] = frozenset()
    deterministic: frozenset[object] = frozenset()

    @staticmethod
    def of(claims: Iterable[object]) -> Knowledge:
        """Collect the declarations among ``claims``."""
        measurable: set[object] = set()
        deterministic: set[object] = set()
        for claim in claims:
            if isinstance(claim, Measurable):
                measurable |= claim.atoms
            elif isinstance(claim, Deterministic):
                deterministic |= claim.atoms
        return Knowledge(frozenset(measurable), frozenset(deterministic))

    @property
    def empty(self) -> bool:
        return not (self.measurable or self.deterministic)


#: No declarations: only numbers and expectations are known.
NOTHING_KNOWN = Knowledge()


def is_known(expr: sp.Basic, heads: frozenset[object], conditional: bool) -> bool:
    """Whether ``expr`` is a function of known quantities only.

    ``heads`` are the declared symbols, ``IndexedBase`` sequences and function classes; a total
    expectation ``E(...)`` is a number, and, when ``conditional``, ``Ek(...)`` is known given
    the history. Bound variables of sums are known inside them.
    """
    if expr.is_number:
        return True
    if isinstance(expr, sp.Symbol):
        return expr in heads
    if isinstance(expr, E):
        return True
    if isinstance(expr, Ek):
        return conditional
    if isinstance(expr, sp.Indexed):
        return expr.base in heads and all(is_known(i, heads, conditional) for i in expr.indices)
    if isinstance(expr, AppliedUndef):
        return expr.func in heads and all(is_known(a, heads, conditional) for a in expr.args)
    if isinstance(expr, sp.Sum):
        bound = {limit[0] for limit in expr.limits}
        inner = heads | bound
        limits_known = all(is_known(v, heads, conditional) for lim in expr.limits for v in lim[1:])
        return limits_known and is_known(expr.function, frozenset(inner), conditional)
    if isinstance(expr, sp.IndexedBase):
        return expr in heads
    if not expr.args:
        return False
    return all(is_known(a, heads, conditional) for a in expr.args)


def _split(term: sp.Expr, heads: frozenset[object], conditional: bool) -> tuple[sp.Expr, sp.Expr]:
    """Split a product into (its known factors and numbers, the rest)."""
    coeff, factors = term.as_coeff_mul()
    outside = [f for f in factors if is_known(f, heads, conditional)]
    inside = [f for f in factors if f not in outside]
    return coeff * sp.Mul(*outside), sp.Mul(*inside)


def _tower(term: sp.Expr, heads: frozenset[object]) -> sp.Expr:
    """``m * Ek(X)`` with ``m`` known given the history becomes ``m * X`` under ``E``."""
    factors = sp.Mul.make_args(term)
    inner = [f for f in factors if isinstance(f, Ek)]
    rest = [f for f in factors if not isinstance(f, Ek)]
    if len(inner) == 1 and all(is_known(f, heads, True) for f in rest):
        return sp.Mul(*rest) * inner[0].args[0]
    return term


def _apply(op: type[sp.Function], arg: sp.Expr, knowledge: Knowledge) -> sp.Expr:
    arg = sp.expand(arg)
    if arg == 0:
        return sp.Integer(0)
    conditional = op is Ek
    heads = knowledge.deterministic | (knowledge.measurable if conditional else frozenset())
    if op is E:
        # Tower property: E[m E_k[X]] = E[E_k[m X]] = E[m X] for m known given the history.
        history = knowledge.deterministic | knowledge.measurable
        folded = sp.expand(sp.Add(*(_tower(t, history) for t in sp.Add.make_args(arg))))
        if folded != arg:
            return _apply(E, folded, knowledge)
    if arg.is_Add:
        return sp.Add(*(_apply(op, term, knowledge) for term in arg.args))
    outside, inside = _split(arg, heads, conditional)
    if inside == 1:
        return outside
    return outside * op(inside)


def normalize(expr: sp.Expr, knowledge: Knowledge | None = None) -> sp.Expr:
    """Push every ``E``/``Ek`` inward by linearity, pulling out the factors it may."""
    knowledge = knowledge or NOTHING_KNOWN

    def rewrite(node: sp.Expr) -> sp.Expr:
        if isinstance(node, (E, Ek)):
            return _apply(type(node), rewrite(node.args[0]), knowledge)
        if node.args and not isinstance(node, (sp.Symbol, sp.Indexed)):
            return node.func(*(rewrite(a) for a in node.args))
        return node

    return rewrite(expr)


def expectation_atoms(expr: sp.Expr) -> set[sp.Expr]:
    """The ``E(...)`` and ``Ek(...)`` sub-expressions of ``expr``."""
    return set(expr.atoms(E, Ek))
