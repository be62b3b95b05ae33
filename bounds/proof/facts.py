"""What a proof may stand on: named facts, schemas of facts, and citations of them.

A fact's claim is a SymPy relation (``a <= b``, ``a < b``, ``Eq(a, b)``, or the reversed forms),
or a declaration about random quantities that the expectation rules need:

* :class:`Measurable` -- the listed quantities are determined by the history up to step ``k``,
  so the conditional expectation ``Ek`` treats them as known;
* :class:`Deterministic` -- the listed quantities are not random at all, so ``E`` and ``Ek``
  treat them as numbers.

A fact may belong to a :class:`Schema`: "for every integer ``index`` in ``[low, high]`` there
are values of the ``locals`` for which all facts of the schema hold". That is how a model speaks
about step ``k`` of a run: the per-step random quantities are the locals, the schema's facts hold
at every step, and a lemma proved at a generic step holds at every step. Proofs cite facts by
name, or through a :class:`Cite` that instantiates, sums or takes expectations of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import sympy as sp
from sympy.core.function import AppliedUndef, UndefinedFunction

__all__ = [
    "Cite",
    "Claim",
    "Deterministic",
    "Fact",
    "Measurable",
    "Premises",
    "Schema",
    "claim_text",
    "is_relation",
]


def _heads(items: Iterable[object]) -> frozenset[object]:
    out = []
    for item in items:
        if isinstance(item, (sp.Symbol, sp.IndexedBase, UndefinedFunction)) or (
            isinstance(item, type) and issubclass(item, sp.Function)
        ):
            out.append(item)
        else:
            raise ValueError(
                "a measurability or determinism declaration lists symbols, IndexedBase "
                f"sequences or function classes, got {item!r}"
            )
    return frozenset(out)


@dataclass(frozen=True)
class Measurable:
    """The quantities ``atoms`` are determined by the history up to the current step."""

    atoms: frozenset[object]

    def __init__(self, *atoms: object) -> None:
        object.__setattr__(self, "atoms", _heads(atoms))

    def __str__(self) -> str:
        return f"Measurable({', '.join(sorted(map(str, self.atoms)))})"


@dataclass(frozen=True)
class Deterministic:
    """The quantities ``atoms`` are not random (constants, schedules, expectations)."""

    atoms: frozenset[object]

    def __init__(self, *atoms: object) -> None:
        object.__setattr__(self, "atoms", _heads(atoms))

    def __str__(self) -> str:
        return f"Deterministic({', '.join(sorted(map(str, self.atoms)))})"


Claim: TypeAlias = "sp.Basic | Measurable | Deterministic"


def is_relation(claim: object) -> bool:
    """Whether ``claim`` is a SymPy relation the tactics can use (not a declaration)."""
    return isinstance(claim, sp.core.relational.Relational)


def claim_text(claim: object) -> str:
    """A claim as text for reports."""
    return str(claim)


@dataclass(frozen=True)
class Schema:
    """For every integer ``index`` in ``[low, high]`` there are ``locals`` making its facts hold.

    Parameters
    ----------
    index
        An integer symbol (``k``).
    low, high
        The range of the index; ``high = None`` means unbounded above.
    locals
        The quantities that exist separately at every value of the index (the random
        quantities of step ``k`` and its conditional expectation): symbols or function classes.
        A conclusion that mentions them speaks about one step and cannot be moved to another.
    name
        For messages.
    """

    index: sp.Symbol
    low: sp.Expr
    high: sp.Expr | None = None
    locals: tuple[object, ...] = ()
    name: str = "schema"

    def __post_init__(self) -> None:
        if not isinstance(self.index, sp.Symbol) or self.index.is_integer is not True:
            raise ValueError(f"a schema's index must be an integer symbol, got {self.index!r}")

    def mentions_locals(self, expr: object) -> bool:
        """Whether ``expr`` involves one of the locals."""
        if isinstance(expr, (Measurable, Deterministic)):
            return bool(expr.atoms & set(self.locals))
        if not isinstance(expr, sp.Basic):
            return False
        for item in self.locals:
            if isinstance(item, sp.Symbol) and item in expr.free_symbols:
                return True
            if isinstance(item, type) and expr.has(item):
                return True
            if isinstance(item, UndefinedFunction) and any(
                a.func == item for a in expr.atoms(AppliedUndef)
            ):
                return True
        return False


@dataclass(frozen=True)
class Fact:
    """A named claim, optionally one of a :class:`Schema`'s facts.

    A ``definition`` is ``Eq(symbol, expr)`` introducing a new name: the engine checks that the
    symbol occurs in no other premise and not in the claim to be proved, so the definition
    cannot add content to the statement (a conservative extension).
    """

    claim: Claim
    schema: Schema | None = None
    definition: bool = False


@dataclass(frozen=True)
class Premises:
    """Everything a statement grants its proof: named facts (closed or schematic)."""

    facts: Mapping[str, Fact] = field(default_factory=dict)

    @staticmethod
    def closed(facts: Mapping[str, Claim]) -> Premises:
        """Premises from plain named claims (no schema)."""
        return Premises({name: Fact(claim) for name, claim in facts.items()})


Wrap = Literal["E", "Ek"]


@dataclass(frozen=True)
class Cite:
    """A citation that transforms what it cites before a tactic sees it.

    Parameters
    ----------
    name
        The fact, lemma or elementary fact cited.
    at
        A substitution of the cited result's variables (a lemma's free symbols, a schema's
        index, an elementary fact's variables); every premise it needs is discharged again at
        the substituted values.
    over
        ``(k, a, b)``: the cited claim, at every integer ``k`` in ``[a, b]``, summed over them
        (``Sum(lhs) rel Sum(rhs)``); needs ``b >= a - 1`` and a claim that holds at every such
        ``k`` (a schematic fact or a lemma in ``k``).
    wrap
        ``"E"`` or ``"Ek"``: take (conditional) expectations of both sides (monotonicity).
    """

    name: str
    at: tuple[tuple[sp.Basic, sp.Basic], ...] = ()
    over: tuple[sp.Symbol, sp.Expr, sp.Expr] | None = None
    wrap: Wrap | None = None

    def __init__(
        self,
        name: str,
        at: Mapping[sp.Basic, sp.Basic] | Iterable[tuple[sp.Basic, sp.Basic]] = (),
        over: tuple[sp.Symbol, sp.Expr, sp.Expr] | None = None,
        wrap: Wrap | None = None,
    ) -> None:
        items = tuple(at.items()) if isinstance(at, Mapping) else tuple(at)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "at", tuple((k, sp.sympify(v)) for k, v in items))
        if over is not None:
            over = (over[0], sp.sympify(over[1]), sp.sympify(over[2]))
        object.__setattr__(self, "over", over)
        object.__setattr__(self, "wrap", wrap)

    def __str__(self) -> str:
        parts = [self.name]
        if self.at:
            parts.append("at " + ", ".join(f"{k} = {v}" for k, v in self.at))
        if self.over is not None:
            k, a, b = self.over
            parts.append(f"summed over {k} = {a}..{b}")
        if self.wrap:
            parts.append(f"under {self.wrap}")
        return " ".join(parts)
