r"""T3.matrix — PL (or strongly convex) objective, fixed stepsize, matrix smoothness.

Assumptions
-----------
A1-A5 and matrix smoothness with ``Lmat``-weighted noise constants ``M_L``, ``sigma_qL``, as
T1.matrix (``0 ⪯ Lmat ⪯ L I``; A2 and A4 give ``M_L = L M``, ``sigma_qL = L sigma_q2``). Write
``F1_gap = F(x_1) − F_star`` and ``t = 2 − L mu M_G q_min``.

Algorithm
---------
Quantized SGD with a fixed stepsize ``mu``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{\mu (M_L + \sigma_{qL})}{2 c q_{\min} t}
          + (1 − \mu c q_{\min} t)^{k−1}
            \Big(F_1 − \frac{\mu (M_L + \sigma_{qL})}{2 c q_{\min} t}\Big).

Rate ``1 − mu c q_min (2 − L mu M_G q_min)`` (T3.sharp's), floor
``mu (M_L + sigma_qL)/(2 c q_min t)``; with ``Lmat = L I`` this is T3.sharp exactly.

Derivation
----------
T1.matrix's one-step inequality,
``E_k F(x_{k+1}) − F(x_k) <= −mu phi(q_min)‖∇F_k‖² + (mu²/2)(M_L + sigma_qL)``, then T3.sharp's
recursion with ``L S`` replaced by ``M_L + sigma_qL``: PL in expectation, the fixed point, and
induction from ``D_1 <= F1_gap``.

Example
-------
>>> from bounds import theorems
>>> T3m = theorems.get("T3.matrix")
>>> point = dict(L=2, mu=0.25, c=1, q_min=0.5, M_G=2, F1_gap=3)
>>> float(T3m.evaluate(**point, M_L=2, sigma_qL=2, k=3))  # = T3.sharp at M = sigma_q2 = 1
2.20703125

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T3 in docs/spec.md section 3, under
       matrix smoothness.
.. [2] Safaryan, Hanzely & Richtárik, NeurIPS 2021: matrix smoothness and its use in descent.
.. [3] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.6 (the base result).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.proof import Proof
from bounds.statement import Statement
from bounds.theorems import l3_matrix, l3_sharp
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import (
    MATRIX_SMOOTHNESS,
    SAFARYAN,
    WEIGHTED_BELOW_PLAIN,
    compare_linear_rates,
    pl_bound,
    pl_contraction,
    pl_floor,
    shared_hypotheses,
)

__all__ = ["CONTRACTION", "FLOOR", "STATEMENT", "comparison", "proof"]

CONTRACTION = pl_contraction(sy.mu, sy.q_min)
"""``1 − mu c q_min (2 − L mu M_G q_min)``, as T3.sharp."""

FLOOR = pl_floor(sy.mu, sy.q_min, sy.M_L + sy.sigma_qL)
"""``mu (M_L + sigma_qL)/(2 c q_min (2 − L mu M_G q_min))``."""

STATEMENT = Statement(
    id="T3.matrix",
    title="PL / strongly convex, fixed stepsize, matrix smoothness",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5, MATRIX_SMOOTHNESS),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, 1 / (sy.L * sy.M_G)), "stepsize"),
    ),
    quantity=sy.optimality_gap,
    quantity_text="E[F(x_k) − F_star]",
    quantity_latex=r"\mathbb{E}[F(x_k) - F_\star]",
    bound=pl_bound(FLOOR, CONTRACTION),
    horizon=sy.k,
    rate=CONTRACTION ** (sy.k - 1),
    contraction=CONTRACTION,
    references=(paper("T3"), SAFARYAN, bottou("Theorem 4.6")),
    stepsize=sy.mu,
    quantity_expr=t3.STATEMENT.quantity_expr,
    definitions=(
        (
            "def: rho = 1 - mu c q_min (2 - L mu M_G q_min)",
            sp.Eq(sp.Symbol("rho", real=True), CONTRACTION),
        ),
    ),
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """T3's induction on the recursion of L3.matrix (cited at ``mu_k = mu_max = mu``) and PL."""
    m = statement.nominal_stepsize
    recursion = t3.recursion(
        f"{statement.id}: one-step recursion",
        m,
        per_step=l3_matrix.STATEMENT.as_lemma(),
        at=l3_matrix.cite_at(m),
        descent=l3_sharp.DESCENT.subs(sy.mu_max, m),
        noise=l3_matrix.NOISE,
        factor_facts=l3_sharp.FACTOR_FACTS,
    )
    return t3.unrolled(statement, recursion, FLOOR, l3_matrix.NOISE)


def comparison() -> Proof:
    """``T3.matrix <= T3`` for every ``k`` under T3's hypotheses and ``Lmat <= L I``."""
    return compare_linear_rates(
        "T3.matrix <= T3",
        (FLOOR, CONTRACTION),
        (t3.FLOOR, t3.CONTRACTION),
        {**shared_hypotheses(t3.STATEMENT), **WEIGHTED_BELOW_PLAIN},
    )
