r"""T3.sharp — PL (or strongly convex) objective, fixed stepsize, Lemma 3's descent factor kept.

Assumptions
-----------
A1-A5, as T3. Write ``S = M + sigma_q2``, ``F1_gap = F(x_1) − F_star`` and
``t = 2 − L mu M_G q_min`` (in ``[1, 2)`` under the stepsize condition).

Algorithm
---------
Quantized SGD with a fixed stepsize ``mu``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{L\mu S}{2 c q_{\min} t}
          + \big(1 − \mu c q_{\min} t\big)^{k−1}\Big(F_1 − \frac{L\mu S}{2 c q_{\min} t}\Big),
          \qquad t = 2 − L\mu M_G q_{\min}.

Linear rate ``1 − mu c q_min (2 − L mu M_G q_min)`` (T3: ``1 − mu c q_min``), in ``[0, 1)``:
with ``x = L mu M_G q_min <= 1`` and ``c <= L``, ``mu c q_min t = (c/(L M_G)) x (2 − x) <= 1``.
Floor ``L mu S/(2 c q_min t)``: T3's floor divided by ``t``. Without noise the rate is
``1 − c h (2 − L h)`` with ``h = mu q_min``, the rate descent lemma and PL give for gradient
descent (Karimi, Nutini & Schmidt); it is tight for PL quadratics with ``c = L`` and loose for
strongly convex functions, whose exact rate is ``max((1 − h c)², (1 − h L)²)``
(:mod:`bounds.tightness` measures both).

Derivation
----------
Write ``D_k = E[F(x_k)] − F_star``. Lemma 3 with ``phi(q) = q (1 − L mu M_G q/2)`` kept
(:mod:`bounds.theorems.t1_sharp`) gives
``D_{k+1} <= D_k − mu phi(q_min) E‖∇F(x_k)‖² + L mu² S/2``, and PL in expectation,
``E‖∇F(x_k)‖² >= 2 c D_k``, with ``mu phi(q_min) >= 0``:
``D_{k+1} <= (1 − 2 mu c phi(q_min)) D_k + L mu² S/2``, where ``2 mu c phi(q_min) =
mu c q_min t``. The fixed point is ``(L mu² S/2)/(mu c q_min t)``, the floor; subtracting it,
``D_{k+1} − floor <= rho (D_k − floor)`` with ``rho = 1 − mu c q_min t >= 0``, and induction
from ``D_1 <= F1_gap`` gives the bound.

Example
-------
>>> from bounds import theorems
>>> T3s = theorems.get("T3.sharp")
>>> point = dict(L=2, mu=0.25, M=1, sigma_q2=1, c=1, q_min=0.5, M_G=2, F1_gap=3)
>>> float(T3s.evaluate(**point, k=3))  # t = 3/2: floor 2/3, rate 13/16
2.20703125
>>> T3s.contraction
-c*mu*q_min*(-L*M_G*mu*q_min + 2) + 1

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T3 in docs/spec.md section 3,
       sharpened (T3.sharp there).
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.6 (the case
       ``q_min = 1``, ``sigma_q2 = 0`` of T3).
.. [3] H. Karimi, J. Nutini and M. Schmidt, "Linear Convergence of Gradient and
       Proximal-Gradient Methods Under the Polyak-Łojasiewicz Condition", ECML PKDD 2016,
       Theorem 1 (rate ``1 − c/L`` at ``h = 1/L``, the case ``q_min = 1``, ``S = 0``).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.proof import Proof
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import l3_sharp
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import (
    compare_linear_rates,
    pl_bound,
    pl_contraction,
    pl_floor,
    shared_hypotheses,
)

__all__ = ["CONTRACTION", "FLOOR", "KARIMI", "STATEMENT", "comparison", "proof"]

KARIMI = (
    'H. Karimi, J. Nutini and M. Schmidt, "Linear Convergence of Gradient and Proximal-Gradient '
    'Methods Under the Polyak-Łojasiewicz Condition", ECML PKDD 2016, Theorem 1'
)

CONTRACTION = pl_contraction(sy.mu, sy.q_min)
"""The per-step contraction ``1 − mu c q_min (2 − L mu M_G q_min)`` of the optimality gap."""

FLOOR = pl_floor(sy.mu, sy.q_min, sy.L * sy.S)
"""The recursion's fixed point ``L mu S/(2 c q_min (2 − L mu M_G q_min))``."""

STATEMENT = Statement(
    id="T3.sharp",
    title="PL / strongly convex, fixed stepsize, descent factor kept",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5),
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
    references=(paper("T3"), bottou("Theorem 4.6"), KARIMI),
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
    """T3's induction on the recursion of L3.sharp (cited at ``mu_k = mu_max = mu``) and PL."""
    m = statement.nominal_stepsize
    descent = l3_sharp.DESCENT.subs(sy.mu_max, m)
    recursion = t3.recursion(
        f"{statement.id}: one-step recursion",
        m,
        per_step=l3_sharp.STATEMENT.as_lemma(),
        at=l3_sharp.cite_at(m, m),
        descent=descent,
        factor_facts=l3_sharp.FACTOR_FACTS,
    )
    return t3.unrolled(statement, recursion, FLOOR, l3.NOISE)


def comparison() -> Proof:
    """``T3.sharp <= T3`` for every ``k`` under T3's hypotheses: smaller rate, floor ``t`` times
    smaller (:func:`bounds.theorems._refined.compare_linear_rates`)."""
    return compare_linear_rates(
        "T3.sharp <= T3",
        (FLOOR, CONTRACTION),
        (t3.FLOOR, t3.CONTRACTION),
        shared_hypotheses(t3.STATEMENT),
    )
