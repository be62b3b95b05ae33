r"""T4.sharp — PL (or strongly convex) objective, stepsizes beta/(gamma + k), descent factor kept.

Assumptions
-----------
A1-A5, as T4. Write ``S = M + sigma_q2``, ``F1_gap = F(x_1) − F_star``, ``mu_1 = beta/(gamma + 1)``
and ``t_1 = 2 − L M_G q_min mu_1``.

Algorithm
---------
Quantized SGD with ``mu_k = beta/(gamma + k)``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``beta c q_min (2 − L M_G q_min beta/(gamma + 1)) > 1`` ("slope condition"), ``gamma > 0``
and ``mu_1 <= 1/(L M_G)`` ("first stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{\nu}{\gamma + k},\qquad
          \nu = \max\Big(\frac{\beta^2 L S}{2(\beta c q_{\min} t_1 − 1)}, (\gamma + 1) F_1\Big),
          \qquad t_1 = 2 − L M_G q_{\min} \frac{\beta}{\gamma + 1}.

The slope condition relaxes T4's ``beta > 1/(c q_min)`` to ``beta > 1/(c q_min t_1)``; as
``t_1 >= 1`` every schedule T4 admits is admitted, and as ``t_1 < 2`` it still needs
``beta > 1/(2 c q_min)``. Solved for ``beta`` at fixed ``gamma``, it holds between the roots of
``L M_G c q_min² beta² − 2 (gamma + 1) c q_min beta + (gamma + 1) = 0`` (the first stepsize
condition caps ``beta`` at ``(gamma + 1)/(L M_G)``, below the larger root). The noise branch of
``nu`` is T4's with ``beta c q_min`` replaced by ``beta c q_min t_1``. Floor 0, rate ``1/k``.

Derivation
----------
``D_k = E[F(x_k)] − F_star``. The recursion of T3.sharp at stepsize ``mu_k``:
``D_{k+1} <= rho_k D_k + L mu_k² S/2`` with ``rho_k = 1 − mu_k c q_min t_k``,
``t_k = 2 − L M_G q_min mu_k``; ``rho_k >= 0`` because ``mu_k <= mu_1 <= 1/(L M_G)`` and
``c <= L``, and ``t_k >= t_1`` because ``mu_k <= mu_1``. Induction on ``D_k <= nu/h``,
``h = gamma + k``: ``D_1 <= F1_gap <= nu/(gamma + 1)``, and

.. math:: D_{k+1} \le \rho_k\frac{\nu}{h} + \frac{L\beta^2 S}{2h^2}
          \le \Big(1 − \frac{\beta c q_{\min} t_1}{h}\Big)\frac{\nu}{h} + \frac{L\beta^2 S}{2h^2}
          = \frac{(h − 1)\nu}{h^2} − \frac{(\beta c q_{\min} t_1 − 1)\nu − \beta^2 L S/2}{h^2}
          \le \frac{(h − 1)\nu}{h^2} \le \frac{\nu}{h + 1},

using ``nu >= beta² L S/(2(beta c q_min t_1 − 1))`` with ``beta c q_min t_1 > 1``, and
``(h − 1)(h + 1) <= h²``. Only the step ``k = 1`` needs ``t_1``; later steps have
``t_k > t_1``, so no stronger slope condition follows from this argument.

Example
-------
>>> from bounds import theorems
>>> T4s = theorems.get("T4.sharp")
>>> point = dict(L=1, M=1, sigma_q2=1, c=1, q_min=0.5, M_G=1, F1_gap=2)
>>> float(T4s.evaluate(**point, beta=4, gamma=3, k=5))  # t_1 = 3/2, nu = max(8, 8); T4: 2.0
1.0
>>> T4s.violated_hypotheses(**point, beta=1.5, gamma=3, k=1)  # T4 rejects beta = 1.5
()
>>> T4s.violated_hypotheses(**point, beta=1.0, gamma=3, k=1)
('slope condition',)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T4 in docs/spec.md section 3,
       sharpened (T4.sharp there).
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.7 (the case
       ``q_min = 1``, ``sigma_q2 = 0`` of T4).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import descent_factor

__all__ = ["FIRST_DESCENT_FACTOR", "NU", "NU_INITIAL", "NU_NOISE", "STATEMENT"]

FIRST_DESCENT_FACTOR = descent_factor(sy.beta / (sy.gamma + 1), sy.q_min)
"""``t_1 = 2 − L M_G q_min beta/(gamma + 1)``, the smallest ``t_k`` along the schedule."""

NU_NOISE = sy.beta**2 * sy.L * sy.S / (2 * (sy.beta * sy.c * sy.q_min * FIRST_DESCENT_FACTOR - 1))
"""The noise branch of ``nu``."""

NU_INITIAL = (sy.gamma + 1) * sy.F1_gap
"""The initial-gap branch of ``nu`` (T4's)."""

NU = sp.Max(NU_NOISE, NU_INITIAL)

STATEMENT = Statement(
    id="T4.sharp",
    title="PL / strongly convex, diminishing stepsizes, descent factor kept",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5),
    hypotheses=(
        Hypothesis(
            "slope condition", gt(sy.beta * sy.c * sy.q_min * FIRST_DESCENT_FACTOR, 1), "schedule"
        ),
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
    extras=(
        ("nu", NU),
        ("nu noise branch", NU_NOISE),
        ("nu initial branch", NU_INITIAL),
        ("first descent factor", FIRST_DESCENT_FACTOR),
    ),
)
