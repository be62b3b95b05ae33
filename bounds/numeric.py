"""Evaluate SymPy expressions on NumPy arrays, right at extreme inputs too.

The fast path is the expression lambdified for NumPy (cached), run with overflow and invalid
operations trapped. A bound such as T1's ``2 Delta/(K mu q_min) + ...`` at ``Delta = 1e308``
overflows in its intermediate ``2 Delta`` although its value (``4e306`` at ``K mu q_min =
50``) is an ordinary float; so wherever the fast path traps, the element is evaluated again
in arbitrary precision (the expression lambdified for mpmath, whose exponent range is
unbounded, at :data:`DIGITS` digits) and rounded to float64 once. The result is then the
float64 nearest the true value: ``inf`` only when the true value itself exceeds float64's
range, NaN only when the expression is undefined there. Division by zero is not trapped:
``1/S`` at ``S = 0`` is the documented ``inf`` of several derived quantities.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import mpmath
import numpy as np
import sympy as sp
from numpy.typing import NDArray

__all__ = ["evaluate", "exact_value"]

FloatArray = NDArray[np.float64]

#: Decimal digits of the slow path: far beyond float64's 17, so rounding once is faithful.
DIGITS = 40

_TRAPPED = (FloatingPointError, OverflowError, ZeroDivisionError)


def _arguments(expr: sp.Basic) -> tuple[sp.Symbol, ...]:
    return tuple(sorted((s for s in expr.free_symbols if isinstance(s, sp.Symbol)), key=str))


@functools.lru_cache(maxsize=512)
def _lambdified(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    return sp.lambdify(args, expr, modules="numpy")


def _trapped() -> Any:
    return np.errstate(over="raise", invalid="raise", divide="ignore", under="ignore")


@functools.lru_cache(maxsize=512)
def _lambdified_mpmath(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    return sp.lambdify(args, expr, modules="mpmath")


def exact_value(expr: sp.Basic, point: Mapping[sp.Symbol, float]) -> float:
    """``expr`` at ``point`` in :data:`DIGITS`-digit arithmetic, rounded once to float64.

    Returns ``±inf`` when the value is beyond float64's range and NaN when it is undefined
    (complex, a division by zero, ``nan``).
    """
    args = tuple(point)
    with mpmath.workdps(DIGITS):
        try:
            value = _lambdified_mpmath(expr, args)(*(mpmath.mpf(float(v)) for v in point.values()))
        except (ZeroDivisionError, ValueError, TypeError):
            return float("nan")
        if not isinstance(value, mpmath.mpf):
            return float("nan")  # complex (mpc) or not a number at all
        return float(value)


def evaluate(expr: sp.Basic, values: Mapping[sp.Symbol, Any]) -> FloatArray:
    """``expr`` at ``values`` (symbol -> number or array; arrays broadcast), as float64.

    Parameters
    ----------
    expr : sympy.Expr
        An expression in symbols that all appear in ``values``.
    values : mapping of sympy.Symbol to array_like
        The numbers.

    Returns
    -------
    ndarray of float64
        Shape of the broadcast inputs; each element the float64 nearest the true value (see
        the module docstring).
    """
    args = _arguments(expr)
    arrays = [np.asarray(values[a], dtype=np.float64) for a in args]
    function = _lambdified(expr, args)
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    with _trapped():
        try:
            fast = np.asarray(function(*arrays), dtype=np.float64)
            return np.array(np.broadcast_to(fast, shape)) if fast.shape != shape else fast
        except _TRAPPED:
            pass
    # Element by element: the fast path where it does not trap, arbitrary precision where it does.
    columns = [np.broadcast_to(a, shape) for a in arrays]
    out = np.empty(shape, dtype=np.float64)
    for index in np.ndindex(*shape):
        point = [column[index] for column in columns]
        with _trapped():
            try:
                out[index] = function(*point)
                continue
            except _TRAPPED:
                pass
        out[index] = exact_value(expr, dict(zip(args, point, strict=True)))
    return out
