r"""C3.known_q — compensation ``mu/q`` when the shrinkage is a known constant ``q``.

Assumptions
-----------
A1, A2, A4, and A3 with a known constant shrinkage: ``q_k = q`` for every ``k``,
``0 < q <= 1``.

Algorithm
---------
Quantized SGD with nominal stepsize ``mu/q``: the effective stepsize ``(mu/q) q`` is exactly
``mu``.

Bounded quantity
----------------
``(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²`` (symbol ``avg_grad_norm2``).

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"):

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le \frac{2\Delta}{K\mu (2 − L\mu M_G)}
          + \frac{L \mu (M + \sigma_q^2/q^2)}{2 − L\mu M_G}.

C3 (with ``q_min = q``) asks ``mu <= q/(L M_G)`` and has floor ``L mu (M + sigma_q2)/q²``;
here the condition does not shrink with ``q`` and the floor is
``L mu (M + sigma_q2/q²)/(2 − L mu M_G)``: only the quantization noise is amplified by the
compensation, by ``1/q²``. Rate ``1/K``.

Derivation
----------
At nominal stepsize ``m = mu/q`` with ``q_k = q``, the descent lemma and Lemmas 1-2 give
``E_k F(x_{k+1}) − F(x_k) <= −m q ‖∇F_k‖² + (L m²/2)(q² (M + M_G‖∇F_k‖²) + sigma_q2)
= −mu (1 − L mu M_G/2)‖∇F_k‖² + (L mu²/2)(M + sigma_q2/q²)``. Sum over ``k = 1..K``, telescope,
use ``F(x_{K+1}) >= F_inf`` and divide by ``K mu (2 − L mu M_G)/2 > 0``. (The argument needs
only ``L mu M_G < 2``; the statement keeps T1's cap.)

Example
-------
>>> from bounds import theorems
>>> C3q = theorems.get("C3.known_q")
>>> point = dict(L=1, Delta=2, M=1, M_G=1, q=0.5, sigma_q2=1, K=10, mu=0.5)
>>> round(float(C3q.evaluate(**point)), 12)  # 8/15 + 5/3; C3 at q_min = 1/2: 4.8
2.2

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled C3 in docs/spec.md section 3,
       for a known constant shrinkage (C3.known_q there).
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the base result).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A4, Hypothesis, gt, le
from bounds.proof import Proof, Step
from bounds.statement import Statement
from bounds.theorems import c3_compensation as c3
from bounds.theorems import l3_known_q
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import t1_nonconvex_fixed as t1
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import (
    KNOWN_SHRINKAGE,
    compare_directly,
    descent_factor,
    shared_hypotheses,
)

__all__ = ["NOMINAL_STEPSIZE", "STATEMENT", "comparison", "proof"]

NOMINAL_STEPSIZE = sy.mu / sy.q
"""The stepsize passed to the optimizer."""

_FACTOR = descent_factor(sy.mu, 1)

STATEMENT = Statement(
    id="C3.known_q",
    title="compensated stepsize mu/q, known constant shrinkage q",
    kind="corollary",
    module=__name__,
    assumptions=(A1, A2, KNOWN_SHRINKAGE, A4),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, 1 / (sy.L * sy.M_G)), "stepsize"),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖² with q_k = q and nominal stepsize mu/q",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=2 * sy.Delta / (sy.K * sy.mu * _FACTOR)
    + sy.L * sy.mu * (sy.M + sy.sigma_q2 / sy.q**2) / _FACTOR,
    horizon=sy.K,
    rate=1 / sy.K,
    references=(paper("C3"), bottou("Theorem 4.8")),
    extras=(("nominal stepsize", NOMINAL_STEPSIZE),),
    stepsize=NOMINAL_STEPSIZE,
    quantity_expr=t1.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """T1's argument with L3.known_q at the nominal stepsize ``mu/q``."""
    m = statement.nominal_stepsize
    descent = l3_known_q.DESCENT.subs(sy.mu_k, m)
    total = l3.in_total_expectation(
        f"{statement.id}: L3.known_q in total expectation",
        m,
        per_step=l3_known_q.STATEMENT.as_lemma(),
        descent=descent,
        noise=l3_known_q.NOISE,
    )
    return t1.averaged(
        statement,
        total,
        descent,
        l3_known_q.NOISE,
        factor_facts=("stepsize condition", "A2: M_G = 1 + M_V"),
    )


def comparison() -> Proof:
    """``C3.known_q <= C3`` at ``q_min = q`` under C3's hypotheses there.

    C3's ``mu <= q/(L M_G)`` gives ``mu <= 1/(L M_G)`` (a lemma; the slack substitution cannot
    use a bound on ``mu`` through ``q`` and one on ``q`` through ``mu`` at once), and then
    ``t = 2 - L mu M_G >= 1 >= q²`` decides the difference.
    """
    known = {sy.q_min: sy.q}
    hypotheses = shared_hypotheses(c3.STATEMENT, known)
    condition = "compensated stepsize condition"
    start, cap = sy.mu, 1 / (sy.L * sy.M_G)
    step = Step(
        "<=",
        cap,
        "monotone",
        (condition, "A3: q_min <= 1"),
        {"terms": [(1, condition), (cap, "A3: q_min <= 1")]},
        "mu <= q/(L M_G) <= 1/(L M_G)",
    )
    uncompensated = Proof("mu <= 1/(L M_G)", start, (step,), sp.Le(start, cap, evaluate=False))
    cited = tuple(name for name in hypotheses if name != condition)
    return compare_directly(
        "C3.known_q <= C3 at q_min = q",
        STATEMENT.bound,
        c3.STATEMENT.bound.subs(known),
        hypotheses,
        (uncompensated.name, *cited),
        (uncompensated,),
    )
