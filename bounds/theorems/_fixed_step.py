"""Proof chains shared by the fixed-stepsize corollaries (C2, C3, C4): T1's argument, re-run.

Each corollary runs quantized SGD with some fixed stepsize ``m`` (``mu*`` for C2, ``mu/q_min``
for C3, ``mu`` for C4) under its own stepsize condition. The engine has no rule that
instantiates a proved theorem at another stepsize, so the argument is re-checked for each:
Lemma 3 at stepsize ``m`` (:func:`descent`), in total expectation (:func:`descent_total`),
summed and telescoped (:func:`averaged`). The only place the stepsize condition enters is the
last step of Lemma 3, where the caller supplies the hypothesis and the non-negative factor
that turns ``m <= 1/(L M_G)`` into the needed inequality.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from bounds.proof.chain import Proof, Step
from bounds.proof.expectation import E, Ek
from bounds.proof.library import descent_steps
from bounds.symbols import (
    Delta,
    F_inf,
    F_star,
    K,
    L,
    M,
    beta,
    gamma,
    k,
    mu0,
    q_k,
    q_min,
    sigma_q2,
)
from bounds.symbols import grad_norm2 as G
from bounds.theorems._model import (
    DETERMINISTIC,
    EF,
    EG,
    MEASURABLE,
    MODEL,
    F_k,
    F_next,
    ghat_grad,
    ghat_sq,
)

S = M + sigma_q2

#: The model's declarations plus the schedule's and the PL theorems' constants: not random.
_CONSTANTS = (beta, gamma, k, mu0, F_star)
EXPECT = {
    "measurable": (*MEASURABLE, *_CONSTANTS),
    "deterministic": (*DETERMINISTIC, *_CONSTANTS),
}

SHRINKAGE: dict[str, sp.Basic] = {
    "A3: q_min <= q_k": q_min <= q_k,
    "A3: q_k <= 1": q_k <= 1,
    "A3: q_min <= 1": q_min <= 1,
    "A3: q_min > 0": q_min > 0,
}

#: The bounded quantity of T1, C2-C4: the average of E||∇F(x_k)||² over k = 1..K.
AVERAGE = sp.Sum(EG(k), (k, 1, K)) / K


def descent_target(m: sp.Expr) -> sp.Expr:
    """Lemma 3's right-hand side at stepsize ``m``."""
    return -(m * q_min / 2) * G + L * m**2 / 2 * S


def descent_at(m: sp.Expr) -> dict[str, sp.Basic]:
    """A1's descent lemma at ``y = x_{k+1} = x_k - m ĝ_k`` (it holds for every ``y``)."""
    return {"A1: descent lemma": F_next <= F_k - m * ghat_grad + L * m**2 / 2 * ghat_sq}


def descent(
    name: str,
    m: sp.Expr,
    stepsize: Mapping[str, sp.Basic],
    condition: str,
    factor: sp.Expr,
    lemmas: tuple[Proof, ...] = (),
) -> Proof:
    """Lemma 3 at stepsize ``m``: ``E_k F(x_{k+1}) - F(x_k) <= -(m q_min/2) G + (L m²/2) S``.

    Parameters
    ----------
    stepsize
        The caller's stepsize hypotheses (cited only by the last step).
    condition
        The name, in ``stepsize``, of the hypothesis ``a <= b`` with ``b - a >= 0`` encoding
        ``m <= 1/(L M_G)``.
    factor
        A factor ``>= 0`` with ``factor (b - a) = (m q_k² G/2)(1 - L M_G m)``: it trades the
        ``M_G`` part of the second moment for half the first-order decrease.
    lemmas
        Sub-proofs whose targets the stepsize hypotheses may be (e.g. ``condition`` itself).
    """
    steps = (
        *descent_steps(m, EXPECT),
        Step(
            "<=",
            descent_target(m),
            "monotone",
            (condition, *SHRINKAGE),
            {"terms": [(factor, condition)]},
            "stepsize condition, then q_k² <= q_k <= 1 and q_k >= q_min",
        ),
    )
    return Proof(
        name,
        Ek(F_next) - F_k,
        steps,
        Ek(F_next) - F_k <= descent_target(m),
        {**MODEL, **descent_at(m), **stepsize, **SHRINKAGE},
        lemmas=lemmas,
    )


