r"""T4 — PL (or strongly convex) objective, diminishing stepsizes ``beta/(gamma + k)``: O(1/k).

Assumptions
-----------
A1-A5 (see T3). Write ``S = M + sigma_q2`` and ``F1_gap = F(x_1) − F_star``.

Algorithm
---------
Quantized SGD with ``mu_k = beta/(gamma + k)``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``beta > 1/(c q_min)`` ("slope condition"), ``gamma > 0`` and
``mu_1 = beta/(gamma + 1) <= 1/(L M_G)`` ("first stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{\nu}{\gamma + k},\qquad
          \nu = \max\Big(\frac{\beta^2 L S}{2(\beta c q_{\min} − 1)}, (\gamma + 1) F_1\Big).

A schedule tuned for full precision (``beta > 1/c``) can violate ``beta > 1/(c q_min)``.
Floor 0, rate ``1/k``.

Example
-------
>>> from bounds import theorems
>>> T4 = theorems.get("T4")
>>> point = dict(L=1, M=1, sigma_q2=1, c=1, q_min=0.5, M_G=1, F1_gap=2)
>>> float(T4.evaluate(**point, beta=4, gamma=3, k=5))  # nu = max(16, 8) = 16, 16/(3 + 5)
2.0
>>> T4.violated_hypotheses(**point, beta=1.5, gamma=3, k=1)  # fine at full precision only
('slope condition',)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T4 in SPEC section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.7 (the case
       ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper

__all__ = ["NU", "NU_INITIAL", "NU_NOISE", "STATEMENT"]

NU_NOISE = sy.beta**2 * sy.L * sy.S / (2 * (sy.beta * sy.c * sy.q_min - 1))
"""The noise branch of ``nu``."""

NU_INITIAL = (sy.gamma + 1) * sy.F1_gap
"""The initial-gap branch of ``nu``."""

NU = sp.Max(NU_NOISE, NU_INITIAL)

STATEMENT = Statement(
    id="T4",
    title="PL / strongly convex, diminishing stepsizes",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5),
    hypotheses=(
        Hypothesis("slope condition", gt(sy.beta, 1 / (sy.c * sy.q_min)), "schedule"),
        Hypothesis("positive offset", gt(sy.gamma, 0), "schedule"),
        Hypothesis(
            "first stepsize condition",
            le(sy.beta / (sy.gamma + 1), 1 / (sy.L * sy.M_G)),
            "stepsize",
        ),
    ),
    quantity=sy.optimality_gap,
    quantity_text="E[F(x_k) − F_star]",
    quantity_latex=r"\mathbb{E}[F(x_k) - F_\star]",
    bound=NU / (sy.gamma + sy.k),
    horizon=sy.k,
    rate=1 / sy.k,
    references=(paper("T4"), bottou("Theorem 4.7")),
    extras=(("nu", NU), ("nu noise branch", NU_NOISE), ("nu initial branch", NU_INITIAL)),
)
