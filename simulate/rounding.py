"""Bit-exact rounding of float16/float32/float64 arrays into any :class:`~simulate.formats.Format`.

The rounding works on the integer bit pattern of the float64 value (float16 and float32
inputs are widened first, which is exact), so every decision is taken on the input's exact
value: there is no double rounding through an intermediate type. For a finite ``x`` with
float64 significand ``s`` (hidden bit included) and exponent ``e0`` (``|x| = s * 2**e0``), the
target quantum is ``2**qe`` with ``qe = max(exponent(x), emin) - mantissa_bits`` (``qe = emin``
below the normal range of a format without subnormals, whose only candidates there are 0 and
``min_normal``). Then ``kept = s >> (qe - e0)`` is the magnitude truncated toward zero, in
quanta, and the discarded remainder decides whether to step one quantum away from zero.

Rounding modes (``rounding``):

``"rne"``  nearest, ties to even (ties to the even significand; in a format without mantissa
           bits every significand is 1 and ties go away from zero, as ml_dtypes' E8M0 cast)
``"rna"``  nearest, ties away from zero
``"rtz"``  toward zero
``"rup"``  toward +infinity
``"rdn"``  toward -infinity
``"sr"``   stochastic: away from zero with probability ``floor(f * 2**r) / 2**r`` for the
           discarded fraction ``f`` of a quantum and ``r = random_bits``; unbiased exactly when
           the discarded part has at most ``r`` bits (docs/spec.md section 5)

Overflow: a rounded magnitude above ``max_finite`` becomes infinity, NaN or ``max_finite``
by the format's ``overflow`` policy, except that a rounding directed toward zero (``rtz``;
``rdn`` for positive and ``rup`` for negative values) gives ``max_finite`` (IEEE 754-2019
section 7.4). Infinite inputs stay infinite where the format has infinities and otherwise
become NaN (policy "nan") or ``max_finite`` (policy "saturate"). NaN stays NaN, also in a
format that cannot encode it (FP6, FP4): the simulator needs to see a diverged value, and
:func:`simulate.bits.encode` rejects it. Zero keeps its sign. In a format without zero
(E8M0) zero and negative values become NaN, and positive values below the smallest
power of two become it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from plumbing import validate
from simulate.formats import Format, resolve

Rounding = Literal["rne", "rna", "rtz", "rup", "rdn", "sr"]
ROUNDING_MODES: tuple[str, ...] = get_args(Rounding)
DETERMINISTIC_MODES: tuple[str, ...] = ("rne", "rna", "rtz", "rup", "rdn")

#: Random bits per stochastic rounding unless told otherwise: at least the discarded bits
#: of a normal float32 input rounded into any preset narrower than fp32 (at most 22, for
#: fp4), so the rounding is exactly unbiased there.
DEFAULT_RANDOM_BITS = 24
MAX_RANDOM_BITS = 62
#: Elements per chunk on large arrays: float64 temporaries of 128 KiB stay in cache and
#: below glibc's mmap threshold (larger ones are fresh pages, faulted in on every call).
#: Even, so two 32-bit draws share a raw word alike in every chunk. Measured best of 2**12
#: to 2**16 on this project's 2-core machine.
CHUNK_SIZE = 1 << 14

_FLOAT_DTYPES = (np.float16, np.float32, np.float64)
_SIGN = np.uint64(1 << 63)
_ABS = np.uint64((1 << 63) - 1)
_FRACTION = np.uint64((1 << 52) - 1)


def check_rounding(rounding: str, parameter: str = "rounding") -> Rounding:
    """Return ``rounding`` if it names a mode; raise ValueError naming ``parameter``."""
    if rounding not in ROUNDING_MODES:
        raise ValueError(
            f"{parameter} must be one of {', '.join(ROUNDING_MODES)}, got {rounding!r}"
        )
    return rounding  # type: ignore[return-value]


def check_random_bits(random_bits: int | None) -> int:
    """Return the number of random bits to use; raise ValueError if out of [1, 62]."""
    if random_bits is None:
        return DEFAULT_RANDOM_BITS
    return validate.integer("random_bits", random_bits, minimum=1, maximum=MAX_RANDOM_BITS)


def quantize(
    x: ArrayLike,
    fmt: Format | str,
    rounding: Rounding | str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> NDArray[np.floating]:
    """Round every element of ``x`` to the nearest value of ``fmt`` in the given mode.

    Parameters
    ----------
    x : array_like of float16, float32 or float64, any shape
        Values to round; Python floats and lists become float64.
    fmt : Format or str
        Target format, or a preset name (see :func:`simulate.formats.names`).
    rounding : {"rne", "rna", "rtz", "rup", "rdn", "sr"}
        Rounding mode (see the module docstring).
    rng : numpy.random.Generator, optional
        Source of the random bits; required for ``"sr"``, ignored otherwise.
    random_bits : int, optional
        Random bits per stochastic rounding, 1 to 62 (default 24).

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``; every element is a value of ``fmt`` (or NaN). A value
        of a format wider than the input type can overflow that type: bf16's 65536, the
        rounding of float16's 65504, comes back as float16 infinity.

    Raises
    ------
    ValueError
        For an unknown format or mode, a non-float input, a missing ``rng`` with ``"sr"``.
    """
    fmt = resolve(fmt)
    mode = check_rounding(rounding)
    array = np.asarray(x)
    if array.dtype.kind in "iub":
        if isinstance(x, np.ndarray | np.generic):
            # A NumPy integer array is a typed choice; rounding it silently as float64 would
            # hide a bug upstream. Python numbers and lists are values, taken as float64.
            raise ValueError(f"x must be float16, float32 or float64, got dtype {array.dtype}")
        array = array.astype(np.float64)
    if array.dtype.type not in _FLOAT_DTYPES:
        raise ValueError(f"x must be float16, float32 or float64, got dtype {array.dtype}")
    if mode == "sr":
        if not isinstance(rng, np.random.Generator):
            raise ValueError("rng must be a numpy.random.Generator for rounding='sr'")
        bits = check_random_bits(random_bits)
    else:
        bits = 0
    if mode == "rne" and _fits_float_trick(fmt):
        kernel = partial(_rne_by_float_addition, fmt=fmt)
    elif mode == "sr" and _sr_carry_applies(array, fmt, bits):
        assert rng is not None
        kernel = partial(_sr_by_carry, fmt=fmt, rng=rng, random_bits=bits)
    elif mode == "sr" and _sr_truncation_is_exact(array, fmt, bits):
        assert rng is not None
        kernel = partial(_sr_by_float_truncation, fmt=fmt, rng=rng, random_bits=bits)
    else:
        kernel = partial(_exact_kernel, fmt=fmt, mode=mode, rng=rng, random_bits=bits)
    # NaN and overflow are handled explicitly in the kernels; the float operations on them
    # (and the cast of a wide format's overflow back to float16) must not warn.
    with np.errstate(invalid="ignore", over="ignore"):
        if array.size <= CHUNK_SIZE:
            # Kernels work on 1-d views: NumPy turns 0-d results into scalars.
            return kernel(array.reshape(-1)).reshape(array.shape)
        # Chunks keep each kernel's temporaries in cache: several times faster for the
        # multi-pass kernels on large arrays. Chunks are drawn in order from the same
        # generator, so the random stream is the same as in one piece.
        flat = np.ascontiguousarray(array).reshape(-1)
        result = np.empty_like(flat)
        for start in range(0, flat.size, CHUNK_SIZE):
            result[start : start + CHUNK_SIZE] = kernel(flat[start : start + CHUNK_SIZE])
        return result.reshape(array.shape)


def _exact_kernel(
    array: NDArray[np.floating],
    fmt: Format,
    mode: str,
    rng: np.random.Generator | None,
    random_bits: int,
) -> NDArray[np.floating]:
    result = _quantize_exact(array.astype(np.float64, copy=False), fmt, mode, rng, random_bits)
    return result.astype(array.dtype, copy=False)


# Fast paths ------------------------------------------------------------------------------
# Both add a power of two chosen per element from its exponent field, so that the hardware's
# own correctly rounded float addition does the rounding (RNE), or so that a later
# truncation sees exactly the intended random offset (SR). They cover what training uses
# most; ``_quantize_exact`` is the reference they are tested against bit for bit.


def _fits_float_trick(fmt: Format, random_bits: int = 0) -> bool:
    """Whether ``fmt`` lies inside float64 with room for the shifted constants."""
    return (
        fmt.subnormals
        and fmt.signed
        and fmt.emax + 1 + 52 - fmt.mantissa_bits <= 1023
        and fmt.emin - fmt.mantissa_bits - random_bits >= -1022
        and fmt.mantissa_bits + 1 + random_bits <= 52
    )


def _sr_truncation_is_exact(array: NDArray[np.floating], fmt: Format, random_bits: int) -> bool:
    """Whether ``|x| + U q`` never rounds in float64 in a way that moves its truncation.

    The sum needs ``m + 1 + r`` bits in the normal range. Below it, a rounded sum can cross
    a multiple of ``q`` only if ``|x|`` has ones in all of the ``52 - r`` positions below
    the random bits, impossible for an input of ``t`` significant bits when ``t < 52 - r``.
    """
    input_bits = {np.dtype(np.float16): 11, np.dtype(np.float32): 24}.get(array.dtype)
    return (
        input_bits is not None
        and input_bits + random_bits < 52
        and _fits_float_trick(fmt, random_bits)
    )


@dataclass(frozen=True)
class _Binary:
    """Layout of the NumPy float type the fast paths compute in."""

    float_type: type
    uint_type: type
    fraction_bits: int
    bias: int

    @property
    def exponent_mask(self) -> np.unsignedinteger:
        width = 8 * np.dtype(self.float_type).itemsize
        return self.uint_type(((1 << (width - 1)) - 1) ^ ((1 << self.fraction_bits) - 1))

    @property
    def sign_mask(self) -> np.unsignedinteger:
        return self.uint_type(1 << (8 * np.dtype(self.float_type).itemsize - 1))

    def exponent_field(self, exponent: int) -> np.unsignedinteger:
        return self.uint_type((exponent + self.bias) << self.fraction_bits)


_BINARY32 = _Binary(np.float32, np.uint32, 23, 127)
_BINARY64 = _Binary(np.float64, np.uint64, 52, 1023)


def _working_type(array: NDArray[np.floating], fmt: Format) -> _Binary:
    """float32 for float32 input when ``fmt`` plus the shift fits float32's normal range.

    Half the memory traffic of float64; otherwise float64 (exact for every input type).
    """
    if (
        array.dtype == np.float32
        and fmt.mantissa_bits < 23
        and fmt.emax + 1 + 23 - fmt.mantissa_bits <= 127
        and fmt.emin - fmt.mantissa_bits >= -149
    ):
        return _BINARY32
    return _BINARY64


def _rne_by_float_addition(array: NDArray[np.floating], fmt: Format) -> NDArray[np.floating]:
    """RNE as ``(x + C) - C`` with ``C = ±2**(max(e, emin) + P - m)``, ``P`` the fraction bits.

    ``|x| < 2**(e+1) <= |C|``, so ``x + C`` lies in ``C``'s binade, whose spacing is exactly
    the target quantum ``2**(max(e, emin) - m)``: the float addition rounds ``x`` to the
    quantum, ties to even, in one correctly rounded step; subtracting ``C`` is exact
    (Sterbenz). Exponents above ``emax + 1`` are clipped: those values overflow anyway.
    """
    if array.dtype == np.float32 and _shares_float32_exponents(fmt):
        return _rne_by_carry(array, fmt)
    binary = _working_type(array, fmt)
    x: NDArray[np.floating] = np.ascontiguousarray(array, dtype=binary.float_type).reshape(
        array.shape
    )
    bits: NDArray[np.unsignedinteger] = x.view(binary.uint_type)
    constant = np.bitwise_and(bits, binary.exponent_mask)
    peak = constant.max(initial=binary.uint_type(0))
    np.maximum(constant, binary.exponent_field(fmt.emin), out=constant)
    if peak > binary.exponent_field(fmt.emax + 1):
        np.minimum(constant, binary.exponent_field(fmt.emax + 1), out=constant)
    constant += binary.uint_type((binary.fraction_bits - fmt.mantissa_bits) << binary.fraction_bits)
    sign = np.bitwise_and(bits, binary.sign_mask)
    constant |= sign
    shifted = constant.view(binary.float_type)
    result = np.add(x, shifted)
    result -= shifted
    result.view(binary.uint_type)[...] |= sign  # zeros keep the input's sign
    if peak >= binary.exponent_field(fmt.emax):
        _apply_overflow(result, x, fmt)
    return result.astype(array.dtype, copy=False)


def _shares_float32_exponents(fmt: Format) -> bool:
    """IEEE formats with float32's exponent field (bf16, tf32): rounding is a carry."""
    return (
        fmt.nan_inf == "ieee"
        and fmt.overflow == "inf"
        and fmt.subnormals
        and fmt.signed
        and fmt.exponent_bits == 8
        and fmt.bias == 127
        and fmt.mantissa_bits < 23
    )


