"""Pieces shared by the refined statements of issue 12 (``T1.sharp`` ... ``T3.matrix``).

Lemma 3 before its last step (the descent lemma with Lemmas 1-2) reads

    E_k F(x_{k+1}) − F(x_k) <= −m phi(q_k) ‖∇F_k‖² + (m²/2) N_k,   phi(q) = q (1 − L m M_G q/2),

at nominal stepsize ``m``, with the noise term ``N_k = L (q_k² M + sigma_q2)``. The paper bounds
``phi(q_k) >= q_min/2`` and ``q_k² M <= M``. The refined statements keep
``phi(q_min) = q_min (2 − L m M_G q_min)/2`` instead: ``phi'(q) = 1 − L m M_G q >= 0`` on
``[0, 1]`` when ``L m M_G <= 1``, so ``phi(q_k) >= phi(q_min)``. Everything T1 and T3 divide by
``q_min/2`` they then divide by ``phi(q_min)``, i.e. the paper's bound over the
:func:`descent_factor` ``2 − L m M_G q_min``, which lies in ``[1, 2)``.

This module holds that factor, the two bound shapes built from it (T1's average and T3's linear
rate to a floor) and the two assumptions the refined statements add to A1-A5.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import Assumption, Hypothesis, ge, gt, le
from bounds.proof import Cite, Premises, Proof, Result, Step
from bounds.statement import Statement

__all__ = [
    "KNOWN_SHRINKAGE",
    "MATRIX_SMOOTHNESS",
    "SAFARYAN",
    "averaged_bound",
    "descent_factor",
    "pl_bound",
    "pl_contraction",
    "pl_floor",
]

SAFARYAN = (
    'M. Safaryan, F. Hanzely and P. Richtárik, "Smoothness Matrices Beat Smoothness Constants: '
    'Better Communication Compression Techniques for Distributed Optimization", NeurIPS 2021'
)

KNOWN_SHRINKAGE = Assumption(
    "A3 (known q)",
    "known constant shrinkage",
    "Quantization scales every stochastic gradient by the same known factor q in (0, 1] "
    "(A3 with q_k = q_min = q).",
    "q_k = q for every k, 0 < q <= 1, q known",
    (
        Hypothesis("A3: q > 0", gt(sy.q, 0)),
        Hypothesis("A3: q <= 1", le(sy.q, 1)),
    ),
)

MATRIX_SMOOTHNESS = Assumption(
    "A1-A4 (matrix)",
    "matrix smoothness, Lmat-weighted noise",
    "The objective has a quadratic upper model with a matrix 0 <= Lmat <= L I, and the noise "
    "constants are measured in the Lmat-norm (A2 and A4 give M_L = L M, sigma_qL = L sigma_q2).",
    "F(y) <= F(x) + ∇F(x)ᵀ(y − x) + (1/2)(y − x)ᵀ Lmat (y − x) with 0 ⪯ Lmat ⪯ L I; "
    "E_k[(g_k − ∇F)ᵀ Lmat (g_k − ∇F)] <= M_L + L M_V‖∇F(x_k)‖²; E_k[eps_kᵀ Lmat eps_k] <= sigma_qL",
    (
        Hypothesis("A2 (matrix): M_L >= 0", ge(sy.M_L, 0)),
        Hypothesis("A4 (matrix): sigma_qL >= 0", ge(sy.sigma_qL, 0)),
    ),
)


def descent_factor(stepsize: sp.Expr, shrinkage: sp.Expr) -> sp.Expr:
    """``2 − L m M_G q``: twice ``phi(q)/q`` at nominal stepsize ``m`` and shrinkage ``q``."""
    return 2 - sy.L * stepsize * sy.M_G * shrinkage


def averaged_bound(stepsize: sp.Expr, shrinkage: sp.Expr, noise: sp.Expr) -> sp.Expr:
    """T1's shape: ``2 Delta/(K m q t) + m N/(q t)`` with ``t`` the :func:`descent_factor`.

    Lemma 3 with ``phi(q)`` kept, summed over ``k = 1..K``, telescoped and divided by
    ``K m phi(q)``; ``N`` is the noise term's constant (``L S`` for T1.sharp).
    """
    factor = descent_factor(stepsize, shrinkage)
    return 2 * sy.Delta / (sy.K * stepsize * shrinkage * factor) + stepsize * noise / (
        shrinkage * factor
    )


def pl_contraction(stepsize: sp.Expr, shrinkage: sp.Expr) -> sp.Expr:
    """``1 − 2 m c phi(q) = 1 − m c q (2 − L m M_G q)``: Lemma 3 with ``phi(q)`` kept, then PL."""
    return 1 - stepsize * sy.c * shrinkage * descent_factor(stepsize, shrinkage)


def pl_floor(stepsize: sp.Expr, shrinkage: sp.Expr, noise: sp.Expr) -> sp.Expr:
    """The recursion's fixed point ``(m² N/2)/(2 m c phi(q)) = m N/(2 c q t)``."""
    return stepsize * noise / (2 * sy.c * shrinkage * descent_factor(stepsize, shrinkage))


