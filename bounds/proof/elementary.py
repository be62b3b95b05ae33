"""Named elementary facts a proof may cite, each with its variables and side conditions.

These are the only facts the engine takes without a chain of its own: textbook inequalities
about ``exp``, ``log``, ``Abs``, ``Max``/``Min``, the square of an expectation and integers.
Each is cited at explicit values of its variables
(``Cite("Max(x, y) >= x", at={X: a, Y: b})``); the values must meet the variables' domains
(an integer variable takes only integer-valued expressions) and every side condition is
discharged from the citing step's facts. ``tests/bounds/proof/test_elementary.py`` checks each
fact at many exact points and shows the refuter cannot refute it; ``bounds.prove`` adds the
instances its claim needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from bounds.proof.expectation import E, Ek

__all__ = ["FACTS", "Elementary", "N", "P", "X", "Y"]

X = sp.Symbol("X", real=True)
Y = sp.Symbol("Y", real=True)
P = sp.Symbol("P", real=True)
N = sp.Symbol("N", integer=True)


@dataclass(frozen=True)
class Elementary:
    """``conditions => claim`` for all values of ``variables`` in their domains."""

    name: str
    variables: tuple[sp.Symbol, ...]
    conditions: tuple[sp.Basic, ...]
    claim: sp.Basic
    reason: str


def _le(a: sp.Expr, b: sp.Expr) -> sp.Basic:
    return sp.Le(a, b, evaluate=False)


def _eq(a: sp.Expr, b: sp.Expr) -> sp.Basic:
    return sp.Eq(a, b, evaluate=False)


_ALL = (
    Elementary(
        "exp(x) >= 1 + x", (X,), (), _le(1 + X, sp.exp(X)), "convexity of exp at 0 (tangent line)"
    ),
    Elementary("exp(x) > 0", (X,), (), sp.Lt(0, sp.exp(X), evaluate=False), "range of exp"),
    Elementary(
        "log(p) <= p - 1",
        (P,),
        (sp.Gt(P, 0, evaluate=False),),
        _le(sp.log(P), P - 1),
        "concavity of log at 1 (tangent line)",
    ),
    Elementary(
        "log(p) >= 1 - 1/p",
        (P,),
        (sp.Gt(P, 0, evaluate=False),),
        _le(1 - 1 / P, sp.log(P)),
        "log(p) <= p - 1 at 1/p",
    ),
    Elementary("Abs(x) >= x", (X,), (), _le(X, sp.Abs(X)), "definition of |x|"),
    Elementary("Abs(x) >= -x", (X,), (), _le(-X, sp.Abs(X)), "definition of |x|"),
    Elementary("Abs(x) >= 0", (X,), (), _le(0, sp.Abs(X)), "definition of |x|"),
    Elementary("Abs(x)**2 = x**2", (X,), (), _eq(sp.Abs(X) ** 2, X**2), "definition of |x|"),
    Elementary(
        "triangle inequality",
        (X, Y),
        (),
        _le(sp.Abs(X + Y), sp.Abs(X) + sp.Abs(Y)),
        "|x + y|^2 <= (|x| + |y|)^2 since xy <= |x||y|",
    ),
    Elementary("Max(x, y) >= x", (X, Y), (), _le(X, sp.Max(X, Y)), "definition of max"),
    Elementary("Max(x, y) >= y", (X, Y), (), _le(Y, sp.Max(X, Y)), "definition of max"),
    Elementary(
        "Max(x, y) = x if x >= y",
        (X, Y),
        (sp.Ge(X, Y, evaluate=False),),
        _eq(sp.Max(X, Y), X),
        "definition of max",
    ),
    Elementary(
        "Max(x, y) = y if y >= x",
        (X, Y),
        (sp.Ge(Y, X, evaluate=False),),
        _eq(sp.Max(X, Y), Y),
        "definition of max",
    ),
    Elementary("Min(x, y) <= x", (X, Y), (), _le(sp.Min(X, Y), X), "definition of min"),
    Elementary("Min(x, y) <= y", (X, Y), (), _le(sp.Min(X, Y), Y), "definition of min"),
    Elementary(
        "sqrt(p) > 0",
        (P,),
        (sp.Gt(P, 0, evaluate=False),),
        sp.Lt(0, sp.sqrt(P), evaluate=False),
        "the positive square root of a positive number",
    ),
    Elementary(
        "sqrt(p) >= 0",
        (P,),
        (sp.Ge(P, 0, evaluate=False),),
        _le(0, sp.sqrt(P)),
        "the square root of a non-negative number",
    ),
    Elementary(
        "Jensen: E[X^2] >= E[X]^2",
        (X,),
        (),
        _le(E(X) ** 2, E(X**2)),
        "E[(X - E X)^2] >= 0 expanded by linearity",
    ),
    Elementary(
        "integer: n^2 >= n",
        (N,),
        (),
        _le(N, N**2),
        "n(n - 1) >= 0 since no integer lies strictly between 0 and 1",
    ),
)

FACTS: dict[str, Elementary] = {fact.name: fact for fact in _ALL}
"""Name -> fact."""


def instance(name: str, values: dict[sp.Symbol, sp.Expr]) -> tuple[str, sp.Basic]:
    """``(label, claim)`` of the fact ``name`` at ``values`` (side conditions not checked)."""
    fact = FACTS[name]
    claim = sp.sympify(fact.claim.xreplace(values))
    label = f"{name} at " + ", ".join(f"{k} = {v}" for k, v in values.items())
    return label, claim


SideCondition = Callable[[sp.Basic, tuple[tuple[str, Any], ...]], bool]


def instances_for(
    exprs: Sequence[sp.Expr], hypotheses: Sequence[tuple[str, Any]], holds: SideCondition
) -> list[tuple[str, sp.Basic]]:
    """Instances of the elementary facts that the atoms of ``exprs`` and ``hypotheses`` call for.

    An instance with side conditions is added only when ``holds(condition, relations)`` shows
    each of them from the hypotheses' relations.
    """
    relations = tuple((n, h) for n, h in hypotheses if isinstance(h, sp.core.relational.Relational))
    pool = [
        sp.sympify(e) for e in (*exprs, *(side for _, h in relations for side in (h.lhs, h.rhs)))
    ]
    out: list[tuple[str, sp.Basic]] = []
    seen: set[str] = set()

    def add(name: str, values: dict[sp.Symbol, sp.Expr]) -> None:
        fact = FACTS[name]
        for condition in fact.conditions:
            if not holds(condition.xreplace(values), relations):
                return
        label, claim = instance(name, values)
        if label not in seen:
            seen.add(label)
            out.append((label, claim))

    for expr in pool:
        for node in sp.preorder_traversal(expr):
            if isinstance(node, sp.exp):
                add("exp(x) >= 1 + x", {X: node.args[0]})
                add("exp(x) > 0", {X: node.args[0]})
            elif isinstance(node, sp.log):
                add("log(p) <= p - 1", {P: node.args[0]})
                add("log(p) >= 1 - 1/p", {P: node.args[0]})
            elif isinstance(node, sp.Pow) and node.exp in (sp.Rational(1, 2), sp.Rational(-1, 2)):
                add("sqrt(p) > 0", {P: node.base})
                add("sqrt(p) >= 0", {P: node.base})
            elif isinstance(node, sp.Abs):
                arg = node.args[0]
                for name in ("Abs(x) >= x", "Abs(x) >= -x", "Abs(x) >= 0", "Abs(x)**2 = x**2"):
                    add(name, {X: arg})
                if arg.is_Add and len(arg.args) == 2:
                    add("triangle inequality", {X: arg.args[0], Y: arg.args[1]})
            elif isinstance(node, sp.Max) and len(node.args) == 2:
                add("Max(x, y) >= x", {X: node.args[0], Y: node.args[1]})
                add("Max(x, y) >= y", {X: node.args[0], Y: node.args[1]})
            elif isinstance(node, sp.Min) and len(node.args) == 2:
                add("Min(x, y) <= x", {X: node.args[0], Y: node.args[1]})
                add("Min(x, y) <= y", {X: node.args[0], Y: node.args[1]})
            elif isinstance(node, E):
                add("Jensen: E[X^2] >= E[X]^2", {X: node.args[0]})
            elif isinstance(node, sp.Symbol) and node.is_integer:
                add("integer: n^2 >= n", {N: node})
    # Monotonicity of E: a hypothesis a <= b on random quantities gives E[a] <= E[b].
    if any(e.has(E) for e in pool):
        for name, hyp in relations:
            if hyp.has(E, Ek):
                continue
            small, big = (
                (hyp.lhs, hyp.rhs)
                if isinstance(hyp, (sp.LessThan, sp.StrictLessThan))
                else (hyp.rhs, hyp.lhs)
            )
            if isinstance(hyp, sp.Equality):
                out.append((f"E applied to {name}", sp.Eq(E(hyp.lhs), E(hyp.rhs), evaluate=False)))
            else:
                out.append((f"E applied to {name}", sp.Le(E(small), E(big), evaluate=False)))
    return out
