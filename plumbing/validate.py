"""Argument checks for the public APIs of ``bounds`` and ``simulate``: one message style.

Each check returns the value as the type the caller computes with and raises ValueError
naming the parameter and the rule it broke (``"replicas must be an integer >= 1, got 0"``),
the contract of every public function. NumPy integers and floats count as numbers; booleans
and strings do not (``True`` is an ``int`` to Python, never a count to a user, and ``"0.1"``
is refused, never parsed). The domains of the model's constants live with their symbols
(:func:`bounds.symbols.validate`); these are for everything else (counts, seeds, levels,
schedule parameters, grid sizes).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["MAX_LOSS_SCALE", "integer", "level", "loss_scale", "real", "seed"]

#: Largest static loss scale: it multiplies gradients that are float32 or wider in training,
#: and beyond float32's maximum it overflows every one of them.
MAX_LOSS_SCALE = float(np.finfo(np.float32).max)


def integer(
    name: str, value: object, *, minimum: int | None = 1, maximum: int | None = None
) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) in ``[minimum, maximum]``."""
    if minimum is None:
        span = "" if maximum is None else f" <= {maximum}"
    else:
        span = f" >= {minimum}" if maximum is None else f" in [{minimum}, {maximum}]"
    message = f"{name} must be an integer{span}, got {value!r}"
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral | np.integer):
        raise ValueError(message)
    number = int(value)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValueError(message)
    return number


def real(
    name: str,
    value: object,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    include_low: bool = False,
) -> float:
    """``value`` as a finite ``float`` in ``(low, high]`` (``[low, high]`` with ``include_low``)."""
    plain = isinstance(value, numbers.Real | np.floating | np.integer)
    number = float(value) if plain and not isinstance(value, bool | np.bool_) else math.nan  # type: ignore[arg-type]
    above = number >= low if include_low else number > low
    if not (math.isfinite(number) and above and number <= high):
        if low == -math.inf and high == math.inf:
            rule = ""
        elif high == math.inf:
            rule = f" with {name} {'>=' if include_low else '>'} {low:g}"
        elif low == -math.inf:
            rule = f" with {name} <= {high:g}"
        else:
            rule = f" with {low:g} {'<=' if include_low else '<'} {name} <= {high:g}"
        raise ValueError(f"{name} must be a finite real number{rule}, got {value!r}")
    return number


def level(value: object) -> float:
    """A confidence level: a real number strictly between 0 and 1."""
    number = real("level", value, low=0.0, high=1.0)
    if number == 1.0:
        raise ValueError(f"level must be a finite real number with 0 < level < 1, got {value!r}")
    return number


def seed(value: object) -> int:
    """A seed for :func:`numpy.random.default_rng`: an integer ``>= 0``."""
    return integer("seed", value, minimum=0)


def loss_scale(value: object, name: str = "loss_scale") -> float:
    """A static loss scale: a finite real number in ``(0, MAX_LOSS_SCALE]``."""
    return real(name, value, low=0.0, high=MAX_LOSS_SCALE)
