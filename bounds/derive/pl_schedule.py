r"""T4 derived: admissible ``(beta, gamma)`` for ``mu_k = beta/(gamma + k)`` and the best ``beta``.

T4 needs ``beta > 1/(c q_min)`` and ``beta/(gamma + 1) <= 1/(L M_G)``, i.e.
``gamma >= beta L M_G − 1`` (and ``gamma > 0``). Its constant ``nu`` is the larger of the noise
branch ``nu_1(beta) = beta² L S/(2(beta c q_min − 1))`` and ``(gamma + 1) F1_gap``. The
minimiser of ``nu_1`` is derived with SymPy (:func:`symbolic`: the root of ``nu_1' = 0`` above
``1/(c q_min)``, with ``nu_1'' > 0`` there): ``beta* = 2/(c q_min)`` and
``nu_1(beta*) = 2 L S/(c² q_min²)``, twice the full-precision ``beta`` and ``1/q_min²`` times the
full-precision noise constant. A full-precision ``beta = 2/c`` stays admissible only while
``q_min > 1/2``.
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
from bounds.theorems import t4_pl_diminishing as t4

__all__ = ["PLSchedule", "SymbolicPLSchedule", "best_pl_schedule", "symbolic"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SymbolicPLSchedule:
    """The derivation as SymPy expressions.

    Attributes
    ----------
    beta_star : sympy.Expr
        Minimiser of the noise branch ``nu_1`` over ``beta > 1/(c q_min)``.
    second_derivative : sympy.Expr
        ``nu_1''(beta*)`` (positive: a minimum).
    nu_star : sympy.Expr
        ``nu_1(beta*)``.
    gamma_min : sympy.Expr
        The least ``gamma`` with ``beta/(gamma + 1) <= 1/(L M_G)``, as a function of ``beta``.
    """

    beta_star: sp.Expr
    second_derivative: sp.Expr
    nu_star: sp.Expr
    gamma_min: sp.Expr


@functools.lru_cache(maxsize=1)
def symbolic() -> SymbolicPLSchedule:
    """Derive ``beta*``, ``nu_1(beta*)`` and the least admissible ``gamma`` (cached)."""
    nu_1 = t4.NU_NOISE
    roots = sp.solve(sp.Eq(sp.diff(nu_1, sy.beta), 0), sy.beta)
    floor = 1 / (sy.c * sy.q_min)
    # beta = 0 is the other root; only roots above the slope condition are admissible.
    (beta_star,) = [r for r in roots if sp.simplify(r - floor).is_positive]
    second = sp.simplify(sp.diff(nu_1, sy.beta, 2).subs(sy.beta, beta_star))
    (gamma_min,) = sp.solve(sp.Eq(sy.beta / (sy.gamma + 1), 1 / (sy.L * sy.M_G)), sy.gamma)
    return SymbolicPLSchedule(
        sp.simplify(beta_star), second, sp.simplify(nu_1.subs(sy.beta, beta_star)), gamma_min
    )


@dataclass(frozen=True)
class PLSchedule:
    """The recommended T4 schedule (arrays broadcast over the inputs).

    Attributes
    ----------
    beta : ndarray
        ``beta* = 2/(c q_min)``.
    gamma : ndarray
        The least admissible ``gamma``: ``max(beta L M_G − 1, 0)``, nudged above 0 when the
        formula gives 0 (T4 needs ``gamma > 0``).
    nu : ndarray
        T4's ``nu`` for this ``(beta, gamma)``.
    slope_floor : ndarray
        ``1/(c q_min)``: any admissible ``beta`` must exceed it.
    full_precision_beta_admissible : ndarray of bool
        Whether the full-precision optimum ``2/c`` satisfies the low-precision slope condition.
    """

    beta: FloatArray
    gamma: FloatArray
    nu: FloatArray
    slope_floor: FloatArray
    full_precision_beta_admissible: NDArray[np.bool_]


def best_pl_schedule(**constants: Any) -> PLSchedule:
    """``(beta*, gamma_min)`` for T4, and the resulting ``nu``.

    Parameters
    ----------
    **constants : array_like
        ``c, q_min, L, M, M_G`` (or ``M_V``), ``sigma_q2``, ``F1_gap``; arrays broadcast.

    Returns
    -------
    PLSchedule
    """
    values = checked(("c", "q_min", "L", "M", "M_G", "sigma_q2", "F1_gap"), constants)
    if np.any(values["c"] > values["L"]):
        raise ValueError("c must satisfy c <= L (A5: c <= L)")
    derived = symbolic()
    q = values["q_min"]
    beta = numeric(derived.beta_star, values)
    gamma = np.maximum(numeric(derived.gamma_min, {**values, "beta": beta}), 0.0)
    # gamma must be strictly positive; the smallest positive float keeps the cap satisfied.
    gamma = np.where(gamma > 0, gamma, np.finfo(np.float64).tiny)
    nu = numeric(t4.NU, {**values, "beta": beta, "gamma": gamma})
    slope_floor = numeric(1 / (sy.c * sy.q_min), values)
    return PLSchedule(
        np.broadcast_to(beta, nu.shape),
        np.broadcast_to(gamma, nu.shape),
        nu,
        np.broadcast_to(slope_floor, nu.shape),
        # 2/c > 1/(c q_min) exactly when q_min > 1/2 (c > 0): compared without dividing, so
        # that c q_min underflowing to 0 cannot turn the answer
        np.asarray(np.broadcast_to(q > 0.5, nu.shape)),
    )
