r"""Stepsizes the refined statements of issue 12 imply, next to the paper's (:mod:`bounds.derive`).

Derived with SymPy from the refined statements' bounds (never typed in), as the paper's are:

* T1.sharp: ``B(mu) = (2 Delta/(K mu q_min) + L mu S/q_min)/(2 − L mu M_G q_min)``. Its
  derivative vanishes where ``K L S mu² + 2 Delta L M_G q_min mu − 2 Delta = 0``: one positive
  root ``mu*`` (:func:`symbolic`), below T1's ``sqrt(2 Delta/(K L S))`` — keeping the descent
  factor favours a smaller step. Capped at ``1/(L M_G)`` as T1's.
* T4.sharp: at the least admissible offset (``beta/(gamma + 1) = 1/(L M_G)``, as T4's
  recommendation) the first descent factor is ``2 − q_min`` and the noise branch of ``nu`` is
  ``beta² L S/(2(beta c q_min (2 − q_min) − 1))``, least at ``beta* = 2/(c q_min (2 − q_min))``
  (T4's ``2/(c q_min)`` over ``2 − q_min``). When ``beta* L M_G < 1`` the offset is clamped
  above 0 and the factor is larger still: the slope condition holds with room, and ``nu`` is
  evaluated at the schedule actually returned.
* C3.known_q: with a known constant ``q`` the target step ``mu`` needs only
  ``mu <= 1/(L M_G)`` (C3 needs ``mu <= q_min/(L M_G)``); the nominal stepsize is ``mu/q``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from bounds import symbols as sy
from bounds.derive._numeric import checked, numeric
from bounds.derive.fixed_stepsize import OptimalStepsize
from bounds.derive.pl_schedule import PLSchedule
from bounds.theorems import c3_known_q, t1_sharp, t4_sharp

__all__ = [
    "KnownQCompensation",
    "SymbolicRefined",
    "known_q_compensation",
    "sharp_fixed_stepsize",
    "sharp_pl_schedule",
    "symbolic",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SymbolicRefined:
    """The derivations, as SymPy expressions.

    Attributes
    ----------
    mu_star : sympy.Expr
        The stationary point of T1.sharp's bound in ``mu`` (``Delta, S > 0``).
    mu_cap : sympy.Expr
        T1.sharp's stepsize cap ``1/(L M_G)`` (read from its stepsize condition).
    gamma_min : sympy.Expr
        The least ``gamma`` with ``beta/(gamma + 1) <= 1/(L M_G)`` (T4.sharp's condition).
    beta_star : sympy.Expr
        The minimiser of T4.sharp's noise branch at ``gamma = gamma_min``.
    nu_noise_star : sympy.Expr
        That branch at ``beta*``.
    known_q_cap : sympy.Expr
        C3.known_q's largest target step, from its stepsize condition.
    """

    mu_star: sp.Expr
    mu_cap: sp.Expr
    gamma_min: sp.Expr
    beta_star: sp.Expr
    nu_noise_star: sp.Expr
    known_q_cap: sp.Expr


def _cap(statement: Any) -> sp.Expr:
    relation = statement.hypothesis("stepsize condition").relation
    if not (isinstance(relation, sp.LessThan) and relation.lhs == sy.mu):
        raise TypeError(f"{statement.id}'s stepsize condition is not mu <= cap: {relation}")
    return sp.sympify(relation.rhs)


@functools.lru_cache(maxsize=1)
def symbolic() -> SymbolicRefined:
    """Derive the refined stepsizes (cached)."""
    horizon = sp.Symbol("K_real", positive=True)
    gap = sp.Symbol("Delta_pos", positive=True)
    noise = sp.Symbol("S_pos", positive=True)
    bound = t1_sharp.STATEMENT.bound.subs({sy.K: horizon, sy.Delta: gap}).subs(sy.S, noise)
    assert not bound.has(sy.M, sy.sigma_q2)
    stationary = sp.numer(sp.together(sp.diff(bound, sy.mu)))
    (mu_star,) = [r for r in sp.solve(stationary, sy.mu) if not r.could_extract_minus_sign()]
    back = {horizon: sy.K, gap: sy.Delta, noise: sy.S}

    (gamma_min,) = sp.solve(sp.Eq(sy.beta / (sy.gamma + 1), 1 / (sy.L * sy.M_G)), sy.gamma)
    branch = sp.simplify(t4_sharp.NU_NOISE.subs(sy.gamma, gamma_min))
    floor = 1 / (sy.c * sy.q_min)
    roots = sp.solve(sp.diff(branch, sy.beta), sy.beta)
    # beta = 0 is a root too; the minimiser exceeds T4's slope floor (q_min = 1/(1 + w) writes
    # q_min <= 1 for SymPy's sign rules)
    w = sp.Symbol("w", nonnegative=True)
    (beta_star,) = [
        r for r in roots if sp.simplify((r - floor).subs(sy.q_min, 1 / (1 + w))).is_positive
    ]
    return SymbolicRefined(
        mu_star=sp.simplify(mu_star.subs(back)),
        mu_cap=_cap(t1_sharp.STATEMENT),
        gamma_min=gamma_min,
        beta_star=sp.simplify(beta_star),
        nu_noise_star=sp.simplify(branch.subs(sy.beta, beta_star)),
        known_q_cap=_cap(c3_known_q.STATEMENT),
    )


_T1_NAMES = ("Delta", "L", "M", "M_G", "q_min", "sigma_q2", "K")


def sharp_fixed_stepsize(**constants: Any) -> OptimalStepsize:
    """Minimise T1.sharp's bound over the fixed stepsize ``mu`` for a horizon ``K``.

    Parameters
    ----------
    **constants : array_like
        ``Delta > 0, L, M, M_G`` (or ``M_V``), ``q_min, sigma_q2`` and ``K``; arrays broadcast.

    Returns
    -------
    OptimalStepsize
        ``mu = min(mu*, 1/(L M_G))`` and T1.sharp's bound there (``mu_unconstrained`` is
        ``inf`` when ``S = 0``: the bound then decreases up to the cap).
    """
    values = checked(_T1_NAMES, constants)
    if np.any(values["Delta"] == 0):
        raise ValueError(
            "Delta must satisfy Delta > 0 here (with no initial gap the optimum is mu -> 0)"
        )
    derived = symbolic()
    noise = values["M"] + values["sigma_q2"]
    mu_star = np.where(noise > 0, numeric(derived.mu_star, values), np.inf)
    cap = numeric(derived.mu_cap, values)
    capped = np.asarray(mu_star > cap)
    mu = np.minimum(mu_star, cap)
    bound = numeric(t1_sharp.STATEMENT.bound, {**values, "mu": mu})
    return OptimalStepsize(mu, mu_star, np.broadcast_to(cap, mu.shape), capped, bound)


def sharp_pl_schedule(**constants: Any) -> PLSchedule:
    """``(beta*, gamma_min)`` for T4.sharp, and T4.sharp's ``nu`` there.

    Parameters
    ----------
    **constants : array_like
        ``c, q_min, L, M, M_G`` (or ``M_V``), ``sigma_q2``, ``F1_gap``; arrays broadcast.

    Returns
    -------
    PLSchedule
        ``slope_floor`` is T4's ``1/(c q_min)`` (T4.sharp admits every schedule T4 admits);
        ``full_precision_beta_admissible`` says whether ``2/c`` meets T4.sharp's slope
        condition at its least offset.
    """
    names = ("c", "q_min", "L", "M", "M_G", "sigma_q2", "F1_gap")
    values = checked(names, constants)
    if np.any(values["c"] > values["L"]):
        raise ValueError("c must satisfy c <= L (A5: c <= L)")
    derived = symbolic()
    beta = numeric(derived.beta_star, values)
    gamma = np.maximum(numeric(derived.gamma_min, {**values, "beta": beta}), 0.0)
    gamma = np.where(gamma > 0, gamma, np.finfo(np.float64).tiny)
    nu = numeric(t4_sharp.NU, {**values, "beta": beta, "gamma": gamma})
    slope = t4_sharp.STATEMENT.hypothesis("slope condition").relation
    full = np.broadcast_to(numeric(2 / sy.c, values), nu.shape)
    full_gamma = np.maximum(numeric(derived.gamma_min, {**values, "beta": full}), 0.0)
    full_gamma = np.where(full_gamma > 0, full_gamma, np.finfo(np.float64).tiny)
    full_slope = numeric(slope.lhs, {**values, "beta": full, "gamma": full_gamma})
    return PLSchedule(
        np.broadcast_to(beta, nu.shape),
        np.broadcast_to(gamma, nu.shape),
        nu,
        np.broadcast_to(numeric(1 / (sy.c * sy.q_min), values), nu.shape),
        np.asarray(full_slope > 1.0),
    )


@dataclass(frozen=True)
class KnownQCompensation:
    """C3.known_q at numbers (arrays broadcast over the inputs).

    Attributes
    ----------
    nominal : ndarray
        ``mu/q``, the stepsize to hand the optimizer.
    cap : ndarray
        The largest admissible target step ``1/(L M_G)``.
    admissible : ndarray of bool
        Whether ``mu <= cap``.
    bound : ndarray
        C3.known_q's bound (``nan`` where ``mu`` exceeds the cap).
    """

    nominal: FloatArray
    cap: FloatArray
    admissible: NDArray[np.bool_]
    bound: FloatArray


def known_q_compensation(**constants: Any) -> KnownQCompensation:
    """The compensated stepsize ``mu/q`` for a known constant ``q`` and C3.known_q's bound.

    Parameters
    ----------
    **constants : array_like
        ``mu, q, L, M_G`` (or ``M_V``), ``Delta, M, sigma_q2`` and ``K``; arrays broadcast.

    Returns
    -------
    KnownQCompensation
    """
    values = checked(("mu", "q", "L", "M_G", "Delta", "M", "sigma_q2", "K"), constants)
    derived = symbolic()
    cap = numeric(derived.known_q_cap, values)
    admissible = np.asarray(values["mu"] <= cap)
    bound = np.where(admissible, numeric(c3_known_q.STATEMENT.bound, values), np.nan)
    nominal = numeric(c3_known_q.NOMINAL_STEPSIZE, values)
    shape = bound.shape
    return KnownQCompensation(
        np.broadcast_to(nominal, shape),
        np.broadcast_to(cap, shape),
        np.broadcast_to(admissible, shape),
        bound,
    )
