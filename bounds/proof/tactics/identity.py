"""Exact identity: ``rhs - lhs`` is the zero rational function.

Sums are split by linearity and expectations pushed inward first (both are identities); then
``cancel`` of ``together`` decides the difference exactly, with ``expand`` as a second form,
never ``simplify``'s heuristics.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from bounds.proof import expectation, sums
from bounds.proof.tactics import Goal, TacticResult


def canonical(expr: sp.Expr, hint: object = None) -> sp.Expr:
    """``expr`` with sums split and expectations pushed in (as declared by ``hint``)."""
    measurable: tuple[sp.Symbol, ...] = ()
    deterministic: tuple[sp.Symbol, ...] = ()
    if isinstance(hint, Mapping):
        measurable = tuple(hint.get("measurable", ()))
        deterministic = tuple(hint.get("deterministic", ()))
    expr = sums.normalize(sp.expand(expr))
    expr = expectation.normalize(expr, measurable, deterministic)
    return sums.normalize(sp.expand(expr))


def is_zero(expr: sp.Expr, hint: object = None) -> bool:
    """Whether ``expr`` is exactly zero as a rational function of its atoms."""
    expr = canonical(expr, hint)
    if sp.expand(expr) == 0:
        return True
    return sp.cancel(sp.together(expr)) == 0


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs = rhs`` (which also gives ``<=``); ``<`` never follows from an identity."""
    if goal.rel == "<":
        return TacticResult("unknown", None, "an identity cannot prove a strict inequality")
    if is_zero(goal.difference, goal.hint):
        return TacticResult("proved", {"rhs - lhs": "0"}, "rhs - lhs cancels to 0")
    residue = sp.cancel(sp.together(canonical(goal.difference, goal.hint)))
    return TacticResult("unknown", None, f"rhs - lhs does not cancel: it is {residue}")
