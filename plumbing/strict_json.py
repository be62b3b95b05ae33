"""Strict JSON: standard JSON only, ``null`` with a reason where a number is not finite.

Python's ``json`` writes ``NaN`` and ``Infinity`` by default, which no other JSON reader
accepts. Here every document goes through :func:`json_ready` first: NumPy scalars and arrays
become Python numbers and lists, and a non-finite float becomes ``null``; inside an object,
the key ``"<name>_reason"`` next to it says what the number was (unless the producer already
gave a reason). :func:`dumps` then serialises with ``allow_nan=False``, so anything missed is
an error, never invalid output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["dumps", "json_ready", "non_finite_reason"]


def non_finite_reason(value: float) -> str:
    """What a non-finite float stands for, in words."""
    if math.isnan(value):
        return "not a number (undefined, e.g. no finite sample)"
    return f"{'+' if value > 0 else '-'}infinity (beyond the float64 range, or unbounded)"


def _number(value: Any) -> Any:
    """``value`` as a plain Python scalar if it is a (NumPy) number, else unchanged."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return item()
    return value


def json_ready(value: Any) -> Any:
    """A copy of ``value`` holding only what standard JSON can represent.

    Mappings (keys as strings), lists, tuples and NumPy arrays are converted recursively;
    NumPy scalars become Python scalars; non-finite floats become ``None``, with a
    ``"<key>_reason"`` entry beside them in a mapping. Other objects are left alone (the final
    :func:`json.dumps` rejects them).
    """
    value = _number(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            plain = _number(item)
            name = str(key)
            out[name] = json_ready(plain)
            if isinstance(plain, float) and not math.isfinite(plain):
                out.setdefault(f"{name}_reason", non_finite_reason(plain))
        for key, item in value.items():
            # a producer's own reason wins over the generic one
            if str(key).endswith("_reason"):
                out[str(key)] = json_ready(item)
        return out
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return json_ready(tolist())
    return value


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """``value`` as strict JSON text (see :func:`json_ready`; ``allow_nan=False``)."""
    return json.dumps(json_ready(value), indent=indent, allow_nan=False)
