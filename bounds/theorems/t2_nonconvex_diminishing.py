r"""T2 — non-convex objective, diminishing stepsizes ``mu_k``.

Assumptions
-----------
A1-A4 (see T1). Write ``S = M + sigma_q2``.

Algorithm
---------
Quantized SGD with a stepsize sequence ``mu_k`` (``mu_seq[k]``), ``k = 1..K``.

Bounded quantity
----------------
``Σ_{k=1..K} mu_k E‖∇F(x_k)‖²`` (symbol ``weighted_grad_sum``).

Theoretical guarantee (upper bound)
-----------------------------------
If ``mu_k <= 1/(L M_G)`` for all ``k`` ("stepsize condition"):

.. math:: \sum_{k=1}^K \mu_k E‖∇F(x_k)‖^2 \le \frac{2\Delta + L S \sum_{k=1}^K \mu_k^2}{q_{\min}}.

So if ``Σ mu_k = ∞`` and ``Σ mu_k² < ∞`` (Robbins-Monro) the ``mu``-weighted average of
``E‖∇F(x_k)‖²`` tends to 0 and ``liminf E‖∇F(x_k)‖² = 0``. Since ``min_k a_k <= Σ mu_k a_k /
Σ mu_k``, sum bounds give explicit forms (the variants):

* ``T2.harmonic``, ``mu_k = beta/(gamma + k)``: with ``Σ 1/(gamma+k) >= ln((gamma+K+1)/(gamma+1))``
  and ``Σ_{k>=1} 1/(gamma+k)² <= 1/gamma``,
  ``min_k E‖∇F(x_k)‖² <= (2 Delta + L S beta²/gamma)/(q_min beta ln((gamma+K+1)/(gamma+1)))``,
  of order ``1/(q_min ln K)``;
* ``T2.sqrt``, ``mu_k = mu0/sqrt(k)``: with ``Σ k^(-1/2) >= 2(sqrt(K+1) − 1)`` and
  ``Σ 1/k <= 1 + ln K``,
  ``min_k E‖∇F(x_k)‖² <= (2 Delta + L S mu0² (1 + ln K))/(2 q_min mu0 (sqrt(K+1) − 1))``,
  of order ``ln K/(q_min sqrt K)``.

Each sum bound compares a decreasing summand with its integral (:data:`SUM_BOUNDS`).

Example
-------
>>> from bounds import schedules, theorems
>>> T2 = theorems.get("T2")
>>> constants = dict(L=1, Delta=1, M=1, M_G=1, q_min=0.5, sigma_q2=1)
>>> float(T2.evaluate(**constants, K=3, mu=0.5))  # (2 + 2 * 3/4)/(1/2)
7.0
>>> float(T2.evaluate(**constants, K=1, mu=schedules.harmonic(1.0, 1.0)))  # (2 + 2/4)/(1/2)
5.0

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T2 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.10 and the inequality in
       its proof (the case ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof import Cite, Proof, Step
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems._references import bottou, paper

__all__ = [
    "HARMONIC",
    "MIN_BOUND",
    "SQRT",
    "STATEMENT",
    "SUM_BOUNDS",
    "UP_TO_K",
    "SumBound",
    "proof",
    "weighted",
]

STEP_SUM = sp.Sum(sy.mu_seq[sy.k], (sy.k, 1, sy.K))
SQUARE_SUM = sp.Sum(sy.mu_seq[sy.k] ** 2, (sy.k, 1, sy.K))

MIN_BOUND = (2 * sy.Delta + sy.L * sy.S * SQUARE_SUM) / (sy.q_min * STEP_SUM)
"""Bound on ``min_k E‖∇F(x_k)‖²`` (and on the ``mu``-weighted average) for any sequence."""


@dataclass(frozen=True)
class SumBound:
    """``Σ_{k=first..last} summand`` compared with a closed form.

    Attributes
    ----------
    name : str
    summand : sympy.Expr
        In ``k``; positive and decreasing in ``k`` on ``k >= 1``.
    last : sympy.Expr
        Upper summation limit (``K`` or ``oo``).
    direction : {">=", "<="}
        ``sum >= closed`` or ``sum <= closed``.
    closed : sympy.Expr
        The closed form.
    """

    name: str
    summand: sp.Expr
    last: sp.Expr
    direction: str
    closed: sp.Expr

    @property
    def sum(self) -> sp.Sum:
        """The sum as a SymPy ``Sum``."""
        return sp.Sum(self.summand, (sy.k, 1, self.last))


SUM_BOUNDS = (
    SumBound(
        "harmonic sum lower bound",
        1 / (sy.gamma + sy.k),
        sy.K,
        ">=",
        sp.log((sy.gamma + sy.K + 1) / (sy.gamma + 1)),
    ),
    SumBound("harmonic squares upper bound", 1 / (sy.gamma + sy.k) ** 2, sp.oo, "<=", 1 / sy.gamma),
    SumBound("sqrt sum lower bound", 1 / sp.sqrt(sy.k), sy.K, ">=", 2 * (sp.sqrt(sy.K + 1) - 1)),
    SumBound("sqrt squares upper bound", 1 / sy.k, sy.K, "<=", 1 + sp.log(sy.K)),
)
"""The four sum inequalities behind the explicit variants (docs/spec.md section 3, T2)."""

_MIN_QUANTITY = dict(
    quantity=sy.min_grad_norm2,
    quantity_text="min_{k=1..K} E‖∇F(x_k)‖²",
    quantity_latex=r"\min_{1\le k\le K}\mathbb{E}\|\nabla F(x_k)\|^2",
)

HARMONIC = Statement(
    id="T2.harmonic",
    title="non-convex, stepsizes beta/(gamma + k)",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive offset", gt(sy.gamma, 0), "schedule"),
        Hypothesis(
            "stepsize condition",
            le(sy.beta / (sy.gamma + 1), 1 / (sy.L * sy.M_G)),
            "stepsize",
        ),
    ),
    bound=(2 * sy.Delta + sy.L * sy.S * sy.beta**2 / sy.gamma)
    / (sy.q_min * sy.beta * sp.log((sy.gamma + sy.K + 1) / (sy.gamma + 1))),
    horizon=sy.K,
    rate=1 / sp.log(sy.K),
    references=(paper("T2"), bottou("Theorem 4.10")),
    **_MIN_QUANTITY,
)

SQRT = Statement(
    id="T2.sqrt",
    title="non-convex, stepsizes mu0/sqrt(k)",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(Hypothesis("stepsize condition", le(sy.mu0, 1 / (sy.L * sy.M_G)), "stepsize"),),
    bound=(2 * sy.Delta + sy.L * sy.S * sy.mu0**2 * (1 + sp.log(sy.K)))
    / (2 * sy.q_min * sy.mu0 * (sp.sqrt(sy.K + 1) - 1)),
    horizon=sy.K,
    rate=sp.log(sy.K) / sp.sqrt(sy.K),
    references=(paper("T2"), bottou("Theorem 4.10")),
    **_MIN_QUANTITY,
)

STATEMENT = Statement(
    id="T2",
    title="non-convex, diminishing stepsizes",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis(
            "stepsize condition",
            le(sy.mu_seq[sy.k], 1 / (sy.L * sy.M_G)),
            "stepsize",
            for_all=(sy.k, sp.Integer(1), sy.K),
        ),
    ),
    quantity=sy.weighted_grad_sum,
    quantity_text="Σ_{k=1..K} mu_k E‖∇F(x_k)‖²",
    quantity_latex=r"\sum_{k=1}^{K}\mu_k\,\mathbb{E}\|\nabla F(x_k)\|^2",
    bound=(2 * sy.Delta + sy.L * sy.S * SQUARE_SUM) / sy.q_min,
    horizon=sy.K,
    references=(paper("T2"), bottou("Theorem 4.10")),
    extras=(("min bound", MIN_BOUND), ("step sum", STEP_SUM), ("square sum", SQUARE_SUM)),
    variants=(HARMONIC, SQRT),
    stepsize=sy.mu_seq[sy.k],
    quantity_expr=sp.Sum(sy.mu_seq[sy.k] * model.EG(sy.k), (sy.k, 1, sy.K)),
)


# ----------------------------------------------------------------------------- proof
def proof(statement: Statement) -> Proof:
    """T2: Lemma 3 at ``mu_k`` in total expectation, summed over ``k = 1..K``, telescoped."""
    # mu_k <= 1/(L M_G) is granted for k = 1..K only: the one-step lemma asks for k <= K.
    total = l3.in_total_expectation(
        "T2: Lemma 3 in total expectation at mu_k",
        statement.nominal_stepsize,
        hypotheses=UP_TO_K,
    )
    return weighted(statement, total)


#: The hypothesis of a one-step lemma whose stepsize condition holds for ``k = 1..K`` only.
UP_TO_K = {"k <= K": sp.Le(sy.k, sy.K, evaluate=False)}


def weighted(
    statement: Statement,
    total: Proof,
    descent: sp.Expr = l3.DESCENT,
    noise: sp.Expr = l3.NOISE,
    factor_facts: tuple[str, ...] = (),
) -> Proof:
    """T2's argument for ``statement``: sum ``total`` over ``k = 1..K``, telescope, bound the
    ends by A1 and divide by ``d``; the last step reaches ``statement.bound``.

    ``total`` concludes ``EF(k+1) - EF(k) <= -mu_k d EG(k) + (mu_k²/2) N`` for ``k <= K``
    (:func:`bounds.theorems.l3_one_step_descent.in_total_expectation` with ``hypotheses``
    :data:`UP_TO_K`), ``d = descent`` free of ``k`` and ``N = noise`` (T2: ``q_min/2`` and
    ``L S``); ``factor_facts`` show ``1/d >= 0`` when the symbols' signs do not.
    """
    K, k = sy.K, sy.k
    EF, EG = model.EF, model.EG
    step = statement.nominal_stepsize
    scale = 1 / descent
    summed = Cite(total.name, over=(k, 1, K))
    bottom = Cite("A1: E F(x_k) >= F_inf", at={k: K + 1})
    top = "A1: F(x_1) - F_inf <= Delta"
    squares = sp.Sum(step**2, (k, 1, K))
    hypotheses = tuple(
        h.name
        for h in statement.all_hypotheses
        if h.for_all is None and not model.mentions_locals(h.relation)
    )
    steps = (
        Step(
            "=",
            scale * sp.Sum(step * descent * EG(k), (k, 1, K)),
            "identity",
            (),
            None,
            "pull the constant into the sum",
        ),
        Step(
            "<=",
            scale * sp.Sum(EF(k) - EF(k + 1) + step**2 / 2 * noise, (k, 1, K)),
            "monotone",
            (summed, *factor_facts),
            {"terms": [(scale, summed)]},
            "the one-step descent at mu_k in total expectation, summed over k = 1..K",
        ),
        Step(
            "=",
            scale * (EF(1) - EF(K + 1) + noise / 2 * squares),
            "telescope",
            (),
            None,
            "telescoping",
        ),
        Step(
            "<=",
            scale * (sy.Delta + noise / 2 * squares),
            "monotone",
            (bottom, top, *factor_facts),
            {"terms": [(scale, bottom), (scale, top)]},
            "F(x_{K+1}) >= F_inf and F(x_1) - F_inf <= Delta",
        ),
        Step("<=", statement.bound, "positivity", hypotheses, None, "collect"),
    )
    return Proof(statement.id, statement.quantity_expr, steps, statement.claim(), lemmas=(total,))