def descent_total(lemma: Proof, m: sp.Expr) -> Proof:
    """``lemma`` (Lemma 3 at stepsize ``m``) in total expectation at step ``k``."""
    definitions = {
        "def: EF(k+1) = E F(x_{k+1})": sp.Eq(E(F_next), EF(k + 1)),
        "def: EF(k) = E F(x_k)": sp.Eq(E(F_k), EF(k)),
        "def: EG(k) = E||∇F(x_k)||²": sp.Eq(E(G), EG(k)),
    }
    names = tuple(definitions)
    rhs = -(m * q_min / 2) * EG(k) + L * m**2 / 2 * S
    steps = (
        Step("=", E(Ek(F_next) - F_k), "expectation", names[:2], EXPECT, "tower property"),
        Step(
            "<=",
            E(descent_target(m)),
            "monotone",
            (lemma.name,),
            {"terms": [(1, lemma.name, "E")], **EXPECT},
            "E is monotone",
        ),
        Step("=", rhs, "expectation", names[2:], EXPECT, "linearity"),
    )
    return Proof(
        f"{lemma.name} (total expectation)",
        EF(k + 1) - EF(k),
        steps,
        EF(k + 1) - EF(k) <= rhs,
        definitions,
        lemmas=(lemma,),
    )


def averaged(
    name: str,
    m: sp.Expr,
    bound: sp.Expr,
    lemma: Proof,
    hypotheses: Mapping[str, sp.Basic],
    lemmas: tuple[Proof, ...] = (),
    last: Step | None = None,
) -> Proof:
    """T1's argument at stepsize ``m``: sum ``lemma`` (from :func:`descent_total`), telescope.

    The chain ends with ``last`` (by default an exact identity) from
    ``2 Delta/(K m q_min) + L m S/q_min`` to ``bound``.
    """
    if last is None:
        last = Step("=", bound, "identity", (), None, "the statement's form of the bound")
    scale = 2 / (K * m * q_min)
    run = {
        "A1: F >= F_inf": EF(K + 1) >= F_inf,
        "def: Delta = F(x_1) - F_inf": EF(1) <= F_inf + Delta,
        "K >= 1": K >= 1,
    }
    summed = sp.Sum(EF(k) - EF(k + 1) + L * m**2 / 2 * S, (k, 1, K))
    steps = (
        Step(
            "=",
            scale * sp.Sum(m * q_min / 2 * EG(k), (k, 1, K)),
            "identity",
            (),
            None,
            "pull the constant out of the sum",
        ),
        Step(
            "<=",
            scale * summed,
            "monotone",
            (lemma.name,),
            {"terms": [(scale, lemma.name, (k, 1, K))]},
            "sum Lemma 3 over k = 1..K",
        ),
        Step(
            "=",
            scale * (EF(1) - EF(K + 1) + K * L * m**2 / 2 * S),
            "telescope",
            ("K >= 1",),
            {"term": sp.Lambda(k, -EF(k)), "limits": (k, 1, K)},
            "telescoping",
        ),
        Step(
            "<=",
            scale * (Delta + K * L * m**2 / 2 * S),
            "monotone",
            tuple(run)[:2],
            {"terms": [(scale, "A1: F >= F_inf"), (scale, "def: Delta = F(x_1) - F_inf")]},
            "F(x_{K+1}) >= F_inf",
        ),
        Step(
            "=",
            2 * Delta / (K * m * q_min) + L * m * S / q_min,
            "identity",
            (),
            None,
            "divide by K m q_min / 2",
        ),
        last,
    )
    start = AVERAGE
    return Proof(
        name,
        start,
        steps,
        start <= bound,
        {**run, **hypotheses},
        lemmas=(*lemmas, lemma),
    )
