r"""T4 — PL (or strongly convex) objective, diminishing stepsizes ``beta/(gamma + k)``: O(1/k).

Assumptions
-----------
A1-A5 (see T3). Write ``S = M + sigma_q2`` and ``F1_gap = F(x_1) − F_star``.

Algorithm
---------
Quantized SGD with ``mu_k = beta/(gamma + k)``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``beta > 1/(c q_min)`` ("slope condition"), ``gamma > 0`` and
``mu_1 = beta/(gamma + 1) <= 1/(L M_G)`` ("first stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{\nu}{\gamma + k},\qquad
          \nu = \max\Big(\frac{\beta^2 L S}{2(\beta c q_{\min} − 1)}, (\gamma + 1) F_1\Big).

A schedule tuned for full precision (``beta > 1/c``) can violate ``beta > 1/(c q_min)``.
Floor 0, rate ``1/k``.

Example
-------
>>> from bounds import theorems
>>> T4 = theorems.get("T4")
>>> point = dict(L=1, M=1, sigma_q2=1, c=1, q_min=0.5, M_G=1, F1_gap=2)
>>> float(T4.evaluate(**point, beta=4, gamma=3, k=5))  # nu = max(16, 8) = 16, 16/(3 + 5)
2.0
>>> T4.violated_hypotheses(**point, beta=1.5, gamma=3, k=1)  # fine at full precision only
('slope condition',)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T4 in SPEC section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.7 (the case
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

__all__ = ["NU", "NU_INITIAL", "NU_NOISE", "STATEMENT"]

NU_NOISE = sy.beta**2 * sy.L * sy.S / (2 * (sy.beta * sy.c * sy.q_min - 1))
"""The noise branch of ``nu``."""

NU_INITIAL = (sy.gamma + 1) * sy.F1_gap
"""The initial-gap branch of ``nu``."""

NU = sp.Max(NU_NOISE, NU_INITIAL)

STATEMENT = Statement(
    id="T4",
    title="PL / strongly convex, diminishing stepsizes",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5),
    hypotheses=(
        Hypothesis("slope condition", gt(sy.beta, 1 / (sy.c * sy.q_min)), "schedule"),
        Hypothesis("positive offset", gt(sy.gamma, 0), "schedule"),
        Hypothesis(
            "first stepsize condition",
            le(sy.beta / (sy.gamma + 1), 1 / (sy.L * sy.M_G)),
            "stepsize",
        ),
    ),
    quantity=sy.optimality_gap,
    quantity_text="E[F(x_k) − F_star]",
    quantity_latex=r"\mathbb{E}[F(x_k) - F_\star]",
    bound=NU / (sy.gamma + sy.k),
    horizon=sy.k,
    rate=1 / sy.k,
    references=(paper("T4"), bottou("Theorem 4.7")),
    extras=(("nu", NU), ("nu noise branch", NU_NOISE), ("nu initial branch", NU_INITIAL)),
)


# ----------------------------------------------------------------------------- proof
# Induction on k: D(k) = E[F(x_k)] - F_star <= nu/(gamma + k). The base case comes from
# nu >= (gamma + 1) F1_gap, the step from the one-step recursion at mu_k = beta/(gamma + k)
# (bounds.theorems._pl_step) with beta c q_min > 1 and nu >= the noise branch.
_nu = sp.Symbol("nu", positive=True)
_HAT = sy.gamma + sy.k
_MU_K = sy.beta / _HAT
#: ``nu`` is the larger branch: it dominates both (the defining property of max).
_NU_DEF: dict[str, sp.Basic] = {
    "def: nu = max(...)": sp.Eq(_nu, NU),
    "max: nu >= noise branch": _nu >= NU_NOISE,
    "max: nu >= initial branch": _nu >= NU_INITIAL,
}
_K_GE_1: dict[str, sp.Basic] = {"k >= 1": sp.Ge(sy.k, 1, evaluate=False)}
_INDUCTION_HYPOTHESIS = "induction hypothesis: D(k) <= nu/(gamma + k)"


def _hypotheses() -> dict[str, sp.Basic]:
    return {h.name: h.relation for h in STATEMENT.hypotheses}


def _stepsize_lemma() -> Proof:
    """``mu_k = beta/(gamma + k) <= mu_1 <= 1/(L M_G)`` for every ``k >= 1``."""
    steps = (
        Step("<=", sy.beta / (sy.gamma + 1), "positivity", tuple(_K_GE_1), None, "k >= 1"),
        Step(
            "<=",
            _pls.CAP,
            "monotone",
            ("first stepsize condition",),
            {"terms": [(1, "first stepsize condition")]},
            "the first stepsize condition",
        ),
    )
    hypotheses = {**_hypotheses(), **_K_GE_1}
    return Proof("T4: mu_k <= 1/(L M_G)", _MU_K, steps, _MU_K <= _pls.CAP, hypotheses)


def _contraction_lemma() -> Proof:
    """``beta <= (gamma + k)/(c q_min)``, i.e. the recursion's ``1 - mu_k c q_min >= 0``."""
    stepsize = _stepsize_lemma()
    steps = (
        Step(
            "<=",
            _HAT * _pls.CAP,
            "monotone",
            (stepsize.name,),
            {"terms": [(_HAT, stepsize.name)]},
            "beta = (gamma + k) mu_k and mu_k <= 1/(L M_G)",
        ),
        Step("<=", _HAT / (sy.c * sy.q_min), "positivity", tuple(_CONSTANTS), None, "c <= L"),
    )
    return Proof(
        "T4: mu_k c q_min <= 1",
        sy.beta,
        steps,
        sy.beta <= _HAT / (sy.c * sy.q_min),
        {**_hypotheses(), **_CONSTANTS},
        lemmas=(stepsize,),
    )


