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
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T4 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.7 (the case
       ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.proof import Cite, Proof, Step, elementary
from bounds.statement import Statement
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems._references import bottou, paper

__all__ = ["NU", "NU_INITIAL", "NU_NOISE", "STATEMENT", "proof"]

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
    stepsize=sy.beta / (sy.gamma + sy.k),
    quantity_expr=model.EF(sy.k) - sy.F_star,
    definitions=(
        ("def: nu = max(noise branch, initial branch)", sp.Eq(sp.Symbol("nu", real=True), NU)),
    ),
)


# ----------------------------------------------------------------------------- proof
# Induction on k: D(k) = E[F(x_k)] - F_star <= nu/(gamma + k), nu = max(noise, initial) a
# definition. The base case uses nu >= (gamma + 1) F1_gap, the step the one-step recursion at
# mu_k = beta/(gamma + k) (bounds.theorems.t3_pl_fixed.recursion) with beta c q_min > 1 and
# nu >= the noise branch; both inequalities about nu are instances of max's definition.
NU_SYMBOL = sp.Symbol("nu", real=True)
NU_DEFINITION = "def: nu = max(noise branch, initial branch)"
_HAT = sy.gamma + sy.k
_MU_K = sy.beta / _HAT
_BRANCHES = {elementary.X: NU_NOISE, elementary.Y: NU_INITIAL}
_ABOVE_NOISE = Cite("Max(x, y) >= x", at=_BRANCHES)
_ABOVE_INITIAL = Cite("Max(x, y) >= y", at=_BRANCHES)
#: What keeps 1 - mu_k c q_min >= 0 for every k >= 1.
_CONTRACTION_FACTS = (
    "first stepsize condition",
    "positive offset",
    "A5: c <= L",
    "A3: q_min <= 1",
    "A2: M_G = 1 + M_V",
)


def proof(statement: Statement) -> Proof:
    """T4 by induction on ``k``: ``E[F(x_k) - F_star] <= nu/(gamma + k)``."""
    k, nu = sy.k, NU_SYMBOL
    gap = t3.GAP
    bound = sp.Lambda(k, nu / (sy.gamma + k))
    recursion = t3.recursion(
        "T4: one-step recursion at mu_k = beta/(gamma + k)", statement.nominal_stepsize
    )
    base = Proof(
        "T4: base case",
        gap(1),
        (
            Step(
                "<=",
                sy.F1_gap,
                "monotone",
                ("A5: F(x_1) - F_star <= F1_gap",),
                {"terms": [(1, "A5: F(x_1) - F_star <= F1_gap")]},
                "D(1) = F(x_1) - F_star",
            ),
            Step(
                "<=",
                bound(1),
                "monotone",
                (_ABOVE_INITIAL, NU_DEFINITION),
                {"terms": [(1 / (sy.gamma + 1), _ABOVE_INITIAL)]},
                "nu >= (gamma + 1) F1_gap",
            ),
        ),
        sp.Le(gap(1), bound(1), evaluate=False),
    )
    rho = 1 - _MU_K * sy.c * sy.q_min
    noise = sy.L * _MU_K**2 / 2 * sy.S
    hypothesis = "induction hypothesis: D(k) <= nu/(gamma + k)"
    inductive = Proof(
        "T4: inductive step",
        gap(k + 1),
        (
            Step(
                "<=",
                rho * gap(k) + noise,
                "monotone",
                (recursion.name,),
                {"terms": [(1, recursion.name)]},
                "the one-step recursion",
            ),
            Step(
                "<=",
                rho * nu / _HAT + noise,
                "monotone",
                (hypothesis, *_CONTRACTION_FACTS),
                {"terms": [(rho, hypothesis)]},
                "induction hypothesis, times 1 - mu_k c q_min >= 0",
            ),
            Step(
                "=",
                (_HAT - 1) * nu / _HAT**2
                - ((sy.beta * sy.c * sy.q_min - 1) * nu - sy.beta**2 * sy.L * sy.S / 2) / _HAT**2,
                "identity",
                (),
                None,
                "regroup",
            ),
            Step(
                "<=",
                (_HAT - 1) * nu / _HAT**2,
                "monotone",
                (_ABOVE_NOISE, NU_DEFINITION, "slope condition"),
                {"terms": [((sy.beta * sy.c * sy.q_min - 1) / _HAT**2, _ABOVE_NOISE)]},
                "nu >= beta² L S/(2(beta c q_min - 1)) and beta c q_min > 1",
            ),
            Step(
                "<=",
                bound(k + 1),
                "products",
                (_ABOVE_INITIAL, NU_DEFINITION),
                None,
                "(h - 1)(h + 1) <= h² and nu >= (gamma + 1) F1_gap >= 0",
            ),
        ),
        sp.Le(gap(k + 1), bound(k + 1), evaluate=False),
        {hypothesis: sp.Le(gap(k), bound(k), evaluate=False)},
        lemmas=(recursion,),
    )
    hint = {
        "index": k,
        "start": 1,
        "sequence": gap,
        "bound": bound,
        "base": base.name,
        "step": inductive.name,
    }
    hypotheses = tuple(h.name for h in statement.all_hypotheses)
    steps = (
        Step("<=", bound(k), "induction", (base.name, inductive.name), hint, "induction on k"),
        Step("<=", statement.bound, "positivity", (NU_DEFINITION, *hypotheses), None, "nu's value"),
    )
    return Proof("T4", gap(k), steps, statement.claim(), lemmas=(base, inductive))
