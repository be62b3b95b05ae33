r"""C3 — compensation: scale the nominal stepsize by ``1/q_min`` to restore the effective stepsize.

Assumptions
-----------
A1-A4 (see T1); the shrinkage bound ``q_min`` is known. ``S = M + sigma_q2``.

Algorithm
---------
Quantized SGD with nominal stepsize ``mu/q_min``, where ``mu`` is the stepsize one wants the
iteration to take: the effective stepsize ``(mu/q_min) q_k`` is at least ``mu`` (exactly
``mu`` when ``q_k = q_min``).

Bounded quantity
----------------
``(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²`` (symbol ``avg_grad_norm2``).

Theoretical guarantee (upper bound)
-----------------------------------
T1 applied to the nominal stepsize ``mu/q_min``: its condition ``mu/q_min <= 1/(L M_G)`` reads
``mu <= q_min/(L M_G)`` ("compensated stepsize condition"), and

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le \frac{2\Delta}{K\mu}
          + \frac{L \mu S}{q_{\min}^2}.

Compensation restores the transient term to its full-precision form ``2 Delta/(K mu)``, but the
admissible stepsizes shrink by ``q_min`` and the floor ``L mu S/q_min²`` is ``1/q_min`` times the
uncompensated floor ``L mu S/q_min`` at the same ``mu`` (derived in :mod:`bounds.derive`).

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled C3 in SPEC section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the base result).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof.chain import Proof
from bounds.statement import Statement
from bounds.theorems import _fixed_step as _fs
from bounds.theorems._references import bottou, paper

__all__ = ["NOMINAL_STEPSIZE", "STATEMENT"]

NOMINAL_STEPSIZE = sy.mu / sy.q_min
"""The stepsize actually passed to the optimizer."""

STATEMENT = Statement(
    id="C3",
    title="compensated stepsize mu/q_min",
    kind="corollary",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis(
            "compensated stepsize condition", le(sy.mu, sy.q_min / (sy.L * sy.M_G)), "stepsize"
        ),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖² with nominal stepsize mu/q_min",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=2 * sy.Delta / (sy.K * sy.mu) + sy.L * sy.mu * sy.S / sy.q_min**2,
    horizon=sy.K,
    rate=1 / sy.K,
    references=(paper("C3"), bottou("Theorem 4.8")),
    extras=(("nominal stepsize", NOMINAL_STEPSIZE),),
)


# ----------------------------------------------------------------------------- proof
def proof() -> Proof:
    """C3 checked end to end: T1's argument at the nominal stepsize ``mu/q_min``.

    The compensated condition ``mu <= q_min/(L M_G)`` is T1's condition for the nominal
    stepsize; it enters Lemma 3's last step with the factor ``L M_G mu q_k² G/(2 q_min²)``.
    """
    m = NOMINAL_STEPSIZE
    stepsize: dict[str, sp.Basic] = {h.name: h.relation for h in STATEMENT.hypotheses}
    factor = sy.L * sy.M_G * sy.mu * sy.q_k**2 * sy.grad_norm2 / (2 * sy.q_min**2)
    lemma = _fs.descent(
        "C3: Lemma 3 at the nominal stepsize mu/q_min",
        m,
        stepsize,
        "compensated stepsize condition",
        factor,
    )
    return _fs.averaged("C3", m, STATEMENT.bound, _fs.descent_total(lemma, m), stepsize)
