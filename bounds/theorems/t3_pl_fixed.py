r"""T3 — PL (or strongly convex) objective, fixed stepsize: linear rate to a floor.

Assumptions
-----------
A1-A4 and A5: ``‖∇F(x)‖² >= 2c(F(x) − F_star)`` with ``0 < c <= L``. Write
``S = M + sigma_q2`` and ``F1_gap = F(x_1) − F_star``.

Algorithm
---------
Quantized SGD with a fixed stepsize ``mu``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``0 < mu <= 1/(L M_G)`` ("stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{L\mu S}{2 c q_{\min}}
          + (1 − \mu c q_{\min})^{k−1}\Big(F(x_1) − F_\star − \frac{L\mu S}{2 c q_{\min}}\Big).

Linear rate ``1 − mu c q_min`` (full precision: ``1 − mu c``), which the hypotheses keep in
``[0, 1)`` (``mu c q_min <= c/(L M_G) <= 1``); floor ``L mu S/(2 c q_min)``.

Example
-------
>>> from bounds import theorems
>>> T3 = theorems.get("T3")
>>> point = dict(L=2, mu=0.25, M=1, sigma_q2=1, c=1, q_min=0.5, M_G=2, F1_gap=3)
>>> float(T3.evaluate(**point, k=3))  # 1 + (7/8)**2 * (3 - 1)
2.53125
>>> T3.floor
L*mu*(M + sigma_q2)/(2*c*q_min)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T3 in SPEC section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.6 (the case
       ``q_min = 1``, ``sigma_q2 = 0``; checked by C1).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.proof.chain import Proof, Step
from bounds.statement import Statement
from bounds.theorems import _pl_step as _pls
from bounds.theorems._references import bottou, paper

__all__ = ["CONTRACTION", "FLOOR", "STATEMENT", "STEPSIZE_CAP"]

STEPSIZE_CAP = 1 / (sy.L * sy.M_G)
"""The stepsize condition's right-hand side ``1/(L M_G)``."""

CONTRACTION = 1 - sy.mu * sy.c * sy.q_min
"""The per-step contraction factor of the optimality gap."""

FLOOR = sy.L * sy.mu * sy.S / (2 * sy.c * sy.q_min)
"""The fixed point of the recursion, as it appears in the statement."""

STATEMENT = Statement(
    id="T3",
    title="PL / strongly convex, fixed stepsize",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5),
    hypotheses=(
        Hypothesis("positive stepsize", gt(sy.mu, 0), "stepsize"),
        Hypothesis("stepsize condition", le(sy.mu, STEPSIZE_CAP), "stepsize"),
    ),
    quantity=sy.optimality_gap,
    quantity_text="E[F(x_k) − F_star]",
    quantity_latex=r"\mathbb{E}[F(x_k) - F_\star]",
    bound=FLOOR + CONTRACTION ** (sy.k - 1) * (sy.F1_gap - FLOOR),
    horizon=sy.k,
    rate=CONTRACTION ** (sy.k - 1),
    contraction=CONTRACTION,
    references=(paper("T3"), bottou("Theorem 4.6")),
)


# ----------------------------------------------------------------------------- proof
# D(k) = E[F(x_k)] - F_star. Lemma 3 + PL give D(k+1) - floor <= (1 - mu c q_min)(D(k) - floor)
# (bounds.theorems._pl_step); unrolled by induction on k from D(1) <= F1_gap. The contraction is
# named rho inside the induction: the checker's exact identities expand products, which would
# split rho * rho^(k-1) into pieces instead of forming rho^k; the last step substitutes it back.
# SymPy forms rho * rho^(k-1) = rho^k only for rho > 0, so the proof assumes the strict
# contraction mu c q_min < 1: it leaves out the corner mu = 1/(L M_G), c = L, q_min = M_G = 1.
_rho = sp.Symbol("rho", positive=True)
_RHO: dict[str, sp.Basic] = {
    "def: rho = 1 - mu c q_min": sp.Eq(_rho, CONTRACTION),
    "strict contraction: mu c q_min < 1": sy.mu * sy.c * sy.q_min < 1,
    # The same definition solved for mu (c q_min > 0): rewriting mu turns the statement's
    # (1 - mu c q_min)^(k-1) into rho^(k-1) itself.
    "def: rho, solved for mu": sp.Eq(sy.mu, (1 - _rho) / (sy.c * sy.q_min)),
}
_BOUND = sp.Lambda(sy.k, FLOOR + _rho ** (sy.k - 1) * (sy.F1_gap - FLOOR))
_CONSTANTS: dict[str, sp.Basic] = {
    "A5: c <= L": sy.c <= sy.L,
    "A3: q_min <= 1": sy.q_min <= 1,
    "A2: M_G >= 1": sy.M_G >= 1,
}
_INDUCTION_HYPOTHESIS = "induction hypothesis: D(k) <= bound(k)"


