"""Fast kernels behind :func:`simulate.quantize`, each held bit for bit to the exact reference.

Every kernel rounds one chunk of a flat float32 or float64 array into a preallocated output
slice, with a few preallocated scratch buffers of the chunk's size (integer views of the
same memory, in-place ufuncs: no temporaries of the array's size). A kernel may leave some
elements to the exact reference (:func:`simulate.rounding.quantize_exact`) by returning their
positions: the few inputs that its arithmetic does not cover (NaN, overflow, the range below
a format's normal numbers), which the executor gathers and rounds exactly at the end.

Kernels (``P`` the fraction bits of the input type, ``m`` the format's):

* :class:`TableKernel`, every deterministic mode on formats with ``m <= 6`` (float32 input)
  or ``m <= 3`` (float64; every format of 8 bits or fewer): the rounding of ``x`` depends only
  on its sign, exponent, first ``m + 1`` fraction bits and whether any lower bit is set, so a
  17-bit index of its top bits with the lower ones folded into the last (round to odd) picks
  the result from a table that the exact reference filled, NaN and overflow included.
* :class:`CarryKernel`, RNE on float32 input for formats with float32's exponent field (bf16,
  tf32): adding ``half - 1 + lsb`` to the pattern and clearing the discarded bits.
* :class:`FloatAdditionKernel`, RNE elsewhere (fp16, and wider formats from float64):
  ``(x + C) - C`` with ``C = ±2**(e + P - m)`` from ``x``'s own sign and exponent field lets
  the hardware's correctly rounded addition round to the format's quantum.
* :class:`SignedScaleSR`, stochastic rounding where the count and the draw fit an int32 (fp4,
  fp6, fp8 E4M3 at up to ``29 - m`` random bits): ``x`` times a signed power of two
  ``±2**(r + m - E)`` is the integer count of ``2**-r`` quanta, truncated exactly; plus the
  draw, cleared below the quantum, divided by the same scale: the reference's event
  ``draw + floor(f 2**r) >= 2**r`` with the same draw, in every binade, the sign included.
* :class:`FixedPointSR`, the same count for wider ones (64-bit), on ``|x|``, sign restored.
* :class:`CarrySR`, stochastic rounding for formats whose normal range holds nearly every
  value (fp8 E5M2 and wider): the draw added below the kept bits of the pattern, cleared.
* :class:`PowerOfTwoKernel`, RNE and SR into E8M0: a carry into the exponent field.

Where numba is installed, :func:`select` takes the compiled kernel of
:mod:`simulate.compiled_kernels` instead wherever it applies: one pass over memory where these
take one per operation. These stay the path without numba, and the tests hold both to the
reference.

The kernels run chunk by chunk under :func:`simulate.executor.run`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulate.executor import Kernel, Reference, Scratch, compiled_module, draws_of
from simulate.formats import Format

#: Stochastic rounding by carry first for formats whose normal range reaches this low.
CARRY_SR_MAX_EMIN = -6


@dataclass(frozen=True)
class Layout:
    """Bit layout of float32 or float64: the integer types and the field masks."""

    float_type: type[np.floating]
    uint_type: type[np.unsignedinteger]
    int_type: type[np.signedinteger]
    fraction_bits: int
    bias: int

    @property
    def width(self) -> int:
        return 8 * np.dtype(self.float_type).itemsize

    def uint(self, value: int) -> np.unsignedinteger:
        return self.uint_type(int(value) % (1 << self.width))

    @property
    def sign(self) -> np.unsignedinteger:
        return self.uint(1 << (self.width - 1))

    @property
    def magnitude(self) -> np.unsignedinteger:
        return self.uint((1 << (self.width - 1)) - 1)

    @property
    def exponent(self) -> np.unsignedinteger:
        return self.uint(((1 << (self.width - 1)) - 1) ^ ((1 << self.fraction_bits) - 1))

    def field(self, exponent: int) -> int:
        """The pattern of ``2**exponent`` (a normal number of this type)."""
        return (exponent + self.bias) << self.fraction_bits

    def pattern(self, value: float) -> int:
        return int(np.array(value, self.float_type).view(self.uint_type))


FLOAT32 = Layout(np.float32, np.uint32, np.int32, 23, 127)
FLOAT64 = Layout(np.float64, np.uint64, np.int64, 52, 1023)


def layout(dtype: np.dtype) -> Layout:
    return FLOAT32 if dtype == np.float32 else FLOAT64


def _dense(mask: NDArray[np.bool_]) -> bool:
    """Whether so many elements are flagged that a whole-chunk fallback is cheaper."""
    return 16 * int(np.count_nonzero(mask)) > mask.size


# Lookup tables ---------------------------------------------------------------------------
_INDEX_BITS = 17
_TABLES: dict[tuple[Format, str, str], np.ndarray] = {}
_TABLES_LOCK = threading.Lock()


def table_applies(dtype: np.dtype, fmt: Format, mode: str) -> bool:
    """Whether the index keeps the ``m + 1`` leading fraction bits exactly (round to odd)."""
    known_fraction_bits = _INDEX_BITS - 1 - (layout(dtype).width - layout(dtype).fraction_bits)
    return mode != "sr" and fmt.mantissa_bits + 1 <= known_fraction_bits


@dataclass(frozen=True)
class TableKernel:
    """Deterministic rounding by table lookup on a 17-bit index of the pattern's top bits.

    ``index = (bits | (low + low_mask)) >> s`` with ``low = bits & low_mask`` and
    ``low_mask = 2**s - 1`` sets the index's last bit when any bit below it is set (round to
    odd). Every pattern with a given index has the same leading ``m + 1`` fraction bits and
    the same "anything below" bit, hence the same rounding in every deterministic mode (the
    decisions compare the discarded part with half a quantum and with zero, and half a
    quantum sits at or above the round bit); the table holds the reference's rounding of the
    index's own pattern ``index << s``.
    """

    table: np.ndarray
    bits: Layout

    @classmethod
    def build(cls, dtype: np.dtype, fmt: Format, mode: str, reference: Reference) -> TableKernel:
        bits = layout(dtype)
        key = (fmt, mode, np.dtype(dtype).str)
        with _TABLES_LOCK:
            table = _TABLES.get(key)
            if table is None:
                shift = bits.uint_type(bits.width - _INDEX_BITS)
                index = np.arange(1 << _INDEX_BITS, dtype=bits.uint_type) << shift
                table = _TABLES[key] = reference(index.view(bits.float_type), None)
        return cls(table, bits)

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> None:
        bits = x.view(self.bits.uint_type)
        shift = self.bits.width - _INDEX_BITS
        low_mask = self.bits.uint((1 << shift) - 1)
        index = scratch.get("index", self.bits.uint_type, x.size)
        np.bitwise_and(bits, low_mask, out=index)
        index += low_mask
        index |= bits
        index >>= self.bits.uint_type(shift)
        # The index fits the table by construction; 'clip' skips the bounds check.
        np.take(self.table, index, out=out, mode="clip")
        return None


# Round to nearest even by carry and by float addition ------------------------------------
def carry_applies(dtype: np.dtype, fmt: Format) -> bool:
    """IEEE formats with float32's exponent field (bf16, tf32), from float32 input."""
    return (
        dtype == np.float32
        and fmt.nan_inf == "ieee"
        and fmt.overflow == "inf"
        and fmt.subnormals
        and fmt.signed
        and fmt.exponent_bits == 8
        and fmt.bias == 127
        and fmt.mantissa_bits < 23
    )


