"""The model's assumptions A1-A5 (docs/spec.md section 2) as objects: the relations they impose
on the constants, and what they mean.

Each assumption is a frozen :class:`Assumption` holding named :class:`Hypothesis` relations in
the symbols of :mod:`bounds.symbols`; the theorem statements (:mod:`bounds.theorems`) carry the
assumptions they rest on, and check numbers against exactly those relations. The stochastic
parts (``E_k[g_k] = grad F(x_k)``, ``E_k[eps_k | g_k] = 0``) are statements about random
variables; they are recorded in :attr:`Assumption.model` and used by the proof checker's
expectation rules, while :attr:`Assumption.relations` are what numbers can violate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import sympy as sp

from bounds import symbols as sy

__all__ = [
    "A1",
    "A2",
    "A3",
    "A4",
    "A5",
    "ASSUMPTIONS",
    "Assumption",
    "Hypothesis",
    "all",
    "eq",
    "ge",
    "get",
    "gt",
    "le",
    "lt",
]

HypothesisKind = Literal["domain", "stepsize", "schedule", "model"]


# Relations are built unevaluated: SymPy would fold ``mu > 0`` to ``True`` from the symbol's
# assumptions, and a hypothesis must stay a relation that numbers can be checked against.
def le(lhs: sp.Expr, rhs: sp.Expr) -> sp.core.relational.Relational:
    """``lhs <= rhs``, unevaluated."""
    return sp.LessThan(lhs, rhs, evaluate=False)


def lt(lhs: sp.Expr, rhs: sp.Expr) -> sp.core.relational.Relational:
    """``lhs < rhs``, unevaluated."""
    return sp.StrictLessThan(lhs, rhs, evaluate=False)


def ge(lhs: sp.Expr, rhs: sp.Expr) -> sp.core.relational.Relational:
    """``lhs >= rhs``, unevaluated."""
    return sp.GreaterThan(lhs, rhs, evaluate=False)


def gt(lhs: sp.Expr, rhs: sp.Expr) -> sp.core.relational.Relational:
    """``lhs > rhs``, unevaluated."""
    return sp.StrictGreaterThan(lhs, rhs, evaluate=False)


def eq(lhs: sp.Expr, rhs: sp.Expr) -> sp.core.relational.Relational:
    """``lhs = rhs``, unevaluated."""
    return sp.Eq(lhs, rhs, evaluate=False)


@dataclass(frozen=True)
class Hypothesis:
    """A named relation between constants, e.g. ``"stepsize condition": mu <= 1/(L M_G)``.

    Attributes
    ----------
    name : str
        Short name used in messages and by :meth:`Statement.violated_hypotheses`.
    relation : sympy.core.relational.Relational
        The relation, in the symbols of :mod:`bounds.symbols`.
    kind : {"domain", "stepsize", "schedule", "model"}
        What it constrains: a constant's range, a stepsize, a schedule's parameters, or the
        model (e.g. ``q_k = q_min`` when the shrinkage is known).
    for_all : (k, first, last) or None
        The relation is required at every integer ``k`` from ``first`` to ``last`` (T2's
        ``mu_k <= 1/(L M_G)`` for ``k = 1..K``); ``None`` for a plain relation.
    """

    name: str
    relation: sp.core.relational.Relational
    kind: HypothesisKind = "domain"
    for_all: tuple[sp.Symbol, sp.Expr, sp.Expr] | None = None

    def latex(self) -> str:
        """The relation in LaTeX."""
        return str(sp.latex(self.relation))


@dataclass(frozen=True)
class Assumption:
    """One of A1-A5.

    Attributes
    ----------
    name : str
        ``"A1"`` ... ``"A5"``.
    title : str
        A few words.
    meaning : str
        One sentence: what the assumption says about the problem or the quantizer.
    model : str
        The assumption as written in docs/spec.md section 2 (including its stochastic part).
    relations : tuple of Hypothesis
        The relations it imposes on the constants.
    """

    name: str
    title: str
    meaning: str
    model: str
    relations: tuple[Hypothesis, ...]

    def latex(self) -> str:
        """The relations, joined by commas, in LaTeX."""
        return ",\\quad ".join(h.latex() for h in self.relations)


A1 = Assumption(
    "A1",
    "smooth and bounded below",
    "The objective's gradient is L-Lipschitz and the objective is bounded below, so the "
    "initial gap Delta = F(x_1) - F_inf is finite and non-negative.",
    "‖∇F(x) − ∇F(y)‖ ≤ L‖x − y‖ and F ≥ F_inf",
    (
        Hypothesis("A1: L > 0", gt(sy.L, 0)),
        Hypothesis("A1: Delta >= 0", ge(sy.Delta, 0)),
    ),
)
A2 = Assumption(
    "A2",
    "unbiased gradients with bounded second moment",
    "Stochastic gradients are unbiased and their variance grows at most affinely with the "
    "squared gradient norm, so their second moment is at most M + M_G‖∇F‖² with M_G = 1 + M_V.",
    "E_k[g_k] = ∇F(x_k), E_k‖g_k‖² ≤ M + M_G‖∇F(x_k)‖²",
    (
        Hypothesis("A2: M >= 0", ge(sy.M, 0)),
        Hypothesis("A2: M_V >= 0", ge(sy.M_V, 0)),
        Hypothesis("A2: M_G = 1 + M_V", eq(sy.M_G, 1 + sy.M_V)),
    ),
)
A3 = Assumption(
    "A3",
    "bounded shrinkage",
    "Quantization scales the stochastic gradient by a history-determined factor q_k that "
    "never exceeds 1 and never falls below q_min > 0.",
    "q_k is measurable w.r.t. the history and q_min ≤ q_k ≤ 1",
    (
        Hypothesis("A3: q_min > 0", gt(sy.q_min, 0)),
        Hypothesis("A3: q_min <= 1", le(sy.q_min, 1)),
        Hypothesis("A3: q_k >= q_min", ge(sy.q_k, sy.q_min)),
        Hypothesis("A3: q_k <= 1", le(sy.q_k, 1)),
    ),
)
A4 = Assumption(
    "A4",
    "zero-mean quantization noise",
    "The additive quantization error has zero conditional mean given the stochastic gradient "
    "and a second moment of at most sigma_q2.",
    "E_k[eps_k | g_k] = 0 and E_k‖eps_k‖² ≤ sigma_q2",
    (Hypothesis("A4: sigma_q2 >= 0", ge(sy.sigma_q2, 0)),),
)
A5 = Assumption(
    "A5",
    "Polyak-Lojasiewicz inequality",
    "The squared gradient norm dominates the optimality gap, ‖∇F‖² ≥ 2c(F − F_star) with "
    "0 < c ≤ L (implied by c-strong convexity); used by T3 and T4 only.",
    "‖∇F(x)‖² ≥ 2c(F(x) − F_star)",
    (
        Hypothesis("A5: c > 0", gt(sy.c, 0)),
        Hypothesis("A5: c <= L", le(sy.c, sy.L)),
        Hypothesis("A5: F1_gap >= 0", ge(sy.F1_gap, 0)),
    ),
)

ASSUMPTIONS: dict[str, Assumption] = {a.name: a for a in (A1, A2, A3, A4, A5)}


def all() -> tuple[Assumption, ...]:
    """A1-A5 in order."""
    return tuple(ASSUMPTIONS.values())


def get(name: str) -> Assumption:
    """The assumption called ``name`` (``"A1"`` ... ``"A5"``).

    Raises
    ------
    ValueError
        If ``name`` is not one of them (the message lists the names).
    """
    if name not in ASSUMPTIONS:
        raise ValueError(f"unknown assumption {name!r}; known: {', '.join(ASSUMPTIONS)}")
    return ASSUMPTIONS[name]
