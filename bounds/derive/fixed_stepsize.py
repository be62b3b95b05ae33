r"""C2 derived from T1: the best fixed stepsize for a budget ``K``, its bound, ``K(eps)``, slowdown.

Everything symbolic is derived from T1's bound ``B(mu) = 2 Delta/(K mu q_min) + L mu S/q_min``
(never typed in): the stationary point of ``B`` in ``mu`` (:func:`symbolic`), checked to be a
minimum (``B'' > 0``), then the numbers are that formula evaluated on arrays. Two regimes:

* noise-dominated: ``mu* = sqrt(2 Delta/(K L S)) <= 1/(L M_G)``,
  bound ``2 sqrt(2 Delta L S/K)/q_min``;
* capped: ``mu* > 1/(L M_G)`` (few iterations or ``S = 0``): ``B`` decreases on the admissible
  interval, so ``mu = 1/(L M_G)``, bound ``2 Delta L M_G/(K q_min) + S/(M_G q_min)``.

The two meet at ``K_switch = 2 Delta L M_G²/S``. :func:`iterations_to_accuracy` inverts the
optimal bound (decreasing in ``K``) in whichever regime the answer lies.
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
from bounds.theorems import t1_nonconvex_fixed as t1

__all__ = [
    "IterationCount",
    "OptimalStepsize",
    "SymbolicOptimum",
    "iterations_to_accuracy",
    "optimal_fixed_stepsize",
    "slowdown",
    "symbolic",
]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SymbolicOptimum:
    """The derivation, as SymPy expressions.

    Attributes
    ----------
    mu_star : sympy.Expr
        The stationary point of T1's bound in ``mu``.
    second_derivative : sympy.Expr
        ``B''(mu*)``.
    is_minimum : bool
        SymPy's sign rules prove ``B''(mu*) > 0`` for ``Delta, S > 0``.
    bound_noise, bound_capped : sympy.Expr
        The bound at ``mu*`` and at the cap ``1/(L M_G)``.
    k_switch : sympy.Expr
        ``K`` where ``mu*`` meets the cap.
    k_eps_noise, k_eps_capped : sympy.Expr
        ``K`` solving ``bound = epsilon`` in each regime.
    """

    mu_star: sp.Expr
    second_derivative: sp.Expr
    bound_noise: sp.Expr
    bound_capped: sp.Expr
    k_switch: sp.Expr
    k_eps_noise: sp.Expr
    k_eps_capped: sp.Expr
    is_minimum: bool


@functools.lru_cache(maxsize=1)
def symbolic() -> SymbolicOptimum:
    """Derive the optimum of T1's bound over ``mu`` with SymPy (cached)."""
    # Solved with K real and Delta, S > 0 (the noise-dominated case: with S = 0 or Delta = 0
    # there is no interior stationary point), then written back in the package's symbols.
    K = sp.Symbol("K_real", positive=True)
    gap = sp.Symbol("Delta_pos", positive=True)
    noise = sp.Symbol("S_pos", positive=True)
    real_bound = t1.STATEMENT.bound.subs({sy.K: K, sy.Delta: gap}).subs(sy.S, noise)
    assert not real_bound.has(sy.M, sy.sigma_q2)
    stationary = sp.solve(sp.Eq(sp.diff(real_bound, sy.mu), 0), sy.mu)
    (mu_star,) = [root for root in stationary if root.is_positive]
    second = sp.simplify(sp.diff(real_bound, sy.mu, 2).subs(sy.mu, mu_star))
    cap = t1.STEPSIZE_CAP
    bound_noise = sp.simplify(real_bound.subs(sy.mu, mu_star))
    bound_capped = sp.simplify(real_bound.subs(sy.mu, cap))
    (k_switch,) = sp.solve(sp.Eq(mu_star, cap), K)
    (k_noise,) = sp.solve(sp.Eq(bound_noise, sy.epsilon), K)
    (k_capped,) = sp.solve(sp.Eq(bound_capped, sy.epsilon), K)
    back = {K: sy.K, gap: sy.Delta, noise: sy.S}
    return SymbolicOptimum(
        mu_star=sp.simplify(mu_star.subs(back)),
        second_derivative=sp.simplify(second.subs(back)),
        bound_noise=sp.simplify(bound_noise.subs(back)),
        bound_capped=sp.simplify(bound_capped.subs(back)),
        k_switch=sp.simplify(k_switch.subs(back)),
        k_eps_noise=sp.simplify(k_noise.subs(back)),
        k_eps_capped=sp.simplify(k_capped.subs(back)),
        is_minimum=bool(second.is_positive),
    )


@dataclass(frozen=True)
class OptimalStepsize:
    """The T1-optimal fixed stepsize for a budget ``K`` (arrays broadcast over the inputs).

    Attributes
    ----------
    mu : ndarray
        The stepsize to use, ``min(mu*, 1/(L M_G))``.
    mu_unconstrained : ndarray
        ``mu* = sqrt(2 Delta/(K L S))`` (``inf`` when ``S = 0``).
    cap : ndarray
        ``1/(L M_G)``.
    capped : ndarray of bool
        Whether the cap is active (the capped regime).
    bound : ndarray
        T1's bound at ``mu``, in the units of ``‖∇F‖²``.
    """

    mu: FloatArray
    mu_unconstrained: FloatArray
    cap: FloatArray
    capped: NDArray[np.bool_]
    bound: FloatArray

    @property
    def regime(self) -> str:
        """``"noise-dominated"``, ``"capped"`` or ``"mixed"`` (arrays spanning both)."""
        if np.all(self.capped):
            return "capped"
        return "noise-dominated" if not np.any(self.capped) else "mixed"