@dataclass(frozen=True)
class CarryKernel:
    """RNE on float32 patterns whose quantum sits at one bit in every binade (bf16, tf32).

    Adding ``half - 1 + lsb`` and clearing the discarded bits rounds to nearest, ties to
    even; a carry out of the fraction bumps the exponent, and out of the largest finite
    binade gives exactly the infinity pattern. Only NaN patterns are left to the reference
    (the carry can turn a payload into infinity).
    """

    mantissa_bits: int

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None:
        bits = x.view(np.uint32)
        rounded = out.view(np.uint32)
        discarded = 23 - self.mantissa_bits
        lsb = scratch.get("lsb", np.uint32, x.size)
        np.right_shift(bits, np.uint32(discarded), out=lsb)
        lsb &= np.uint32(1)
        lsb += np.uint32((1 << (discarded - 1)) - 1)
        np.add(lsb, bits, out=rounded)
        rounded &= np.uint32(~((1 << discarded) - 1) & 0xFFFF_FFFF)
        nan = np.isnan(x)
        return np.flatnonzero(nan) if nan.any() else None


def float_addition_applies(dtype: np.dtype, fmt: Format) -> bool:
    """Whether ``2**(emax + 1 + P - m)`` and the format's smallest quantum fit the input type."""
    bits = layout(dtype)
    return (
        dtype in (np.float32, np.float64)
        and fmt.subnormals
        and fmt.signed
        and fmt.mantissa_bits < bits.fraction_bits
        and fmt.emin >= 1 - bits.bias
        and fmt.emax + 1 + bits.fraction_bits - fmt.mantissa_bits <= bits.bias
        and fmt.emin - fmt.mantissa_bits >= 1 - bits.bias - bits.fraction_bits
    )


