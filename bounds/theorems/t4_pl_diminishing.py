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
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems._references import bottou, paper

__all__ = ["CONTRACTION_FACTS", "NU", "NU_INITIAL", "NU_NOISE", "STATEMENT", "proof", "unrolled"]

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
_HAT = sy.gamma + sy.k
#: What keeps 1 - mu_k c q_min >= 0 for every k >= 1.
CONTRACTION_FACTS = (
    "first stepsize condition",
    "positive offset",
    "A5: c <= L",
    "A3: q_min <= 1",
    "A2: M_G = 1 + M_V",
)


def proof(statement: Statement) -> Proof:
    """T4 by induction on ``k``: ``E[F(x_k) - F_star] <= nu/(gamma + k)``."""
    recursion = t3.recursion(
        "T4: one-step recursion at mu_k = beta/(gamma + k)", statement.nominal_stepsize
    )
    return unrolled(statement, recursion, sy.beta * sy.c * sy.q_min, l3.NOISE)


def unrolled(
    statement: Statement,
    recursion: Proof,
    slope: sp.Expr,
    noise: sp.Expr,
    contraction_facts: tuple[str, ...] = CONTRACTION_FACTS,
    slope_facts: tuple[str, ...] = ("slope condition",),
    slope_lemmas: tuple[Proof, ...] = (),
    branches: tuple[sp.Expr, sp.Expr] | None = None,
) -> Proof:
    """T4's induction for ``statement``: ``D(k) <= nu/(gamma + k)``, ``nu`` its definition.

    ``recursion`` concludes ``D(k+1) <= (1 - s/(gamma + k)) D(k) + (mu_k²/2) N`` at
    ``mu_k = beta/(gamma + k)``, with the slope ``s = slope`` (T4: ``beta c q_min``) and
    ``N = noise``; ``nu`` is the maximum of the statement's extras ``"nu noise branch"``
    ``beta² N/(2 (s - 1))`` and ``"nu initial branch"``; ``contraction_facts`` show
    ``1 - s/(gamma + k) >= 0`` and ``slope_facts`` (facts or the ``slope_lemmas``) show
    ``s - 1 >= 0``. ``nu`` is the definition of the symbol ``nu``; other definitions of the
    statement may name parts of ``s`` (T4.sharp's ``t1``): the recursion and the last step
    cite them, and ``branches`` are then the two branches of ``nu`` written with those names.
    """
    k = sy.k
    definitions = dict(statement.definitions)
    nu_name = next(n for n, d in statement.definitions if d.lhs.name == "nu")
    nu = definitions[nu_name].lhs
    others = tuple(n for n in definitions if n != nu_name)
    gap, hat = t3.GAP, _HAT
    noise_branch, initial_branch = branches or (
        statement.extra("nu noise branch"),
        statement.extra("nu initial branch"),
    )
    values = {elementary.X: noise_branch, elementary.Y: initial_branch}
    above_noise = Cite("Max(x, y) >= x", at=values)
    above_initial = Cite("Max(x, y) >= y", at=values)
    bound = sp.Lambda(k, nu / hat)
    base = Proof(
        f"{statement.id}: base case",
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
                (above_initial, nu_name),
                {"terms": [(1 / (sy.gamma + 1), above_initial)]},
                "nu >= (gamma + 1) F1_gap",
            ),
        ),
        sp.Le(gap(1), bound(1), evaluate=False),
    )
    rho = 1 - slope / hat
    noise_term = (sy.beta / hat) ** 2 / 2 * noise
    hypothesis = "induction hypothesis: D(k) <= nu/(gamma + k)"
    inductive = Proof(
        f"{statement.id}: inductive step",
        gap(k + 1),
        (
            Step(
                "<=",
                rho * gap(k) + noise_term,
                "monotone",
                (recursion.name, *others),
                {"terms": [(1, recursion.name)]},
                "the one-step recursion",
            ),
            Step(
                "<=",
                rho * nu / hat + noise_term,
                "monotone",
                (hypothesis, *contraction_facts),
                {"terms": [(rho, hypothesis)]},
                "induction hypothesis, times 1 - s/(gamma + k) >= 0",
            ),
            Step(
                "=",
                (hat - 1) * nu / hat**2 - ((slope - 1) * nu - sy.beta**2 * noise / 2) / hat**2,
                "identity",
                (),
                None,
                "regroup",
            ),
            Step(
                "<=",
                (hat - 1) * nu / hat**2,
                "monotone",
                (above_noise, nu_name, *slope_facts),
                {"terms": [((slope - 1) / hat**2, above_noise)]},
                "nu >= beta² N/(2(s - 1)) and s > 1",
            ),
            Step(
                "<=",
                bound(k + 1),
                "products",
                (above_initial, nu_name),
                None,
                "(h - 1)(h + 1) <= h² and nu >= (gamma + 1) F1_gap >= 0",
            ),
        ),
        sp.Le(gap(k + 1), bound(k + 1), evaluate=False),
        {hypothesis: sp.Le(gap(k), bound(k), evaluate=False)},
        lemmas=(recursion, *slope_lemmas),
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
        Step(
            "<=",
            statement.bound,
            "positivity",
            (*definitions, *hypotheses),
            None,
            "nu's value",
        ),
    )
    return Proof(statement.id, gap(k), steps, statement.claim(), lemmas=(base, inductive))