def _rne_by_carry(array: NDArray[np.floating], fmt: Format) -> NDArray[np.floating]:
    """RNE on float32 patterns for a format with float32's exponents (bf16, tf32).

    The quantum sits at the same bit of the pattern in every binade, subnormals included,
    so adding ``half - 1 + lsb`` and clearing the discarded bits rounds to nearest, ties to
    even; a carry out of the fraction bumps the exponent, and out of the largest finite
    binade gives exactly the infinity pattern. NaN patterns are restored afterwards.
    """
    x = np.ascontiguousarray(array).reshape(array.shape)
    bits = x.view(np.uint32)
    discarded = 23 - fmt.mantissa_bits
    rounded = bits >> np.uint32(discarded)
    rounded &= np.uint32(1)
    rounded += np.uint32((1 << (discarded - 1)) - 1)
    rounded += bits
    rounded &= np.uint32(~((1 << discarded) - 1) & 0xFFFF_FFFF)
    result = rounded.view(np.float32)
    nan = np.isnan(x)
    if nan.any():
        result[nan] = x[nan]
    return result


def _sr_by_float_truncation(
    array: NDArray[np.floating], fmt: Format, rng: np.random.Generator, random_bits: int
) -> NDArray[np.floating]:
    """SR as ``trunc((|x| + U q) / q) q`` with ``q`` the quantum and ``U = j / 2**r``.

    In float64, ``|x|`` (at most 24 significant bits: float16/float32 input) plus ``U q``
    (``r`` bits below the quantum) is exact when ``m + 1 + r <= 52``; dividing and
    multiplying by the power of two ``q`` is exact. The step away happens exactly when
    ``U >= 1 - f`` for the discarded fraction ``f``: probability ``floor(f 2**r) / 2**r``.
    """
    draws = _random_integers(rng, array.shape, random_bits)
    return _sr_truncate(array, fmt, draws, random_bits)


