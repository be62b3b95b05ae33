"""Hypothesis strategies for floating-point formats and the inputs that stress rounding.

Built by construction, never by filtering: :func:`custom_formats` draws only fields that
:class:`~simulate.formats.Format` accepts, and :func:`rounding_inputs` aims at the places
where rounding goes wrong (ties, one ulp off a tie, the subnormal range, the overflow
boundary, signed zeros, infinities and NaN), mixed with arbitrary floats.
"""

from __future__ import annotations

import math
from typing import Literal, cast

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from numpy.typing import NDArray

from simulate import formats
from simulate.bits import decode
from simulate.formats import Format, NanInf, Overflow

_INPUT_TYPES = (np.float16, np.float32, np.float64)


def preset_formats(*, max_bits: int | None = None) -> st.SearchStrategy[Format]:
    """Preset formats of docs/spec.md section 5, optionally only those of at most ``max_bits``."""
    if max_bits is not None and max_bits < 4:
        raise InvalidArgument(f"max_bits={max_bits} leaves no preset (the narrowest has 4)")
    chosen = [formats.get(n) for n in formats.names()]
    return st.sampled_from([f for f in chosen if max_bits is None or f.bits <= max_bits])


def custom_formats(
    *, max_exponent_bits: int = 8, max_mantissa_bits: int = 23
) -> st.SearchStrategy[Format]:
    """Valid random formats: every NaN/inf convention, flushed or not, biases off-centre.

    The bias is drawn around the IEEE choice ``2**(w-1) - 1`` (up to 3 either way) so that
    the exponent range always has a normal binade and stays inside float64's.
    """
    if not 2 <= max_exponent_bits <= 11:
        raise InvalidArgument(f"max_exponent_bits={max_exponent_bits} must be in [2, 11]")
    if not 1 <= max_mantissa_bits <= formats.MAX_MANTISSA_BITS:
        raise InvalidArgument(f"max_mantissa_bits={max_mantissa_bits} must be in [1, 51]")

    @st.composite
    def build(draw: st.DrawFn) -> Format:
        exponent_bits = draw(st.integers(2, max_exponent_bits))
        mantissa_bits = draw(st.integers(1, max_mantissa_bits))
        nan_inf = cast(NanInf, draw(st.sampled_from(["ieee", "fn", "none"])))
        top_finite = (1 << exponent_bits) - 1 - (nan_inf == "ieee")
        ieee_bias = (1 << (exponent_bits - 1)) - 1
        # emax = top_finite - bias <= 1023, emin = 1 - bias >= -1022, emin - m >= -1074.
        low = max(ieee_bias - 3, top_finite - 1023)
        high = min(ieee_bias + 3, 1023, 1075 - mantissa_bits)
        if low > high:  # 11 exponent bits without infinities overflow float64's range
            nan_inf, low, high = "ieee", 1023, 1023
        bias = draw(st.integers(low, high))
        overflow = {
            "ieee": st.sampled_from(["inf", "saturate", "nan"]),
            "fn": st.sampled_from(["saturate", "nan"]),
            "none": st.just("saturate"),
        }[nan_inf]
        return Format(
            name=f"e{exponent_bits}m{mantissa_bits}b{bias}",
            exponent_bits=exponent_bits,
            mantissa_bits=mantissa_bits,
            bias=bias,
            subnormals=draw(st.booleans()),
            nan_inf=nan_inf,
            overflow=cast(Overflow, draw(overflow)),
        )

    return build()


def format_codes(fmt: Format, *, size: int) -> st.SearchStrategy[NDArray[np.unsignedinteger]]:
    """Arrays of ``size`` arbitrary bit patterns of ``fmt``."""
    if size < 1:
        raise InvalidArgument(f"size={size} must be positive")
    top = (1 << fmt.bits) - 1
    return st.lists(st.integers(0, top), min_size=size, max_size=size).map(
        lambda codes: np.array(codes, dtype=np.uint64).astype(fmt.code_dtype)
    )


def _neighbours(value: float, dtype: type) -> list[float]:
    """``value`` and the floats of ``dtype`` one ulp either side of it (finite ones only)."""
    with np.errstate(over="ignore"):  # near dtype's own overflow threshold
        typed = dtype(value)
        candidates = [
            typed,
            np.nextafter(typed, dtype(np.inf)),
            np.nextafter(typed, dtype(-np.inf)),
        ]
    return [float(c) for c in candidates if np.isfinite(c)]


def _to_dtype(value: float, dtype: type) -> float:
    with np.errstate(over="ignore"):  # huge values become infinities of a narrow dtype
        return float(dtype(value))


def rounding_inputs(fmt: Format, dtype: type = np.float64) -> st.SearchStrategy[float]:
    """Scalars of ``dtype`` aimed at ``fmt``'s rounding edge cases.

    Draws a value of ``fmt`` ``v`` and its successor ``w`` and returns one of: ``v``, the
    midpoint (a tie), a float one ulp (of ``dtype``) off the midpoint, a random point
    between them; or the same around the overflow threshold and ``min_subnormal / 2``; or
    a signed zero, infinity, NaN; or any finite float of ``dtype``. Each is given a random
    sign (formats without a sign get negative inputs too: they must be handled).
    """
    if dtype not in _INPUT_TYPES:
        raise InvalidArgument(f"dtype={dtype!r} must be float16, float32 or float64")
    width = cast(Literal[16, 32, 64], 8 * np.dtype(dtype).itemsize)
    finite_codes = decode(np.arange(min(1 << fmt.bits, 1 << 16), dtype=np.uint64), fmt)
    positive = np.unique(finite_codes[np.isfinite(finite_codes) & (finite_codes >= 0)])

    @st.composite
    def around_value(draw: st.DrawFn) -> float:
        if fmt.bits <= 16:
            index = draw(st.integers(0, len(positive) - 1))
            low = float(positive[index])
        else:
            exponent = draw(st.integers(fmt.emin - fmt.mantissa_bits, fmt.emax))
            low = math.ldexp(
                draw(st.integers(1, 1 << fmt.mantissa_bits)), exponent - fmt.mantissa_bits
            )
            low = min(low, fmt.max_finite)
        quantum = math.ldexp(1.0, max(math.frexp(low)[1] - 1, fmt.emin) - fmt.mantissa_bits)
        if low == 0:
            quantum = fmt.min_subnormal
        high = low + quantum  # may exceed max_finite: the overflow boundary
        middle = (low + high) / 2
        fraction = draw(st.floats(0, 1))
        choices = [low, middle, low + fraction * quantum, *_neighbours(middle, dtype)]
        choices += _neighbours(fmt.max_finite + quantum / 2, dtype)
        choices += _neighbours(fmt.min_subnormal / 2, dtype)
        return draw(st.sampled_from(choices))

    special = st.sampled_from([0.0, math.inf, math.nan])
    anything = st.floats(width=width, allow_nan=False, allow_infinity=False)
    magnitude = st.one_of(around_value(), around_value(), special, anything)
    signed = st.tuples(magnitude, st.booleans()).map(lambda pair: -pair[0] if pair[1] else pair[0])
    # Round-trip through dtype: exact for values already of dtype; others round once here,
    # which only moves the input, never the check.
    return signed.map(lambda value: _to_dtype(value, dtype))
