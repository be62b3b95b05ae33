r"""T1 — non-convex objective, fixed stepsize.

Assumptions
-----------
A1-A4: ``F`` is ``L``-smooth and bounded below (``Delta = F(x_1) − F_inf >= 0``), gradients are
unbiased with ``E_k‖g_k‖² <= M + M_G‖∇F‖²``, shrinkage ``q_min <= q_k <= 1``, zero-mean
quantization noise with second moment ``<= sigma_q2``. Write ``S = M + sigma_q2``.

Algorithm
---------
Quantized SGD ``x_{k+1} = x_k − mu (q_k g_k + eps_k)`` for ``k = 1..K`` with a fixed ``mu``.

Bounded quantity
----------------
``(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²`` (symbol ``avg_grad_norm2``).

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"):

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le \frac{2\Delta}{K \mu q_{\min}}
          + \frac{L \mu S}{q_{\min}}.

Floor as ``K -> oo``: ``L mu S/q_min`` (full precision: ``L mu M``); rate ``1/K``.

Example
-------
>>> from bounds import theorems
>>> T1 = theorems.get("T1")
>>> float(T1.evaluate(L=1, Delta=2, M=1, M_G=1, q_min=0.5, sigma_q2=1, K=10, mu=0.5))
3.6
>>> T1.floor
L*mu*(M + sigma_q2)/q_min
>>> T1.violated_hypotheses(L=1, Delta=2, M=1, M_G=1, q_min=0.5, sigma_q2=1, K=10, mu=2)
('stepsize condition',)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T1 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the case
       ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof import Cite, Proof, Step
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems._references import bottou, paper

__all__ = ["STATEMENT", "STEPSIZE_CAP", "averaged", "proof"]

STEPSIZE_CAP = 1 / (sy.L * sy.M_G)
"""The stepsize condition's right-hand side ``1/(L M_G)``."""

STATEMENT = Statement(
    id="T1",
    title="non-convex, fixed stepsize",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, STEPSIZE_CAP), "stepsize"),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=2 * sy.Delta / (sy.K * sy.mu * sy.q_min) + sy.L * sy.mu * sy.S / sy.q_min,
    horizon=sy.K,
    rate=1 / sy.K,
    references=(paper("T1"), bottou("Theorem 4.8")),
    stepsize=sy.mu,
    quantity_expr=sp.Sum(model.EG(sy.k), (sy.k, 1, sy.K)) / sy.K,
)


# ----------------------------------------------------------------------------- proof
def averaged(
    statement: Statement,
    total: Proof,
    descent: sp.Expr = l3.DESCENT,
    noise: sp.Expr = l3.NOISE,
    factor_facts: tuple[str, ...] = (),
) -> Proof:
    """T1's argument for ``statement``'s run: sum ``total`` over ``k = 1..K``, telescope, bound
    the ends by A1, divide by ``K m d``; the last step reaches ``statement.bound``.

    ``total`` concludes ``EF(k+1) - EF(k) <= -m d EG(k) + (m²/2) N`` at a generic step ``k``
    (:func:`bounds.theorems.l3_one_step_descent.in_total_expectation`), where ``m`` is the
    statement's stepsize, ``d = descent`` and ``N = noise`` (T1: ``q_min/2`` and ``L S``).
    ``factor_facts`` are the facts that show ``1/(K m d) >= 0`` when the declared signs of the
    symbols do not (a sharper ``d`` that needs the stepsize condition to stay positive).
    """
    m = statement.nominal_stepsize
    K, k = sy.K, sy.k
    EF, EG = model.EF, model.EG
    scale = 1 / (K * m * descent)
    summed = Cite(total.name, over=(k, 1, K))
    bottom = Cite("A1: E F(x_k) >= F_inf", at={k: K + 1})
    top = "A1: F(x_1) - F_inf <= Delta"
    hypotheses = tuple(
        h.name for h in statement.all_hypotheses if not model.mentions_locals(h.relation)
    )
    steps = (
        Step(
            "=",
            scale * sp.Sum(m * descent * EG(k), (k, 1, K)),
            "identity",
            (),
            None,
            "pull the constant into the sum",
        ),
        Step(
            "<=",
            scale * sp.Sum(EF(k) - EF(k + 1) + m**2 / 2 * noise, (k, 1, K)),
            "monotone",
            (summed, *factor_facts),
            {"terms": [(scale, summed)]},
            "the one-step descent in total expectation, summed over k = 1..K",
        ),
        Step(
            "=",
            scale * (EF(1) - EF(K + 1) + K * m**2 / 2 * noise),
            "telescope",
            (),
            None,
            "telescoping",
        ),
        Step(
            "<=",
            scale * (sy.Delta + K * m**2 / 2 * noise),
            "monotone",
            (bottom, top, *factor_facts),
            {"terms": [(scale, bottom), (scale, top)]},
            "F(x_{K+1}) >= F_inf and F(x_1) - F_inf <= Delta",
        ),
        Step(
            "<=",
            statement.bound,
            "positivity",
            hypotheses,
            None,
            "the statement's form of the bound",
        ),
    )
    return Proof(statement.id, statement.quantity_expr, steps, statement.claim(), lemmas=(total,))


def proof(statement: Statement) -> Proof:
    """T1: Lemma 3 in total expectation at the fixed stepsize, summed and telescoped."""
    total = l3.in_total_expectation(
        f"{statement.id}: Lemma 3 in total expectation", statement.nominal_stepsize
    )
    return averaged(statement, total)
