"""Evaluate derived SymPy expressions on NumPy arrays (lambdified once, cached)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from bounds import symbols as sy

__all__ = ["checked", "numeric"]


@functools.lru_cache(maxsize=128)
def _lambdified(expr: sp.Expr, args: tuple[sp.Symbol, ...]) -> Any:
    return sp.lambdify(args, expr, modules="numpy")


def numeric(expr: sp.Expr, values: Mapping[str, Any]) -> NDArray[np.float64]:
    """``expr`` at ``values`` (symbol name -> array); division by zero gives inf, silently."""
    args = tuple(sorted(expr.free_symbols, key=str))
    with np.errstate(divide="ignore", invalid="ignore"):
        result = _lambdified(expr, args)(*(values[a.name] for a in args))
    return np.asarray(result, dtype=np.float64)


def checked(names: tuple[str, ...], constants: Mapping[str, Any]) -> dict[str, NDArray[np.float64]]:
    """Complete, validate (ValueError naming the constant and rule) and require ``names``."""
    values = sy.validate(sy.complete(constants))
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"missing constants: {', '.join(missing)}")
    return values
