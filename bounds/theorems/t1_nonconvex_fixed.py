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
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T1 in SPEC section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the case
       ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper

__all__ = ["STATEMENT", "STEPSIZE_CAP"]

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
)


# --------------------------------------------------------------------- checked proof (issue 5)
from bounds.proof.chain import Proof  # noqa: E402


def proof() -> Proof:
    """T1 as a chain: sum Lemma 3 over k, telescope, ``F >= F_inf``, divide by ``K mu q_min/2``.

    Lemma 3 (in total expectation) is a checked sub-proof; see
    :func:`bounds.proof.library.theorem1`.
    """
    from bounds.proof import library

    return library.theorem1()
