r"""T1.sharp — non-convex objective, fixed stepsize, with Lemma 3's descent factor kept.

Assumptions
-----------
A1-A4, as T1. Write ``S = M + sigma_q2``.

Algorithm
---------
Quantized SGD ``x_{k+1} = x_k − mu (q_k g_k + eps_k)`` for ``k = 1..K`` with a fixed ``mu``.

Bounded quantity
----------------
``(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²`` (symbol ``avg_grad_norm2``).

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"):

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le
          \frac{2\Delta}{K \mu q_{\min} (2 − L\mu M_G q_{\min})}
          + \frac{L \mu S}{q_{\min} (2 − L\mu M_G q_{\min})},

which is T1's bound divided by ``2 − L mu M_G q_min``, a factor in ``[1, 2)``. Floor
``L mu S/(q_min (2 − L mu M_G q_min))``; rate ``1/K``. Without noise (``S = 0``, ``M_G = 1``)
and with ``Delta`` read as ``F(x_1) − F(x_{K+1})`` (all the proof uses) the bound is
``Delta/(K h (1 − L h/2))`` with ``h = mu q_min``: exactly PEPit's worst case for gradient
descent with step ``h`` on L-smooth functions (:mod:`bounds.tightness`).

Derivation
----------
By the descent lemma and Lemmas 1-2, at step ``k``

.. math:: E_k F(x_{k+1}) − F(x_k) \le −\mu\,\varphi(q_k)‖∇F_k‖^2
          + \frac{L\mu^2}{2}(q_k^2 M + \sigma_q^2),
          \qquad \varphi(q) = q\,(1 − L\mu M_G q/2).

``phi'(q) = 1 − L mu M_G q >= 0`` on ``[0, 1]`` because ``L mu M_G <= 1``, so
``phi(q_k) >= phi(q_min)``; and ``q_k² M <= M``. Take total expectations, sum over
``k = 1..K``, telescope, use ``F(x_{K+1}) >= F_inf`` and divide by
``K mu phi(q_min) = K mu q_min (2 − L mu M_G q_min)/2``. (T1 uses ``phi(q_k) >= q_min/2``.)

Example
-------
>>> from bounds import theorems
>>> T1s = theorems.get("T1.sharp")
>>> point = dict(L=1, Delta=2, M=1, M_G=1, q_min=0.5, sigma_q2=1, K=10, mu=0.5)
>>> float(T1s.evaluate(**point))  # T1's 3.6 over 2 - 1/4
2.057142857142857
>>> T1s.floor
L*mu*(-M - sigma_q2)/(q_min*(L*M_G*mu*q_min - 2))

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T1 in docs/spec.md section 3,
       sharpened (T1.sharp there).
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8, whose proof keeps the
       factor ``1 − L alpha M_G/2`` before bounding it by ``1/2``.
"""

from __future__ import annotations

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof import Proof
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import l3_sharp
from bounds.theorems import t1_nonconvex_fixed as t1
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import (
    averaged_bound,
    compare_directly,
    descent_factor,
    shared_hypotheses,
)

__all__ = ["DESCENT_FACTOR", "STATEMENT", "comparison", "proof"]

DESCENT_FACTOR = descent_factor(sy.mu, sy.q_min)
"""``2 − L mu M_G q_min``: what T1.sharp divides T1's bound by."""

STATEMENT = Statement(
    id="T1.sharp",
    title="non-convex, fixed stepsize, descent factor kept",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, 1 / (sy.L * sy.M_G)), "stepsize"),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=averaged_bound(sy.mu, sy.q_min, sy.L * sy.S),
    horizon=sy.K,
    rate=1 / sy.K,
    references=(paper("T1"), bottou("Theorem 4.8")),
    extras=(("descent factor", DESCENT_FACTOR),),
    stepsize=sy.mu,
    quantity_expr=t1.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """T1's argument with L3.sharp (cited at ``mu_k = mu_max = mu``) in place of Lemma 3."""
    m = statement.nominal_stepsize
    descent = l3_sharp.DESCENT.subs(sy.mu_max, m)
    total = l3.in_total_expectation(
        f"{statement.id}: L3.sharp in total expectation",
        m,
        per_step=l3_sharp.STATEMENT.as_lemma(),
        at=l3_sharp.cite_at(m, m),
        descent=descent,
    )
    return t1.averaged(statement, total, descent, factor_facts=l3_sharp.FACTOR_FACTS)


def comparison() -> Proof:
    """``T1.sharp <= T1`` under T1's hypotheses: T1's bound over ``2 - L mu M_G q_min >= 1``."""
    return compare_directly(
        "T1.sharp <= T1",
        STATEMENT.bound,
        t1.STATEMENT.bound,
        shared_hypotheses(t1.STATEMENT),
    )