@dataclass(frozen=True)
class FloatAdditionKernel:
    """RNE as ``(x + C) - C`` with ``C = ±2**(e + P - m)`` built from ``x``'s sign and exponent.

    ``|x| < 2**(e+1) <= |C|``, so ``x + C`` lies in ``C``'s binade, whose spacing is the
    quantum ``2**(e - m)`` of a normal ``x``: the addition rounds ``x`` to it, ties to even, in
    one correctly rounded step, and subtracting ``C`` is exact (Sterbenz). Values outside
    ``[min_normal, max_finite]`` (zeros and the format's subnormal range, where the quantum is
    fixed; overflow, infinities, NaN) are left to the reference, or when they are many, the
    chunk goes to :func:`rne_by_clipped_addition`, which covers them all.
    """

    fmt: Format
    bits: Layout

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None:
        bits, layout_ = x.view(self.bits.uint_type), self.bits
        constant = scratch.get("constant", layout_.uint_type, x.size)
        np.bitwise_and(bits, layout_.sign | layout_.exponent, out=constant)
        constant += layout_.uint(
            (layout_.fraction_bits - self.fmt.mantissa_bits) << layout_.fraction_bits
        )
        shifted = constant.view(layout_.float_type)
        np.add(x, shifted, out=out)
        out -= shifted
        # Outside [min_normal, max_finite] <=> (2|x| - 2 min_normal) wraps or exceeds the span.
        low = layout_.pattern(self.fmt.min_normal) << 1
        high = layout_.pattern(self.fmt.max_finite) << 1
        np.left_shift(bits, layout_.uint_type(1), out=constant)
        constant -= layout_.uint(low)
        outside = np.greater(constant, layout_.uint(high - low))
        if not outside.any():
            return None
        if _dense(outside):
            out[...] = rne_by_clipped_addition(x, self.fmt, layout_)
            return None
        return np.flatnonzero(outside)


def rne_by_clipped_addition(
    x: NDArray[np.floating], fmt: Format, layout_: Layout
) -> NDArray[np.floating]:
    """``(x + C) - C`` with the exponent of ``C`` clipped to ``[emin, emax + 1]``: every input.

    Below ``min_normal`` the clip puts ``C`` at ``2**(emin + P - m)``, whose spacing is the
    subnormal quantum; zeros get their sign back; overflow takes the format's policy.
    """
    bits = x.view(layout_.uint_type)
    constant = np.bitwise_and(bits, layout_.exponent)
    np.maximum(constant, layout_.uint(layout_.field(fmt.emin)), out=constant)
    np.minimum(constant, layout_.uint(layout_.field(fmt.emax + 1)), out=constant)
    constant += layout_.uint((layout_.fraction_bits - fmt.mantissa_bits) << layout_.fraction_bits)
    sign = np.bitwise_and(bits, layout_.sign)
    constant |= sign
    shifted = constant.view(layout_.float_type)
    result = np.add(x, shifted)
    result -= shifted
    result.view(layout_.uint_type)[...] |= sign  # zeros keep the input's sign
    apply_overflow(result, x, fmt)
    return result


