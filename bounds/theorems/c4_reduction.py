r"""C4 — reduction: the model is an instance of Bottou et al.'s Assumption 4.3.

Assumptions
-----------
A1-A4 (see T1). ``ĝ_k = q_k g_k + eps_k``.

Theoretical guarantee (upper bound, via the reference theorem)
--------------------------------------------------------------
The quantized direction ``ĝ_k`` satisfies Assumption 4.3 with angle constant ``mu = q_min``,
``mu_G = 1``, variance constants ``M <- M + sigma_q2`` and the same ``M_V`` (so the same
``M_G = 1 + M_V``): see :data:`INSTANCE`. Their Theorem 4.8 then gives T1's bound

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le \frac{2\Delta}{K\mu q_{\min}}
          + \frac{L \mu S}{q_{\min}},

but only under their condition ``mu <= q_min/(L M_G)`` ("reference stepsize condition"),
which is weaker than T1's ``mu <= 1/(L M_G)`` by the factor ``q_min``: the two caps differ by
``(1 − q_min)/(L M_G) >= 0`` and coincide only at ``q_min = 1`` (:func:`compare_with_t1`).

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled C4 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Assumption 4.3 and Theorem 4.8.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof import Cite, Ek, Proof, Step
from bounds.reference import bottou2018 as ref
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import t1_nonconvex_fixed as t1
from bounds.theorems._references import bottou, paper

__all__ = [
    "INSTANCE",
    "STATEMENT",
    "CapComparison",
    "InstanceCondition",
    "compare_with_t1",
    "proof",
]

# Assumption 4.3 for ĝ_k = q_k g_k + eps_k, in terms of grad_norm2 = ‖∇F(x_k)‖²:
# E_k[ĝ_k] = q_k ∇F(x_k) (Lemma 1), E_k‖ĝ_k‖² <= q_k²(M + M_G grad_norm2) + sigma_q2 (Lemma 2).
_MEAN_INNER = sy.q_k * sy.grad_norm2  # ∇Fᵀ E_k[ĝ_k]
_MEAN_NORM2 = sy.q_k**2 * sy.grad_norm2  # ‖E_k[ĝ_k]‖²
_VARIANCE = sy.q_k**2 * (sy.M + sy.M_G * sy.grad_norm2) + sy.sigma_q2 - _MEAN_NORM2


@dataclass(frozen=True)
class InstanceCondition:
    """One inequality of Assumption 4.3, ``lhs <= rhs``, for the quantized direction."""

    name: str
    lhs: sp.Expr
    rhs: sp.Expr

    @property
    def slack(self) -> sp.Expr:
        """``rhs − lhs`` with ``M_G = 1 + M_V``; non-negative under A3."""
        return sp.expand((self.rhs - self.lhs).subs(sy.M_G, 1 + sy.M_V))

    def certified(self) -> bool:
        """Whether the slack is provably ``>= 0`` on ``0 < q_min <= q_k <= 1``.

        Writes ``q_k = 1/(1 + s)`` and ``q_min = q_k/(1 + r)`` with ``r, s >= 0`` (this covers
        exactly the region of A3); the slack then factors into non-negative pieces, which
        SymPy's sign rules recognise.
        """
        s = sp.Symbol("s", nonnegative=True)
        r = sp.Symbol("r", nonnegative=True)
        q = 1 / (1 + s)
        slack = self.slack.subs({sy.q_min: q / (1 + r)}).subs({sy.q_k: q})
        return bool(sp.factor(sp.together(slack)).is_nonnegative)


INSTANCE = (
    InstanceCondition("angle condition (mu = q_min)", sy.q_min * sy.grad_norm2, _MEAN_INNER),
    InstanceCondition("mean bound (mu_G = 1)", _MEAN_NORM2, sy.grad_norm2),
    InstanceCondition(
        "variance bound (M <- M + sigma_q2)", _VARIANCE, sy.S + sy.M_V * sy.grad_norm2
    ),
)
"""Assumption 4.3 (b)-(c) for the quantized direction, as inequalities to certify."""

REFERENCE_CAP = sy.q_min / (sy.L * sy.M_G)
"""Their stepsize cap ``mu/(L M_G)`` with angle constant ``q_min``."""

_INSTANCE_MAP = {
    ref.alpha: sy.mu,
    ref.ANGLE: sy.q_min,
    ref.M: sy.S,
    ref.L: sy.L,
    ref.M_G: sy.M_G,
    ref.gap_inf: sy.Delta,
    ref.K: sy.K,
}


@dataclass(frozen=True)
class CapComparison:
    """T1's stepsize cap against the reference route's.

    Attributes
    ----------
    bound_difference : sympy.Expr
        ``simplify(reference bound − T1 bound)`` (``0``: the same bound).
    t1_cap, reference_cap : sympy.Expr
        ``1/(L M_G)`` and ``q_min/(L M_G)``.
    gap : sympy.Expr
        ``t1_cap − reference_cap``, factored.
    equal_at : sympy.Set
        The ``q_min`` in ``(0, 1]`` where the caps coincide.
    t1_larger : bool
        Whether ``gap >= 0`` for every admissible ``q_min`` (proved by SymPy's sign rules with
        ``q_min = 1/(1 + t)``, ``t >= 0``).
    """

    bound_difference: sp.Expr
    t1_cap: sp.Expr
    reference_cap: sp.Expr
    gap: sp.Expr
    equal_at: sp.Set
    t1_larger: bool


def compare_with_t1() -> CapComparison:
    """Apply Theorem 4.8 to the instance and compare with T1, symbolically."""
    reference_bound = ref.theorem_4_8.bound.xreplace(_INSTANCE_MAP)
    bound_difference = sp.simplify(reference_bound - t1.STATEMENT.bound)
    gap = sp.factor(t1.STEPSIZE_CAP - REFERENCE_CAP)
    t = sp.Symbol("t", nonnegative=True)
    t1_larger = bool(sp.factor(gap.subs(sy.q_min, 1 / (1 + t))).is_nonnegative)
    q = sp.Symbol("q", real=True)
    equal_at = sp.solveset(gap.subs(sy.q_min, q), q, sp.Interval.Lopen(0, 1))
    return CapComparison(bound_difference, t1.STEPSIZE_CAP, REFERENCE_CAP, gap, equal_at, t1_larger)


STATEMENT = Statement(
    id="C4",
    title="reduction to Bottou et al.'s Assumption 4.3",
    kind="corollary",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("reference stepsize condition", le(sy.mu, REFERENCE_CAP), "stepsize"),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=ref.theorem_4_8.bound.xreplace(_INSTANCE_MAP),
    horizon=sy.K,
    rate=1 / sy.K,
    references=(paper("C4"), bottou("Assumption 4.3 and Theorem 4.8")),
    extras=(("T1 stepsize cap", t1.STEPSIZE_CAP), ("reference stepsize cap", REFERENCE_CAP)),
    stepsize=sy.mu,
    quantity_expr=t1.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
# The reduction route, checked: the quantized direction meets Assumption 4.3 (two lemmas from
# the model), Bottou et al.'s Lemma 4.4 then gives the one-step descent under their cap
# mu <= q_min/(L M_G), and T1's summation finishes (bounds.theorems.t1_nonconvex_fixed.averaged).
_KNOWN = l3.KNOWN


def _angle_lemma() -> Proof:
    """Assumption 4.3(b) with angle constant ``q_min``: ``q_min G <= ∇Fᵀ E_k[ĝ_k]``."""
    steps = (
        Step(
            "<=",
            sy.q_k * sy.grad_norm2,
            "monotone",
            ("A3: q_k >= q_min",),
            {"terms": [(sy.grad_norm2, "A3: q_k >= q_min")]},
            "q_k >= q_min and ‖∇F‖² >= 0",
        ),
        Step(
            "=",
            Ek(model.ghat_grad),
            "expectation",
            (
                "model: ∇Fᵀĝ_k = q_k ∇Fᵀg_k + ∇Fᵀeps_k",
                "A2: E_k[∇Fᵀg_k] = ‖∇F‖²",
                "A4: E_k[eps_kᵀ∇F] = 0",
                *_KNOWN,
            ),
            None,
            "Lemma 1: E_k[ĝ_k] = q_k ∇F(x_k)",
        ),
    )
    start = sy.q_min * sy.grad_norm2
    return Proof(
        "C4: angle condition (mu = q_min)",
        start,
        steps,
        sp.Le(start, Ek(model.ghat_grad), evaluate=False),
    )


def _moment_lemma() -> Proof:
    """Assumption 4.3(c) with ``M <- M + sigma_q2``: ``E_k‖ĝ_k‖² <= S + M_G G``."""
    second = Cite("A2: E_k‖g_k‖² <= M + M_G‖∇F‖²")
    noise = Cite("A4: E_k‖eps_k‖² <= sigma_q2")
    steps = (
        Step(
            "=",
            sy.q_k**2 * Ek(model.g_sq) + Ek(model.eps_sq),
            "expectation",
            (
                "model: ‖ĝ_k‖² = q_k²‖g_k‖² + 2 q_k eps_kᵀg_k + ‖eps_k‖²",
                "A4: E_k[eps_kᵀg_k] = 0",
                *_KNOWN,
            ),
            None,
            "ĝ = q g + eps, the cross term vanishes (A4)",
        ),
        Step(
            "<=",
            sy.q_k**2 * (sy.M + sy.M_G * sy.grad_norm2) + sy.sigma_q2,
            "monotone",
            (second, noise),
            {"terms": [(sy.q_k**2, second), (1, noise)]},
            "Lemma 2",
        ),
        Step(
            "<=",
            sy.S + sy.M_G * sy.grad_norm2,
            "positivity",
            ("A3: q_k <= 1",),
            None,
            "q_k² <= 1",
        ),
    )
    start = Ek(model.ghat_sq)
    return Proof(
        "C4: second moment (M <- M + sigma_q2)",
        start,
        steps,
        sp.Le(start, sy.S + sy.M_G * sy.grad_norm2, evaluate=False),
    )


def _descent_lemma(m: sp.Expr) -> Proof:
    """Bottou et al.'s Lemma 4.4 for the instance, under their cap ``mu <= q_min/(L M_G)``."""
    angle, moment = _angle_lemma(), _moment_lemma()
    descent = Cite("A1: descent lemma at x_{k+1}", wrap="Ek")
    steps = (
        Step(
            "<=",
            Ek(model.F_k - m * model.ghat_grad + sy.L * m**2 / 2 * model.ghat_sq) - model.F_k,
            "monotone",
            (descent,),
            {"terms": [(1, descent)]},
            "E_k is monotone",
        ),
        Step(
            "=",
            -m * Ek(model.ghat_grad) + sy.L * m**2 / 2 * Ek(model.ghat_sq),
            "expectation",
            _KNOWN,
            None,
            "linearity",
        ),
        Step(
            "<=",
            -m * sy.q_min * sy.grad_norm2 + sy.L * m**2 / 2 * (sy.S + sy.M_G * sy.grad_norm2),
            "monotone",
            (angle.name, moment.name),
            {"terms": [(m, angle.name), (sy.L * m**2 / 2, moment.name)]},
            "Assumption 4.3 for the quantized direction",
        ),
        Step(
            "<=",
            -(m * sy.q_min / 2) * sy.grad_norm2 + sy.L * m**2 / 2 * sy.S,
            "monotone",
            ("reference stepsize condition",),
            {"terms": [(sy.L * sy.M_G * m * sy.grad_norm2 / 2, "reference stepsize condition")]},
            "their cap: q_min - L M_G mu >= 0",
        ),
    )
    start = Ek(model.F_next) - model.F_k
    return Proof(
        "C4: Lemma 4.4 of the reference",
        start,
        steps,
        sp.Le(start, steps[-1].expr, evaluate=False),
        lemmas=(angle, moment),
    )


def proof(statement: Statement) -> Proof:
    """C4 checked end to end: Assumption 4.3 for ĝ_k, Lemma 4.4, then Theorem 4.8's sum."""
    m = statement.nominal_stepsize
    total = l3.in_total_expectation(
        "C4: Lemma 4.4 in total expectation", m, per_step=_descent_lemma(m), at={}
    )
    return t1.averaged(statement, total)
