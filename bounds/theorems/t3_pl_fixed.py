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
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T3 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.6 (the case
       ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.proof import Cite, E, Proof, Result, Step
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems._references import bottou, paper

__all__ = [
    "CONTRACTION",
    "FLOOR",
    "GAP",
    "STATEMENT",
    "STEPSIZE_CAP",
    "pl_in_expectation",
    "proof",
    "recursion",
    "unrolled",
]

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
    stepsize=sy.mu,
    quantity_expr=model.EF(sy.k) - sy.F_star,
    definitions=(("def: rho = 1 - mu c q_min", sp.Eq(sp.Symbol("rho", real=True), CONTRACTION)),),
)


# ----------------------------------------------------------------------------- proof
# D(k) = E[F(x_k)] - F_star. Lemma 3 + PL give D(k+1) <= rho D(k) + L mu² S/2 with
# rho = 1 - mu c q_min (a definition); unrolled by induction on k from D(1) <= F1_gap. The
# hypotheses keep rho >= 0, which is all the induction needs (rho = 0 included).
#: The optimality gap ``D(k) = E[F(x_k)] - F_star`` as a function of ``k``.
GAP = sp.Lambda(sy.k, model.EF(sy.k) - sy.F_star)


def pl_in_expectation() -> Proof:
    """A5 in total expectation at step ``k``: ``2 c D(k) <= E‖∇F(x_k)‖²``."""
    pl = Cite("A5: PL at x_k", wrap="E")
    start = 2 * sy.c * GAP(sy.k)
    steps = (
        Step(
            "=",
            E(2 * sy.c * (model.F_k - sy.F_star)),
            "expectation",
            ("model: E F(x_k) = EF(k)", "model: constants are deterministic"),
            None,
            "linearity",
        ),
        Step("<=", E(sy.grad_norm2), "monotone", (pl,), {"terms": [(1, pl)]}, "E is monotone"),
        Step("=", model.EG(sy.k), "expectation", ("model: E‖∇F(x_k)‖² = EG(k)",), None, "EG"),
    )
    return Proof(
        "A5: PL in expectation", start, steps, sp.Le(start, model.EG(sy.k), evaluate=False)
    )


def recursion(
    name: str,
    stepsize: sp.Expr,
    per_step: Proof | Result | None = None,
    at: dict | None = None,
    descent: sp.Expr = l3.DESCENT,
    noise: sp.Expr = l3.NOISE,
    factor_facts: tuple[str, ...] = (),
) -> Proof:
    """``D(k+1) <= (1 - 2 m c d) D(k) + (m²/2) N`` at step ``k`` of a run at stepsize ``m``.

    The one-step descent ``per_step`` (default Lemma 3; ``at``, ``descent = d`` and
    ``noise = N`` as in :func:`bounds.theorems.l3_one_step_descent.in_total_expectation`) in
    total expectation, then PL in expectation with the factor ``m d``; ``factor_facts`` show
    ``m d >= 0`` when the symbols' signs do not (T3: ``d = q_min/2``, so ``1 - m c q_min``).
    """
    total = l3.in_total_expectation(
        f"{name}: one-step descent in total expectation",
        stepsize,
        per_step,
        at,
        descent=descent,
        noise=noise,
    )
    pl = pl_in_expectation()
    m = stepsize
    rhs = (1 - 2 * m * sy.c * descent) * GAP(sy.k) + m**2 / 2 * noise
    steps = (
        Step(
            "<=",
            GAP(sy.k) - (m * descent) * model.EG(sy.k) + m**2 / 2 * noise,
            "monotone",
            (total.name,),
            {"terms": [(1, total.name)]},
            "the one-step descent in total expectation",
        ),
        Step(
            "<=",
            rhs,
            "monotone",
            (pl.name, *factor_facts),
            {"terms": [(m * descent, pl.name)]},
            "PL with the factor m d >= 0",
        ),
    )
    start = GAP(sy.k + 1)
    return Proof(name, start, steps, sp.Le(start, rhs, evaluate=False), lemmas=(total, pl))


#: What keeps 1 - mu c q_min >= 0: mu <= 1/(L M_G), c <= L, q_min <= 1, M_G >= 1.
CONTRACTION_FACTS = (
    "stepsize condition",
    "A5: c <= L",
    "A3: q_min <= 1",
    "A2: M_G = 1 + M_V",
)


def proof(statement: Statement) -> Proof:
    """T3 by induction on ``k``: ``D(k) <= floor + rho^(k-1)(F1_gap - floor)``."""
    mu = statement.nominal_stepsize
    return unrolled(statement, recursion("T3: one-step recursion", mu), FLOOR, l3.NOISE)


def unrolled(
    statement: Statement,
    step_recursion: Proof,
    floor: sp.Expr,
    noise: sp.Expr,
    contraction_facts: tuple[str, ...] = CONTRACTION_FACTS,
) -> Proof:
    """The induction of T3 for ``statement``: ``D(k) <= floor + rho^(k-1)(F1_gap - floor)``.

    ``step_recursion`` concludes ``D(k+1) <= rho D(k) + (m²/2) N`` with ``N = noise`` and
    ``rho`` the statement's definition (its first, ``rho = ...``), ``m`` its stepsize;
    ``floor`` is the fixed point, ``rho floor + (m²/2) N = floor``, and ``contraction_facts``
    show ``rho >= 0``. The last step reaches ``statement.bound``.
    """
    mu, k = statement.nominal_stepsize, sy.k
    rho_name, rho_definition = statement.definitions[0]
    rho = rho_definition.lhs
    noise_term = mu**2 / 2 * noise
    bound = sp.Lambda(k, floor + rho ** (k - 1) * (sy.F1_gap - floor))
    base = Proof(
        f"{statement.id}: base case",
        GAP(1),
        (
            Step(
                "<=",
                sy.F1_gap,
                "monotone",
                ("A5: F(x_1) - F_star <= F1_gap",),
                {"terms": [(1, "A5: F(x_1) - F_star <= F1_gap")]},
                "D(1) = F(x_1) - F_star",
            ),
            Step("=", bound(1), "identity", (), None, "the bound at k = 1"),
        ),
        sp.Le(GAP(1), bound(1), evaluate=False),
    )
    hypothesis = "induction hypothesis: D(k) <= bound(k)"
    inductive = Proof(
        f"{statement.id}: inductive step",
        GAP(k + 1),
        (
            Step(
                "<=",
                rho * GAP(k) + noise_term,
                "monotone",
                (step_recursion.name, rho_name),
                {"terms": [(1, step_recursion.name)]},
                "the one-step recursion, its factor named rho",
            ),
            Step(
                "<=",
                rho * bound(k) + noise_term,
                "monotone",
                (hypothesis, rho_name, *contraction_facts),
                {"terms": [(rho, hypothesis)]},
                "induction hypothesis, times rho >= 0",
            ),
            Step(
                "<=",
                bound(k + 1),
                "identity",
                (rho_name, "model: constants are deterministic"),
                None,
                "rho floor + (m²/2) N = floor and rho rho^(k-1) = rho^k",
            ),
        ),
        sp.Le(GAP(k + 1), bound(k + 1), evaluate=False),
        {hypothesis: sp.Le(GAP(k), bound(k), evaluate=False)},
        lemmas=(step_recursion,),
    )
    hint = {
        "index": k,
        "start": 1,
        "sequence": GAP,
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
            (rho_name, *hypotheses),
            None,
            "rho's value",
        ),
    )
    return Proof(statement.id, GAP(k), steps, statement.claim(), lemmas=(base, inductive))
