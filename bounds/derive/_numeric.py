"""Evaluate derived SymPy expressions on NumPy arrays (:func:`bounds.numeric.evaluate`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from bounds import symbols as sy
from bounds.numeric import evaluate

__all__ = ["checked", "numeric"]


def numeric(expr: sp.Expr, values: Mapping[str, Any]) -> NDArray[np.float64]:
    """``expr`` at ``values`` (symbol name -> array), the float64 nearest the true value.

    Division by zero gives inf; a value beyond float64's range is ``±inf``, an undefined one NaN.
    """
    return evaluate(
        expr, {s: values[s.name] for s in expr.free_symbols if isinstance(s, sp.Symbol)}
    )


def checked(names: tuple[str, ...], constants: Mapping[str, Any]) -> dict[str, NDArray[np.float64]]:
    """Complete, validate (ValueError naming the constant and rule) and require ``names``."""
    values = sy.validate(sy.complete(constants))
    missing = [n for n in names if n not in values]
    if missing:
        raise ValueError(f"missing constants: {', '.join(missing)}")
    return values
