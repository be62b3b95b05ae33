r"""C3 — compensation: scale the nominal stepsize by ``1/q_min`` to restore the effective stepsize.

Assumptions
-----------
A1-A4 (see T1); the shrinkage bound ``q_min`` is known. ``S = M + sigma_q2``.

Algorithm
---------
Quantized SGD with nominal stepsize ``mu/q_min``, where ``mu`` is the stepsize one wants the
iteration to take: the effective stepsize ``(mu/q_min) q_k`` is at least ``mu`` (exactly
``mu`` when ``q_k = q_min``).

Bounded quantity
----------------
``(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²`` (symbol ``avg_grad_norm2``).

Theoretical guarantee (upper bound)
-----------------------------------
T1 applied to the nominal stepsize ``mu/q_min``: its condition ``mu/q_min <= 1/(L M_G)`` reads
``mu <= q_min/(L M_G)`` ("compensated stepsize condition"), and

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le \frac{2\Delta}{K\mu}
          + \frac{L \mu S}{q_{\min}^2}.

Compensation restores the transient term to its full-precision form ``2 Delta/(K mu)``, but the
admissible stepsizes shrink by ``q_min`` and the floor ``L mu S/q_min²`` is ``1/q_min`` times the
uncompensated floor ``L mu S/q_min`` at the same ``mu`` (derived in :mod:`bounds.derive`).

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled C3 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the base result).
"""

from __future__ import annotations

from bounds import symbols as sy
from bounds import theorems
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof import Cite, Proof, Step
from bounds.statement import Statement
from bounds.theorems import t1_nonconvex_fixed as t1
from bounds.theorems._references import bottou, paper

__all__ = ["NOMINAL_STEPSIZE", "STATEMENT", "proof"]

NOMINAL_STEPSIZE = sy.mu / sy.q_min
"""The stepsize actually passed to the optimizer."""

STATEMENT = Statement(
    id="C3",
    title="compensated stepsize mu/q_min",
    kind="corollary",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis(
            "compensated stepsize condition", le(sy.mu, sy.q_min / (sy.L * sy.M_G)), "stepsize"
        ),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖² with nominal stepsize mu/q_min",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=2 * sy.Delta / (sy.K * sy.mu) + sy.L * sy.mu * sy.S / sy.q_min**2,
    horizon=sy.K,
    rate=1 / sy.K,
    references=(paper("C3"), bottou("Theorem 4.8")),
    extras=(("nominal stepsize", NOMINAL_STEPSIZE),),
    stepsize=NOMINAL_STEPSIZE,
    quantity_expr=t1.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """C3: T1 for the run at the nominal stepsize ``mu/q_min``, cited as a checked lemma.

    Citing T1 at ``mu := mu/q_min`` asks for T1's premises at that stepsize: its stepsize
    condition ``mu/q_min <= 1/(L M_G)`` follows from the compensated condition, and its model
    facts are this run's.
    """
    base = theorems.get("T1").as_lemma()
    cite = Cite("T1", at={sy.mu: statement.nominal_stepsize})
    hypotheses = tuple(h.name for h in statement.all_hypotheses)
    steps = (
        Step(
            "<=",
            t1.STATEMENT.bound.subs(sy.mu, statement.nominal_stepsize),
            "monotone",
            (cite,),
            {"terms": [(1, cite)]},
            "T1 at the nominal stepsize",
        ),
        Step("<=", statement.bound, "positivity", hypotheses, None, "simplify"),
    )
    return Proof("C3", statement.quantity_expr, steps, statement.claim(), lemmas=(base,))