def _sr_truncate(
    array: NDArray[np.floating],
    fmt: Format,
    draws: NDArray[np.unsignedinteger],
    random_bits: int,
) -> NDArray[np.floating]:
    """The float64 truncation of :func:`_sr_by_float_truncation` with given random integers."""
    x: NDArray[np.float64] = array.astype(np.float64)
    bits: NDArray[np.uint64] = x.view(np.uint64)
    quantum_bits = bits & np.uint64(0x7FF0_0000_0000_0000)
    peak = quantum_bits.max(initial=np.uint64(0))
    np.maximum(quantum_bits, np.uint64((fmt.emin + 1023) << 52), out=quantum_bits)
    if peak > np.uint64((fmt.emax + 1 + 1023) << 52):
        np.minimum(quantum_bits, np.uint64((fmt.emax + 1 + 1023) << 52), out=quantum_bits)
    quantum_bits -= np.uint64(fmt.mantissa_bits << 52)
    inverse = (np.uint64(2046 << 52) - quantum_bits).view(np.float64)
    # U q = j * (q 2**-r): one multiplication by a power of two, exact.
    offset = draws.astype(np.float64)
    quantum_bits -= np.uint64(random_bits << 52)
    offset *= quantum_bits.view(np.float64)
    quantum_bits += np.uint64(random_bits << 52)
    quantum = quantum_bits.view(np.float64)
    result = np.abs(x)
    result += offset
    result *= inverse
    np.trunc(result, out=result)
    result *= quantum
    np.copysign(result, x, out=result)
    if peak >= np.uint64((fmt.emax + 1023) << 52):
        _apply_overflow(result, x, fmt)
    return result.astype(array.dtype, copy=False)