def pl_bound(floor: sp.Expr, contraction: sp.Expr) -> sp.Expr:
    """T3's shape: ``floor + contraction^(k−1) (F1_gap − floor)`` (the recursion unrolled)."""
    return floor + contraction ** (sy.k - 1) * (sy.F1_gap - floor)


# ----------------------------------------------------------------------------- comparisons
# Linear-rate bounds P(k) = F + a^(k-1)(F1 - F) (paper) and R(k) = G + b^(k-1)(F1 - G)
# (refined). If 0 <= b <= a <= 1, F, F1 >= 0 and (1 - b) G <= (1 - a) F, then R(k) <= P(k) for
# every k >= 1: by induction, R(k+1) = G + b (R(k) - G) <= G + b (P(k) - G) <= F + a (P(k) - F)
# = P(k+1), the last step because (a - b) P(k) >= 0 (P(k) >= 0 by its own induction) and
# (1 - a) F - (1 - b) G >= 0. Proved once in symbols; each comparison cites it at its rates.
_A, _B, _F, _G, _F1 = sp.symbols("a b F G F1", real=True)
_RATE_HYPOTHESES: dict[str, sp.Basic] = {
    "0 <= b": sp.Le(0, _B, evaluate=False),
    "b <= a": sp.Le(_B, _A, evaluate=False),
    "a <= 1": sp.Le(_A, 1, evaluate=False),
    # implied by the two above; stated so that a - b >= 0 is seen by slack substitution
    "b <= 1": sp.Le(_B, 1, evaluate=False),
    "0 <= F": sp.Le(0, _F, evaluate=False),
    "0 <= F1": sp.Le(0, _F1, evaluate=False),
    "(1 - b) G <= (1 - a) F": sp.Le((1 - _B) * _G, (1 - _A) * _F, evaluate=False),
}
LINEAR_RATE_COMPARISON = "linear-rate bounds: the smaller rate and floor give the smaller bound"


def _unrolled(floor: sp.Expr, rate: sp.Expr) -> sp.Lambda:
    return sp.Lambda(sy.k, floor + rate ** (sy.k - 1) * (_F1 - floor))


def _by_induction(
    name: str,
    sequence: sp.Lambda,
    bound: sp.Lambda,
    base_steps: tuple[Step, ...],
    inductive_steps: tuple[Step, ...],
    hypothesis: str,
    lemmas: tuple[Proof, ...] = (),
) -> Proof:
    """``sequence(k) <= bound(k)`` for every ``k >= 1`` from the two chains given."""
    k = sy.k
    base = Proof(
        f"{name}: base case", sequence(1), base_steps, sp.Le(sequence(1), bound(1), evaluate=False)
    )
    inductive = Proof(
        f"{name}: inductive step",
        sequence(k + 1),
        inductive_steps,
        sp.Le(sequence(k + 1), bound(k + 1), evaluate=False),
        {hypothesis: sp.Le(sequence(k), bound(k), evaluate=False)},
        lemmas=lemmas,
    )
    hint = {
        "index": k,
        "start": 1,
        "sequence": sequence,
        "bound": bound,
        "base": base.name,
        "step": inductive.name,
    }
    step = Step("<=", bound(k), "induction", (base.name, inductive.name), hint, "induction on k")
    return Proof(
        name,
        sequence(k),
        (step,),
        sp.Le(sequence(k), bound(k), evaluate=False),
        lemmas=(base, inductive),
    )


def linear_rate_comparison() -> Proof:
    """The lemma :data:`LINEAR_RATE_COMPARISON`: ``R(k) <= P(k)`` from its hypotheses."""
    k = sy.k
    paper, refined = _unrolled(_F, _A), _unrolled(_G, _B)
    facts = tuple(_RATE_HYPOTHESES)
    floor_gap = "(1 - b) G <= (1 - a) F"
    hypothesis = "induction hypothesis: 0 <= P(k)"
    nonnegative = _by_induction(
        "0 <= P(k)",
        sp.Lambda(k, sp.Integer(0)),
        paper,
        (
            Step("<=", _F1, "monotone", ("0 <= F1",), {"terms": [(1, "0 <= F1")]}, "F1 >= 0"),
            Step("=", paper(1), "identity", (), None, "P(1) = F1"),
        ),
        (
            Step(
                "<=",
                paper(k + 1),
                "monotone",
                (hypothesis, *facts),
                {"terms": [(_A, hypothesis), (_F, "a <= 1")]},
                "P(k+1) = a P(k) + (1 - a) F",
            ),
        ),
        hypothesis,
    )
    hypothesis = "induction hypothesis: R(k) <= P(k)"
    ordered = _by_induction(
        LINEAR_RATE_COMPARISON,
        refined,
        paper,
        (Step("=", paper(1), "identity", (), None, "both are F1 at k = 1"),),
        (
            Step(
                "=", _G + _B * (refined(k) - _G), "identity", (), None, "R(k+1) = G + b (R(k) - G)"
            ),
            Step(
                "<=",
                _G + _B * (paper(k) - _G),
                "monotone",
                (hypothesis, *facts),
                {"terms": [(_B, hypothesis)]},
                "the induction hypothesis times b >= 0",
            ),
            Step(
                "<=",
                paper(k + 1),
                "monotone",
                (nonnegative.name, *facts),
                {"terms": [(_A - _B, nonnegative.name), (1, floor_gap)]},
                "(a - b) P(k) >= 0 and (1 - a) F >= (1 - b) G",
            ),
        ),
        hypothesis,
        (nonnegative,),
    )
    return ordered