_NAMES = ("Delta", "L", "M", "M_G", "q_min", "sigma_q2")


def optimal_fixed_stepsize(**constants: Any) -> OptimalStepsize:
    """Minimise T1's bound over the fixed stepsize ``mu`` for a horizon ``K`` (C2).

    Parameters
    ----------
    **constants : array_like
        ``Delta > 0, L, M, M_G`` (or ``M_V``), ``q_min, sigma_q2`` and ``K``; arrays broadcast.

    Returns
    -------
    OptimalStepsize
    """
    values = checked((*_NAMES, "K"), constants)
    if np.any(values["Delta"] == 0):
        raise ValueError(
            "Delta must satisfy Delta > 0 here (with no initial gap the optimum is mu -> 0)"
        )
    derived = symbolic()
    mu_star = numeric(derived.mu_star, values)
    cap = numeric(t1.STEPSIZE_CAP, values)
    capped = np.asarray(mu_star > cap)
    mu = np.minimum(mu_star, cap)
    bound = numeric(t1.STATEMENT.bound, {**values, "mu": mu})
    return OptimalStepsize(mu, mu_star, np.broadcast_to(cap, mu.shape), capped, bound)


@dataclass(frozen=True)
class IterationCount:
    """``K(eps)``: iterations for the optimally tuned T1 bound to reach ``epsilon``.

    Attributes
    ----------
    K : ndarray
        The real solution of ``bound(K) = epsilon`` (``inf`` where ``epsilon`` is at or below
        the capped floor ``S/(M_G q_min)`` and the noise regime does not apply).
    iterations : ndarray
        The integer budget: ``max(ceil(K), 1)`` (float64 holding integers; ``inf`` where
        ``epsilon`` cannot be reached). Where ``K`` lies within a few ulps of an integer the
        ceiling is taken of the exact rational value at the given floats, so float rounding
        never adds or drops an iteration (``8·1·1·0.02/(0.5²·0.05²)`` is 256, not 257).
    capped : ndarray of bool
        Whether the answer lies in the capped regime.
    """

    K: FloatArray
    iterations: FloatArray
    capped: NDArray[np.bool_]


def iterations_to_accuracy(**constants: Any) -> IterationCount:
    """``K(eps)`` for T1 with the optimal fixed stepsize, both regimes (C2).

    Parameters
    ----------
    **constants : array_like
        ``epsilon`` (target for the average ``E‖∇F‖²``), ``Delta, L, M, M_G, q_min, sigma_q2``.

    Returns
    -------
    IterationCount
    """
    values = checked((*_NAMES, "epsilon"), constants)
    derived = symbolic()
    k_noise = numeric(derived.k_eps_noise, values)
    k_switch = numeric(derived.k_switch, values)
    k_capped = numeric(derived.k_eps_capped, values)
    # The optimal bound decreases in K; the noise formula is right once K >= K_switch.
    noise = np.asarray((k_noise >= k_switch) & np.isfinite(k_switch))
    k_capped = np.where(k_capped > 0, k_capped, np.inf)
    K = np.where(noise, k_noise, k_capped)
    return IterationCount(K, _iterations(K, noise, values, derived), np.asarray(~noise))


def _iterations(
    K: FloatArray, noise: NDArray[np.bool_], values: dict[str, FloatArray], derived: Any
) -> FloatArray:
    """``max(ceil(K), 1)``, exact where ``K`` is within float rounding of an integer."""
    iterations = np.array(np.maximum(np.ceil(K), 1.0), dtype=np.float64)
    finite = np.where(np.isfinite(K), K, 0.0)
    near = np.isfinite(K) & (K >= 1) & (np.abs(finite - np.round(finite)) <= 8 * np.spacing(finite))
    shape = K.shape
    for index in map(tuple, np.argwhere(near)):
        expr = derived.k_eps_noise if np.broadcast_to(noise, shape)[index] else derived.k_eps_capped
        point = {
            sy.SYMBOLS[name]: sp.Rational(float(np.broadcast_to(value, shape)[index]))
            for name, value in values.items()
            if name in sy.SYMBOLS
        }
        iterations[index] = float(max(sp.ceiling(expr.subs(point)), 1))
    return iterations


def slowdown(**constants: Any) -> FloatArray:
    """``K(eps)`` in low precision over ``K(eps)`` in full precision (``q_min = 1, sigma_q2 = 0``).

    Parameters
    ----------
    **constants : array_like
        As :func:`iterations_to_accuracy`.

    Returns
    -------
    ndarray
        The ratio of the real iteration counts (``S/(M q_min²)`` deep in the noise regime,
        ``1/q_min`` in the deterministic one).
    """
    low = iterations_to_accuracy(**constants).K
    full = iterations_to_accuracy(**{**constants, "q_min": 1.0, "sigma_q2": 0.0}).K
    return np.asarray(low / full)
