r"""T3 — PL (or strongly convex) objective, fixed stepsize: linear rate to a floor.

Assumptions
-----------
A1-A4 and A5: ``‖∇F(x)‖² >= 2c(F(x) − F_star)`` with ``0 < c <= L``. Write
``S = M + sigma_q2`` and ``F1_gap = F(x_1) − F_star``.

Algorithm
---------
Quantized SGD with a fixed stepsize ``mu``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{L\mu S}{2 c q_{\min}}
          + (1 − \mu c q_{\min})^{k−1}\Big(F(x_1) − F_\star − \frac{L\mu S}{2 c q_{\min}}\Big).

Linear rate ``1 − mu c q_min`` (full precision: ``1 − mu c``), which the hypotheses keep in
``[0, 1)`` (``mu c q_min <= c/(L M_G) <= 1``); floor ``L mu S/(2 c q_min)``.

Example
-------
>>> from bounds import theorems
>>> T3 = theorems.get("T3")
>>> point = dict(L=2, mu=0.25, M=1, sigma_q2=1, c=1, q_min=0.5, M_G=2, F1_gap=3)
>>> float(T3.evaluate(**point, k=3))  # 1 + (7/8)**2 * (3 - 1)
2.53125
>>> T3.floor
L*mu*(M + sigma_q2)/(2*c*q_min)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T3 in SPEC section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.6 (the case
       ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper

__all__ = ["CONTRACTION", "FLOOR", "STATEMENT", "STEPSIZE_CAP"]

STEPSIZE_CAP = 1 / (sy.L * sy.M_G)
"""The stepsize condition's right-hand side ``1/(L M_G)``."""

CONTRACTION = 1 - sy.mu * sy.c * sy.q_min
"""The per-step contraction factor of the optimality gap."""

FLOOR = sy.L * sy.mu * sy.S / (2 * sy.c * sy.q_min)
"""The fixed point of the recursion, as it appears in the statement."""

STATEMENT = Statement(
    id="T3",
    title="PL / strongly convex, fixed stepsize",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, STEPSIZE_CAP), "stepsize"),
    ),
    quantity=sy.optimality_gap,
    quantity_text="E[F(x_k) − F_star]",
    quantity_latex=r"\mathbb{E}[F(x_k) - F_\star]",
    bound=FLOOR + CONTRACTION ** (sy.k - 1) * (sy.F1_gap - FLOOR),
    horizon=sy.k,
    rate=CONTRACTION ** (sy.k - 1),
    contraction=CONTRACTION,
    references=(paper("T3"), bottou("Theorem 4.6")),
)
