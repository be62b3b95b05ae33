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
.. [1] Yun & Yun, arXiv:2508.07142 (2025): the result labelled C2 in SPEC section 3.
.. [2] Bottou, Curtis & Nocedal, SIAM Review 60(2) (2018), Theorem 4.8 (the full-precision
       bound being minimised, ``q_min = 1``, ``sigma_q2 = 0``).
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.assumptions import A1, A2, A3, A4, Hypothesis, le
from bounds.proof.chain import Proof, Step
from bounds.statement import Statement
from bounds.theorems import _fixed_step as _fs
from bounds.theorems._references import bottou, paper

__all__ = [
    "K_EPS",
    "K_EPS_DETERMINISTIC",
    "K_EPS_FULL",
    "MU_STAR",
    "SLOWDOWN",
    "SLOWDOWN_DETERMINISTIC",
    "STATEMENT",
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
)


# ----------------------------------------------------------------------------- proof
#: T1's bound as a function of the fixed stepsize ``mu``: what C2 minimises.
_T1_BOUND = 2 * sy.Delta / (sy.K * sy.mu * sy.q_min) + sy.L * sy.mu * sy.S / sy.q_min
#: ``mu*`` is defined (and positive) only when these hold; the docstring's regime.
_REGIME: dict[str, sp.Basic] = {"Delta > 0": sy.Delta > 0, "S > 0": sy.S > 0}
#: The run C2 bounds takes the fixed stepsize ``mu*``.
_DEFINITION: dict[str, sp.Basic] = {"mu = mu*": sp.Eq(sy.mu, MU_STAR)}


def _stationary_lemma() -> Proof:
    """``d/dmu`` of T1's bound vanishes at ``mu*``."""
    start = sp.diff(_T1_BOUND, sy.mu).subs(sy.mu, MU_STAR)
    steps = (Step("=", sp.Integer(0), "identity", (), None, "mu*² = 2 Delta/(K L S)"),)
    return Proof(
        "C2: derivative zero at mu*", start, steps, sp.Eq(start, 0, evaluate=False), _REGIME
    )


def _convex_lemma() -> Proof:
    """T1's bound is strictly convex in ``mu > 0``, so its stationary point is the minimiser."""
    second = sp.diff(_T1_BOUND, sy.mu, 2)
    steps = (
        Step(
            "<",
            4 * sy.Delta / (sy.K * sy.mu**3 * sy.q_min),
            "positivity",
            tuple(_REGIME),
            None,
            "Delta > 0",
        ),
        Step("=", second, "identity", (), None, "differentiate twice"),
    )
    zero = sp.Integer(0)
    target = sp.Lt(zero, second, evaluate=False)
    return Proof("C2: second derivative positive", zero, steps, target, _REGIME)


def _stepsize_lemma() -> Proof:
    """The run's stepsize ``mu = mu*`` meets T1's condition ``mu <= 1/(L M_G)``."""
    hypotheses = {h.name: h.relation for h in STATEMENT.hypotheses} | _DEFINITION
    steps = (
        Step("<=", MU_STAR, "positivity", tuple(_DEFINITION), None, "mu = mu*"),
        Step(
            "<=",
            1 / (sy.L * sy.M_G),
            "monotone",
            ("noise-dominated regime",),
            {"terms": [(1, "noise-dominated regime")]},
            "the noise-dominated regime",
        ),
    )
    return Proof(
        "C2: stepsize condition at mu*", sy.mu, steps, sy.mu <= 1 / (sy.L * sy.M_G), hypotheses
    )


def proof() -> Proof:
    """C2 checked end to end: T1's argument for the run with ``mu = mu*``, and ``mu*``'s optimality.

    The noise-dominated condition ``mu* <= 1/(L M_G)`` gives T1's stepsize condition (a lemma);
    the last step substitutes ``mu = mu*`` into ``2 Delta/(K mu q_min) + L mu S/q_min``, which
    is ``2 sqrt(2 Delta L S/K)/q_min``. The two calculus lemmas show ``mu*`` minimises T1's bound.
    """
    condition = _stepsize_lemma()
    hypotheses: dict[str, sp.Basic] = {h.name: h.relation for h in STATEMENT.hypotheses}
    hypotheses.update(_DEFINITION)
    factor = sy.L * sy.M_G * sy.mu * sy.q_k**2 * sy.grad_norm2 / 2
    lemma = _fs.descent(
        "C2: Lemma 3 at mu*", sy.mu, {}, condition.name, factor, lemmas=(condition,)
    )
    last = Step("<=", STATEMENT.bound, "positivity", tuple(_DEFINITION), None, "mu = mu*")
    return _fs.averaged(
        "C2",
        sy.mu,
        STATEMENT.bound,
        _fs.descent_total(lemma, sy.mu),
        hypotheses,
        lemmas=(_stationary_lemma(), _convex_lemma()),
        last=last,
    )
