r"""T2.sharp — non-convex objective, diminishing stepsizes, with Lemma 3's descent factor kept.

Assumptions
-----------
A1-A4, as T2. Write ``S = M + sigma_q2``.

Algorithm
---------
Quantized SGD with a stepsize sequence ``mu_k`` (``mu_seq[k]``), ``k = 1..K``.

Bounded quantity
----------------
``Σ_{k=1..K} mu_k E‖∇F(x_k)‖²`` (symbol ``weighted_grad_sum``).

Theoretical guarantee (upper bound)
-----------------------------------
If ``mu_k <= mu_max`` for all ``k <= K`` ("stepsize bound") and ``mu_max <= 1/(L M_G)``
("stepsize condition"):

.. math:: \sum_{k=1}^K \mu_k E‖∇F(x_k)‖^2 \le
          \frac{2\Delta + L S \sum_{k=1}^K \mu_k^2}{q_{\min}\,(2 − L M_G q_{\min} \mu_{\max})},

T2's bound divided by ``2 − L M_G q_min mu_max`` (in ``[1, 2)``). The new constant ``mu_max``
is any bound on the stepsizes: ``mu_1`` for a decreasing schedule, ``mu`` for a fixed one.
For a fixed ``mu`` without noise this is ``Delta/(q_min (1 − L mu q_min/2))``, PEPit's worst
case of ``mu Σ‖∇F(x_k)‖²`` given ``F(x_1) − F(x_{K+1}) <= Delta`` (:mod:`bounds.tightness`).

Also (extra ``"min bound"``, no ``mu_max`` needed):
``min_k E‖∇F(x_k)‖² <= (2 Delta + L S Σ mu_k²)/(q_min Σ_k mu_k (2 − L M_G q_min mu_k))``.
The variants divide T2's by ``2 − L M_G q_min mu_max`` with the schedule's largest step:

* ``T2.sharp.harmonic``, ``mu_k = beta/(gamma + k)``, ``mu_max = beta/(gamma + 1)``;
* ``T2.sharp.sqrt``, ``mu_k = mu0/sqrt(k)``, ``mu_max = mu0``.

Derivation
----------
Lemma 3 at ``mu_k`` with ``phi_k(q) = q (1 − L mu_k M_G q/2)`` kept (increasing on ``[0, 1]``
since ``L mu_k M_G <= 1``):
``E F(x_{k+1}) − E F(x_k) <= −mu_k q_min (2 − L M_G q_min mu_k)/2 · E‖∇F(x_k)‖² + L mu_k² S/2``.
Sum over ``k = 1..K`` and telescope with ``F(x_{K+1}) >= F_inf``:
``Σ mu_k (2 − L M_G q_min mu_k) E‖∇F(x_k)‖² <= (2 Delta + L S Σ mu_k²)/q_min``. Each weight
``2 − L M_G q_min mu_k`` is at least ``2 − L M_G q_min mu_max``, which gives the bound; the left
side is at least ``min_k E‖∇F(x_k)‖²`` times ``Σ mu_k (2 − L M_G q_min mu_k)``, which gives the
min bound. The variants then use T2's sum bounds
(:data:`bounds.theorems.t2_nonconvex_diminishing.SUM_BOUNDS`).

Example
-------
>>> from bounds import schedules, theorems
>>> T2s = theorems.get("T2.sharp")
>>> constants = dict(L=1, Delta=1, M=1, M_G=1, q_min=0.5, sigma_q2=1)
>>> float(T2s.evaluate(**constants, K=3, mu=0.5, mu_max=0.5))  # T2's 7 over 2 - 1/4
4.0
>>> float(T2s.evaluate(**constants, K=2, mu=schedules.harmonic(1.0, 1.0), mu_max=0.5))
3.111111111111111
>>> T2s.violated_hypotheses(**constants, K=2, mu=schedules.harmonic(1.0, 1.0), mu_max=0.4)
('stepsize bound',)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T2 in docs/spec.md section 3,
       sharpened (T2.sharp there).
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.10 and the inequality in
       its proof, which keeps ``1 − L alpha_k M_G/2`` before bounding it by ``1/2``.
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, le
from bounds.proof import Proof
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import l3_sharp
from bounds.theorems import t2_nonconvex_diminishing as t2
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import compare_directly, descent_factor, shared_hypotheses
from bounds.theorems.t2_nonconvex_diminishing import HARMONIC, SQRT, SQUARE_SUM, STEP_SUM

__all__ = ["HARMONIC_SHARP", "MIN_BOUND", "SQRT_SHARP", "STATEMENT", "comparison", "proof"]

MIN_BOUND = (2 * sy.Delta + sy.L * sy.S * SQUARE_SUM) / (
    sy.q_min * sp.Sum(sy.mu_seq[sy.k] * descent_factor(sy.mu_seq[sy.k], sy.q_min), (sy.k, 1, sy.K))
)
"""Bound on ``min_k E‖∇F(x_k)‖²`` for any sequence."""

_MIN_QUANTITY = dict(
    quantity=HARMONIC.quantity,
    quantity_text=HARMONIC.quantity_text,
    quantity_latex=HARMONIC.quantity_latex,
)

HARMONIC_SHARP = Statement(
    id="T2.sharp.harmonic",
    title="non-convex, stepsizes beta/(gamma + k), descent factor kept",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=HARMONIC.hypotheses,
    bound=HARMONIC.bound / descent_factor(sy.beta / (sy.gamma + 1), sy.q_min),
    horizon=sy.K,
    rate=1 / sp.log(sy.K),
    references=(paper("T2"), bottou("Theorem 4.10")),
    **_MIN_QUANTITY,
)

SQRT_SHARP = Statement(
    id="T2.sharp.sqrt",
    title="non-convex, stepsizes mu0/sqrt(k), descent factor kept",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=SQRT.hypotheses,
    bound=SQRT.bound / descent_factor(sy.mu0, sy.q_min),
    horizon=sy.K,
    rate=sp.log(sy.K) / sp.sqrt(sy.K),
    references=(paper("T2"), bottou("Theorem 4.10")),
    **_MIN_QUANTITY,
)

STATEMENT = Statement(
    id="T2.sharp",
    title="non-convex, diminishing stepsizes, descent factor kept",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis(
            "stepsize bound",
            le(sy.mu_seq[sy.k], sy.mu_max),
            "stepsize",
            for_all=(sy.k, sp.Integer(1), sy.K),
        ),
        Hypothesis("stepsize condition", le(sy.mu_max, 1 / (sy.L * sy.M_G)), "stepsize"),
    ),
    quantity=sy.weighted_grad_sum,
    quantity_text="Σ_{k=1..K} mu_k E‖∇F(x_k)‖²",
    quantity_latex=r"\sum_{k=1}^{K}\mu_k\,\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=(2 * sy.Delta + sy.L * sy.S * SQUARE_SUM)
    / (sy.q_min * descent_factor(sy.mu_max, sy.q_min)),
    horizon=sy.K,
    references=(paper("T2"), bottou("Theorem 4.10")),
    extras=(("min bound", MIN_BOUND), ("step sum", STEP_SUM), ("square sum", SQUARE_SUM)),
    variants=(HARMONIC_SHARP, SQRT_SHARP),
    stepsize=sy.mu_seq[sy.k],
    quantity_expr=t2.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """T2's argument with L3.sharp at ``mu_k`` (its ``mu_max`` the statement's) for ``k <= K``."""
    total = l3.in_total_expectation(
        f"{statement.id}: L3.sharp in total expectation at mu_k",
        statement.nominal_stepsize,
        per_step=l3_sharp.STATEMENT.as_lemma(),
        at=l3_sharp.cite_at(statement.nominal_stepsize, sy.mu_max),
        hypotheses=t2.UP_TO_K,
        descent=l3_sharp.DESCENT,
    )
    return t2.weighted(statement, total, l3_sharp.DESCENT, factor_facts=l3_sharp.FACTOR_FACTS)


def comparison() -> Proof:
    """``T2.sharp <= T2`` under T2.sharp's hypotheses (which imply T2's)."""
    return compare_directly(
        "T2.sharp <= T2", STATEMENT.bound, t2.STATEMENT.bound, shared_hypotheses(STATEMENT)
    )