def apply_overflow(result: NDArray[np.floating], x: NDArray[np.floating], fmt: Format) -> None:
    """Replace magnitudes above ``max_finite`` by the format's overflow policy, in place.

    For RNE and SR, which never round toward zero, so the policy applies to every finite
    input; an infinite input stays infinite in a format with infinities and otherwise takes
    the policy. NaN stays NaN.
    """
    over = np.abs(result) > fmt.max_finite
    if fmt.has_inf:
        over &= np.isfinite(x)
    nan = np.isnan(x)
    if not (over.any() or nan.any()):
        return
    replacement = {"inf": np.inf, "nan": np.nan, "saturate": fmt.max_finite}[fmt.overflow]
    result[over] = np.copysign(replacement, result[over])
    result[nan] = x[nan]


# Stochastic rounding -----------------------------------------------------------------------
def signed_scale_sr_applies(dtype: np.dtype, fmt: Format, random_bits: int) -> bool:
    """Whether the count and the draw fit an int32 and the scales are normal numbers."""
    bits = layout(dtype)
    return (
        dtype in (np.float32, np.float64)
        and fmt.subnormals
        and fmt.signed
        and fmt.mantissa_bits < bits.fraction_bits
        and fmt.mantissa_bits + random_bits + 2 <= 31
        and abs(fmt.mantissa_bits + random_bits - fmt.emin) < bits.bias
        and fmt.emin - fmt.mantissa_bits >= 1 - bits.bias
        and fmt.emax < bits.bias
    )


@dataclass(frozen=True)
class SignedScaleSR:
    """SR by one signed scale ``s = ±2**(r + m - E)``: ``floor(x s) + draw``, cleared, over ``s``.

    ``E = max(e, emin)`` for ``x``'s exponent ``e``, so ``q = 2**(E - m)`` is the format's
    quantum at ``x`` in the normal and the subnormal range alike, and ``|x| s = |x| 2**r / q``
    (exact: a scaling by a power of two below ``2**(r + m + 1)``) truncates to the count
    ``kept 2**r + floor(f 2**r)``; adding the draw and clearing the ``r`` low bits leaves
    ``(kept + away) 2**r``, ``away`` the reference's event ``draw + floor(f 2**r) >= 2**r``.
    Dividing by ``s`` gives ``±(kept + away) q`` exactly: the sign comes back with the scale
    (also on a zero result), so the magnitude needs no pass of its own.

    The scale takes three passes and no integer clamping: ``2**(r + m)`` divided by
    ``x & (sign | exponent)`` is ``±2**(r + m - e)`` (``±inf`` for zeros and the input type's
    subnormals, whose field is 0), and clipping it to ``±2**(r + m - emin)`` is the
    ``max(e, emin)``. An infinity or NaN has the scale ``±0``, so its result is NaN or
    infinite whatever the platform makes of its count; with results beyond ``max_finite``
    (the format's overflow policy) they are left to the reference, found by one maximum and
    one minimum. Five passes fewer than :class:`FixedPointSR`: the whole stochastic rounding,
    random words included, measured 1.15x to 1.45x faster on fp4/fp6.
    """

    fmt: Format
    bits: Layout
    random_bits: int
    constants: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        layout_, fmt, r = self.bits, self.fmt, self.random_bits
        float_type = layout_.float_type
        bound = float_type(2.0 ** (r + fmt.mantissa_bits - fmt.emin))
        constants = {
            "sign and exponent": layout_.sign | layout_.exponent,
            "numerator": float_type(2.0 ** (r + fmt.mantissa_bits)),
            "low": -bound,
            "high": bound,
            "draw shift": np.uint32(32 - r),
            "kept": np.int32(-(1 << r)),  # clears the r bits below the kept ones
            "max_finite": float_type(fmt.max_finite),
            "-max_finite": float_type(-fmt.max_finite),
        }
        object.__setattr__(self, "constants", constants)

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None:
        assert words is not None  # uint32: random_bits <= 29
        constants, layout_ = self.constants, self.bits
        fields = scratch.get("scale", layout_.uint_type, x.size)
        np.bitwise_and(x.view(layout_.uint_type), constants["sign and exponent"], out=fields)
        scale = fields.view(layout_.float_type)
        np.divide(constants["numerator"], scale, out=scale)
        scale.clip(constants["low"], constants["high"], out=scale)
        count = scratch.get("count", np.int32, x.size)
        # The product, exact and >= 0, truncated to the count as it is stored.
        np.multiply(x, scale, out=count, casting="unsafe")
        # The draws go to out, free until the end: one buffer less in cache.
        draws = out.view(np.uint32)
        if draws.size != x.size:
            draws = draws[: x.size]
        np.right_shift(words, constants["draw shift"], out=draws)
        count += draws.view(np.int32)
        count &= constants["kept"]
        np.copyto(out, count, casting="unsafe")  # (kept + away) 2**r, exact
        out /= scale
        # NaN fails both comparisons: infinities and NaN inputs end here too.
        if (
            np.maximum.reduce(out) <= constants["max_finite"]
            and np.minimum.reduce(out) >= constants["-max_finite"]
        ):
            return None
        return np.flatnonzero(~(np.abs(out) <= constants["max_finite"]))


