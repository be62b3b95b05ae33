r"""L3.sharp — one-step descent of quantized SGD with Lemma 3's descent factor kept.

The lemma behind T1.sharp-T4.sharp (a checked statement they cite, not a separate entry of
the library).

Assumptions
-----------
A1-A4, as L3.

Bounded quantity
----------------
``E_k F(x_{k+1}) − F(x_k)`` (symbol ``expected_descent``), with ``grad_norm2 = ‖∇F(x_k)‖²``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``mu_k <= mu_max`` ("stepsize bound") and ``mu_max <= 1/(L M_G)`` ("stepsize condition"):

.. math:: E_k F(x_{k+1}) − F(x_k) \le −\frac{\mu_k q_{\min} (2 − L \mu_{\max} M_G q_{\min})}{2}
          ‖∇F_k‖^2 + \frac{L \mu_k^2}{2} (M + \sigma_q^2).

With ``mu_max = mu_k`` the coefficient is ``mu_k phi(q_min)``, ``phi(q) = q (1 − L mu_k M_G q/2)``;
L3 has ``mu_k q_min/2`` instead. A larger ``mu_max`` (the first step of a decreasing schedule)
gives a coefficient that no longer depends on ``k``.

Derivation
----------
L3's chain up to its general form
``−mu_k q_k G + (L mu_k²/2)(q_k² (M + M_G G) + sigma_q2)``; then
``q_k (2 − L mu_k M_G q_k) − q_min (2 − L mu_max M_G q_min) >= (q_k − q_min)(2 − L mu_max M_G
(q_k + q_min)) >= 0`` because ``mu_k <= mu_max``, ``L mu_max M_G <= 1`` and
``q_min <= q_k <= 1``, and ``q_k² M <= M``.

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the lemma labelled Lemma 3 in docs/spec.md
       section 2, sharpened.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Lemma 4.4 and (4.15), which keep
       ``1 − L alpha M_G/2`` before bounding it by ``1/2``.
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, le
from bounds.proof import Proof, Step
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import descent_factor

__all__ = ["DESCENT", "FACTOR_FACTS", "STATEMENT", "cite_at", "kept_factor_steps", "proof"]

DESCENT = sy.q_min * descent_factor(sy.mu_max, sy.q_min) / 2
"""The descent coefficient ``q_min (2 − L mu_max M_G q_min)/2`` (L3: ``q_min/2``)."""

STATEMENT = Statement(
    id="L3.sharp",
    title="one-step descent, descent factor kept",
    kind="lemma",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("stepsize bound", le(sy.mu_k, sy.mu_max), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu_max, l3.STEPSIZE_CAP), "stepsize"),
    ),
    quantity=sy.expected_descent,
    quantity_text=l3.STATEMENT.quantity_text,
    quantity_latex=l3.STATEMENT.quantity_latex,
    bound=-sy.mu_k * DESCENT * sy.grad_norm2 + sy.mu_k**2 / 2 * l3.NOISE,
    references=(paper("Lemma 3"), bottou("Lemma 4.4 and inequality (4.15)")),
    extras=(("general", l3.GENERAL),),
    stepsize=sy.mu_k,
    quantity_expr=l3.STATEMENT.quantity_expr,
)


def proof(statement: Statement) -> Proof:
    """L3's descent chain, then the factor kept (:func:`kept_factor_steps`)."""
    m = statement.nominal_stepsize
    tail, phi = kept_factor_steps(statement, sy.L * sy.M, sy.L * sy.sigma_q2)
    steps = (*l3.descent_steps(m), *tail)
    return Proof(statement.id, statement.quantity_expr, steps, statement.claim(), lemmas=(phi,))


def kept_factor_steps(
    statement: Statement, gradient_noise: sp.Expr, quantization_noise: sp.Expr
) -> tuple[tuple[Step, ...], Proof]:
    """From ``-m q_k G + (m²/2)(q_k² (A + L M_G G) + B)`` to ``statement.bound``, and the lemma
    on ``phi`` the last step cites (:func:`l3_one_step_descent.range_steps`).

    ``A = gradient_noise`` and ``B = quantization_noise`` (L3.sharp: ``L M`` and
    ``L sigma_q2``); ``m`` is the statement's stepsize, held below ``mu_max`` by its "stepsize
    bound". The bound is ``-m q_min (2 - L mu_max M_G q_min)/2 G + (m²/2)(A + B)``.
    """
    m, top = statement.nominal_stepsize, sy.mu_max
    q, G = sy.q_k, sy.grad_norm2
    phi = _phi_lemma(top)
    noise = q**2 * gradient_noise + quantization_noise
    larger_step = Step(
        "<=",
        -m * q * descent_factor(top, q) / 2 * G + m**2 / 2 * noise,
        "monotone",
        ("stepsize bound",),
        {"terms": [(sy.L * sy.M_G * q**2 * m * G / 2, "stepsize bound")]},
        "mu_k <= mu_max",
    )
    steps = l3.range_steps(statement, phi, gradient_noise, quantization_noise, (larger_step,))
    return steps, phi


def _phi_lemma(top: sp.Expr) -> Proof:
    """``q_min (2 - x q_min) <= q_k (2 - x q_k)`` for ``x = L top M_G <= 1`` and
    ``q_min <= q_k <= 1``: the difference is ``(q_k - q_min)(2 - x (q_k + q_min))``."""
    start = sy.q_min * descent_factor(top, sy.q_min)
    end = sy.q_k * descent_factor(top, sy.q_k)
    step = Step(
        "<=",
        end,
        "positivity",
        l3.RANGE_FACTS,
        None,
        "(q_k - q_min)(2 - L mu_max M_G (q_k + q_min)) >= 0",
    )
    return Proof("phi is increasing on [q_min, 1]", start, (step,), sp.Le(start, end))


#: What keeps ``2 - L mu M_G q_min`` positive in a statement with a fixed ``mu``: its stepsize
#: condition ``mu <= 1/(L M_G)``, ``M_G >= 1`` and ``q_min <= 1``.
FACTOR_FACTS = ("stepsize condition", "A2: M_G = 1 + M_V", "A3: q_min <= 1")


def cite_at(stepsize: sp.Expr, largest: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    """The substitution that applies the lemma at ``mu_k = stepsize``, ``mu_max = largest``."""
    return {sy.mu_k: stepsize, sy.mu_max: largest}