def _hypotheses() -> dict[str, sp.Basic]:
    return {h.name: h.relation for h in STATEMENT.hypotheses}


def _stepsize_lemma() -> Proof:
    """The stepsize condition, as the lemma Lemma 3 cites."""
    steps = (
        Step(
            "<=",
            STEPSIZE_CAP,
            "monotone",
            ("stepsize condition",),
            {"terms": [(1, "stepsize condition")]},
            "hypothesis",
        ),
    )
    return Proof("T3: mu <= 1/(L M_G)", sy.mu, steps, sy.mu <= STEPSIZE_CAP, _hypotheses())


def _recursion() -> Proof:
    """``D(k+1) <= (1 - mu c q_min) D(k) + L mu² S/2`` (Lemma 3 and PL)."""
    return _pls.recursion("T3: recursion", sy.mu, _stepsize_lemma(), _hypotheses())


def _base_lemma() -> Proof:
    """``D(1) <= F1_gap``, which is the bound at ``k = 1``."""
    steps = (
        Step(
            "<=",
            sy.F1_gap,
            "monotone",
            tuple(_pls.INITIAL),
            {"terms": [(1, *_pls.INITIAL)]},
            "D(1) = F(x_1) - F_star",
        ),
        Step("=", _BOUND(1), "identity", (), None, "the bound at k = 1"),
    )
    start = _pls.GAP(1)
    return Proof("T3: base case", start, steps, start <= _BOUND(1), {**_pls.INITIAL})


def _step_lemma(contraction: sp.Expr = CONTRACTION) -> Proof:
    """``D(k+1) <= bound(k+1)`` from the induction hypothesis and the recursion.

    ``contraction`` is the factor the first step claims (the true one unless a test plants
    a wrong one, such as the full-precision ``1 - mu c``).
    """
    recursion = _recursion()
    noise = sy.L * sy.mu**2 / 2 * sy.S
    hypotheses = {
        **_hypotheses(),
        **_CONSTANTS,
        **_RHO,
        _INDUCTION_HYPOTHESIS: _pls.GAP(sy.k) <= _BOUND(sy.k),
    }
    rho_def = tuple(_RHO)[:1]
    steps = (
        Step(
            "<=",
            contraction.subs(CONTRACTION, _rho) * _pls.GAP(sy.k) + noise,
            "monotone",
            (recursion.name, *rho_def),
            {"terms": [(1, recursion.name)]},
            "the one-step recursion, its factor named rho",
        ),
        Step(
            "<=",
            _rho * _BOUND(sy.k) + noise,
            "monotone",
            (_INDUCTION_HYPOTHESIS, "stepsize condition", *_CONSTANTS, *rho_def),
            {"terms": [(_rho, _INDUCTION_HYPOTHESIS)]},
            "induction hypothesis, times rho = 1 - mu c q_min >= 0",
        ),
        Step(
            "<=",
            _BOUND(sy.k + 1),
            "positivity",
            rho_def,
            None,
            "rho floor + L mu² S/2 = floor and rho rho^(k-1) = rho^k",
        ),
    )
    start = _pls.GAP(sy.k + 1)
    return Proof(
        "T3: inductive step",
        start,
        steps,
        start <= _BOUND(sy.k + 1),
        hypotheses,
        lemmas=(recursion,),
    )


def proof() -> Proof:
    """T3 checked end to end: ``E[F(x_k) - F_star] <= floor + (1 - mu c q_min)^(k-1)(...)``."""
    base, step = _base_lemma(), _step_lemma()
    hint = {
        "index": sy.k,
        "start": 1,
        "sequence": _pls.GAP,
        "bound": _BOUND,
        "base": (base.name,),
        "step": (step.name,),
    }
    steps = (
        Step(
            "<=",
            _BOUND(sy.k),
            "induction",
            (base.name, step.name),
            hint,
            "induction on k from 1",
        ),
        Step(
            "=",
            STATEMENT.bound,
            "expectation",
            ("def: rho, solved for mu",),
            None,
            "rewrite by the definition rho = 1 - mu c q_min",
        ),
    )
    start = _pls.GAP(sy.k)
    return Proof(
        "T3",
        start,
        steps,
        start <= STATEMENT.bound,
        {**_hypotheses(), **_RHO},
        lemmas=(base, step),
    )
