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
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the lemma labelled Lemma 3 in docs/spec.md section 2.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Section 4, Lemma 4.4 and (4.15):
       the case ``q_k = 1``, ``sigma_q2 = 0`` with angle constant ``mu = 1``.
"""

from __future__ import annotations

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, le
from bounds.proof import E, Ek, Proof, Result, Step
from bounds.proof.facts import Cite
from bounds.statement import Statement
from bounds.theorems._references import bottou, paper

__all__ = [
    "DESCENT",
    "GENERAL",
    "NOISE",
    "STATEMENT",
    "STEPSIZE_CAP",
    "descent_steps",
    "in_total_expectation",
    "proof",
    "range_steps",
]

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
    stepsize=sy.mu_k,
    quantity_expr=Ek(model.F_next) - model.F_k,
)


# ----------------------------------------------------------------------------- proof
#: The declarations every expectation step of the descent chain cites.
KNOWN = (
    "model: constants are deterministic",
    "model: x_k is determined by the history",
    "A3: q_k is determined by the history",
)


def descent_steps(m: sp.Expr, known: tuple[str, ...] = KNOWN) -> tuple[Step, ...]:
    """The chain at stepsize ``m`` from the descent lemma to Lemma 2's bound.

    ``E_k F(x_{k+1}) - F(x_k) <= ... <= -m q_k G + (L m²/2)(q_k²(M + M_G G) + sigma_q2)``.
    ``known`` are the declarations (and rewrites) that make ``q_k`` known given the history:
    A3's measurability, or a known constant shrinkage's ``q_k = q`` with ``q`` a number.
    """
    descent = Cite("A1: descent lemma at x_{k+1}", wrap="Ek")
    second = Cite("A2: E_k‖g_k‖² <= M + M_G‖∇F‖²")
    noise = Cite("A4: E_k‖eps_k‖² <= sigma_q2")
    q, G, L = sy.q_k, sy.grad_norm2, sy.L
    return (
        Step(
            "<=",
            Ek(model.F_k - m * model.ghat_grad + L * m**2 / 2 * model.ghat_sq) - model.F_k,
            "monotone",
            (descent,),
            {"terms": [(1, descent)]},
            "E_k is monotone",
        ),
        Step(
            "=",
            -m * Ek(model.ghat_grad) + L * m**2 / 2 * Ek(model.ghat_sq),
            "expectation",
            known,
            None,
            "linearity; F(x_k) and the stepsize are known given the history",
        ),
        Step(
            "=",
            -m * q * Ek(model.g_grad)
            - m * Ek(model.eps_grad)
            + L * m**2 / 2 * (q**2 * Ek(model.g_sq) + 2 * q * Ek(model.eps_g) + Ek(model.eps_sq)),
            "expectation",
            (
                "model: ∇Fᵀĝ_k = q_k ∇Fᵀg_k + ∇Fᵀeps_k",
                "model: ‖ĝ_k‖² = q_k²‖g_k‖² + 2 q_k eps_kᵀg_k + ‖eps_k‖²",
                *known,
            ),
            None,
            "ĝ = q g + eps; q_k known given the history (A3)",
        ),
        Step(
            "=",
            -m * q * G + L * m**2 / 2 * (q**2 * Ek(model.g_sq) + Ek(model.eps_sq)),
            "expectation",
            ("A2: E_k[∇Fᵀg_k] = ‖∇F‖²", "A4: E_k[eps_kᵀ∇F] = 0", "A4: E_k[eps_kᵀg_k] = 0"),
            None,
            "Lemma 1 (effective stepsize m q_k) and the vanishing cross terms (A4)",
        ),
        Step(
            "<=",
            -m * q * G + L * m**2 / 2 * (q**2 * (sy.M + sy.M_G * G) + sy.sigma_q2),
            "monotone",
            (second, noise),
            {"terms": [(L * m**2 * q**2 / 2, second), (L * m**2 / 2, noise)]},
            "Lemma 2: the second moment of ĝ",
        ),
    )


def proof(statement: Statement) -> Proof:
    """Lemma 3 from A1-A4: the descent chain, then the stepsize condition and A3's range."""
    m = statement.nominal_stepsize
    lemma = _coefficient_lemma(m)
    steps = (
        *descent_steps(m),
        *range_steps(statement, lemma, sy.L * sy.M, sy.L * sy.sigma_q2),
    )
    return Proof(statement.id, statement.quantity_expr, steps, statement.claim(), lemmas=(lemma,))


#: What the last steps of Lemma 3 stand on: the stepsize condition, M_G >= 1 and A3's range.
RANGE_FACTS = (
    "stepsize condition",
    "A2: M_G = 1 + M_V",
    "A3: q_k >= q_min",
    "A3: q_k <= 1",
    "A3: q_min <= 1",
)


