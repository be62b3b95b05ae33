r"""Bottou, Curtis & Nocedal (2018), Section 4: the full-precision SGD theorems, in their symbols.

Encoded from the paper, independently of :mod:`bounds.theorems` (own symbols, own formulas),
so that corollary C1 compares two separate texts. Their setting (Assumptions 4.1 and 4.3):
``F`` is ``L``-smooth and bounded below by ``F_inf``; the stochastic direction satisfies
``∇F(x_k)ᵀ E_k[g_k] >= mu ‖∇F(x_k)‖²`` and ``‖E_k[g_k]‖ <= mu_G ‖∇F(x_k)‖`` (angle constants
``mu_G >= mu > 0``), ``V_k[g_k] <= M + M_V ‖∇F(x_k)‖²``, hence
``E_k‖g_k‖² <= M + M_G ‖∇F(x_k)‖²`` with ``M_G = M_V + mu_G² >= mu² > 0`` (their (4.9)).
Assumption 4.5 (strong convexity) adds ``c``: ``2c(F(x) − F_*) <= ‖∇F(x)‖²``.

* Theorem 4.6 (strongly convex, fixed ``alpha``): if ``0 < alpha <= mu/(L M_G)``,
  ``E[F(x_k) − F_*] <= alpha L M/(2 c mu) + (1 − alpha c mu)^(k−1) (F(x_1) − F_* −
  alpha L M/(2 c mu))``.
* Theorem 4.7 (strongly convex, ``alpha_k = beta/(gamma + k)``): if ``beta > 1/(c mu)``,
  ``gamma > 0`` and ``alpha_1 <= mu/(L M_G)``, ``E[F(x_k) − F_*] <= nu/(gamma + k)`` with
  ``nu = max(beta² L M/(2(beta c mu − 1)), (gamma + 1)(F(x_1) − F_*))``.
* Theorem 4.8 (non-convex, fixed ``alpha``): if ``0 < alpha <= mu/(L M_G)``,
  ``E[(1/K) Σ_{k=1..K} ‖∇F(x_k)‖²] <= alpha L M/mu + 2(F(x_1) − F_inf)/(K mu alpha)``.
* Theorem 4.10 (non-convex, diminishing ``alpha_k``, ``alpha_k <= mu/(L M_G)``): the proof's
  inequality ``E[Σ_{k=1..K} alpha_k ‖∇F(x_k)‖²] <= 2(E[F(x_1)] − F_inf)/mu +
  (L M/mu) Σ_{k=1..K} alpha_k²``, from which the theorem's limits follow.

References
----------
.. [1] L. Bottou, F. E. Curtis and J. Nocedal, "Optimization Methods for Large-Scale Machine
       Learning", SIAM Review 60(2):223-311, 2018, Section 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = [
    "ANGLE",
    "ANGLE_G",
    "THEOREMS",
    "ReferenceTheorem",
    "alpha",
    "alpha_seq",
    "get",
    "theorem_4_6",
    "theorem_4_7",
    "theorem_4_8",
    "theorem_4_10",
]

# Their names; "mu" is their angle constant, not a stepsize (their stepsize is alpha).
alpha = sp.Symbol("alpha", positive=True)
alpha_seq = sp.IndexedBase("alpha", positive=True)
ANGLE = sp.Symbol("mu_angle", positive=True)
ANGLE_G = sp.Symbol("mu_G_angle", positive=True)
L = sp.Symbol("L", positive=True)
M = sp.Symbol("M", nonnegative=True)
M_G = sp.Symbol("M_G", positive=True)
c = sp.Symbol("c", positive=True)
beta = sp.Symbol("beta", positive=True)
gamma = sp.Symbol("gamma", positive=True)
k = sp.Symbol("k", integer=True, positive=True)
K = sp.Symbol("K", integer=True, positive=True)
gap_inf = sp.Symbol("F1_minus_F_inf", nonnegative=True)
gap_star = sp.Symbol("F1_minus_F_star", nonnegative=True)


@dataclass(frozen=True)
class ReferenceTheorem:
    """One of Bottou et al.'s theorems.

    Attributes
    ----------
    number : str
        ``"4.6"``, ``"4.7"``, ``"4.8"`` or ``"4.10"``.
    title : str
    conditions : tuple of sympy relations
        Their stepsize and schedule conditions.
    bound : sympy.Expr
        The right-hand side, in this module's symbols.
    """

    number: str
    title: str
    conditions: tuple[sp.core.relational.Relational, ...]
    bound: sp.Expr


def _le(lhs: sp.Expr, rhs: sp.Expr) -> sp.core.relational.Relational:
    return sp.LessThan(lhs, rhs, evaluate=False)


def _gt(lhs: sp.Expr, rhs: sp.Expr) -> sp.core.relational.Relational:
    return sp.StrictGreaterThan(lhs, rhs, evaluate=False)


_FIXED_CAP = ANGLE / (L * M_G)

theorem_4_6 = ReferenceTheorem(
    "4.6",
    "strongly convex objective, fixed stepsize",
    (_gt(alpha, 0), _le(alpha, _FIXED_CAP)),
    alpha * L * M / (2 * c * ANGLE)
    + (1 - alpha * c * ANGLE) ** (k - 1) * (gap_star - alpha * L * M / (2 * c * ANGLE)),
)
theorem_4_7 = ReferenceTheorem(
    "4.7",
    "strongly convex objective, diminishing stepsizes",
    (_gt(beta, 1 / (c * ANGLE)), _gt(gamma, 0), _le(beta / (gamma + 1), _FIXED_CAP)),
    sp.Max(beta**2 * L * M / (2 * (beta * c * ANGLE - 1)), (gamma + 1) * gap_star) / (gamma + k),
)
theorem_4_8 = ReferenceTheorem(
    "4.8",
    "non-convex objective, fixed stepsize",
    (_gt(alpha, 0), _le(alpha, _FIXED_CAP)),
    alpha * L * M / ANGLE + 2 * gap_inf / (K * ANGLE * alpha),
)
theorem_4_10 = ReferenceTheorem(
    "4.10",
    "non-convex objective, diminishing stepsizes",
    (_le(alpha_seq[k], _FIXED_CAP),),
    2 * gap_inf / ANGLE + L * M / ANGLE * sp.Sum(alpha_seq[k] ** 2, (k, 1, K)),
)

THEOREMS: dict[str, ReferenceTheorem] = {
    t.number: t for t in (theorem_4_6, theorem_4_7, theorem_4_8, theorem_4_10)
}


def get(number: str) -> ReferenceTheorem:
    """Theorem ``number`` (``"4.6"``, ``"4.7"``, ``"4.8"``, ``"4.10"``)."""
    if number not in THEOREMS:
        raise ValueError(f"unknown theorem {number!r}; known: {', '.join(THEOREMS)}")
    return THEOREMS[number]
