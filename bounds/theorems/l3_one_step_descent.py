r"""L3 — one-step descent of quantized SGD.

Assumptions
-----------
A1 (``F`` is ``L``-smooth, so ``F(y) <= F(x) + ∇F(x)ᵀ(y − x) + (L/2)‖y − x‖²``), A2, A3, A4.

Bounded quantity
----------------
``E_k F(x_{k+1}) − F(x_k)`` (symbol ``expected_descent``), with ``grad_norm2 = ‖∇F(x_k)‖²``.

Theoretical guarantee (upper bound)
-----------------------------------
By the descent lemma and Lemmas 1-2 (extra ``"general"``):

.. math:: E_k F(x_{k+1}) − F(x_k) \le −\mu_k q_k ‖∇F_k‖^2
          + \tfrac{L \mu_k^2}{2}\big(q_k^2 (M + M_G ‖∇F_k‖^2) + \sigma_q^2\big).

If ``mu_k <= 1/(L M_G)`` ("stepsize condition"), then with ``q_k² <= q_k <= 1`` and
``q_k >= q_min`` (the stated bound):

.. math:: E_k F(x_{k+1}) − F(x_k) \le −\tfrac{\mu_k q_{\min}}{2} ‖∇F_k‖^2
          + \tfrac{L \mu_k^2}{2} (M + \sigma_q^2).

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the lemma labelled Lemma 3 in SPEC section 2.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Section 4, Lemma 4.4 and (4.15):
       the case ``q_k = 1``, ``sigma_q2 = 0`` with angle constant ``mu = 1``.
"""

from __future__ import annotations

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, le
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper

__all__ = ["GENERAL", "STATEMENT", "STEPSIZE_CAP"]

STEPSIZE_CAP = 1 / (sy.L * sy.M_G)
"""The stepsize condition's right-hand side ``1/(L M_G)``."""

GENERAL = -sy.mu_k * sy.q_k * sy.grad_norm2 + sy.L * sy.mu_k**2 / 2 * (
    sy.q_k**2 * (sy.M + sy.M_G * sy.grad_norm2) + sy.sigma_q2
)
"""The bound before the stepsize condition is used."""

STATEMENT = Statement(
    id="L3",
    title="one-step descent",
    kind="lemma",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(Hypothesis("stepsize condition", le(sy.mu_k, STEPSIZE_CAP), "stepsize"),),
    quantity=sy.expected_descent,
    quantity_text="E_k F(x_{k+1}) − F(x_k)",
    quantity_latex=r"\mathbb{E}_k F(x_{k+1}) - F(x_k)",
    bound=-sy.mu_k * sy.q_min / 2 * sy.grad_norm2 + sy.L * sy.mu_k**2 / 2 * sy.S,
    references=(paper("Lemma 3"), bottou("Lemma 4.4 and inequality (4.15)")),
    extras=(("general", GENERAL),),
)


# --------------------------------------------------------------------- checked proof (issue 5)
from bounds.proof.chain import Proof  # noqa: E402


def proof() -> Proof:
    """Lemma 3 as a chain from A1-A4 to ``STATEMENT.bound``, checked by :func:`bounds.proof.check`.

    Descent lemma, linearity and measurability of ``q_k, mu_k``, the zero-mean cross terms
    (A4), the second moments (A2, A4), then the stepsize condition; see
    :func:`bounds.proof.library.lemma3`.
    """
    from bounds.proof import library

    return library.lemma3(sy.mu_k)
