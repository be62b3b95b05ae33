r"""T3.known_q — PL (or strongly convex) objective, fixed stepsize, known constant shrinkage ``q``.

Assumptions
-----------
A1, A2, A4, A5, and A3 with a known constant shrinkage: ``q_k = q`` for every ``k``,
``0 < q <= 1``. Write ``F1_gap = F(x_1) − F_star`` and ``t = 2 − L mu M_G q``.

Algorithm
---------
Quantized SGD with a fixed nominal stepsize ``mu``; the effective stepsize is ``mu q``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu`` and ``mu q <= 1/(L M_G)`` ("effective stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{L\mu (q^2 M + \sigma_q^2)}{2 c q t}
          + (1 − \mu c q t)^{k−1}\Big(F_1 − \frac{L\mu (q^2 M + \sigma_q^2)}{2 c q t}\Big),
          \qquad t = 2 − L\mu M_G q.

Linear rate ``1 − mu c q (2 − L mu M_G q)``, in ``[0, 1)``; floor
``L mu (q² M + sigma_q2)/(2 c q (2 − L mu M_G q))``. The gradient noise enters as ``q² M``: T3
(at ``q_min = q``) charges ``M``, which overstates that part of the floor by up to
``(2 − L mu M_G q)/q²``. With the compensated nominal stepsize ``mu/q`` (effective ``mu``,
condition ``mu <= 1/(L M_G)``) the same statement reads: rate ``1 − mu c (2 − L mu M_G)``,
floor ``L mu (M + sigma_q2/q²)/(2 c (2 − L mu M_G))`` (substitute ``mu -> mu/q``; extra
``"compensated floor"``).

Derivation
----------
With ``q_k = q`` Lemma 3 needs no bound on ``q_k``: by the descent lemma and Lemmas 1-2,
``E_k F(x_{k+1}) − F(x_k) <= −mu q (1 − L mu M_G q/2)‖∇F_k‖² + (L mu²/2)(q² M + sigma_q2)``.
PL in expectation (``mu q (1 − L mu M_G q/2) >= 0``) gives
``D_{k+1} <= (1 − mu c q t) D_k + L mu² (q² M + sigma_q2)/2`` with ``D_k = E[F(x_k)] − F_star``;
``mu c q t = (c/(L M_G)) x (2 − x) <= 1`` for ``x = L mu M_G q <= 1`` and ``c <= L``, so the
factor is in ``[0, 1)``, and unrolling from ``D_1 <= F1_gap`` gives the bound. (The argument
only needs ``x < 2``; the statement keeps ``x <= 1``, T1's cap on the effective stepsize.)

Example
-------
>>> from bounds import theorems
>>> T3q = theorems.get("T3.known_q")
>>> point = dict(L=2, mu=0.25, M=1, sigma_q2=1, c=1, q=0.5, M_G=2, F1_gap=3)
>>> float(T3q.evaluate(**point, k=3))  # floor 5/12, rate 13/16; T3 at q_min = 1/2: 2.53125
2.1220703125

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T3 in docs/spec.md section 3,
       for a known constant shrinkage (T3.known_q there).
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.6 (the case ``q = 1``,
       ``sigma_q2 = 0``).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A4, A5, Hypothesis, gt, le
from bounds.proof import Proof
from bounds.statement import Statement
from bounds.theorems import l3_known_q
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import (
    KNOWN_SHRINKAGE,
    compare_linear_rates,
    pl_bound,
    pl_contraction,
    pl_floor,
    shared_hypotheses,
)

__all__ = ["COMPENSATED_FLOOR", "CONTRACTION", "FLOOR", "STATEMENT", "comparison", "proof"]

CONTRACTION = pl_contraction(sy.mu, sy.q)
"""``1 − mu c q (2 − L mu M_G q)``."""

FLOOR = pl_floor(sy.mu, sy.q, sy.L * (sy.q**2 * sy.M + sy.sigma_q2))
"""``L mu (q² M + sigma_q2)/(2 c q (2 − L mu M_G q))``."""

COMPENSATED_FLOOR = FLOOR.subs(sy.mu, sy.mu / sy.q)
"""The floor at the compensated nominal stepsize ``mu/q``."""

STATEMENT = Statement(
    id="T3.known_q",
    title="PL / strongly convex, fixed stepsize, known constant shrinkage q",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, KNOWN_SHRINKAGE, A4, A5),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis(
            "effective stepsize condition", le(sy.mu * sy.q, 1 / (sy.L * sy.M_G)), "stepsize"
        ),
    ),
    quantity=sy.optimality_gap,
    quantity_text="E[F(x_k) − F_star] with q_k = q",
    quantity_latex=r"\mathbb{E}[F(x_k) - F_\star]",
    bound=pl_bound(FLOOR, CONTRACTION),
    horizon=sy.k,
    rate=CONTRACTION ** (sy.k - 1),
    contraction=CONTRACTION,
    references=(paper("T3"), bottou("Theorem 4.6")),
    extras=(("compensated floor", COMPENSATED_FLOOR),),
    stepsize=sy.mu,
    quantity_expr=t3.STATEMENT.quantity_expr,
    definitions=(
        (
            "def: rho = 1 - mu c q (2 - L mu M_G q)",
            sp.Eq(sp.Symbol("rho", real=True), CONTRACTION),
        ),
    ),
)


# ----------------------------------------------------------------------------- proof
#: What keeps ``2 - L mu M_G q`` and ``rho`` non-negative: ``mu q <= 1/(L M_G)``, ``c <= L``,
#: ``M_G >= 1``.
FACTOR_FACTS = ("effective stepsize condition", "A2: M_G = 1 + M_V")


def proof(statement: Statement) -> Proof:
    """T3's induction on the recursion of L3.known_q (cited at ``mu_k = mu``) and PL."""
    m = statement.nominal_stepsize
    recursion = t3.recursion(
        f"{statement.id}: one-step recursion",
        m,
        per_step=l3_known_q.STATEMENT.as_lemma(),
        descent=l3_known_q.DESCENT.subs(sy.mu_k, m),
        noise=l3_known_q.NOISE,
        factor_facts=FACTOR_FACTS,
    )
    return t3.unrolled(statement, recursion, FLOOR, l3_known_q.NOISE, (*FACTOR_FACTS, "A5: c <= L"))


def comparison() -> Proof:
    """``T3.known_q <= T3`` at ``q_min = q`` for every ``k`` under T3's hypotheses there."""
    known = {sy.q_min: sy.q}
    return compare_linear_rates(
        "T3.known_q <= T3 at q_min = q",
        (FLOOR, CONTRACTION),
        (t3.FLOOR.subs(known), t3.CONTRACTION.subs(known)),
        shared_hypotheses(t3.STATEMENT, known),
    )
