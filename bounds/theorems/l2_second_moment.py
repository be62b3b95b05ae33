r"""L2 — second moment of the quantized gradient.

Assumptions
-----------
A2 (``E_k‖g_k‖² <= M + M_G‖∇F(x_k)‖²``), A3 (``q_min <= q_k <= 1``, history-determined),
A4 (``E_k[eps_k | g_k] = 0``, ``E_k‖eps_k‖² <= sigma_q2``). ``ĝ_k = q_k g_k + eps_k``.

Bounded quantity
----------------
``E_k‖ĝ_k‖²`` (symbol ``expected_ghat_norm2``), with ``grad_norm2 = ‖∇F(x_k)‖²``.

Theoretical guarantee (upper bound)
-----------------------------------
.. math:: E_k‖ĝ_k‖² \le q_k^2 (M + M_G ‖∇F(x_k)‖^2) + \sigma_q^2 .

The cross term ``2 q_k E_k[g_kᵀ eps_k]`` vanishes because ``E_k[eps_k | g_k] = 0``.

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the lemma labelled Lemma 2 in docs/spec.md section 2.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Section 4, (4.9): the case
       ``q_k = 1``, ``sigma_q2 = 0``.
"""

from __future__ import annotations

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A2, A3, A4
from bounds.proof import Cite, Ek, Proof, Step
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper

__all__ = ["STATEMENT", "proof"]

STATEMENT = Statement(
    id="L2",
    title="second moment of the quantized gradient",
    kind="lemma",
    module=__name__,
    assumptions=(A2, A3, A4),
    hypotheses=(),
    quantity=sy.expected_ghat_norm2,
    quantity_text="E_k‖ĝ_k‖²",
    quantity_latex=r"\mathbb{E}_k\|\hat g_k\|^2",
    bound=sy.q_k**2 * (sy.M + sy.M_G * sy.grad_norm2) + sy.sigma_q2,
    references=(paper("Lemma 2"), bottou("equation (4.9)")),
    stepsize=sy.mu_k,
    quantity_expr=Ek(model.ghat_sq),
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """Lemma 2: expand ``‖q g + eps‖²``, A4 kills the cross term, A2 and A4 bound the moments."""
    second = Cite("A2: E_k‖g_k‖² <= M + M_G‖∇F‖²")
    noise = Cite("A4: E_k‖eps_k‖² <= sigma_q2")
    steps = (
        Step(
            "=",
            sy.q_k**2 * Ek(model.g_sq) + Ek(model.eps_sq),
            "expectation",
            (
                "model: ‖ĝ_k‖² = q_k²‖g_k‖² + 2 q_k eps_kᵀg_k + ‖eps_k‖²",
                "A4: E_k[eps_kᵀg_k] = 0",
                "A3: q_k is determined by the history",
                "model: constants are deterministic",
            ),
            None,
            "expand ‖ĝ‖²; the cross term vanishes (A4); q_k is known given the history (A3)",
        ),
        Step(
            "<=",
            statement.bound,
            "monotone",
            (second, noise),
            {"terms": [(sy.q_k**2, second), (1, noise)]},
            "A2 and A4 second moments",
        ),
    )
    return Proof("L2", statement.quantity_expr, steps, statement.claim())
