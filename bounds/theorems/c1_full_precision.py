r"""C1 — full precision: at ``q_min = 1``, ``sigma_q2 = 0``, T1-T4 are Bottou et al.'s theorems.

Assumptions
-----------
A1-A4 (and A5 for T3, T4) with exact arithmetic: ``q_k = 1`` (so ``q_min = 1``) and
``eps_k = 0`` (so ``sigma_q2 = 0``).

Bounded quantity
----------------
As in T1 (the stated bound); the reductions of T2, T3 and T4 are in :data:`REDUCTIONS`.

Theoretical guarantee (identity of statements)
----------------------------------------------
With their stepsize ``alpha = mu`` and angle constants ``mu_B = mu_G = 1`` (unbiased
gradients), ``F(x_1) − F_inf = Delta`` and ``F(x_1) − F_* = F1_gap``:

======  ===========================  =========================================
ours    Bottou, Curtis & Nocedal     full-precision bound
======  ===========================  =========================================
T1      Theorem 4.8                  ``2 Delta/(K mu) + L mu M``
T2      Theorem 4.10 (proof)         ``2 Delta + L M Σ mu_k²``
T3      Theorem 4.6                  ``L mu M/(2c) + (1 − mu c)^(k−1)(F1_gap − L mu M/(2c))``
T4      Theorem 4.7                  ``max(beta² L M/(2(beta c − 1)), (gamma+1) F1_gap)/(gamma+k)``
======  ===========================  =========================================

Each bound and each stepsize condition agrees exactly (``simplify(ours − theirs) == 0``);
without the substitution they differ (:func:`check` gives a point where they do).

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled C1 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorems 4.6, 4.7, 4.8 and 4.10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, eq, gt, le
from bounds.proof import Proof, Result, Step
from bounds.reference import bottou2018 as ref
from bounds.statement import Statement
from bounds.theorems import t1_nonconvex_fixed as t1
from bounds.theorems import t2_nonconvex_diminishing as t2
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems import t4_pl_diminishing as t4
from bounds.theorems._references import bottou, paper

__all__ = [
    "FULL_PRECISION",
    "REDUCTIONS",
    "STATEMENT",
    "Reduction",
    "ReductionCheck",
    "check",
    "proof",
    "to_ours",
]

FULL_PRECISION: dict[sp.Symbol, sp.Expr] = {sy.q_min: sp.Integer(1), sy.sigma_q2: sp.Integer(0)}
"""The substitution that turns low precision into exact arithmetic."""

_TRANSLATION: dict[sp.Basic, sp.Basic] = {
    ref.alpha: sy.mu,
    ref.alpha_seq: sy.mu_seq,
    ref.ANGLE: sp.Integer(1),
    ref.ANGLE_G: sp.Integer(1),
    ref.gap_inf: sy.Delta,
    ref.gap_star: sy.F1_gap,
    ref.L: sy.L,
    ref.M: sy.M,
    ref.M_G: sy.M_G,
    ref.c: sy.c,
    ref.beta: sy.beta,
    ref.gamma: sy.gamma,
    ref.k: sy.k,
    ref.K: sy.K,
}

# Where low precision differs from full precision: a shrinkage of 1/2 and unit quantization
# noise, with every other constant at a value where the theorems' hypotheses hold.
_COUNTER_POINT: dict[sp.Symbol, sp.Expr] = {
    sy.q_min: sp.Rational(1, 2),
    sy.sigma_q2: sp.Integer(1),
    sy.L: sp.Integer(1),
    sy.M: sp.Integer(1),
    sy.M_G: sp.Integer(1),
    sy.Delta: sp.Integer(1),
    sy.F1_gap: sp.Integer(1),
    sy.c: sp.Integer(1),
    sy.mu: sp.Rational(1, 2),
    sy.beta: sp.Integer(4),
    sy.gamma: sp.Integer(4),
    sy.K: sp.Integer(3),
    sy.k: sp.Integer(3),
}


def to_ours(expr: sp.Basic) -> sp.Basic:
    """A Bottou et al. expression in this package's symbols (``alpha -> mu``, angle ``-> 1``)."""
    return expr.xreplace(_TRANSLATION)


@dataclass(frozen=True)
class Reduction:
    """One row of the table: our theorem and theirs."""

    ours: Statement
    theirs: ref.ReferenceTheorem


REDUCTIONS = (
    Reduction(t1.STATEMENT, ref.theorem_4_8),
    Reduction(t2.STATEMENT, ref.theorem_4_10),
    Reduction(t3.STATEMENT, ref.theorem_4_6),
    Reduction(t4.STATEMENT, ref.theorem_4_7),
)


@dataclass(frozen=True)
class ReductionCheck:
    """The outcome of comparing one theorem with its reference.

    Attributes
    ----------
    ours, theirs : str
        ``"T1"`` and ``"4.8"`` etc.
    bound_difference : sympy.Expr
        ``simplify(ours at full precision − theirs)``; ``0`` when they agree.
    condition_differences : tuple of sympy.Expr
        ``simplify`` of (our side − their side) for each pair of stepsize/schedule conditions,
        both sides moved to ``lhs − rhs``; all ``0`` when they agree.
    counter_difference : sympy.Expr
        ``ours − theirs`` at a low-precision point (``q_min = 1/2``, ``sigma_q2 = 1``); non-zero
        shows the low-precision theorem is a different statement.
    counter_point : dict
        That point.
    """

    ours: str
    theirs: str
    bound_difference: sp.Expr
    condition_differences: tuple[sp.Expr, ...]
    counter_difference: sp.Expr
    counter_point: dict[sp.Symbol, sp.Expr]

    @property
    def reduces(self) -> bool:
        """Bounds and conditions agree exactly at full precision."""
        return self.bound_difference == 0 and all(d == 0 for d in self.condition_differences)

    @property
    def differs_otherwise(self) -> bool:
        """The bounds differ at the counter point."""
        return bool(self.counter_difference != 0)