_CONSTANTS: dict[str, sp.Basic] = {
    "A5: c <= L": sy.c <= sy.L,
    "A3: q_min <= 1": sy.q_min <= 1,
    "A2: M_G >= 1": sy.M_G >= 1,
}


def _base_lemma() -> Proof:
    """``D(1) <= nu/(gamma + 1)``."""
    steps = (
        Step(
            "<=",
            sy.F1_gap,
            "monotone",
            tuple(_pls.INITIAL),
            {"terms": [(1, *_pls.INITIAL)]},
            "D(1) = F(x_1) - F_star",
        ),
        Step(
            "<=",
            _nu / (sy.gamma + 1),
            "monotone",
            ("max: nu >= initial branch",),
            {"terms": [(1 / (sy.gamma + 1), "max: nu >= initial branch")]},
            "nu >= (gamma + 1) F1_gap",
        ),
    )
    start = _pls.GAP(1)
    return Proof(
        "T4: base case",
        start,
        steps,
        start <= _nu / (sy.gamma + 1),
        {**_pls.INITIAL, **_NU_DEF, **_hypotheses()},
    )


def _step_lemma(slope: str = "slope condition", noise: str = "max: nu >= noise branch") -> Proof:
    """``D(k+1) <= nu/(gamma + k + 1)`` from the induction hypothesis and the recursion at k."""
    recursion = _pls.recursion(
        "T4: recursion at k", _MU_K, _stepsize_lemma(), {**_hypotheses(), **_K_GE_1}
    )
    contraction = _contraction_lemma()
    rho = 1 - _MU_K * sy.c * sy.q_min
    noise_term = sy.L * _MU_K**2 / 2 * _pls.S
    hypotheses = {
        **_hypotheses(),
        **_NU_DEF,
        **_K_GE_1,
        _INDUCTION_HYPOTHESIS: _pls.GAP(sy.k) <= _nu / _HAT,
    }
    steps = (
        Step(
            "<=",
            rho * _pls.GAP(sy.k) + noise_term,
            "monotone",
            (recursion.name,),
            {"terms": [(1, recursion.name)]},
            "the one-step recursion",
        ),
        Step(
            "<=",
            rho * _nu / _HAT + noise_term,
            "monotone",
            (_INDUCTION_HYPOTHESIS, contraction.name, *_K_GE_1),
            {"terms": [(rho, _INDUCTION_HYPOTHESIS)]},
            "induction hypothesis, times 1 - mu_k c q_min >= 0",
        ),
        Step(
            "=",
            (_HAT - 1) * _nu / _HAT**2
            - ((sy.beta * sy.c * sy.q_min - 1) * _nu - sy.beta**2 * sy.L * _pls.S / 2) / _HAT**2,
            "identity",
            (),
            None,
            "regroup",
        ),
        Step(
            "<=",
            (_HAT - 1) * _nu / _HAT**2,
            "monotone",
            (noise, slope),
            {"terms": [((sy.beta * sy.c * sy.q_min - 1) / _HAT**2, noise)]},
            "nu >= beta² L S/(2(beta c q_min - 1)), beta c q_min > 1",
        ),
        Step("<=", _nu / (_HAT + 1), "positivity", (), None, "(h - 1)(h + 1) <= h²"),
    )
    start = _pls.GAP(sy.k + 1)
    return Proof(
        "T4: inductive step",
        start,
        steps,
        start <= _nu / (_HAT + 1),
        hypotheses,
        lemmas=(recursion, contraction),
    )


def proof() -> Proof:
    """T4 checked end to end: ``E[F(x_k) - F_star] <= nu/(gamma + k)`` by induction on k."""
    base, step = _base_lemma(), _step_lemma()
    hint = {
        "index": sy.k,
        "start": 1,
        "sequence": _pls.GAP,
        "bound": sp.Lambda(sy.k, _nu / _HAT),
        "base": (base.name,),
        "step": (step.name,),
    }
    steps = (
        Step(
            "<=",
            _nu / _HAT,
            "induction",
            (base.name, step.name),
            hint,
            "induction on k from 1",
        ),
        Step("<=", STATEMENT.bound, "positivity", ("def: nu = max(...)",), None, "nu's value"),
    )
    start = _pls.GAP(sy.k)
    return Proof(
        "T4",
        start,
        steps,
        start <= STATEMENT.bound,
        {**_hypotheses(), **_NU_DEF, **_K_GE_1},
        lemmas=(base, step),
    )