def range_steps(
    statement: Statement,
    coefficient: Proof,
    gradient_noise: sp.Expr,
    quantization_noise: sp.Expr,
    middle: tuple[Step, ...] = (),
) -> tuple[Step, ...]:
    """From Lemma 2's bound to ``statement.bound``: collect the terms in ``G``, then bound
    ``q_k (2 - L m M_G q_k)`` below by ``coefficient`` and ``q_k² <= 1``.

    The chain ends at ``-m q_k G + (m²/2)(q_k² (A + L M_G G) + B)`` with ``A = gradient_noise``
    and ``B = quantization_noise`` (Lemma 3: ``L M`` and ``L sigma_q2``); ``middle`` steps may
    change the coefficient of ``G`` before ``coefficient``, a lemma ``c <= (its last form)``,
    is used, and the bound is ``-m (c/2) G + (m²/2)(A + B)``.
    """
    m, q, G = statement.nominal_stepsize, sy.q_k, sy.grad_norm2
    collected = -m * q * (2 - sy.L * m * sy.M_G * q) / 2 * G + m**2 / 2 * (
        q**2 * gradient_noise + quantization_noise
    )
    return (
        Step(
            "=",
            collected,
            "identity",
            ("A2: M_G = 1 + M_V",),
            None,
            "collect the terms in ‖∇F‖²",
        ),
        *middle,
        Step(
            "<=",
            statement.bound,
            "monotone",
            (coefficient.name, "A3: q_k <= 1"),
            {
                "terms": [
                    (m * G / 2, coefficient.name),
                    (m**2 * gradient_noise * (1 + q) / 2, "A3: q_k <= 1"),
                ]
            },
            "the coefficient of ‖∇F‖² and q_k² <= 1",
        ),
    )


def _coefficient_lemma(m: sp.Expr) -> Proof:
    """``q_min <= q_k (2 - L m M_G q_k)``: ``L m M_G q_k <= 1`` and ``q_k >= q_min``."""
    start, end = sy.q_min, sy.q_k * (2 - sy.L * m * sy.M_G * sy.q_k)
    step = Step("<=", end, "positivity", RANGE_FACTS, None, "q_k (2 - x) >= q_k for x <= 1")
    return Proof("q_min <= q_k (2 - L mu_k M_G q_k)", start, (step,), sp.Le(start, end))


#: Lemma 3's descent coefficient and noise constant: ``-m (q_min/2) G + (m²/2) L S``.
DESCENT = sy.q_min / 2
NOISE = sy.L * sy.S


def in_total_expectation(
    name: str,
    stepsize: sp.Expr,
    per_step: Proof | Result | None = None,
    at: dict | None = None,
    hypotheses: dict | None = None,
    descent: sp.Expr = DESCENT,
    noise: sp.Expr = NOISE,
) -> Proof:
    """``EF(k+1) - EF(k) <= -m d EG(k) + (m²/2) N`` at step ``k`` of a run at stepsize ``m``.

    ``per_step`` is the one-step descent it takes the expectation of (by default Lemma 3
    itself, cited at ``mu_k = m``), concluding ``E_k F(x_{k+1}) - F(x_k) <= -m d G + (m²/2) N``
    with the descent coefficient ``d = descent`` and the noise constant ``N = noise`` (Lemma 3:
    ``q_min/2`` and ``L S``); ``at`` is the citation's substitution; ``hypotheses`` are the
    lemma's own (discharged wherever it is used, e.g. ``k <= K``).
    """
    lemma = per_step if per_step is not None else _l3()
    cite = Cite(lemma.name, at=at if at is not None else {sy.mu_k: stepsize}, wrap="E")
    rhs = -(stepsize * descent) * model.EG(sy.k) + stepsize**2 / 2 * noise
    start = model.EF(sy.k + 1) - model.EF(sy.k)
    steps = (
        Step(
            "=",
            E(Ek(model.F_next) - model.F_k),
            "expectation",
            ("model: E F(x_{k+1}) = EF(k+1)", "model: E F(x_k) = EF(k)"),
            None,
            "tower property",
        ),
        Step(
            "<=",
            E(-(stepsize * descent) * sy.grad_norm2 + stepsize**2 / 2 * noise),
            "monotone",
            (cite,),
            {"terms": [(1, cite)]},
            "E is monotone",
        ),
        Step(
            "=",
            rhs,
            "expectation",
            ("model: E‖∇F(x_k)‖² = EG(k)", "model: constants are deterministic"),
            None,
            "linearity",
        ),
    )
    return Proof(
        name, start, steps, sp.Le(start, rhs, evaluate=False), hypotheses or {}, lemmas=(lemma,)
    )


def _l3() -> Result:
    from bounds import theorems

    return theorems.get("L3").as_lemma()
