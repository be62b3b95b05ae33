"""Bit patterns of a :class:`~simulate.formats.Format`: :func:`encode` and :func:`decode`.

A pattern is laid out as in IEEE 754 and ml_dtypes: sign bit (if the format has one) on
top, then ``exponent_bits`` of biased exponent, then ``mantissa_bits`` of fraction, in the
low ``fmt.bits`` bits of an unsigned integer of ``fmt.code_dtype`` (FP6 and FP4 patterns sit
in the low bits of a uint8, as ml_dtypes stores them). Both directions are vectorized
integer and power-of-two arithmetic on float64, so they are exact for every format that
:class:`Format` accepts.

``encode`` only accepts values of the format: round with :func:`simulate.quantize` first.
Rounding inside ``encode`` would hide a second, silent rounding step in a function whose
job is a bijection, and a value that is not representable is almost always a bug upstream.

NaN: every NaN encodes to the format's canonical NaN with the input's sign bit, the one
NumPy's float16 and ml_dtypes produce: exponent all ones with only the top fraction bit set
("ieee", a quiet NaN), every exponent and fraction bit set ("fn"), or 0xFF (E8M0). Hence
``encode(decode(c)) == c`` for every pattern except the non-canonical NaN payloads of IEEE
formats, which decode to NaN and encode back to the canonical NaN of the same sign.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from simulate.formats import Format, resolve

_FLOAT_TYPES = (np.float16, np.float32, np.float64)


def _fields(fmt: Format) -> tuple[int, int, int]:
    """Masks ``(sign, exponent field at its place, fraction field)`` of ``fmt``'s patterns."""
    fraction_mask = (1 << fmt.mantissa_bits) - 1
    exponent_mask = ((1 << fmt.exponent_bits) - 1) << fmt.mantissa_bits
    sign_mask = (1 << (fmt.bits - 1)) if fmt.signed else 0
    return sign_mask, exponent_mask, fraction_mask


def canonical_nan(fmt: Format | str, negative: bool = False) -> int:
    """The pattern :func:`encode` gives a NaN (see the module docstring).

    Raises
    ------
    ValueError
        If ``fmt`` has no NaN (FP6, FP4).
    """
    fmt = resolve(fmt)
    if not fmt.has_nan:
        raise ValueError(f"fmt: {fmt.name} has no NaN encoding (nan_inf='none')")
    sign_mask, exponent_mask, fraction_mask = _fields(fmt)
    if fmt.nan_inf == "ieee":
        pattern = exponent_mask | (1 << (fmt.mantissa_bits - 1))
    else:
        pattern = exponent_mask | fraction_mask
    return pattern | (sign_mask if negative else 0)


def _check_dtype_holds(fmt: Format, dtype: DTypeLike) -> np.dtype:
    """Return ``dtype`` if every value of ``fmt`` is exactly one of its values."""
    try:
        out = np.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be float16, float32 or float64, got {dtype!r}") from None
    if out.type not in _FLOAT_TYPES:
        raise ValueError(f"dtype must be float16, float32 or float64, got {out}")
    info = np.finfo(out)
    smallest_exponent = int(np.log2(info.smallest_subnormal))
    if (
        fmt.mantissa_bits > info.nmant
        or fmt.emax > info.maxexp - 1
        or int(np.log2(fmt.min_subnormal)) < smallest_exponent
    ):
        raise ValueError(
            f"dtype {out} cannot hold every value of {fmt.name} exactly "
            f"(needs {fmt.mantissa_bits} fraction bits and exponents "
            f"{int(np.log2(fmt.min_subnormal))}..{fmt.emax})"
        )
    return out


def decode(
    codes: ArrayLike, fmt: Format | str, dtype: DTypeLike = np.float64
) -> NDArray[np.floating]:
    """Values of the bit patterns ``codes`` in ``fmt``.

    Parameters
    ----------
    codes : array_like of int, any shape
        Patterns in ``[0, 2**fmt.bits)``, e.g. ``x.view(np.uint8)`` of an ml_dtypes array.
    fmt : Format or str
        The format, or a preset name.
    dtype : {float64, float32, float16}
        Output type; it must hold every value of ``fmt`` exactly (float16 holds FP8, FP6
        and FP4; float32 holds bf16 and tf32 too).

    Returns
    -------
    ndarray of dtype, shape of ``codes``
        The values; NaN patterns give NaN with the pattern's sign bit.

    Raises
    ------
    ValueError
        If ``codes`` is not an integer array or holds a value outside ``[0, 2**fmt.bits)``,
        or ``dtype`` cannot hold ``fmt``.
    """
    fmt = resolve(fmt)
    out_dtype = _check_dtype_holds(fmt, dtype)
    array = np.asarray(codes)
    if array.dtype.kind not in "iu":
        raise ValueError(f"codes must be an integer array, got dtype {array.dtype}")
    if array.size and (array.min() < 0 or array.max() >= (1 << fmt.bits)):
        raise ValueError(f"codes must lie in [0, 2**{fmt.bits}) for {fmt.name}")
    pattern = array.astype(np.uint64).reshape(-1)  # 1-d so that 0-d input can be indexed
    sign_mask, exponent_mask, fraction_mask = _fields(fmt)
    negative = (pattern & np.uint64(sign_mask)) != 0
    biased = ((pattern & np.uint64(exponent_mask)) >> np.uint64(fmt.mantissa_bits)).astype(np.int64)
    fraction = pattern & np.uint64(fraction_mask)
    subnormal = (biased == 0) & fmt.has_zero
    # Normal: (2**m + f) * 2**(E - bias - m); biased exponent 0 (zero, subnormals): the
    # hidden bit is 0 and the exponent is emin's. Both integers are exact in float64 (m <= 51).
    significand = (fraction | (np.uint64(1 << fmt.mantissa_bits) * ~subnormal)).astype(np.float64)
    exponent = np.where(subnormal, fmt.emin, biased - fmt.bias) - fmt.mantissa_bits
    top = (1 << fmt.exponent_bits) - 1
    special = (biased == top) & (fmt.nan_inf == "ieee")
    # IEEE's reserved binade may lie beyond float64's range: scale it harmlessly, set below.
    value = np.ldexp(significand, np.where(special, 0, exponent))
    if fmt.nan_inf == "ieee":
        value[special & (fraction == 0)] = np.inf
        value[special & (fraction != 0)] = np.nan
    elif fmt.nan_inf == "fn":
        value[(biased == top) & (fraction == fraction_mask)] = np.nan
    value = np.where(negative, -value, value)
    return value.astype(out_dtype).reshape(array.shape)


