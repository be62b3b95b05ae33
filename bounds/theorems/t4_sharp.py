r"""T4.sharp — PL (or strongly convex) objective, stepsizes beta/(gamma + k), descent factor kept.

Assumptions
-----------
A1-A5, as T4. Write ``S = M + sigma_q2``, ``F1_gap = F(x_1) − F_star``, ``mu_1 = beta/(gamma + 1)``
and ``t_1 = 2 − L M_G q_min mu_1``.

Algorithm
---------
Quantized SGD with ``mu_k = beta/(gamma + k)``.

Bounded quantity
----------------
``E[F(x_k) − F_star]`` (symbol ``optimality_gap``) at iteration ``k >= 1``.

Theoretical guarantee (upper bound)
-----------------------------------
If ``beta c q_min (2 − L M_G q_min beta/(gamma + 1)) > 1`` ("slope condition"), ``gamma > 0``
and ``mu_1 <= 1/(L M_G)`` ("first stepsize condition"):

.. math:: E[F(x_k) − F_\star] \le \frac{\nu}{\gamma + k},\qquad
          \nu = \max\Big(\frac{\beta^2 L S}{2(\beta c q_{\min} t_1 − 1)}, (\gamma + 1) F_1\Big),
          \qquad t_1 = 2 − L M_G q_{\min} \frac{\beta}{\gamma + 1}.

The slope condition relaxes T4's ``beta > 1/(c q_min)`` to ``beta > 1/(c q_min t_1)``; as
``t_1 >= 1`` every schedule T4 admits is admitted, and as ``t_1 < 2`` it still needs
``beta > 1/(2 c q_min)``. Solved for ``beta`` at fixed ``gamma``, it holds between the roots of
``L M_G c q_min² beta² − 2 (gamma + 1) c q_min beta + (gamma + 1) = 0`` (the first stepsize
condition caps ``beta`` at ``(gamma + 1)/(L M_G)``, below the larger root). The noise branch of
``nu`` is T4's with ``beta c q_min`` replaced by ``beta c q_min t_1``. Floor 0, rate ``1/k``.

Derivation
----------
``D_k = E[F(x_k)] − F_star``. The recursion of T3.sharp at stepsize ``mu_k``:
``D_{k+1} <= rho_k D_k + L mu_k² S/2`` with ``rho_k = 1 − mu_k c q_min t_k``,
``t_k = 2 − L M_G q_min mu_k``; ``rho_k >= 0`` because ``mu_k <= mu_1 <= 1/(L M_G)`` and
``c <= L``, and ``t_k >= t_1`` because ``mu_k <= mu_1``. Induction on ``D_k <= nu/h``,
``h = gamma + k``: ``D_1 <= F1_gap <= nu/(gamma + 1)``, and

.. math:: D_{k+1} \le \rho_k\frac{\nu}{h} + \frac{L\beta^2 S}{2h^2}
          \le \Big(1 − \frac{\beta c q_{\min} t_1}{h}\Big)\frac{\nu}{h} + \frac{L\beta^2 S}{2h^2}
          = \frac{(h − 1)\nu}{h^2} − \frac{(\beta c q_{\min} t_1 − 1)\nu − \beta^2 L S/2}{h^2}
          \le \frac{(h − 1)\nu}{h^2} \le \frac{\nu}{h + 1},

using ``nu >= beta² L S/(2(beta c q_min t_1 − 1))`` with ``beta c q_min t_1 > 1``, and
``(h − 1)(h + 1) <= h²``. Only the step ``k = 1`` needs ``t_1``; later steps have
``t_k > t_1``, so no stronger slope condition follows from this argument.

Example
-------
>>> from bounds import theorems
>>> T4s = theorems.get("T4.sharp")
>>> point = dict(L=1, M=1, sigma_q2=1, c=1, q_min=0.5, M_G=1, F1_gap=2)
>>> float(T4s.evaluate(**point, beta=4, gamma=3, k=5))  # t_1 = 3/2, nu = max(8, 8); T4: 2.0
1.0
>>> T4s.violated_hypotheses(**point, beta=1.5, gamma=3, k=1)  # T4 rejects beta = 1.5
()
>>> T4s.violated_hypotheses(**point, beta=1.0, gamma=3, k=1)
('slope condition',)

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled T4 in docs/spec.md section 3,
       sharpened (T4.sharp there).
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.7 (the case
       ``q_min = 1``, ``sigma_q2 = 0`` of T4).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, A5, Hypothesis, gt, le
from bounds.proof import Proof, Step
from bounds.statement import Statement
from bounds.theorems import l3_one_step_descent as l3
from bounds.theorems import l3_sharp
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems import t4_pl_diminishing as t4
from bounds.theorems._references import bottou, paper
from bounds.theorems._refined import descent_factor, shared_hypotheses

__all__ = [
    "FIRST_DESCENT_FACTOR",
    "NU",
    "NU_INITIAL",
    "NU_NOISE",
    "STATEMENT",
    "admits_t4",
    "comparison",
    "proof",
]

FIRST_STEP = sy.beta / (sy.gamma + 1)
"""``mu_1 = beta/(gamma + 1)``, the largest step of the schedule."""

FIRST_DESCENT_FACTOR = descent_factor(FIRST_STEP, sy.q_min)
"""``t_1 = 2 − L M_G q_min beta/(gamma + 1)``, the smallest ``t_k`` along the schedule."""

NU_NOISE = sy.beta**2 * sy.L * sy.S / (2 * (sy.beta * sy.c * sy.q_min * FIRST_DESCENT_FACTOR - 1))
"""The noise branch of ``nu``."""

NU_INITIAL = (sy.gamma + 1) * sy.F1_gap
"""The initial-gap branch of ``nu`` (T4's)."""

NU = sp.Max(NU_NOISE, NU_INITIAL)

STATEMENT = Statement(
    id="T4.sharp",
    title="PL / strongly convex, diminishing stepsizes, descent factor kept",
    kind="theorem",
    module=__name__,
    assumptions=(A1, A2, A3, A4, A5),
    hypotheses=(
        Hypothesis(
            "slope condition", gt(sy.beta * sy.c * sy.q_min * FIRST_DESCENT_FACTOR, 1), "schedule"
        ),
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
    extras=(
        ("nu", NU),
        ("nu noise branch", NU_NOISE),
        ("nu initial branch", NU_INITIAL),
        ("first descent factor", FIRST_DESCENT_FACTOR),
    ),
    stepsize=sy.beta / (sy.gamma + sy.k),
    quantity_expr=t4.STATEMENT.quantity_expr,
    definitions=(
        (
            "def: t1 = 2 - L M_G q_min beta/(gamma + 1)",
            sp.Eq(sp.Symbol("t1", real=True), FIRST_DESCENT_FACTOR),
        ),
        (
            "def: nu = max(noise branch, initial branch)",
            sp.Eq(
                sp.Symbol("nu", real=True),
                sp.Max(NU_NOISE.subs(FIRST_DESCENT_FACTOR, sp.Symbol("t1", real=True)), NU_INITIAL),
            ),
        ),
    ),
)


# ----------------------------------------------------------------------------- proof
# T4's induction with slope s = beta c q_min t1, t1 = t_1 a definition: in that form the slope
# condition bounds the single symbol t1 (1/(beta c q_min) < t1), which the slack substitution
# of the positivity tactic can use; with t_1 written out it bounds no symbol.
T1_SYMBOL = sp.Symbol("t1", real=True)
T1_DEFINITION = "def: t1 = 2 - L M_G q_min beta/(gamma + 1)"
NU_DEFINITION = "def: nu = max(noise branch, initial branch)"
NOISE_BRANCH = NU_NOISE.subs(FIRST_DESCENT_FACTOR, T1_SYMBOL)
"""The noise branch with ``t_1`` named ``t1``."""

#: What keeps ``t_1 = 2 - L M_G q_min mu_1`` positive: ``mu_1 <= 1/(L M_G)``, ``M_G >= 1``,
#: ``q_min <= 1``.
FACTOR_FACTS = ("first stepsize condition", "A2: M_G = 1 + M_V", "A3: q_min <= 1")


def proof(statement: Statement) -> Proof:
    """T4's induction on the recursion of L3.sharp at ``mu_k = beta/(gamma + k)`` with
    ``mu_max = mu_1``: slope ``beta c q_min t_1`` in place of ``beta c q_min``."""
    m = statement.nominal_stepsize
    recursion = t3.recursion(
        f"{statement.id}: one-step recursion at mu_k = beta/(gamma + k)",
        m,
        per_step=l3_sharp.STATEMENT.as_lemma(),
        at=l3_sharp.cite_at(m, FIRST_STEP),
        descent=l3_sharp.DESCENT.subs(sy.mu_max, FIRST_STEP),
        factor_facts=FACTOR_FACTS,
    )
    slope = sy.beta * sy.c * sy.q_min * T1_SYMBOL
    above, below = _slope_above_one(slope), _contraction(slope)
    return t4.unrolled(
        statement,
        recursion,
        slope,
        l3.NOISE,
        contraction_facts=(above.name, below.name),
        slope_facts=(above.name,),
        slope_lemmas=(above, below),
        branches=(NOISE_BRANCH, NU_INITIAL),
    )


def _slope_above_one(slope: sp.Expr) -> Proof:
    """``1 < beta c q_min t1``: the slope condition with ``t_1`` named."""
    one = sp.Integer(1)
    step = Step(
        "<",
        slope,
        "monotone",
        ("slope condition", T1_DEFINITION),
        {"terms": [(1, "slope condition")]},
        "the slope condition",
    )
    return Proof("slope above 1", one, (step,), sp.Lt(one, slope, evaluate=False))


def _contraction(slope: sp.Expr) -> Proof:
    """``beta c q_min t1 <= gamma + k``, so ``1 - mu_k c q_min t_1 >= 0``: with
    ``x = L M_G q_min mu_1 <= 1`` and ``c <= L`` the slope is
    ``(gamma + 1)(c/(L M_G)) x (2 - x) <= gamma + 1``."""
    steps = (
        Step(
            "=",
            slope.subs(T1_SYMBOL, FIRST_DESCENT_FACTOR),
            "identity",
            (T1_DEFINITION,),
            None,
            "t1's value",
        ),
        Step("<=", sy.gamma + sy.k, "positivity", t4.CONTRACTION_FACTS, None, "x (2 - x) <= 1"),
    )
    return Proof(
        "slope at most gamma + k", slope, steps, sp.Le(slope, sy.gamma + sy.k, evaluate=False)
    )


# ----------------------------------------------------------------------------- comparison
_PAPER_SLOPE = sy.beta * sy.c * sy.q_min
_SHARP_SLOPE = _PAPER_SLOPE * FIRST_DESCENT_FACTOR


def comparison() -> Proof:
    """T4.sharp's noise branch of ``nu`` is at most T4's, under T4's hypotheses.

    ``beta² L S/(2(s t_1 - 1)) <= beta² L S/(2(s - 1))`` for ``s = beta c q_min > 1`` and
    ``t_1 >= 1``: with the slope condition read as a lower bound on ``c``
    (:func:`_slope_bounds_c`) the slack substitution sees both denominators positive. The
    initial branches are the same, so ``nu`` (a maximum of the two) is never larger; that last
    step, ``Max(x, y) <= Max(x', y)`` for ``x <= x'``, needs an upper bound on a maximum, which
    no elementary fact of the engine gives (only ``Max(x, y) >= x, y``): it is not part of the
    checked proof.
    """
    hypotheses = shared_hypotheses(t4.STATEMENT)
    lower = _slope_bounds_c()
    cited = (
        lower.name,
        "first stepsize condition",
        "positive offset",
        "A1: L > 0",
        "A2: M >= 0",
        "A2: M_G = 1 + M_V",
        "A3: q_min > 0",
        "A3: q_min <= 1",
        "A4: sigma_q2 >= 0",
    )
    step = Step(
        "<=", t4.NU_NOISE, "positivity", cited, None, "the larger slope, the smaller branch"
    )
    return Proof(
        "T4.sharp's nu noise branch <= T4's",
        NU_NOISE,
        (step,),
        sp.Le(NU_NOISE, t4.NU_NOISE, evaluate=False),
        hypotheses,
        lemmas=(lower,),
    )


def _slope_bounds_c() -> Proof:
    """``1/(beta q_min) < c``: T4's slope condition ``beta > 1/(c q_min)`` times ``c/beta``."""
    start = 1 / (sy.beta * sy.q_min)
    step = Step(
        "<",
        sy.c,
        "monotone",
        ("slope condition",),
        {"terms": [(sy.c / sy.beta, "slope condition")]},
        "times c/beta > 0",
    )
    return Proof(
        "T4's slope condition as a bound on c",
        start,
        (step,),
        sp.Lt(start, sy.c, evaluate=False),
        shared_hypotheses(t4.STATEMENT),
    )


def _slopes_ordered() -> Proof:
    """``beta c q_min <= beta c q_min t_1``: ``t_1 - 1 = (1 - q_min) + q_min (1 - L M_G mu_1)``."""
    condition = "first stepsize condition"
    step = Step(
        "<=",
        _SHARP_SLOPE,
        "monotone",
        (condition, "A3: q_min <= 1"),
        {
            "terms": [
                (_PAPER_SLOPE * sy.q_min * sy.L * sy.M_G, condition),
                (_PAPER_SLOPE, "A3: q_min <= 1"),
            ]
        },
        "t_1 >= 1",
    )
    return Proof(
        "T4's slope <= T4.sharp's",
        _PAPER_SLOPE,
        (step,),
        sp.Le(_PAPER_SLOPE, _SHARP_SLOPE, evaluate=False),
        shared_hypotheses(t4.STATEMENT),
    )


def admits_t4() -> Proof:
    """T4's slope condition ``beta > 1/(c q_min)`` implies T4.sharp's ``beta c q_min t_1 > 1``
    (under T4's hypotheses, ``t_1 >= 1``): every schedule T4 admits, T4.sharp admits."""
    one = sp.Integer(1)
    ordered = _slopes_ordered()
    steps = (
        Step(
            "<",
            _PAPER_SLOPE,
            "monotone",
            ("slope condition",),
            {"terms": [(sy.c * sy.q_min, "slope condition")]},
            "beta > 1/(c q_min)",
        ),
        Step(
            "<=",
            _SHARP_SLOPE,
            "monotone",
            (ordered.name,),
            {"terms": [(1, ordered.name)]},
            "t_1 >= 1",
        ),
    )
    return Proof(
        "T4's slope condition implies T4.sharp's",
        one,
        steps,
        sp.Lt(one, _SHARP_SLOPE, evaluate=False),
        shared_hypotheses(t4.STATEMENT),
        lemmas=(ordered,),
    )