def _sr_below_normal(
    x: NDArray[np.floating],
    fmt: Format,
    draws: NDArray[np.unsignedinteger],
    random_bits: int,
) -> NDArray[np.floating]:
    """SR of values below ``min_normal``, where the quantum is ``q = 2**(emin - m)``.

    ``n = floor(|x| 2**r / q)`` (a power-of-two scaling, exact, then an exact truncation to
    an integer below ``2**(r + m)``) is ``kept 2**r + floor(f 2**r)``, so ``(n + draw) >> r``
    is the rounded magnitude in quanta: the exact path's event with the same draw. Needs
    ``r + m <= 62`` (see :func:`_sr_carry_applies`).
    """
    float_type = x.dtype.type
    scaled = np.abs(x)
    scaled *= float_type(2.0 ** (random_bits + fmt.mantissa_bits - fmt.emin))
    # n + draw < 2**(r + m) + 2**r: 32-bit integers suffice for short draws (half the traffic).
    integer_type = np.uint32 if random_bits + fmt.mantissa_bits <= 30 else np.uint64
    total = scaled.astype(integer_type)
    total += draws.astype(integer_type, copy=False)
    total >>= integer_type(random_bits)
    result = total.astype(float_type)
    result *= float_type(2.0 ** (fmt.emin - fmt.mantissa_bits))
    return np.copysign(result, x)


