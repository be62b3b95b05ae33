r"""C2 — slowdown: the T1-optimal fixed stepsize for a budget ``K``, its bound, and ``K(eps)``.

Assumptions
-----------
A1-A4 (see T1), ``S = M + sigma_q2 > 0`` (noise-dominated regime).

Bounded quantity
----------------
``(1/K) Σ_{k=1..K} E‖∇F(x_k)‖²`` (symbol ``avg_grad_norm2``) with the stepsize ``mu*`` below.

Theoretical guarantee (upper bound)
-----------------------------------
Minimising T1's bound ``2 Delta/(K mu q_min) + L mu S/q_min`` over ``mu`` gives
``mu* = sqrt(2 Delta/(K L S))``; if ``mu* <= 1/(L M_G)`` ("noise-dominated regime", so ``mu*``
meets T1's stepsize condition):

.. math:: \frac1K \sum_{k=1}^K E‖∇F(x_k)‖^2 \le \frac{2}{q_{\min}}\sqrt{\frac{2\Delta L S}{K}},
          \qquad K(\varepsilon) = \frac{8 \Delta L S}{q_{\min}^2 \varepsilon^2},

a factor ``S/(M q_min²)`` more iterations than full precision (``8 Delta L M/eps²``). In the
deterministic regime (``S = 0``, ``mu = 1/(L M_G)``):
``K(eps) = 2 Delta L M_G/(q_min eps)``, a factor ``1/q_min``. Both regimes and the capped case
are derived symbolically in :mod:`bounds.derive` and checked against this statement.

References
----------
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled C2 in docs/spec.md section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the full-precision
       bound being minimised, ``q_min = 1``, ``sigma_q2 = 0``).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, gt, le
from bounds.proof import Cite, Proof, Step
from bounds.statement import Statement
from bounds.theorems import t1_nonconvex_fixed as t1
from bounds.theorems._references import bottou, paper

__all__ = [
    "K_EPS",
    "K_EPS_DETERMINISTIC",
    "K_EPS_FULL",
    "MU_STAR",
    "SLOWDOWN",
    "SLOWDOWN_DETERMINISTIC",
    "STATEMENT",
    "proof",
]

MU_STAR = sp.sqrt(2 * sy.Delta / (sy.K * sy.L * sy.S))
"""The unconstrained minimiser of T1's bound over ``mu``."""
K_EPS = 8 * sy.Delta * sy.L * sy.S / (sy.q_min**2 * sy.epsilon**2)
"""Iterations for the optimal bound to reach ``epsilon`` (noise-dominated regime)."""
K_EPS_FULL = 8 * sy.Delta * sy.L * sy.M / sy.epsilon**2
"""The same at full precision."""
SLOWDOWN = sy.S / (sy.M * sy.q_min**2)
"""``K_EPS / K_EPS_FULL``."""
K_EPS_DETERMINISTIC = 2 * sy.Delta * sy.L * sy.M_G / (sy.q_min * sy.epsilon)
"""Iterations to reach ``epsilon`` when ``S = 0`` with ``mu = 1/(L M_G)``."""
SLOWDOWN_DETERMINISTIC = 1 / sy.q_min
"""``K_EPS_DETERMINISTIC`` over its full-precision value."""

STATEMENT = Statement(
    id="C2",
    title="slowdown: optimal fixed stepsize and iteration count",
    kind="corollary",
    module=__name__,
    assumptions=(A1, A2, A3, A4),
    hypotheses=(
        Hypothesis("positive initial gap", gt(sy.Delta, 0), "domain"),
        Hypothesis("positive noise", gt(sy.S, 0), "domain"),
        Hypothesis("noise-dominated regime", le(MU_STAR, 1 / (sy.L * sy.M_G)), "stepsize"),
    ),
    quantity=sy.avg_grad_norm2,
    quantity_text="(1/K) Σ_{k=1..K} E‖∇F(x_k)‖² at mu = mu*",
    quantity_latex=r"\frac{1}{K}\sum_{k=1}^{K}\mathbb{E}\|\nabla F(x_k)\|^2\Big|_{\mu=\mu^\star}",
    bound=2 * sp.sqrt(2 * sy.Delta * sy.L * sy.S / sy.K) / sy.q_min,
    horizon=sy.K,
    rate=1 / sp.sqrt(sy.K),
    references=(paper("C2"), bottou("Theorem 4.8")),
    extras=(
        ("mu*", MU_STAR),
        ("K(eps)", K_EPS),
        ("K(eps) full precision", K_EPS_FULL),
        ("slowdown", SLOWDOWN),
        ("K(eps) deterministic", K_EPS_DETERMINISTIC),
        ("slowdown deterministic", SLOWDOWN_DETERMINISTIC),
    ),
    stepsize=MU_STAR,
    quantity_expr=t1.STATEMENT.quantity_expr,
)


# ----------------------------------------------------------------------------- proof
#: T1's bound as a function of the fixed stepsize ``mu``: what C2 minimises.
_T1_BOUND = 2 * sy.Delta / (sy.K * sy.mu * sy.q_min) + sy.L * sy.mu * sy.S / sy.q_min


def _stationary_lemma(regime: dict[str, sp.Basic]) -> Proof:
    """``d/dmu`` of T1's bound vanishes at ``mu*``."""
    start = sp.diff(_T1_BOUND, sy.mu).subs(sy.mu, MU_STAR)
    steps = (Step("=", sp.Integer(0), "identity", (), None, "mu*² = 2 Delta/(K L S)"),)
    return Proof(
        "C2: derivative zero at mu*", start, steps, sp.Eq(start, 0, evaluate=False), regime
    )


def _convex_lemma(regime: dict[str, sp.Basic]) -> Proof:
    """T1's bound is strictly convex in ``mu > 0``, so its stationary point is the minimiser."""
    second = sp.diff(_T1_BOUND, sy.mu, 2)
    steps = (
        Step(
            "<",
            4 * sy.Delta / (sy.K * sy.mu**3 * sy.q_min),
            "positivity",
            tuple(regime),
            None,
            "Delta > 0",
        ),
        Step("=", second, "identity", (), None, "differentiate twice"),
    )
    zero = sp.Integer(0)
    return Proof(
        "C2: second derivative positive", zero, steps, sp.Lt(zero, second, evaluate=False), regime
    )


def proof(statement: Statement) -> Proof:
    """C2: T1 (a checked lemma) for the run at ``mu*``, and ``mu*``'s optimality.

    Citing T1 at ``mu := mu*`` asks for ``mu* > 0`` (from ``Delta > 0``, ``S > 0``) and
    ``mu* <= 1/(L M_G)`` (the noise-dominated regime); T1's bound at ``mu*`` is
    ``2 sqrt(2 Delta L S/K)/q_min``. The two calculus lemmas show ``mu*`` minimises T1's bound.
    """
    regime = {h.name: h.relation for h in statement.hypotheses if h.kind == "domain"}
    cite = Cite("T1", at={sy.mu: statement.nominal_stepsize})
    hypotheses = tuple(h.name for h in statement.all_hypotheses)
    steps = (
        Step(
            "<=",
            _T1_BOUND.subs(sy.mu, statement.nominal_stepsize),
            "monotone",
            (cite,),
            {"terms": [(1, cite)]},
            "T1 at mu = mu*",
        ),
        Step("<=", statement.bound, "positivity", hypotheses, None, "mu*'s value"),
    )
    lemmas = (theorems.get("T1").as_lemma(), _stationary_lemma(regime), _convex_lemma(regime))
    return Proof("C2", statement.quantity_expr, steps, statement.claim(), lemmas=lemmas)
