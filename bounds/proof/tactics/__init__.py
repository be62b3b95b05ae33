"""Tactics: each checks one goal ``lhs REL rhs`` under named hypotheses and returns a verdict.

A tactic is sound: ``"proved"`` comes with an exact certificate that the engine could
re-check, ``"refuted"`` with an exact counterexample; anything else is ``"unknown"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sympy as sp

from bounds.proof.chain import Relation, Status


@dataclass(frozen=True)
class Goal:
    """``lhs rel rhs`` to be shown from ``hypotheses`` (name, relation) with rule data ``hint``."""

    lhs: sp.Expr
    rel: Relation
    rhs: sp.Expr
    hypotheses: tuple[tuple[str, sp.Basic], ...] = ()
    hint: Any = None

    @property
    def difference(self) -> sp.Expr:
        """``rhs - lhs``: the quantity that must be ``>= 0``, ``> 0`` or ``= 0``."""
        return self.rhs - self.lhs

    def hypothesis(self, name: str) -> sp.Basic:
        for key, value in self.hypotheses:
            if key == name:
                return value
        raise KeyError(name)


@dataclass(frozen=True)
class TacticResult:
    """A tactic's verdict with its evidence (certificate or counterexample) and a reason."""

    status: Status
    evidence: Any = None
    message: str = ""


Tactic = Callable[[Goal], TacticResult]


def registry() -> dict[str, Tactic]:
    """Name -> tactic for every rule a :class:`~bounds.proof.chain.Step` may cite."""
    from bounds.proof.tactics import (
        expectation,
        identity,
        induction,
        monotone,
        positivity,
        products,
        telescope,
    )

    return {
        "identity": identity.check,
        "positivity": positivity.check,
        "products": products.check,
        "monotone": monotone.check,
        "expectation": expectation.check,
        "telescope": telescope.check,
        "induction": induction.check,
    }
