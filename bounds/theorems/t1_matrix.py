r"""T1.matrix — non-convex objective, fixed stepsize, matrix smoothness with Lmat-weighted noise.

Assumptions
-----------
A1-A4, and matrix smoothness (Safaryan, Hanzely & Richtárik):
``F(y) <= F(x) + ∇F(x)ᵀ(y − x) + (1/2)(y − x)ᵀ Lmat (y − x)`` with ``0 ⪯ Lmat ⪯ L I``, with the
noise constants measured in the ``Lmat``-norm:
``E_k[(g_k − ∇F(x_k))ᵀ Lmat (g_k − ∇F(x_k))] <= M_L + L M_V‖∇F(x_k)‖²`` and
``E_k[eps_kᵀ Lmat eps_k] <= sigma_qL``. A2 and A4 always give ``M_L = L M`` and
``sigma_qL = L sigma_q2``; on a real model ``M_L`` and ``sigma_qL`` can be far smaller (noise
spread over flat directions), and are measured with Hessian-vector products.

Algorithm
---------
Quantized SGD ``x_{k+1} = x_k − mu (q_k g_k + eps_k)`` for ``k = 1..K`` with a fixed ``mu``.

Bounded quantity
----------------
``(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²`` (symbol ``avg_grad_norm2``).

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"), with ``t = 2 − L mu M_G q_min``:

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le \frac{2\Delta}{K \mu q_{\min} t}
          + \frac{\mu (M_L + \sigma_{qL})}{q_{\min} t}.

Floor ``mu (M_L + sigma_qL)/(q_min t)``; rate ``1/K``. With ``Lmat = L I`` (``M_L = L M``,
``sigma_qL = L sigma_q2``) this is T1.sharp exactly.

Derivation
----------
The matrix descent lemma at ``y = x_k − mu ĝ_k``:
``F(x_{k+1}) <= F(x_k) − mu ∇F_kᵀ ĝ_k + (mu²/2) ĝ_kᵀ Lmat ĝ_k``. With ``ĝ_k = q_k g_k + eps_k``,
``E_k[eps_k | g_k] = 0`` kills the cross term, and unbiasedness splits
``E_k[g_kᵀ Lmat g_k] = ∇F_kᵀ Lmat ∇F_k + E_k[(g_k − ∇F_k)ᵀ Lmat (g_k − ∇F_k)]
<= L‖∇F_k‖² + M_L + L M_V‖∇F_k‖² = M_L + L M_G‖∇F_k‖²``. So
``E_k F(x_{k+1}) − F(x_k) <= −mu phi(q_k)‖∇F_k‖² + (mu²/2)(q_k² M_L + sigma_qL)`` with T1.sharp's
``phi(q) = q (1 − L mu M_G q/2) >= phi(q_min)``; then ``q_k² M_L <= M_L`` and T1.sharp's
summation.

Example
-------
>>> from bounds import theorems
>>> T1m = theorems.get("T1.matrix")
>>> point = dict(L=1, Delta=2, M_G=1, q_min=0.5, K=10, mu=0.5)
>>> float(T1m.evaluate(**point, M_L=1, sigma_qL=1))  # = T1.sharp at M = sigma_q2 = 1
2.057142857142857
>>> float(T1m.evaluate(**point, M_L=0.1, sigma_qL=0.1))  # noise in flat directions
1.0285714285714285

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T1 in docs/spec.md section 3, under
       matrix smoothness.
.. [2] Safaryan, Hanzely & Richtárik, NeurIPS 2021: matrix smoothness and its use in descent.
.. [3] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the base result).
"""

from __future__ import annotations

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof import Proof
from bounds.statement import Statement
from bounds.theorems import l3_matrix, l3_sharp
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import t1_nonconvex_fixed as t1
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import (
    MATRIX_SMOOTHNESS,
    SAFARYAN,
    WEIGHTED_BELOW_PLAIN,
    averaged_bound,
    compare_directly,
    shared_hypotheses,
)

__all__ = ["STATEMENT", "comparison", "proof"]

STATEMENT = Statement(
    id="T1.matrix",
    title="non-convex, fixed stepsize, matrix smoothness",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, MATRIX_SMOOTHNESS),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, 1 / (sy.L * sy.M_G)), "stepsize"),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=averaged_bound(sy.mu, sy.q_min, sy.M_L + sy.sigma_qL),
    horizon=sy.K,
    rate=1 / sy.K,
    references=(paper("T1"), SAFARYAN, bottou("Theorem 4.8")),
    stepsize=sy.mu,
    quantity_expr=t1.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """T1's argument with L3.matrix (cited at ``mu_k = mu_max = mu``) in place of Lemma 3."""
    m = statement.nominal_stepsize
    descent = l3_sharp.DESCENT.subs(sy.mu_max, m)
    total = l3.in_total_expectation(
        f"{statement.id}: L3.matrix in total expectation",
        m,
        per_step=l3_matrix.STATEMENT.as_lemma(),
        at=l3_matrix.cite_at(m),
        descent=descent,
        noise=l3_matrix.NOISE,
    )
    return t1.averaged(
        statement, total, descent, l3_matrix.NOISE, factor_facts=l3_sharp.FACTOR_FACTS
    )


def comparison() -> Proof:
    """``T1.matrix <= T1`` under T1's hypotheses and ``Lmat <= L I``."""
    return compare_directly(
        "T1.matrix <= T1",
        STATEMENT.bound,
        t1.STATEMENT.bound,
        {**shared_hypotheses(t1.STATEMENT), **WEIGHTED_BELOW_PLAIN},
    )