def fixed_point_sr_applies(dtype: np.dtype, fmt: Format, random_bits: int) -> bool:
    """Whether the count of ``2**-r`` quanta fits 62 bits and the scalings fit the input type."""
    bits = layout(dtype)
    return (
        fmt.subnormals
        and fmt.signed
        and fmt.mantissa_bits < bits.fraction_bits
        and fmt.mantissa_bits + 1 + random_bits <= 62
        and random_bits + fmt.mantissa_bits - fmt.emin <= bits.bias
        and fmt.emin - fmt.mantissa_bits >= 1 - bits.bias
        and fmt.emax + 1 <= bits.bias
    )


@dataclass(frozen=True)
class FixedPointSR:
    """SR as ``q ((n + draw) >> r)`` with ``n = floor(|x| 2**r / q)`` and ``q = 2**(E - m)``.

    ``E = max(e, emin)`` for ``x``'s exponent ``e``, so ``q`` is the format's quantum at ``x``
    in the normal and the subnormal range alike. ``|x| 2**r / q`` is a scaling by a power of
    two (exact) below ``2**(m + 1 + r)``, and its conversion to an integer truncates exactly,
    so ``n = kept 2**r + floor(f 2**r)`` and ``(n + draw) >> r`` is ``kept`` plus the
    reference's event ``draw + floor(f 2**r) >= 2**r``. The count is a 32-bit integer when
    ``m + 1 + r <= 30`` (``n + draw`` stays below ``2**31``; half the traffic), else 64-bit.
    Above ``2**emax`` the count is taken on the top binade's grid while it fits (every
    result there exceeds ``max_finite``); results beyond ``max_finite`` (they take the
    format's overflow policy), larger values, infinities and NaN are left to the reference.
    """

    fmt: Format
    bits: Layout
    random_bits: int
    constants: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Per-chunk constants, computed once (the Python work is a tenth of a chunk's time).
        layout_, fmt, r = self.bits, self.fmt, self.random_bits
        count_type = np.int32 if fmt.mantissa_bits + 1 + r <= 30 else np.int64
        # Counts below 2**(width - 2) leave room for the draw: binades above the top one
        # still fit, on the top binade's grid (their results all overflow).
        width = 8 * np.dtype(count_type).itemsize
        fits = layout_.field(fmt.emax + width - 2 - (fmt.mantissa_bits + 1 + r))
        constants = {
            "count_type": count_type,
            "lowest": layout_.uint(layout_.field(fmt.emin)),
            "top": layout_.uint(layout_.field(fmt.emax)),
            "fits": layout_.uint(min(fits, int(layout_.exponent))),
            "up": layout_.uint(
                2 * layout_.field(0) + ((r + fmt.mantissa_bits) << layout_.fraction_bits)
            ),
            "down": layout_.uint(fmt.mantissa_bits << layout_.fraction_bits),
        }
        object.__setattr__(self, "constants", constants)

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None:
        assert words is not None
        layout_, fmt, r = self.bits, self.fmt, self.random_bits
        constants = self.constants
        uint_type, float_type = layout_.uint_type, layout_.float_type
        bits = x.view(uint_type)
        count_type = constants["count_type"]
        exponent = scratch.get("exponent", uint_type, x.size)
        scale = scratch.get("scale", uint_type, x.size)
        count = scratch.get("count", count_type, x.size)
        np.bitwise_and(bits, layout_.exponent, out=exponent)
        np.maximum(exponent, scratch.filled(constants["lowest"], x.size), out=exponent)
        top = constants["top"]
        left = None
        peak = exponent.max()
        if peak >= top:
            if peak >= constants["fits"]:
                # Counts that would not fit, infinities and NaN: the reference.
                left = np.flatnonzero(np.greater_equal(exponent, top))
            np.minimum(exponent, scratch.filled(top, x.size), out=exponent)  # top grid
        # 2**(r + m - E) and later 2**(E - m), by arithmetic on the exponent field.
        np.subtract(constants["up"], exponent, out=scale)
        magnitude = out.view(uint_type)
        np.bitwise_and(bits, layout_.magnitude, out=magnitude)
        out *= scale.view(float_type)
        np.copyto(count, out, casting="unsafe")  # truncation of an exact integer value
        # The draws (< 2**r) fit the signed count type. Of the same width, they are shifted
        # into a buffer of the words' type and added through a view: a casting loop is
        # 2.5x slower (measured).
        shift = words.dtype.type(8 * words.itemsize - r)
        if np.dtype(count_type).itemsize == words.itemsize:
            draws = scratch.get("draws", words.dtype.type, x.size)
            np.right_shift(words, shift, out=draws)
            count += draws.view(count_type)
        else:
            draws = scratch.get("draws", count_type, x.size)
            np.right_shift(words, shift, out=draws, casting="unsafe")
            count += draws
        count >>= count_type(r)
        np.copyto(out, count, casting="unsafe")
        np.subtract(exponent, constants["down"], out=scale)
        out *= scale.view(float_type)
        if peak >= top and left is None and out.max() > fmt.max_finite:
            # Magnitudes beyond max_finite (rare) take the format's overflow policy there.
            left = np.flatnonzero(np.greater(out, fmt.max_finite))
        np.bitwise_and(bits, layout_.sign, out=scale)
        magnitude |= scale
        return left


def align_draws(
    words: NDArray[np.unsignedinteger],
    random_bits: int,
    places: int,
    out: NDArray[np.unsignedinteger],
) -> None:
    """``out = floor(draw 2**(places - random_bits))``: the draw as a fraction of ``places`` bits.

    Added to ``places`` discarded bits ``D`` of a pattern, it carries out exactly when
    ``draw + floor(D 2**(random_bits - places)) >= 2**random_bits`` (both sides are multiples
    of the coarser grid), the reference's event. One shift of the word when the draw has at
    least ``places`` bits.
    """
    width = 8 * words.itemsize
    if random_bits >= places:
        np.right_shift(words, words.dtype.type(width - places), out=out, casting="unsafe")
    else:
        np.right_shift(words, words.dtype.type(width - random_bits), out=out, casting="unsafe")
        out <<= out.dtype.type(places - random_bits)


def carry_sr_applies(dtype: np.dtype, fmt: Format, random_bits: int) -> bool:
    """Formats inside the input's normal range, where the carry needs ``m + r <= 62`` only."""
    bits = layout(dtype)
    return (
        dtype in (np.float32, np.float64)
        and fmt.subnormals
        and fmt.signed
        and fmt.mantissa_bits < bits.fraction_bits
        and fmt.emin >= 1 - bits.bias
        and fmt.emax <= bits.bias
        and random_bits + fmt.mantissa_bits <= 62
    )


@dataclass(frozen=True)
class CarrySR:
    """SR on the pattern: the draw scaled to the ``k = P - m`` discarded bits, added, cleared.

    In the format's normal range (and, for a format with the input's exponent range, in the
    subnormal range too) the discarded bits sit at one place of every pattern; adding ``R``
    (the draw scaled to ``k`` bits) steps away from zero exactly when ``R + D >= 2**k`` for
    the discarded bits ``D``: the reference's event with the same draw. Zeros stay zeros.
    Values below the format's normal range (when it is narrower than the input's), from
    ``2**emax`` up, and NaN are left to the reference, or to :class:`FixedPointSR` (or the
    reference) for the whole chunk when they are many.
    """

    fmt: Format
    bits: Layout
    random_bits: int
    dense: Kernel | None

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None:
        assert words is not None
        layout_, fmt, r = self.bits, self.fmt, self.random_bits
        uint_type = layout_.uint_type
        bits = x.view(uint_type)
        rounded = out.view(uint_type)
        discarded = layout_.fraction_bits - fmt.mantissa_bits
        align_draws(words, r, discarded, rounded)
        rounded += bits
        rounded &= layout_.uint(~((1 << discarded) - 1))
        if self.full_range:
            # The input's own exponent range: only infinities and NaN escape the carry.
            outside = ~np.isfinite(x)
        else:
            # Magnitudes outside [min_normal, 2**emax), zeros included (2|x| - 2 min_normal
            # wraps below and exceeds above).
            low = layout_.field(fmt.emin) << 1
            high = layout_.field(fmt.emax) << 1
            flags = scratch.get("flags", uint_type, x.size)
            np.left_shift(bits, uint_type(1), out=flags)
            flags -= layout_.uint(low)
            outside = np.greater_equal(flags, layout_.uint(high - low))
        if not outside.any():
            return None
        if self.dense is not None and _dense(outside):
            return self.dense(x, out, words, scratch)
        return np.flatnonzero(outside)

    @property
    def full_range(self) -> bool:
        """IEEE formats with the input's exponent range, overflowing to infinity (bf16, tf32)."""
        fmt, layout_ = self.fmt, self.bits
        return (
            fmt.emin == 1 - layout_.bias
            and fmt.emax == layout_.bias
            and fmt.nan_inf == "ieee"
            and fmt.overflow == "inf"
        )


def power_of_two_applies(dtype: np.dtype, fmt: Format, mode: str) -> bool:
    """E8M0-like formats: unsigned powers of two, NaN on overflow, inside the input's range."""
    bits = layout(dtype)
    return (
        mode in ("rne", "sr")
        and fmt.mantissa_bits == 0
        and not fmt.signed
        and fmt.overflow == "nan"
        and fmt.emax <= bits.bias
        and fmt.emin >= -bits.bias
    )


@dataclass(frozen=True)
class PowerOfTwoKernel:
    """RNE and SR into a format of powers of two (E8M0): a carry into the exponent field.

    With no fraction bits kept, adding half a binade (RNE; ties go away from zero, as every
    significand is 1) or the draw scaled to the fraction bits (SR) to the pattern and keeping
    the sign and exponent fields gives ``±2**e`` or ``±2**(e + 1)``; one minimum with the NaN
    pattern then makes every negative result NaN without a branch. The results it cannot
    stand for are told by two reductions over the carried patterns, before that minimum:
    the least (unsigned) is below ``2**(emin + 1)`` for zeros, the input type's subnormals
    and values below the format's range (and for a negative NaN whose carry wraps to 0), the
    greatest positive one (signed view) is above ``2**emax`` for overflow, infinities and
    NaN. Those few go to the reference; the reductions cost less than a flag pass (measured).
    """

    fmt: Format
    bits: Layout
    random_bits: int
    constants: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        layout_, fmt = self.bits, self.fmt
        fraction_bits = layout_.fraction_bits
        lowest = max(layout_.field(fmt.emin), layout_.field(1 - layout_.bias))
        constants = {
            "half": layout_.uint(1 << (fraction_bits - 1)),
            "sign and exponent": layout_.sign | layout_.exponent,
            "nan": layout_.uint(int(layout_.exponent) | (1 << (fraction_bits - 1))),
            # Results at or below 2**max(emin, input emin) may come from below that: checked.
            "low": layout_.uint(lowest + (1 << fraction_bits)),
            "high": layout_.int_type(layout_.field(fmt.emax)),
        }
        object.__setattr__(self, "constants", constants)

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None:
        layout_, constants = self.bits, self.constants
        bits = x.view(layout_.uint_type)
        rounded = out.view(layout_.uint_type)
        if words is None:
            np.add(bits, constants["half"], out=rounded)
        else:
            align_draws(words, self.random_bits, layout_.fraction_bits, rounded)
            rounded += bits
        rounded &= constants["sign and exponent"]
        signed = rounded.view(layout_.int_type)
        left = None
        if rounded.min() < constants["low"] or signed.max() > constants["high"]:
            left = np.flatnonzero((rounded < constants["low"]) | (signed > constants["high"]))
        # Negative results (-0 included) lie at or above the sign bit, above every positive
        # result and the quiet NaN pattern.
        np.minimum(rounded, scratch.filled(constants["nan"], x.size), out=rounded)
        return left


@dataclass(frozen=True)
class ReferenceKernel:
    """The exact reference, chunk by chunk: where no fast kernel applies."""

    reference: Reference
    random_bits: int

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> None:
        out[...] = self.reference(x, None if words is None else draws_of(words, self.random_bits))


def select(
    dtype: np.dtype, fmt: Format, mode: str, random_bits: int, reference: Reference
) -> Kernel:
    """The fastest kernel for float32/float64 input (the reference where none applies).

    The compiled kernel of :mod:`simulate.compiled_kernels` where numba is installed
    (:func:`simulate.executor.compiled_module`) and it applies, else this module's NumPy ones.
    """
    compiled = compiled_module("compiled_kernels")
    if compiled is not None and compiled.applies(dtype, fmt, mode, random_bits):
        kernel: Kernel = compiled.build(np.dtype(dtype), fmt, mode, random_bits)
        return kernel
    return _fast_kernel(dtype, fmt, mode, random_bits, reference) or ReferenceKernel(
        reference, random_bits
    )


def _fast_kernel(
    dtype: np.dtype, fmt: Format, mode: str, random_bits: int, reference: Reference
) -> Kernel | None:
    bits = layout(dtype)
    if power_of_two_applies(dtype, fmt, mode):
        return PowerOfTwoKernel(fmt, bits, random_bits)
    if table_applies(dtype, fmt, mode):
        return TableKernel.build(dtype, fmt, mode, reference)
    if mode == "rne" and carry_applies(dtype, fmt):
        return CarryKernel(fmt.mantissa_bits)
    if mode == "rne" and float_addition_applies(dtype, fmt):
        return FloatAdditionKernel(fmt, bits)
    if mode != "sr":
        return None
    dense: Kernel | None = None
    if signed_scale_sr_applies(dtype, fmt, random_bits):
        dense = SignedScaleSR(fmt, bits, random_bits)
    elif fixed_point_sr_applies(dtype, fmt, random_bits):
        dense = FixedPointSR(fmt, bits, random_bits)
    carry = (
        CarrySR(fmt, bits, random_bits, dense)
        if carry_sr_applies(dtype, fmt, random_bits)
        else None
    )
    # The carry leaves values below min_normal to the reference: it comes first where few
    # gradients lie there (fp8 E5M2 and wider, below 2**-14) and where the fixed-point count
    # would need 64 bits for float32 input. Below fp8 E4M3's 2**-6 lie 1.2% of standard
    # normal values: the reference rounds them slower than the signed-scale kernel rounds the
    # whole chunk (measured 1.2x), faster than the fixed-point kernel would.
    if carry is not None:
        if isinstance(dense, SignedScaleSR):
            return carry if fmt.emin < CARRY_SR_MAX_EMIN else dense
        narrow_count = fmt.mantissa_bits + 1 + random_bits <= 30 or dtype == np.float64
        if fmt.emin <= CARRY_SR_MAX_EMIN or not narrow_count:
            return carry
    return dense or carry
