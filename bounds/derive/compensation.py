r"""C3 derived from T1: what scaling the nominal stepsize by ``1/q_min`` does.

Substituting the nominal stepsize ``mu/q_min`` (``mu``: the step one wants taken) into T1
(:func:`symbolic`): the condition ``mu/q_min <= 1/(L M_G)`` solves to ``mu <= q_min/(L M_G)``;
the transient term becomes ``2 Delta/(K mu)`` (the full-precision one); the floor, computed as
the limit ``K -> oo``, becomes ``L mu S/q_min²``. Against running the same nominal ``mu``
uncompensated, the floor grows by ``1/q_min`` and the transient shrinks by ``q_min``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from bounds import symbols as sy
from bounds.numeric import evaluate
from bounds.theorems import t1_nonconvex_fixed as t1

__all__ = ["Compensation", "compensated_stepsize", "symbolic"]


@dataclass(frozen=True)
class Compensation:
    """C3's consequences, derived.

    Attributes
    ----------
    nominal : sympy.Expr
        ``mu/q_min``.
    bound : sympy.Expr
        T1's bound at the nominal stepsize.
    cap : sympy.Expr
        The largest admissible target ``mu`` (solved from T1's stepsize condition).
    floor, uncompensated_floor : sympy.Expr
        ``lim_{K->oo}`` of the compensated and of T1's bound (same ``mu``).
    floor_ratio, transient_ratio, cap_ratio : sympy.Expr
        Compensated over uncompensated: ``1/q_min``, ``q_min``, ``q_min``.
    """

    nominal: sp.Expr
    bound: sp.Expr
    cap: sp.Expr
    floor: sp.Expr
    uncompensated_floor: sp.Expr
    floor_ratio: sp.Expr
    transient_ratio: sp.Expr
    cap_ratio: sp.Expr


@functools.lru_cache(maxsize=1)
def symbolic() -> Compensation:
    """Derive C3 from T1 (cached)."""
    nominal = sy.mu / sy.q_min
    base = t1.STATEMENT.bound
    bound = sp.simplify(base.subs(sy.mu, nominal))
    condition = t1.STATEMENT.hypothesis("stepsize condition").relation
    solved = sp.solve_univariate_inequality(
        sp.LessThan(condition.lhs.subs(sy.mu, nominal), condition.rhs), sy.mu, relational=False
    )
    cap = solved.sup
    floor = sp.limit(bound, sy.K, sp.oo)
    floor_base = sp.limit(base, sy.K, sp.oo)
    transient = sp.simplify(bound - floor)
    transient_base = sp.simplify(base - floor_base)
    return Compensation(
        nominal,
        bound,
        sp.simplify(cap),
        sp.simplify(floor),
        sp.simplify(floor_base),
        sp.simplify(floor / floor_base),
        sp.simplify(transient / transient_base),
        sp.simplify(cap / t1.STEPSIZE_CAP),
    )


def compensated_stepsize(mu: Any, q_min: Any, L: Any, M_G: Any) -> NDArray[np.float64]:
    """The nominal stepsize ``mu/q_min`` that makes the effective step at least ``mu``.

    Parameters
    ----------
    mu : array_like
        Target (effective) stepsize, ``> 0``.
    q_min : array_like
        Shrinkage bound, ``0 < q_min <= 1``.
    L, M_G : array_like
        Smoothness and second-moment constants.

    Returns
    -------
    ndarray
        ``mu/q_min``.

    Raises
    ------
    ValueError
        If ``mu > q_min/(L M_G)`` ("compensated stepsize condition": the nominal stepsize would
        break T1's ``mu <= 1/(L M_G)``).
    """
    v = sy.validate({"mu": mu, "q_min": q_min, "L": L, "M_G": M_G})
    values = {sy.SYMBOLS[name]: array for name, array in v.items()}
    nominal = evaluate(sy.mu / sy.q_min, values)
    # the condition as mu L M_G / q_min <= 1, evaluated without float64 overflow
    if np.any(evaluate(sy.mu * sy.L * sy.M_G / sy.q_min, values) > 1.0 + 8 * np.finfo(float).eps):
        raise ValueError(
            "mu must satisfy mu <= q_min/(L*M_G) (compensated stepsize condition: the nominal "
            "stepsize mu/q_min must meet T1's mu <= 1/(L*M_G))"
        )
    return nominal
