"""Tactics: each checks one goal ``lhs REL rhs`` under the facts its step cites.

A tactic is sound: ``"proved"`` comes with an exact certificate, anything else is
``"unknown"``; refutations are the engine's (:mod:`bounds.proof.refute`), with a point that
satisfies every cited fact. A tactic sees only the cited facts, already instantiated by the
engine, and its hint, which it checks rather than trusts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sympy as sp

from bounds.proof.chain import Relation, Status
from bounds.proof.expectation import Knowledge
from bounds.proof.facts import is_relation


@dataclass(frozen=True)
class Goal:
    """``lhs rel rhs`` to be shown from ``hypotheses`` (name, claim) with rule data ``hint``."""

    lhs: sp.Expr
    rel: Relation
    rhs: sp.Expr
    hypotheses: tuple[tuple[str, Any], ...] = ()
    hint: Any = None

    @property
    def difference(self) -> sp.Expr:
        """``rhs - lhs``: the quantity that must be ``>= 0``, ``> 0`` or ``= 0``."""
        return self.rhs - self.lhs

    @cached_property
    def knowledge(self) -> Knowledge:
        """The measurability and determinism the cited facts declare."""
        return Knowledge.of(claim for _, claim in self.hypotheses)

    @property
    def relations(self) -> tuple[tuple[str, sp.Basic], ...]:
        """The cited facts that are relations (declarations left out)."""
        return tuple((n, c) for n, c in self.hypotheses if is_relation(c))

    def hypothesis(self, name: str) -> Any:
        for key, value in self.hypotheses:
            if key == name:
                return value
        raise KeyError(name)


@dataclass(frozen=True)
class TacticResult:
    """A tactic's verdict with its evidence (certificate) and a reason."""

    status: Status
    evidence: Any = None
    message: str = ""


Tactic = Callable[[Goal], TacticResult]


def registry() -> dict[str, Tactic]:
    """Name -> tactic for every rule a :class:`~bounds.proof.chain.Step` may cite."""
    from bounds.proof.tactics import (
        expectation,
        identity,
        monotone,
        positivity,
        products,
        sos,
        telescope,
    )

    return {
        "identity": identity.check,
        "positivity": positivity.check,
        "products": products.check,
        "sos": sos.check,
        "monotone": monotone.check,
        "expectation": expectation.check,
        "telescope": telescope.check,
    }


def shows(claim: sp.Basic, facts: tuple[tuple[str, Any], ...], degree: int = 1) -> bool:
    """Whether the inequality ``claim`` is a fact, or follows by positivity or products.

    Meant for side conditions (``p > 0`` before citing ``sqrt(p) > 0``): only the facts that
    share a symbol with ``claim`` take part.
    """
    from bounds.proof.chain import relation_of
    from bounds.proof.tactics import positivity, products

    if claim is sp.true or claim is sp.false:
        # SymPy decided it while the instance was built (sqrt(2) > 0).
        return claim is sp.true
    if any(claim == fact for _, fact in facts):
        return True
    lhs, rel, rhs = relation_of(claim)
    if rel == "=":
        return False
    symbols = claim.free_symbols
    near = tuple((n, f) for n, f in facts if isinstance(f, sp.Basic) and f.free_symbols & symbols)
    goal = Goal(lhs, rel, rhs, near, {"degree": degree})
    return any(t(goal).status == "proved" for t in (positivity.check, products.check))
