"""Argument checks for the public API of ``bounds``: one message style, one place.

Each check returns the value as the type the caller computes with and raises ValueError
naming the parameter and the rule it broke (``"points must be an integer >= 2, got 1.5"``).
Booleans are not numbers here (``True`` is an ``int`` to Python, never a count to a user);
strings are never converted (``"0.1"`` is refused, not parsed). The domains of the model's
constants live with their symbols (:func:`bounds.symbols.validate`); these are for the other
arguments (grid sizes, schedule parameters).
"""

from __future__ import annotations

import math
import numbers

__all__ = ["integer", "real"]


def integer(name: str, value: object, *, minimum: int = 1) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def real(
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    include_low: bool = False,
) -> float:
    """``value`` as a finite ``float`` in ``(low, high]`` (``[low, high]`` with ``include_low``)."""
    number = float(value) if isinstance(value, numbers.Real) else math.nan
    if isinstance(value, bool) or not _inside(number, low, high, include_low):
        raise ValueError(f"{name} must be {_rule(name, low, high, include_low)}, got {value!r}")
    return number


def _inside(number: float, low: float, high: float, include_low: bool) -> bool:
    above = number >= low if include_low else number > low
    return math.isfinite(number) and above and number <= high


def _rule(name: str, low: float, high: float, include_low: bool) -> str:
    """``"a finite real number with 0 < q_min <= 1"`` and the like."""
    if low == -math.inf and high == math.inf:
        return "a finite real number"
    if high == math.inf:
        return f"a finite real number with {name} {'>=' if include_low else '>'} {low:g}"
    if low == -math.inf:
        return f"a finite real number with {name} <= {high:g}"
    return f"a finite real number with {low:g} {'<=' if include_low else '<'} {name} <= {high:g}"