@functools.lru_cache(maxsize=1)
def linear_rate_lemma() -> Result:
    """:func:`linear_rate_comparison` as a checked result (its hypotheses are its premises,
    so its inner inductions see them); one object, so it is checked once."""
    proof = linear_rate_comparison()
    return Result(
        LINEAR_RATE_COMPARISON,
        proof,
        Premises.closed(_RATE_HYPOTHESES),
        sp.Le(proof.start, proof.target.rhs, evaluate=False),
    )


def compare_linear_rates(
    name: str,
    refined: tuple[sp.Expr, sp.Expr],
    paper: tuple[sp.Expr, sp.Expr],
    hypotheses: Mapping[str, sp.Basic],
) -> Proof:
    """``refined bound <= paper bound`` for linear-rate bounds given as ``(floor, rate)``.

    Cites :func:`linear_rate_comparison` at the two rates and floors; its hypotheses are
    discharged from ``hypotheses`` (the shared ones), each by an automatic proof.
    """
    (floor_r, rate_r), (floor_p, rate_p) = refined, paper
    at = {_A: rate_p, _B: rate_r, _F: floor_p, _G: floor_r, _F1: sy.F1_gap}
    cite = Cite(LINEAR_RATE_COMPARISON, at=at)
    start = pl_bound(floor_r, rate_r)
    end = pl_bound(floor_p, rate_p)
    step = Step("<=", end, "monotone", (cite,), {"terms": [(1, cite)]}, "the comparison lemma")
    return Proof(
        name,
        start,
        (step,),
        sp.Le(start, end, evaluate=False),
        dict(hypotheses),
        lemmas=(linear_rate_lemma(),),
    )


def shared_hypotheses(
    statement: Statement, substitution: Mapping[sp.Basic, sp.Basic] | None = None
) -> dict[str, sp.Basic]:
    """``statement``'s hypotheses and its assumptions' relations by name (what its premises
    hold), after ``substitution``: the conditions under which a comparison with it is stated.

    Conditions on a sequence at every step (T2.sharp's ``mu_k <= mu_max`` for ``k <= K``) are
    left out: the bounds compared do not involve them, so the comparison holds without them.
    """
    sigma = dict(substitution or {})
    out = {}
    for h in (*(r for a in statement.assumptions for r in a.relations), *statement.hypotheses):
        if h.for_all is not None:
            continue
        relation = h.relation
        if sigma:
            relation = type(relation)(
                relation.lhs.subs(sigma), relation.rhs.subs(sigma), evaluate=False
            )
        out[h.name] = relation
    return out


def compare_directly(
    name: str,
    refined: sp.Expr,
    paper: sp.Expr,
    hypotheses: Mapping[str, sp.Basic],
    cited: tuple[str, ...] | None = None,
    lemmas: tuple[Proof, ...] = (),
) -> Proof:
    """``refined <= paper`` in one positivity step from ``hypotheses`` (closed-form bounds).

    The step cites ``cited`` (default: every hypothesis), which may name the ``lemmas``.
    """
    uses = tuple(hypotheses) if cited is None else cited
    step = Step("<=", paper, "positivity", uses, None, "slack substitution")
    return Proof(
        name,
        refined,
        (step,),
        sp.Le(refined, paper, evaluate=False),
        dict(hypotheses),
        lemmas=lemmas,
    )


#: Matrix smoothness with ``Lmat <= L I`` bounds the weighted constants by the plain ones.
WEIGHTED_BELOW_PLAIN: dict[str, sp.Basic] = {
    "Lmat <= L I: M_L <= L M": sp.Le(sy.M_L, sy.L * sy.M, evaluate=False),
    "Lmat <= L I: sigma_qL <= L sigma_q2": sp.Le(sy.sigma_qL, sy.L * sy.sigma_q2, evaluate=False),
}
