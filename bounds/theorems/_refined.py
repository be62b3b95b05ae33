"""Pieces shared by the refined statements of issue 12 (``T1.sharp`` ... ``T3.matrix``).

Lemma 3 before its last step (the descent lemma with Lemmas 1-2) reads

    E_k F(x_{k+1}) − F(x_k) <= −m phi(q_k) ‖∇F_k‖² + (m²/2) N_k,   phi(q) = q (1 − L m M_G q/2),

at nominal stepsize ``m``, with the noise term ``N_k = L (q_k² M + sigma_q2)``. The paper bounds
``phi(q_k) >= q_min/2`` and ``q_k² M <= M``. The refined statements keep
``phi(q_min) = q_min (2 − L m M_G q_min)/2`` instead: ``phi'(q) = 1 − L m M_G q >= 0`` on
``[0, 1]`` when ``L m M_G <= 1``, so ``phi(q_k) >= phi(q_min)``. Everything T1 and T3 divide by
``q_min/2`` they then divide by ``phi(q_min)``, i.e. the paper's bound over the
:func:`descent_factor` ``2 − L m M_G q_min``, which lies in ``[1, 2)``.

This module holds that factor, the two bound shapes built from it (T1's average and T3's linear
rate to a floor) and the two assumptions the refined statements add to A1-A5.
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import Assumption, Hypothesis, ge, gt, le

__all__ = [
    "KNOWN_SHRINKAGE",
    "MATRIX_SMOOTHNESS",
    "SAFARYAN",
    "averaged_bound",
    "descent_factor",
    "pl_bound",
    "pl_contraction",
    "pl_floor",
]

SAFARYAN = (
    'M. Safaryan, F. Hanzely and P. Richtárik, "Smoothness Matrices Beat Smoothness Constants: '
    'Better Communication Compression Techniques for Distributed Optimization", NeurIPS 2021'
)

KNOWN_SHRINKAGE = Assumption(
    "A3 (known q)",
    "known constant shrinkage",
    "Quantization scales every stochastic gradient by the same known factor q in (0, 1] "
    "(A3 with q_k = q_min = q).",
    "q_k = q for every k, 0 < q <= 1, q known",
    (
        Hypothesis("A3: q > 0", gt(sy.q, 0)),
        Hypothesis("A3: q <= 1", le(sy.q, 1)),
    ),
)

MATRIX_SMOOTHNESS = Assumption(
    "A1-A4 (matrix)",
    "matrix smoothness, Lmat-weighted noise",
    "The objective has a quadratic upper model with a matrix 0 <= Lmat <= L I, and the noise "
    "constants are measured in the Lmat-norm (A2 and A4 give M_L = L M, sigma_qL = L sigma_q2).",
    "F(y) <= F(x) + ∇F(x)ᵀ(y − x) + (1/2)(y − x)ᵀ Lmat (y − x) with 0 ⪯ Lmat ⪯ L I; "
    "E_k[(g_k − ∇F)ᵀ Lmat (g_k − ∇F)] <= M_L + L M_V‖∇F(x_k)‖²; E_k[eps_kᵀ Lmat eps_k] <= sigma_qL",
    (
        Hypothesis("A2 (matrix): M_L >= 0", ge(sy.M_L, 0)),
        Hypothesis("A4 (matrix): sigma_qL >= 0", ge(sy.sigma_qL, 0)),
    ),
)


def descent_factor(stepsize: sp.Expr, shrinkage: sp.Expr) -> sp.Expr:
    """``2 − L m M_G q``: twice ``phi(q)/q`` at nominal stepsize ``m`` and shrinkage ``q``."""
    return 2 - sy.L * stepsize * sy.M_G * shrinkage


def averaged_bound(stepsize: sp.Expr, shrinkage: sp.Expr, noise: sp.Expr) -> sp.Expr:
    """T1's shape: ``2 Delta/(K m q t) + m N/(q t)`` with ``t`` the :func:`descent_factor`.

    Lemma 3 with ``phi(q)`` kept, summed over ``k = 1..K``, telescoped and divided by
    ``K m phi(q)``; ``N`` is the noise term's constant (``L S`` for T1.sharp).
    """
    factor = descent_factor(stepsize, shrinkage)
    return 2 * sy.Delta / (sy.K * stepsize * shrinkage * factor) + stepsize * noise / (
        shrinkage * factor
    )


def pl_contraction(stepsize: sp.Expr, shrinkage: sp.Expr) -> sp.Expr:
    """``1 − 2 m c phi(q) = 1 − m c q (2 − L m M_G q)``: Lemma 3 with ``phi(q)`` kept, then PL."""
    return 1 - stepsize * sy.c * shrinkage * descent_factor(stepsize, shrinkage)


def pl_floor(stepsize: sp.Expr, shrinkage: sp.Expr, noise: sp.Expr) -> sp.Expr:
    """The recursion's fixed point ``(m² N/2)/(2 m c phi(q)) = m N/(2 c q t)``."""
    return stepsize * noise / (2 * sy.c * shrinkage * descent_factor(stepsize, shrinkage))


def pl_bound(floor: sp.Expr, contraction: sp.Expr) -> sp.Expr:
    """T3's shape: ``floor + contraction^(k−1) (F1_gap − floor)`` (the recursion unrolled)."""
    return floor + contraction ** (sy.k - 1) * (sy.F1_gap - floor)
