r"""L1 — effective stepsize: shrinkage turns the nominal stepsize ``mu_k`` into ``mu_k q_k``.

Assumptions
-----------
A2 (``E_k[g_k] = ∇F(x_k)``), A3 (``q_k`` is determined by the history, ``q_min <= q_k <= 1``),
A4 (``E_k[eps_k | g_k] = 0``). Quantized SGD: ``x_{k+1} = x_k − mu_k (q_k g_k + eps_k)``.

Bounded quantity
----------------
``E_k[x_{k+1}]``, the conditional mean of the next iterate (symbol ``expected_x_next``). The
statement is linear in the iterate, so it is stated per coordinate: ``x_k`` and ``grad_k`` are
one coordinate of ``x_k`` and of ``∇F(x_k)``.

Theoretical guarantee (equality)
--------------------------------
.. math:: E_k[x_{k+1}] = x_k − \mu_k q_k \nabla F(x_k).

Because ``q_k`` is known given the history, it leaves the conditional expectation, and the
noise averages out: the step is a gradient step with effective stepsize ``mu_k q_k``.

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the lemma labelled Lemma 1 in docs/spec.md section 2.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Section 4: with ``q_k = 1`` this is
       the unbiasedness used in their Assumption 4.3(b) with ``mu = mu_G = 1``.
"""

from __future__ import annotations

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A2, A3, A4, Hypothesis, gt
from bounds.proof import Ek, Proof, Step
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper

__all__ = ["STATEMENT", "proof"]

STATEMENT = Statement(
    id="L1",
    title="effective stepsize",
    kind="lemma",
    module=__name__,
    assumptions=(A2, A3, A4),
    hypotheses=(Hypothesis("positive stepsize", gt(sy.mu_k, 0), "stepsize"),),
    quantity=sy.expected_x_next,
    quantity_text="E_k[x_{k+1}] (one coordinate)",
    quantity_latex=r"\mathbb{E}_k[x_{k+1}]",
    bound=sy.x_k - sy.mu_k * sy.q_k * sy.grad_k,
    relation="==",
    references=(paper("Lemma 1"), bottou("Assumption 4.3(b), unbiased case")),
    extras=(("effective stepsize", sy.mu_k * sy.q_k),),
    stepsize=sy.mu_k,
    quantity_expr=Ek(model.x_next),
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """Lemma 1 as two expectation steps: the update, then the means of A2 and A4."""
    m = statement.nominal_stepsize
    known = (
        "model: constants are deterministic",
        "model: x_k is determined by the history",
        "A3: q_k is determined by the history",
    )
    steps = (
        Step(
            "=",
            sy.x_k - m * sy.q_k * Ek(model.g_c) - m * Ek(model.eps_c),
            "expectation",
            (
                "model: x_{k+1} = x_k - mu_k ĝ_k (one coordinate)",
                "model: ĝ_k = q_k g_k + eps_k (one coordinate)",
                *known,
            ),
            None,
            "the update; linearity; q_k and mu_k are known given the history (A3)",
        ),
        Step(
            "=",
            statement.bound,
            "expectation",
            (
                "A2: E_k[g_k] = ∇F(x_k) (one coordinate)",
                "A4: E_k[eps_k] = 0 (one coordinate)",
            ),
            None,
            "A2 and A4 means",
        ),
    )
    start = statement.quantity_expr
    return Proof("L1", start, steps, statement.claim())
