"""Proof chains shared by the PL theorems (T3, T4): the one-step recursion of the optimality gap.

With ``D(k) = E[F(x_k)] - F_star`` (written out as ``EF(k) - F_star``), Lemma 3 in total
expectation at stepsize ``m`` and the PL inequality in expectation give

    D(k+1) <= (1 - m c q_min) D(k) + L m² S/2.

The stepsize condition ``m <= 1/(L M_G)`` is the target of a lemma the caller supplies (T4
derives it at step ``k`` from the first stepsize; T3 has it as a hypothesis).
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from bounds.proof.chain import Proof, Step
from bounds.proof.expectation import E
from bounds.symbols import M_G, F1_gap, F_star, L, c, k, q_min
from bounds.symbols import grad_norm2 as G
from bounds.theorems import _fixed_step as fs
from bounds.theorems._model import EF, EG, F_k

S = fs.S

#: The optimality gap ``D(k) = E[F(x_k)] - F_star`` as an expression in ``k``.
GAP = sp.Lambda(k, EF(k) - F_star)
EXPECT = fs.EXPECT
#: The stepsize condition as cited by Lemma 3's last step.
CAP = 1 / (L * M_G)
INITIAL: dict[str, sp.Basic] = {"def: F1_gap = F(x_1) - F_star": EF(1) - F_star <= F1_gap}


def pl_in_expectation() -> Proof:
    """A5 in total expectation: ``2 c D(k) <= E||∇F(x_k)||²``."""
    definitions = {
        "A5: PL": 2 * c * (F_k - F_star) <= G,
        "def: EF(k) = E F(x_k)": sp.Eq(E(F_k), EF(k)),
        "def: EG(k) = E||∇F(x_k)||²": sp.Eq(E(G), EG(k)),
    }
    names = tuple(definitions)
    start = 2 * c * GAP(k)
    steps = (
        Step("=", E(2 * c * (F_k - F_star)), "expectation", names[1:2], EXPECT, "linearity"),
        Step("<=", E(G), "monotone", names[:1], {"terms": [(1, names[0], "E")], **EXPECT}, "E"),
        Step("=", EG(k), "expectation", names[2:], EXPECT, "definition of EG"),
    )
    return Proof("A5: PL in expectation", start, steps, start <= EG(k), definitions)


def recursion(name: str, m: sp.Expr, stepsize: Proof, hypotheses: Mapping[str, sp.Basic]) -> Proof:
    """``D(k+1) <= (1 - m c q_min) D(k) + L m² S/2`` from Lemma 3 at ``m`` and PL.

    ``stepsize`` is a proof of ``m <= 1/(L M_G)`` (its target is cited by Lemma 3).
    """
    factor = L * M_G * m * fs.q_k**2 * G / 2
    descent = fs.descent(f"{name}: Lemma 3", m, {}, stepsize.name, factor, lemmas=(stepsize,))
    total = fs.descent_total(descent, m)
    pl = pl_in_expectation()
    rhs = (1 - m * c * q_min) * GAP(k) + L * m**2 / 2 * S
    steps = (
        Step(
            "<=",
            GAP(k) - (m * q_min / 2) * EG(k) + L * m**2 / 2 * S,
            "monotone",
            (total.name,),
            {"terms": [(1, total.name)]},
            "Lemma 3 in total expectation",
        ),
        Step(
            "<=",
            rhs,
            "monotone",
            (pl.name, *fs.SHRINKAGE),
            {"terms": [(m * q_min / 2, pl.name)]},
            "PL with the factor m q_min/2 >= 0",
        ),
    )
    start = GAP(k + 1)
    return Proof(
        name, start, steps, start <= rhs, {**hypotheses, **fs.SHRINKAGE}, lemmas=(total, pl)
    )
