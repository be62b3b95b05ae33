r"""L3.known_q — one-step descent when the shrinkage is a known constant ``q_k = q``.

The lemma behind T3.known_q and C3.known_q (a checked statement they cite, not a separate entry
of the library).

Assumptions
-----------
A1, A2, A4, and A3 with a known constant shrinkage: ``q_k = q`` for every ``k``,
``0 < q <= 1``.

Bounded quantity
----------------
``E_k F(x_{k+1}) − F(x_k)`` (symbol ``expected_descent``), with ``grad_norm2 = ‖∇F(x_k)‖²``.

Theoretical guarantee (upper bound)
-----------------------------------
For every stepsize ``mu_k``:

.. math:: E_k F(x_{k+1}) − F(x_k) \le −\frac{\mu_k q (2 − L \mu_k M_G q)}{2} ‖∇F_k‖^2
          + \frac{L \mu_k^2}{2} (q^2 M + \sigma_q^2).

This is L3's general form at ``q_k = q``: no bound on ``q_k`` is spent, so the gradient noise
keeps its factor ``q²``.

Derivation
----------
L3's chain (descent lemma, Lemmas 1-2) with ``q_k = q`` known, then the terms in ``‖∇F_k‖²``
collected.

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the lemma labelled Lemma 3 in docs/spec.md
       section 2, for a known constant shrinkage.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Lemma 4.4 (the case ``q = 1``,
       ``sigma_q2 = 0``).
"""

from __future__ import annotations

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A4
from bounds.proof import Proof, Step
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import KNOWN_SHRINKAGE, descent_factor

__all__ = ["DESCENT", "KNOWN", "NOISE", "STATEMENT", "proof"]

DESCENT = sy.q * descent_factor(sy.mu_k, sy.q) / 2
"""The descent coefficient ``q (2 − L mu_k M_G q)/2`` at stepsize ``mu_k``."""

NOISE = sy.L * (sy.q**2 * sy.M + sy.sigma_q2)
"""The noise constant ``L (q² M + sigma_q2)`` (L3: ``L S``)."""

#: The declarations that make ``q_k`` known: it is ``q``, one of the constants.
KNOWN = (
    "model: constants are deterministic",
    "model: x_k is determined by the history",
    "A3 (known q): q_k = q",
)

STATEMENT = Statement(
    id="L3.known_q",
    title="one-step descent, known constant shrinkage q",
    kind="lemma",
    module=__name__,
    assumptions=(A1, A2, KNOWN_SHRINKAGE, A4),
    hypotheses=(),
    quantity=sy.expected_descent,
    quantity_text=l3.STATEMENT.quantity_text,
    quantity_latex=l3.STATEMENT.quantity_latex,
    bound=-sy.mu_k * DESCENT * sy.grad_norm2 + sy.mu_k**2 / 2 * NOISE,
    references=(paper("Lemma 3"), bottou("Lemma 4.4")),
    stepsize=sy.mu_k,
    quantity_expr=l3.STATEMENT.quantity_expr,
)


def proof(statement: Statement) -> Proof:
    """L3's descent chain with ``q_k = q`` known, then an identity."""
    m = statement.nominal_stepsize
    steps = (
        *l3.descent_steps(m, KNOWN),
        Step(
            "=",
            statement.bound,
            "identity",
            ("A3 (known q): q_k = q",),
            None,
            "q_k = q; collect the terms in ‖∇F‖²",
        ),
    )
    return Proof(statement.id, statement.quantity_expr, steps, statement.claim())
