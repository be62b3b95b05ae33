r"""L3.matrix — one-step descent under matrix smoothness, descent factor kept.

The lemma behind T1.matrix and T3.matrix (a checked statement they cite, not a separate entry
of the library).

Assumptions
-----------
A1-A4 and matrix smoothness with ``Lmat``-weighted noise constants (see T1.matrix):
``F(y) <= F(x) + ∇F(x)ᵀ(y − x) + (1/2)(y − x)ᵀ Lmat (y − x)``, ``Lmat ⪯ L I``,
``E_k[(g_k − ∇F)ᵀ Lmat (g_k − ∇F)] <= M_L + L M_V‖∇F‖²``, ``E_k[eps_kᵀ Lmat eps_k] <= sigma_qL``.

Bounded quantity
----------------
``E_k F(x_{k+1}) − F(x_k)`` (symbol ``expected_descent``), with ``grad_norm2 = ‖∇F(x_k)‖²``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``mu_k <= mu_max`` ("stepsize bound") and ``mu_max <= 1/(L M_G)`` ("stepsize condition"):

.. math:: E_k F(x_{k+1}) − F(x_k) \le −\frac{\mu_k q_{\min} (2 − L \mu_{\max} M_G q_{\min})}{2}
          ‖∇F_k‖^2 + \frac{\mu_k^2}{2} (M_L + \sigma_{qL}).

Derivation
----------
The matrix descent lemma at ``x_{k+1} = x_k − mu_k ĝ_k`` and ``E_k``; ``ĝ_k = q_k g_k + eps_k``
with ``E_k[eps_kᵀ Lmat g_k] = 0`` (A4); ``g_kᵀ Lmat g_k`` split at ``∇F``, whose cross term
``E_k[(g_k − ∇F)ᵀ Lmat ∇F]`` vanishes (A2) and whose last term is at most ``L‖∇F‖²``; so
``E_k[ĝ_kᵀ Lmat ĝ_k] <= q_k² (M_L + L M_G‖∇F‖²) + sigma_qL``, L3's general form with ``L M``
and ``L sigma_q2`` replaced by ``M_L`` and ``sigma_qL``; then L3.sharp's last steps.

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the lemma labelled Lemma 3 in docs/spec.md
       section 2, under matrix smoothness.
.. [2] Safaryan, Hanzely & Richtárik, NeurIPS 2021: matrix smoothness and its use in descent.
.. [3] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Lemma 4.4 (the base result).
"""

from __future__ import annotations

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4
from bounds.proof import Cite, Ek, Proof, Step
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import l3_sharp
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import MATRIX_SMOOTHNESS, SAFARYAN

__all__ = ["NOISE", "STATEMENT", "proof"]

NOISE = sy.M_L + sy.sigma_qL
"""The noise constant ``M_L + sigma_qL`` (L3: ``L S``)."""

STATEMENT = Statement(
    id="L3.matrix",
    title="one-step descent, matrix smoothness",
    kind="lemma",
    module=__name__,
    assumptions=(A1, A2, A3, A4, MATRIX_SMOOTHNESS),
    hypotheses=l3_sharp.STATEMENT.hypotheses,
    quantity=sy.expected_descent,
    quantity_text=l3.STATEMENT.quantity_text,
    quantity_latex=l3.STATEMENT.quantity_latex,
    bound=-sy.mu_k * l3_sharp.DESCENT * sy.grad_norm2 + sy.mu_k**2 / 2 * NOISE,
    references=(paper("Lemma 3"), SAFARYAN, bottou("Lemma 4.4")),
    stepsize=sy.mu_k,
    quantity_expr=l3.STATEMENT.quantity_expr,
)


def proof(statement: Statement) -> Proof:
    """The matrix descent lemma under ``E_k``, the ``Lmat``-weighted moments, L3.sharp's tail."""
    m = statement.nominal_stepsize
    q, G, L = sy.q_k, sy.grad_norm2, sy.L
    descent = Cite("A1 (matrix): descent lemma at x_{k+1}", wrap="Ek")
    deviation = "A2 (matrix): E_k[devᵀLmat dev] <= M_L + L M_V‖∇F‖²"
    curvature = "A1 (matrix): ∇FᵀLmat ∇F <= L‖∇F‖²"
    noise = "A4 (matrix): E_k[eps_kᵀLmat eps_k] <= sigma_qL"
    tail, phi = l3_sharp.kept_factor_steps(statement, sy.M_L, sy.sigma_qL)
    steps = (
        Step(
            "<=",
            Ek(model.F_k - m * model.ghat_grad + m**2 / 2 * model.ghat_Lmat) - model.F_k,
            "monotone",
            (descent,),
            {"terms": [(1, descent)]},
            "E_k is monotone",
        ),
        Step(
            "=",
            -m * Ek(model.ghat_grad) + m**2 / 2 * Ek(model.ghat_Lmat),
            "expectation",
            l3.KNOWN,
            None,
            "linearity; F(x_k) and the stepsize are known given the history",
        ),
        Step(
            "=",
            -m * q * Ek(model.g_grad)
            - m * Ek(model.eps_grad)
            + m**2
            / 2
            * (
                q**2 * (Ek(model.dev_Lmat) + 2 * Ek(model.dev_Lmat_grad) + model.grad_Lmat)
                + 2 * q * Ek(model.eps_Lmat_g)
                + Ek(model.eps_Lmat)
            ),
            "expectation",
            (
                "model: ∇Fᵀĝ_k = q_k ∇Fᵀg_k + ∇Fᵀeps_k",
                "model (matrix): ĝᵀLmat ĝ = q_k² gᵀLmat g + 2 q_k epsᵀLmat g + epsᵀLmat eps",
                "model (matrix): gᵀLmat g = devᵀLmat dev + 2 devᵀLmat ∇F + ∇FᵀLmat ∇F",
                "model (matrix): ∇FᵀLmat ∇F is determined by the history",
                *l3.KNOWN,
            ),
            None,
            "ĝ = q g + eps, g = ∇F + dev; q_k and ∇FᵀLmat ∇F known given the history",
        ),
        Step(
            "=",
            -m * q * G
            + m**2 / 2 * (q**2 * (Ek(model.dev_Lmat) + model.grad_Lmat) + Ek(model.eps_Lmat)),
            "expectation",
            (
                "A2: E_k[∇Fᵀg_k] = ‖∇F‖²",
                "A4: E_k[eps_kᵀ∇F] = 0",
                "A2 (matrix): E_k[devᵀLmat ∇F] = 0 (dev = g_k - ∇F)",
                "A4 (matrix): E_k[eps_kᵀLmat g_k] = 0",
            ),
            None,
            "unbiased gradients and zero-mean quantization noise kill the cross terms",
        ),
        Step(
            "<=",
            -m * q * G + m**2 / 2 * (q**2 * (sy.M_L + L * sy.M_V * G + L * G) + sy.sigma_qL),
            "monotone",
            (deviation, curvature, noise),
            {
                "terms": [
                    (m**2 * q**2 / 2, deviation),
                    (m**2 * q**2 / 2, curvature),
                    (m**2 / 2, noise),
                ]
            },
            "the Lmat-weighted moments and Lmat <= L I",
        ),
        *tail,
    )
    return Proof(statement.id, statement.quantity_expr, steps, statement.claim(), lemmas=(phi,))


def cite_at(stepsize: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
    """The substitution that applies the lemma at a fixed stepsize: ``mu_k = mu_max``."""
    return l3_sharp.cite_at(stepsize, stepsize)