def _normal(relation: sp.core.relational.Relational) -> tuple[sp.Expr, bool]:
    """``(small side − large side, strict)``: "a < b" and "b > a" are the same condition."""
    if isinstance(relation, (sp.GreaterThan, sp.StrictGreaterThan)):
        small, large = relation.rhs, relation.lhs
    else:
        small, large = relation.lhs, relation.rhs
    strict = isinstance(relation, (sp.StrictGreaterThan, sp.StrictLessThan))
    return small - large, strict


def _condition_difference(
    ours: sp.core.relational.Relational, theirs: sp.core.relational.Relational
) -> sp.Expr:
    # Sides are substituted separately: substituting into a relation can fold it to True.
    (a, a_strict), (b, b_strict) = _normal(ours), _normal(theirs)
    if a_strict != b_strict:
        return sp.nan
    return sp.simplify(a.subs(FULL_PRECISION) - to_ours(b))


def check(reduction: Reduction) -> ReductionCheck:
    """Compare ``reduction.ours`` at full precision with ``reduction.theirs``, exactly."""
    ours = reduction.ours
    theirs_bound = to_ours(reduction.theirs.bound)
    ours_full = ours.bound.subs(FULL_PRECISION)
    bound_difference = sp.simplify(ours_full - theirs_bound)
    own = [h.relation for h in ours.hypotheses]
    conditions = tuple(
        _condition_difference(a, b) for a, b in zip(own, reduction.theirs.conditions, strict=True)
    )
    counter: dict[sp.Symbol, Any] = dict(_COUNTER_POINT)
    if ours.uses_sequence:
        # A sequence bound is compared for the constant sequence mu_k = mu.
        constant_steps = (ours.bound - theirs_bound).replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == sy.mu_seq, lambda e: sy.mu
        )
        counter_difference = sp.simplify(constant_steps.subs(counter).doit())
    else:
        counter_difference = sp.simplify((ours.bound - theirs_bound).subs(counter))
    return ReductionCheck(
        ours.id,
        reduction.theirs.number,
        bound_difference,
        conditions,
        counter_difference,
        counter,
    )


STATEMENT = Statement(
    id="C1",
    title="full precision recovers Bottou, Curtis & Nocedal",
    kind="corollary",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, 1 / (sy.L * sy.M_G)), "stepsize"),
        Hypothesis("full precision: q_min = 1", eq(sy.q_min, 1), "model"),
        Hypothesis("full precision: sigma_q2 = 0", eq(sy.sigma_q2, 0), "model"),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖² (full precision)",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=t1.STATEMENT.bound.subs(FULL_PRECISION),
    horizon=sy.K,
    rate=1 / sy.K,
    references=(
        paper("C1"),
        bottou("Theorem 4.8"),
        bottou("Theorem 4.10"),
        bottou("Theorem 4.6"),
        bottou("Theorem 4.7"),
    ),
    extras=tuple(
        (f"{r.ours.id} at full precision", r.ours.bound.subs(FULL_PRECISION)) for r in REDUCTIONS
    ),
    stepsize=sy.mu,
    quantity_expr=t1.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
def _reduction_lemma(reduction: Reduction, exact: dict[str, sp.Basic]) -> Proof:
    """``ours at q_min = 1, sigma_q2 = 0`` equals the reference bound, as an exact identity."""
    start = reduction.ours.bound.subs(FULL_PRECISION)
    theirs = to_ours(reduction.theirs.bound)
    steps = (Step("=", theirs, "identity", (), None, "substitute q_min = 1, sigma_q2 = 0"),)
    name = f"C1: {reduction.ours.id} at full precision is Theorem {reduction.theirs.number}"
    return Proof(name, start, steps, sp.Eq(start, theirs, evaluate=False), exact)


def proof(statement: Statement) -> Proof:
    """C1: T1 (a checked lemma) with exact arithmetic, and the four reductions as identities.

    The chain cites T1 for the same run and substitutes ``q_min = 1``, ``sigma_q2 = 0`` (the
    statement's full-precision hypotheses); the lemmas check that T1-T4 at full precision are
    the reference's Theorems 4.8, 4.10, 4.6 and 4.7.
    """
    exact = {h.name: h.relation for h in statement.hypotheses if h.kind == "model"}
    hypotheses = tuple(h.name for h in statement.all_hypotheses)
    steps = (
        Step(
            "<=",
            t1.STATEMENT.bound,
            "monotone",
            ("T1",),
            {"terms": [(1, "T1")]},
            "T1 for the same run",
        ),
        Step("<=", statement.bound, "positivity", hypotheses, None, "q_min = 1, sigma_q2 = 0"),
    )
    lemmas: tuple[Proof | Result, ...] = (
        theorems.get("T1").as_lemma(),
        *(_reduction_lemma(r, exact) for r in REDUCTIONS),
    )
    return Proof("C1", statement.quantity_expr, steps, statement.claim(), lemmas=lemmas)
