"""Proofs as data: a chain ``e_0 REL e_1 REL ... REL e_n`` whose steps name their rule.

A :class:`Proof` is inert (frozen dataclasses, SymPy expressions); :mod:`bounds.proof.engine`
checks it. Keeping the two apart, in the spirit of SymPy's ``ReplaceOptim`` rules applied by a
separate optimiser, means a proof can be printed, compared and re-checked without running it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

import sympy as sp

from bounds.proof.facts import Cite, Claim, Premises

Relation = Literal["=", "<=", "<"]
Status = Literal["proved", "refuted", "unknown"]

RELATIONS: tuple[Relation, ...] = ("=", "<=", "<")


def compose(first: Relation, second: Relation) -> Relation:
    """Relation of ``a ? c`` from ``a first b`` and ``b second c``: any ``<`` wins, ``=`` keeps."""
    if "<" in (first, second):
        return "<"
    if "<=" in (first, second):
        return "<="
    return "="


def implies(chain: Relation, claim: Relation) -> bool:
    """Whether a chain with relation ``chain`` establishes a claim with relation ``claim``.

    ``=`` gives ``=`` and ``<=``; ``<`` gives ``<`` and ``<=``; ``<=`` gives only ``<=``. A strict
    claim needs a strict link somewhere in the chain.
    """
    if claim == "=":
        return chain == "="
    if claim == "<":
        return chain == "<"
    return True


def relation_of(claim: sp.Basic) -> tuple[sp.Expr, Relation, sp.Expr]:
    """Split a SymPy relational into ``(lhs, rel, rhs)`` with ``rel`` in ``=, <=, <``.

    ``a >= b`` and ``a > b`` are turned around into ``b <= a`` and ``b < a``.

    Raises
    ------
    ValueError
        If ``claim`` is not one of ``Eq, Le, Lt, Ge, Gt``.
    """
    if isinstance(claim, sp.Equality):
        return claim.lhs, "=", claim.rhs
    if isinstance(claim, sp.LessThan):
        return claim.lhs, "<=", claim.rhs
    if isinstance(claim, sp.StrictLessThan):
        return claim.lhs, "<", claim.rhs
    if isinstance(claim, sp.GreaterThan):
        return claim.rhs, "<=", claim.lhs
    if isinstance(claim, sp.StrictGreaterThan):
        return claim.rhs, "<", claim.lhs
    raise ValueError(
        f"claim must be a SymPy relation (==, <=, <, >=, >), got {type(claim).__name__}: {claim!r}"
    )


def make_relational(lhs: sp.Expr, rel: Relation, rhs: sp.Expr) -> sp.Basic:
    """Build ``lhs rel rhs`` without letting SymPy evaluate it to ``True``/``False``."""
    cls = {"=": sp.Eq, "<=": sp.Le, "<": sp.Lt}[rel]
    return cls(lhs, rhs, evaluate=False)


Citation: TypeAlias = "str | Cite"


@dataclass(frozen=True)
class Step:
    """One link ``previous REL expr`` of a chain.

    Parameters
    ----------
    rel
        ``"="``, ``"<="`` or ``"<"``: how the previous expression relates to ``expr``.
    expr
        The new right-hand expression.
    rule
        Name of the tactic that justifies the link (see :func:`bounds.proof.tactics.registry`),
        or ``"induction"``.
    uses
        The facts the rule may use: names, or :class:`~bounds.proof.facts.Cite` objects that
        instantiate, sum or take expectations of a fact or lemma. Nothing else reaches the
        tactic, and every name must be a premise, a definition, a checked lemma or an
        elementary fact (:mod:`bounds.proof.elementary`).
    hint
        Tactic data (multipliers, an LP degree, induction data). Hints are checked, never
        trusted: no hint can add a fact.
    note
        Human-readable justification for the report.
    """

    rel: Relation
    expr: sp.Expr
    rule: str
    uses: tuple[Citation, ...] = ()
    hint: Any = None
    note: str = ""


@dataclass(frozen=True)
class Proof:
    """A chain proof of ``target`` from named ``hypotheses``.

    Parameters
    ----------
    name
        Identifier shown in reports, e.g. ``"T1"``.
    start
        ``e_0``, the left-hand side the chain starts from.
    steps
        The links ``e_{i-1} REL_i e_i``.
    target
        The claim the chain must yield, ``lhs REL rhs``.
    hypotheses
        Named claims the proof assumes. Checked on its own, a proof proves
        ``hypotheses => target``. Checked against a statement's premises, every hypothesis must
        be one of them (same name, same claim). As a lemma, its hypotheses are discharged
        wherever the lemma is used.
    lemmas
        Sub-proofs (or checked :class:`Result` s) a step may cite by name; each is checked in
        the root premises plus its own hypotheses, and used only where its hypotheses are
        discharged.
    """

    name: str
    start: sp.Expr
    steps: tuple[Step, ...]
    target: sp.Basic
    hypotheses: Mapping[str, Claim] = field(default_factory=dict)
    lemmas: tuple[Proof | Result, ...] = ()


@dataclass(frozen=True)
class Result:
    """A result checked in its own right (a statement with its proof), cited as a lemma.

    ``proof`` must prove ``claim`` from ``premises``; where it is used, the premises its proof
    actually needed are discharged by the citing proof's facts, after the citation's
    substitution.
    """

    name: str
    proof: Proof
    premises: Premises
    claim: sp.Basic


@dataclass(frozen=True)
class StepResult:
    """The checker's verdict on one step (or on the final chaining)."""

    index: int
    claim: str
    rule: str
    status: Status
    evidence: Any
    message: str
    seconds: float


@dataclass(frozen=True)
class ProofReport:
    """Per-step verdicts of one proof, its lemmas' reports and the chaining verdict."""

    name: str
    target: str
    steps: tuple[StepResult, ...]
    lemmas: tuple[ProofReport, ...]
    chain: StepResult
    seconds: float
    #: Problems with the proof as a whole (premises, definitions, conclusion vs statement).
    problems: tuple[str, ...] = ()
    #: The premises the proof used, by name.
    used: tuple[str, ...] = ()

    @property
    def status(self) -> Status:
        """``"proved"`` iff every lemma, step and the chaining is proved and nothing is amiss."""
        verdicts = [s.status for s in self.steps] + [self.chain.status]
        verdicts += [lemma.status for lemma in self.lemmas]
        if self.problems:
            verdicts.append("unknown")
        if all(v == "proved" for v in verdicts):
            return "proved"
        return "refuted" if "refuted" in verdicts else "unknown"

    @property
    def n_steps(self) -> int:
        """Number of checked steps, lemmas' included."""
        return len(self.steps) + sum(lemma.n_steps for lemma in self.lemmas)

    @property
    def n_proved(self) -> int:
        """Number of proved steps, lemmas' included."""
        own = sum(s.status == "proved" for s in self.steps)
        return own + sum(lemma.n_proved for lemma in self.lemmas)

    def failures(self) -> list[tuple[str, StepResult]]:
        """``(proof name, step)`` for every step that is not proved, lemmas first."""
        out: list[tuple[str, StepResult]] = []
        for lemma in self.lemmas:
            out += lemma.failures()
        out += [(self.name, s) for s in (*self.steps, self.chain) if s.status != "proved"]
        return out