def _sr_carry_applies(array: NDArray[np.floating], fmt: Format, random_bits: int) -> bool:
    """float32 or float64 input, and a format whose normal range lies inside the input's."""
    if array.dtype == np.float32:
        binary = _BINARY32
    elif array.dtype == np.float64:
        binary = _BINARY64
    else:
        return False
    return (
        fmt.subnormals
        and fmt.signed
        and fmt.mantissa_bits < binary.fraction_bits
        and fmt.emin >= 1 - binary.bias
        and fmt.emax <= binary.bias
        and random_bits + fmt.mantissa_bits <= 62
    )


def _sr_by_carry(
    array: NDArray[np.floating], fmt: Format, rng: np.random.Generator, random_bits: int
) -> NDArray[np.floating]:
    """SR on float32/float64 patterns: add random bits below the kept ones, carry, clear.

    In the format's normal range (and, for a format with the input's exponent range, in the
    subnormal range too) the ``k = P - m`` discarded bits sit at the same place of every
    pattern (``P`` fraction bits). Adding ``R`` (the draw scaled to ``k`` bits) to the pattern
    and clearing the discarded bits steps away from zero exactly when ``R + D >= 2**k`` for
    the discarded bits ``D``: the event ``draw + floor(f 2**r) >= 2**r`` of the exact path,
    with the same draw. Values below the normal range of a narrower format are rounded by
    :func:`_sr_below_normal` with their own draws.
    """
    binary = _BINARY32 if array.dtype == np.float32 else _BINARY64
    uint_type, signed_type = binary.uint_type, np.dtype(f"i{np.dtype(binary.uint_type).itemsize}")
    width = 8 * np.dtype(uint_type).itemsize
    x = np.ascontiguousarray(array)
    bits: NDArray[np.unsignedinteger] = x.view(uint_type)
    discarded = binary.fraction_bits - fmt.mantissa_bits
    draws = _random_integers(rng, x.shape, random_bits)
    if random_bits >= discarded:
        scaled = (draws >> draws.dtype.type(random_bits - discarded)).astype(uint_type)
    else:
        scaled = draws.astype(uint_type) << uint_type(discarded - random_bits)
    magnitude = bits & ~binary.sign_mask
    peak = int(magnitude.max(initial=0))
    scaled += bits
    scaled &= uint_type(~((1 << discarded) - 1) & ((1 << width) - 1))
    result = scaled.view(binary.float_type)
    if fmt.emin > 1 - binary.bias:
        threshold = int(binary.exponent_field(fmt.emin))
        below = magnitude < uint_type(threshold)
        count = int(np.count_nonzero(below))
        if 0 < 16 * count < below.size:
            # A few values: gathering them is cheapest.
            result[below] = _sr_below_normal(x[below], fmt, draws[below], random_bits)
        elif count:
            # Many values: whole-array passes and a branch-free bitwise select, several times
            # faster than scattering through a random mask.
            select = magnitude.view(signed_type) - signed_type.type(threshold)
            select >>= signed_type.type(width - 1)  # all ones where below, zeros elsewhere
            low: NDArray[np.unsignedinteger] = _sr_below_normal(x, fmt, draws, random_bits).view(
                uint_type
            )
            low ^= scaled
            low &= select.view(uint_type)
            scaled ^= low
    infinity = int(binary.exponent_mask)
    if peak > infinity:  # NaN patterns: the carry may have turned a payload into inf
        nan = magnitude > uint_type(infinity)
        result[nan] = x[nan]
    if peak >= int(binary.exponent_field(fmt.emax)):
        _apply_overflow(result, x, fmt)
    return result