def encode(x: ArrayLike, fmt: Format | str) -> NDArray[np.unsignedinteger]:
    """Bit patterns of the values ``x``, which must be values of ``fmt``.

    Parameters
    ----------
    x : array_like of float16, float32 or float64, any shape
        Values of ``fmt`` (round them with :func:`simulate.quantize` first); NaN only if
        ``fmt`` has NaN, infinities only if it has infinities.
    fmt : Format or str
        The format, or a preset name.

    Returns
    -------
    ndarray of fmt.code_dtype, shape of ``x``
        Patterns in the low ``fmt.bits`` bits; NaN gives :func:`canonical_nan`.

    Raises
    ------
    ValueError
        If ``x`` is not a float array or an element is not a value of ``fmt`` (the message
        gives the first such element).
    """
    fmt = resolve(fmt)
    array = np.asarray(x)
    if array.dtype.type not in _FLOAT_TYPES:
        raise ValueError(f"x must be float16, float32 or float64, got dtype {array.dtype}")
    values = array.astype(np.float64).reshape(-1)  # 1-d so that 0-d input can be indexed
    sign_mask, exponent_mask, fraction_mask = _fields(fmt)
    negative = np.signbit(values)
    magnitude = np.abs(values)
    finite = np.isfinite(magnitude)
    # Non-finite and out-of-range magnitudes get a placeholder; the decode check below
    # rejects them unless they are a special value of the format.
    safe = np.where(finite & (magnitude <= fmt.max_finite), magnitude, fmt.min_normal)
    mantissa_fraction, exponent_plus_one = np.frexp(safe)  # safe = mf * 2**e1, mf in [0.5, 1)
    exponent = exponent_plus_one.astype(np.int64) - 1
    normal = (exponent >= fmt.emin) & (safe != 0)
    # Both are integers when safe is a value of fmt; otherwise the check below rejects it.
    fraction_value = np.where(
        normal,
        np.ldexp(2.0 * mantissa_fraction - 1.0, fmt.mantissa_bits),
        np.ldexp(np.where(normal, 0.0, safe), fmt.mantissa_bits - fmt.emin),  # no overflow
    )
    fraction = np.clip(np.floor(fraction_value), 0, fraction_mask).astype(np.uint64)
    biased = np.where(normal, np.clip(exponent + fmt.bias, 0, None), 0).astype(np.uint64)
    biased = np.minimum(biased, np.uint64(exponent_mask >> fmt.mantissa_bits))
    pattern = (biased << np.uint64(fmt.mantissa_bits)) | fraction
    pattern |= np.uint64(sign_mask) * negative
    if fmt.has_inf:
        pattern[np.isinf(magnitude)] = exponent_mask | (sign_mask * negative[np.isinf(magnitude)])
    nan = np.isnan(magnitude)
    if fmt.has_nan and nan.any():
        canonical = canonical_nan(fmt) & ~sign_mask
        pattern[nan] = np.uint64(canonical) | (np.uint64(sign_mask) * negative[nan])
    pattern &= np.uint64((1 << fmt.bits) - 1)
    # The defining property, checked rather than argued: the pattern decodes to x exactly
    # (same sign for zeros, NaN for NaN). This catches every non-representable input.
    decoded = decode(pattern, fmt)
    matches = (decoded == values) & (np.signbit(decoded) == negative)
    if fmt.has_nan:
        matches |= nan
    bad = ~matches
    if bad.any():
        first = values[bad].flat[0]
        raise ValueError(
            f"x holds values that are not values of {fmt.name} (first: {first!r}); "
            "round them with simulate.quantize first"
        )
    return pattern.astype(fmt.code_dtype).reshape(array.shape)