def _random_integers(
    rng: np.random.Generator, shape: tuple[int, ...], random_bits: int
) -> NDArray[np.unsignedinteger]:
    """Uniform integers in ``[0, 2**random_bits)``, the top bits of the generator's raw output.

    Up to 32 bits, each raw 64-bit word feeds two elements (returned as uint32): half the
    generator's work. Every stochastic path draws through here, so equal seeds give equal
    bits on all paths.
    """
    count = int(np.prod(shape))
    if random_bits <= 32:
        words = rng.bit_generator.random_raw((count + 1) // 2).view(np.uint32)[:count]
        words >>= np.uint32(32 - random_bits)
        return words.reshape(shape)
    return (rng.bit_generator.random_raw(count) >> np.uint64(64 - random_bits)).reshape(shape)


def _apply_overflow(result: NDArray[np.floating], x: NDArray[np.floating], fmt: Format) -> None:
    """Replace magnitudes above ``max_finite`` by the format's overflow policy, in place.

    Only for modes that never round toward zero (RNE, SR), where the policy always applies
    to finite inputs. An infinite input stays infinite in a format with infinities (the
    policy is for rounding overflow, not for infinity itself) and otherwise takes the policy.
    """
    over = np.abs(result) > fmt.max_finite
    if fmt.has_inf:
        over &= np.isfinite(x)
    if not over.any():
        return
    replacement = {"inf": np.inf, "nan": np.nan, "saturate": fmt.max_finite}[fmt.overflow]
    result[over] = np.copysign(replacement, result[over])


def _quantize_exact(
    x: NDArray[np.float64],
    fmt: Format,
    mode: str,
    rng: np.random.Generator | None,
    random_bits: int,
) -> NDArray[np.float64]:
    pattern = np.ascontiguousarray(x).reshape(x.shape).view(np.uint64)
    negative = (pattern & _SIGN) != 0
    magnitude_bits = pattern & _ABS
    biased = (magnitude_bits >> np.uint64(52)).astype(np.int64)
    significand = (magnitude_bits & _FRACTION) | ((biased > 0).astype(np.uint64) << np.uint64(52))
    # |x| = significand * 2**e0; float64 subnormals share e0 = -1074 with biased exponent 1.
    e0 = np.maximum(biased, 1) - 1075
    exponent = np.maximum(biased, 1) - 1023
    # Every float64 subnormal lies below every format's min_normal (emin >= -1022).
    below_normal = (biased == 0) | (exponent < fmt.emin)
    if fmt.subnormals:
        quantum_exponent = np.maximum(exponent, fmt.emin) - fmt.mantissa_bits
    else:
        quantum_exponent = np.where(below_normal, fmt.emin, exponent - fmt.mantissa_bits)
    # shift >= 52 - mantissa_bits > 0; beyond 63 every bit of the 53-bit significand is
    # discarded already, so clipping keeps kept = 0 and remainder = significand exact.
    exact_shift = quantum_exponent - e0
    shift = np.minimum(exact_shift, 63).astype(np.uint64)
    kept = significand >> shift
    remainder = significand & ((np.uint64(1) << shift) - np.uint64(1))
    away = _round_away(kept, remainder, shift, exact_shift, negative, mode, rng, random_bits)
    kept += away
    result = np.ldexp(kept.astype(np.float64), quantum_exponent)

    over = result > fmt.max_finite
    if over.any():
        toward_zero = _toward_zero(negative, mode)
        if fmt.overflow == "inf":
            overflow_value = np.inf
        elif fmt.overflow == "nan":
            overflow_value = np.nan
        else:
            overflow_value = fmt.max_finite
        result[over] = np.where(toward_zero[over], fmt.max_finite, overflow_value)
    if not fmt.has_zero:
        result[result == 0] = fmt.min_normal  # no zero: the smallest power of two instead
    not_finite = biased == 2047
    if not_finite.any():
        is_nan = (magnitude_bits & _FRACTION) != 0
        infinite = not_finite & ~is_nan
        if fmt.has_inf:
            result[infinite] = np.inf
        elif fmt.overflow == "saturate":
            result[infinite] = fmt.max_finite
        else:
            result[infinite] = np.nan
        result[not_finite & is_nan] = np.nan
    result = np.copysign(result, x)
    if not fmt.signed:
        result[negative | (x == 0)] = np.nan
    return result


def _round_away(
    kept: NDArray[np.uint64],
    remainder: NDArray[np.uint64],
    shift: NDArray[np.uint64],
    exact_shift: NDArray[np.int64],
    negative: NDArray[np.bool_],
    mode: str,
    rng: np.random.Generator | None,
    random_bits: int,
) -> NDArray[np.uint64]:
    """Return 1 where the magnitude steps one quantum away from zero, 0 elsewhere."""
    if mode == "rtz":
        return np.zeros_like(kept)
    inexact = remainder != 0
    if mode == "rup":
        return (inexact & ~negative).astype(np.uint64)
    if mode == "rdn":
        return (inexact & negative).astype(np.uint64)
    if mode == "sr":
        assert rng is not None
        # floor(f * 2**r) for the discarded fraction f = remainder / 2**exact_shift; the
        # unclipped shift matters here (a clipped one would inflate f for tiny inputs).
        scaled_shift = exact_shift - random_bits
        down = np.clip(scaled_shift, 0, 63).astype(np.uint64)
        up = np.clip(-scaled_shift, 0, 63).astype(np.uint64)
        threshold = (remainder >> down) << up
        draws = _random_integers(rng, kept.shape, random_bits).astype(np.uint64)
        # Add the random bits below the kept ones and carry, as hardware does; the same
        # event as the fast path's truncation of |x| + U q, so both give identical bits.
        return (draws + threshold >= np.uint64(1 << random_bits)).astype(np.uint64)
    half = np.uint64(1) << (shift - np.uint64(1))
    if mode == "rna":
        return (remainder >= half).astype(np.uint64)
    # rne
    above = remainder > half
    tie_to_odd = (remainder == half) & ((kept & np.uint64(1)) != 0)
    return (above | tie_to_odd).astype(np.uint64)


def _toward_zero(negative: NDArray[np.bool_], mode: str) -> NDArray[np.bool_]:
    """Where the rounding direction points toward zero for the value's sign."""
    if mode == "rtz":
        return np.ones_like(negative)
    if mode == "rup":
        return negative
    if mode == "rdn":
        return ~negative
    return np.zeros_like(negative)
