"""Compiled rounding kernels (numba): every mode in one pass over memory, where numba is installed.

The NumPy kernels of :mod:`simulate.kernels` pay one pass over a chunk per operation; the
conversions they are measured against (torch's, ml_dtypes') are one fused pass. The kernel
here is that fused pass, compiled by numba for float32 (8 lanes of 32-bit integers) and for
float64 input, and held bit for bit to the same exact reference
(:func:`simulate.rounding.quantize_exact`) by the same tests.

Let the input type have ``P`` fraction bits and ``a`` be the bit pattern of ``|x|``. Two
regimes, the same definitions as the reference's:

* ``|x|`` at or above the format's ``min_normal`` (or anywhere, when the format's exponent
  range starts where the input type's does: bf16 and tf32 on float32), where the quantum is
  a fixed ``d = P - m`` bits of the pattern: ``kept = a >> d`` and the remainder
  ``a & (2**d - 1)`` decide the step, and ``(kept + step) << d`` is the rounded pattern, the
  carry into the exponent field included (in a format without mantissa bits every
  significand is 1: odd, so ties go up, as the reference's);
* below ``min_normal`` in a format with subnormals, the quantum is ``2**(emin - m)``:
  ``t = |x| * 2**(m - emin)`` is the magnitude in quanta, exactly (a power-of-two scale), and
  ``k = floor(t)`` and ``t - k`` are exact; the result ``(k + step) * 2**(emin - m)`` is exact.
  RNE there is the input type's own addition: ``(|x| + S) - S`` with ``S = 2**(emin - m + P)``,
  whose sum lies in ``[S, 2S)`` (``|x| < 2**emin < S``), where the input type's quantum is
  the format's; numba keeps the two operations as written (no fast math).

Stochastic rounding steps where ``draw + floor(f 2**r) >= 2**r`` for the discarded fraction
``f`` of a quantum, the reference's event with the same draw: in the first regime
``floor(f 2**r)`` is the remainder shifted to ``r`` bits, and ``draw + floor(f 2**r)`` fits
the pattern's integer type (:func:`applies`); in the second, ``f 2**r`` and ``2**r - draw``
are exact in the input's float type, or, where it fits the pattern's integer type
(:attr:`CompiledKernel.counted`), ``floor(t 2**r) + draw`` is an integer whose top bits are
``k + step``.

A rounded magnitude above ``max_finite`` becomes ``max_finite`` where the mode rounds toward
zero and the format's overflow value (infinity, NaN or ``max_finite``) elsewhere, as in the
reference; in a format without a sign (E8M0) zero and negative inputs become NaN. What the
kernel leaves to the reference, by returning its positions: infinite and NaN inputs, and
values below ``min_normal`` in a format without subnormals.

The executor offers a kernel each thread's whole range first
(:meth:`CompiledKernel.round_range`): one compiled call, no Python per chunk. There
stochastic rounding makes its PCG64 or PCG64DXSM words in the loop
(:func:`simulate.compiled_random.fill`), :data:`WORD_BLOCK` elements at a time, so
that they are read from L1 instead of a buffer in memory; they are the words of
:func:`simulate.executor.random_words` in the same order. A range that leaves anything to the
reference is declined and rounded by chunks (a second pass, only on ranges with NaN or
infinite values, or values below ``min_normal`` in a format without subnormals).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic
from numpy.typing import NDArray

from simulate.compiled_random import advance_with, fill, supports
from simulate.executor import Scratch
from simulate.formats import Format
from simulate.rounding import ROUNDING_MODES

#: Elements per call: large enough that the call's fixed cost (a few µs of argument checks)
#: is a few percent of the work, small enough that a chunk's random words stay in a core's
#: cache.
CHUNK_SIZE = 1 << 18

#: The modes as the integers the compiled loop branches on (constants there).
MODE_CODES = {mode: code for code, mode in enumerate(ROUNDING_MODES)}
_RNE, _RNA, _RTZ, _RUP, _RDN, SR_CODE = (
    MODE_CODES[mode] for mode in ("rne", "rna", "rtz", "rup", "rdn", "sr")
)


def _as_float_typing(typingctx: Any, pattern: Any) -> Any:
    """The float of the same width as the unsigned integer ``pattern`` (a bit cast)."""
    width = pattern.bitwidth
    result = types.float32 if width == 32 else types.float64

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.FloatType() if width == 32 else ir.DoubleType())

    return result(pattern), codegen


def _as_pattern_typing(typingctx: Any, value: Any) -> Any:
    """The unsigned integer of the same width as the float ``value`` (a bit cast)."""
    width = value.bitwidth
    result = types.uint32 if width == 32 else types.uint64

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], ir.IntType(width))

    return result(value), codegen


def _to_float_typing(typingctx: Any, integer: Any, like: Any) -> Any:
    """The unsigned ``integer`` converted to the float type of ``like`` (NumPy's typing
    would widen a float32 operation with a uint32 to float64)."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        target = ir.FloatType() if like.bitwidth == 32 else ir.DoubleType()
        return builder.uitofp(args[0], target)

    return like(integer, like), codegen


def _convert_typing(typingctx: Any, integer: Any, like: Any) -> Any:
    """The unsigned ``integer`` widened or truncated to the unsigned type of ``like``."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        target = ir.IntType(like.bitwidth)
        if integer.bitwidth == like.bitwidth:
            return args[0]
        if integer.bitwidth < like.bitwidth:
            return builder.zext(args[0], target)
        return builder.trunc(args[0], target)

    return like(integer, like), codegen


#: LLVM's attribute that lets a function's loops use 512-bit vectors: it vectorizes for 256
#: bits on AVX-512 CPUs unless told (measured, 1M float32 elements, stochastic rounding with
#: its words made in the loop, ns/element, 256 -> 512: fp8 E4M3 0.62 -> 0.54, fp4 0.61 ->
#: 0.54, fp16 0.61 -> 0.55, bf16 0.55 -> 0.53; round to nearest even is memory-bound, 0.28
#: either way; the MX pass, (1024, 4096) float32, stochastic rounding: MXFP8 E4M3 799 -> 817
#: to 848 M/s, MXFP4 unchanged at about 800). Ignored where 512-bit vectors are not legal.
WIDE_VECTORS = '"prefer-vector-width"="512"'


def _prefer_wide_vectors_typing(typingctx: Any) -> Any:
    """Mark the calling function :data:`WIDE_VECTORS`."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        # llvmlite knows only enumerated attributes by name; its attribute set is a set of
        # the strings it writes into the function's definition.
        set.add(builder.function.attributes, WIDE_VECTORS)
        return context.get_dummy_value()

    return types.void(), codegen


def _truncate_typing(typingctx: Any, value: Any, like: Any) -> Any:
    """The non-negative float ``value``, below ``2**(bits - 1)``, truncated to the unsigned
    type of ``like``."""

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.fptoui(args[0], ir.IntType(like.bitwidth))

    return like(value, like), codegen


def _same_width(operation: str) -> Any:
    """An integer operation that keeps its operands' width.

    NumPy's typing in numba computes ``uint32 & uint32`` on 64-bit integers, which halves the
    lanes of a vector loop (and a bit cast needs the pattern's own width).
    """

    def typing(typingctx: Any, a: Any, b: Any) -> Any:
        if a != b:
            return None

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            return getattr(builder, operation)(args[0], args[1])

        return a(a, b), codegen

    return intrinsic(typing)


# Typed Any: mypy would read the typing functions' parameters as the calls'.
as_float: Any = intrinsic(_as_float_typing)
as_pattern: Any = intrinsic(_as_pattern_typing)
_to_float: Any = intrinsic(_to_float_typing)
_convert: Any = intrinsic(_convert_typing)
prefer_wide_vectors: Any = intrinsic(_prefer_wide_vectors_typing)
_truncate: Any = intrinsic(_truncate_typing)
bit_and = _same_width("and_")
bit_or = _same_width("or_")
add_bits = _same_width("add")
shift_right = _same_width("lshr")
shift_left = _same_width("shl")


@numba.njit(inline="always")
def round_into(
    x: Any,
    out: Any,
    flags: Any,
    words: Any,
    mode: int,
    below_normal: bool,
    whole_range: bool,
    signed: bool,
    counted: bool,
    c: Any,
    f: Any,
) -> Any:
    """Round the patterns ``x`` into ``out``; flag those left to the reference (any: 1).

    ``c``: integer constants of the pattern's type, ``f``: float constants of the input type
    (:meth:`CompiledKernel._build_constants`). Inlined into one compiled function per mode
    and regimes (:meth:`CompiledKernel.regimes`), constants there, so that the loop compiles
    to branch-free vector code without the tests it does not need.
    """
    (
        sign_bit,
        magnitude_mask,
        low_mask,
        high_mask,
        half,
        below_half,
        dropped,
        odd_from_kept,
        normal_pattern,
        inf_pattern,
        max_pattern,
        nan_pattern,
        word_shift,
        down,
        up_shift,
        unit,
        zero,
        one,
        overflow_pattern,
        random_shift,
    ) = c
    scale_down, scale_up, half_f, unit_f, zero_f, one_f, nearest_even_shift, count_limit = f
    # Accumulated in the patterns' width: a 64-bit count would halve the vector's lanes.
    any_left = zero
    for i in range(x.size):
        u = x[i]
        a = bit_and(u, magnitude_mask)
        negative = u != a
        kept = shift_right(a, dropped)
        remainder = bit_and(a, low_mask)
        if mode == _RNE:
            # Nearest even by carry: add half a quantum less one, plus the kept lsb.
            odd = bit_or(bit_and(kept, one), odd_from_kept)
            rounded = bit_and(add_bits(add_bits(a, below_half), odd), high_mask)
        elif mode == _RNA:
            rounded = bit_and(add_bits(a, half), high_mask)
        else:
            if mode == SR_CODE:
                draw = _convert(shift_right(words[i], word_shift), u)
                carry = add_bits(draw, shift_left(shift_right(remainder, down), up_shift))
                step = one if carry >= unit else zero
            elif mode == _RTZ:
                step = zero
            elif mode == _RUP:
                step = one if (remainder != zero) & ~negative else zero
            else:
                step = one if (remainder != zero) & negative else zero
            rounded = shift_left(add_bits(kept, step), dropped)
        small = zero
        if below_normal and mode == _RNE:
            # Below min_normal (second regime), by the input type's own rounding to nearest
            # even: the sum with S = 2**(emin - m + P) lies in [S, 2S), where the input
            # type's quantum is the format's, so it is |x| rounded once; less S, exact.
            magnitude = as_float(a)
            small = as_pattern((magnitude + nearest_even_shift) - nearest_even_shift)
        elif below_normal and counted and mode == SR_CODE:
            # Below min_normal by an integer count (:meth:`CompiledKernel.regimes`): the
            # magnitude in units of 2**-r quanta, floored (exact), plus the draw; its quanta are
            # the sum's top bits, whole + 1 exactly when draw + floor(f 2**r) >= 2**r.
            scaled = as_float(a) * (scale_down * unit_f)
            count = _truncate(scaled if scaled < count_limit else count_limit, u)
            quanta_f = _to_float(shift_right(add_bits(count, draw), random_shift), zero_f)
            small = as_pattern(quanta_f * scale_up)
        elif below_normal:
            # Below min_normal (second regime): the magnitude in quanta, as a float.
            quanta = as_float(a) * scale_down
            whole = np.floor(quanta)
            fraction = quanta - whole
            if mode == SR_CODE:
                draw_f = _to_float(shift_right(words[i], word_shift), zero_f)
                # floor(f 2**r) >= 2**r - draw holds exactly when f 2**r >= 2**r - draw, the
                # right side an integer: no floor (both sides are exact in the input type).
                small_step = one_f if fraction * unit_f >= unit_f - draw_f else zero_f
            elif mode == _RNA:
                small_step = one_f if fraction >= half_f else zero_f
            elif mode == _RTZ:
                small_step = zero_f
            elif mode == _RUP:
                small_step = one_f if (fraction != zero_f) & ~negative else zero_f
            else:
                small_step = one_f if (fraction != zero_f) & negative else zero_f
            small = as_pattern((whole + small_step) * scale_up)
        normal = True if whole_range else a >= normal_pattern
        # Overflow as the reference: max_finite where the rounding points toward zero, else
        # the format's policy (infinity, NaN or max_finite).
        if mode == _RTZ:
            toward_zero = True
        elif mode == _RUP:
            toward_zero = negative
        elif mode == _RDN:
            toward_zero = ~negative
        else:
            toward_zero = False
        over = normal & (rounded > max_pattern)
        rounded = (max_pattern if toward_zero else overflow_pattern) if over else rounded
        result = bit_or(rounded if normal else small, bit_and(u, sign_bit))
        # A format without a sign (E8M0) has no zero and no negative values: NaN, as the
        # reference gives.
        if not signed:
            result = nan_pattern if negative | (a == zero) else result
        left = a >= inf_pattern
        if not (below_normal or whole_range):
            left = left | ~normal
        out[i] = result
        if flags.size:
            flags[i] = left
        any_left = bit_or(any_left, one if left else zero)
    return any_left


@functools.cache
def _round_chunk(
    mode: str, below_normal: bool, whole_range: bool, signed: bool, counted: bool
) -> Any:
    """The compiled loop of one mode and regimes (:meth:`CompiledKernel.regimes`), built on
    first use (numba's disk cache keeps each, told apart by these values)."""
    code = MODE_CODES[mode]

    def round_chunk(x: Any, out: Any, flags: Any, words: Any, c: Any, f: Any) -> Any:
        return round_into(
            x, out, flags, words, code, below_normal, whole_range, signed, counted, c, f
        )

    return numba.njit(nogil=True, cache=True)(round_chunk)


#: Elements a fused stochastic-rounding range rounds per block of fresh words: the block's
#: words (16 KiB; 32 with a 64-bit word per element) stay in a core's L1 or L2 cache between
#: being made and read, and the generator's setup per block (about 0.5 µs, measured) is a
#: few percent of its words' time.
WORD_BLOCK = 4096


@functools.cache
def _round_range(
    below_normal: bool, whole_range: bool, signed: bool, counted: bool, wide: bool
) -> Any:
    """Stochastic rounding of a whole range with its words made block by block in the loop.

    ``state`` (:func:`simulate.compiled_random.read_state`) is stepped past the range's words;
    ``wide``: one 64-bit word per element (more than 32 random bits), else one per two.
    """

    def round_range(x: Any, out: Any, state: Any, p: Any, dxsm: bool, c: Any, f: Any) -> Any:
        prefer_wide_vectors()
        raw = np.empty(WORD_BLOCK, np.uint64)
        halves = raw.view(np.uint32)
        no_flags = np.empty(0, np.bool_)
        any_left = c[16]  # the pattern type's 0 (CompiledKernel._build_constants)
        for low in range(0, x.size, WORD_BLOCK):
            high = min(low + WORD_BLOCK, x.size)
            made = high - low if wide else (high - low + 1) // 2
            # A call, not inlined: compiled (and cached) once for every loop that calls it.
            fill(raw[:made], state, p, dxsm)
            words = raw if wide else halves
            left = round_into(
                x[low:high],
                out[low:high],
                no_flags,
                words,
                SR_CODE,
                below_normal,
                whole_range,
                signed,
                counted,
                c,
                f,
            )
            any_left = bit_or(any_left, left)
        return any_left

    return numba.njit(nogil=True, cache=True)(round_range)


def applies(dtype: np.dtype, fmt: Format, mode: str, random_bits: int) -> bool:
    """Whether :class:`CompiledKernel` is exact for this input type, format and mode.

    Every value of ``fmt`` must be one of ``dtype`` (the result is stored there exactly);
    below ``min_normal`` the scale ``2**(m - emin)`` must lie in ``[1, max]`` of ``dtype``
    (then ``2**(emin - m)`` is normal too, and every scaled value is exact); for stochastic
    rounding ``draw + floor(f 2**r)`` must fit the pattern's integer type, and
    ``2**r - draw`` be exact in ``dtype``.
    """
    if np.dtype(dtype) not in (np.dtype(np.float32), np.dtype(np.float64)):
        return False
    finfo = np.finfo(dtype)
    m = fmt.mantissa_bits
    smallest = fmt.emin - (m if fmt.subnormals else 0)
    if m >= finfo.nmant or fmt.emax > finfo.maxexp - 1 or smallest < finfo.minexp - finfo.nmant:
        return False
    below_normal = fmt.subnormals and fmt.emin > finfo.minexp
    # The scale to quanta must be a power of two at least 1 (below 1 it would flush the
    # input type's subnormals to zero: wrong where rounding up or down) that the type holds.
    if below_normal and not 0 <= m - fmt.emin < finfo.maxexp:
        return False
    if mode != "sr":
        return True
    if random_bits >= finfo.bits:
        return False
    return not below_normal or random_bits <= finfo.nmant + 1


@dataclass(frozen=True)
class CompiledKernel:
    """Every rounding mode of :mod:`simulate.rounding` in one compiled pass (module docstring).

    Built for one input type (float32 or float64), format, mode and number of random bits,
    where :func:`applies`.
    """

    dtype: np.dtype
    fmt: Format
    mode: str
    random_bits: int
    chunk_size: int = CHUNK_SIZE
    _constants: tuple[tuple[object, ...], tuple[object, ...]] = field(init=False, repr=False)
    #: ``(below_normal, whole_range, signed, counted)``, compiled into the loop
    #: (:meth:`regimes`).
    _regimes: tuple[bool, bool, bool, bool] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_constants", self._build_constants())
        regimes = (self.below_normal, self.whole_range, self.fmt.signed, self.counted)
        object.__setattr__(self, "_regimes", regimes)

    @property
    def below_normal(self) -> bool:
        """Whether the format has the second regime: subnormals below the input type's
        normal range start (fp16, fp8, fp6, fp4; not bf16 and tf32 on float32)."""
        bias = np.finfo(self.dtype).maxexp - 1
        return self.fmt.subnormals and self.fmt.emin + bias > 1

    @property
    def whole_range(self) -> bool:
        """Whether the first regime holds down to zero: the format's exponent range starts
        where the input type's does, with subnormals (bf16 and tf32 on float32)."""
        bias = np.finfo(self.dtype).maxexp - 1
        return self.fmt.emin + bias == 1 and self.fmt.subnormals

    @property
    def counted(self) -> bool:
        """Whether stochastic rounding below ``min_normal`` counts in integers: the magnitude
        in units of ``2**-random_bits`` quanta plus a draw, below ``2**(m + r) + 2**r``, fits
        the pattern's type with a bit to spare (fp8, fp6 and fp4 from float32 with up to 27
        random bits; fp16 from float32 rounds by floats). Five operations fewer than the floats'
        floor, fraction and comparison (measured, 1M float32 elements, the range with its
        words: fp8 E4M3 0.569 -> 0.546 ns/element, fp4 0.568 -> 0.550, fp6 E3M2 0.569 ->
        0.552)."""
        bits = np.finfo(self.dtype).bits
        m = self.fmt.mantissa_bits
        return self.mode == "sr" and self.below_normal and m + self.random_bits <= bits - 2

    @property
    def constants(self) -> tuple[tuple[object, ...], tuple[object, ...]]:
        """The loop's integer constants (of the pattern type) and float constants (of the
        input type), as :func:`round_into` takes them."""
        return self._constants

    def regimes(self) -> tuple[bool, bool, bool, bool]:
        """What the loop tests beyond its constants, compiled in: below ``min_normal``, the
        whole range, a sign, and :attr:`counted`. Compiled as values, these tests cost bf16's
        RNE loop 113 instructions per 16 elements; compiled in, 74 (numba's assembly,
        counted). Kept from construction: the properties call ``np.finfo``, and every call
        looks the loop up."""
        return self._regimes

    def _build_constants(self) -> tuple[tuple[object, ...], tuple[object, ...]]:
        fmt, finfo = self.fmt, np.finfo(self.dtype)
        width, fraction_bits = finfo.bits, finfo.nmant
        uint = np.dtype(f"u{finfo.bits // 8}").type
        real = np.dtype(self.dtype).type
        m, r = fmt.mantissa_bits, self.random_bits
        dropped = fraction_bits - m
        bias = finfo.maxexp - 1
        # The pattern of min_normal; a format whose exponent range starts at or below the
        # input type's has its quanta aligned with the pattern's down to the type's
        # subnormals (bf16, tf32 on float32), or reaches below them (E8M0 on float32).
        normal_field = fmt.emin + bias
        overflow_value = {"inf": np.inf, "nan": np.nan, "saturate": fmt.max_finite}[fmt.overflow]
        overflow_pattern = np.array(overflow_value, real).view(uint)[()]
        word_width = 32 if r <= 32 else 64
        word_uint = np.uint32 if word_width == 32 else np.uint64
        integers = (
            uint(1 << (width - 1)),
            uint((1 << (width - 1)) - 1),
            uint((1 << dropped) - 1),
            uint(((1 << width) - 1) ^ ((1 << dropped) - 1)),
            uint(1 << (dropped - 1)),
            uint((1 << (dropped - 1)) - 1),
            uint(dropped),
            uint(1 if m == 0 else 0),
            uint(max(normal_field, 1) << fraction_bits),
            uint(((1 << (width - 1 - fraction_bits)) - 1) << fraction_bits),
            np.array(fmt.max_finite, real).view(uint)[()],
            np.array(np.nan, real).view(uint)[()],
            word_uint(word_width - r if r else 0),
            uint(max(dropped - r, 0)),
            uint(max(r - dropped, 0)),
            uint(1 << r) if r < width else uint(0),
            uint(0),
            uint(1),
            overflow_pattern,
            uint(r),
        )
        scale_exponent = m - fmt.emin if self.below_normal else 0
        floats = (
            real(np.ldexp(1.0, scale_exponent)),
            real(np.ldexp(1.0, -scale_exponent)),
            real(0.5),
            real(np.ldexp(1.0, r)),
            real(0.0),
            real(1.0),
            real(np.ldexp(1.0, fmt.emin - m + fraction_bits) if self.below_normal else 1.0),
            real(np.ldexp(1.0, width - 1)),
        )
        return integers, floats

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None:
        integers, floats = self._constants
        uint = integers[0].dtype  # type: ignore[attr-defined]
        patterns, results = x.view(uint), out.view(uint)
        if words is None:
            words = _NO_WORDS
        round_chunk = _round_chunk(self.mode, *self.regimes())
        # Few chunks leave anything to the reference: only those are rounded again, with
        # the flags stored (the same results; a store per element costs the others time).
        if not round_chunk(patterns, results, _NO_FLAGS, words, integers, floats):
            return None
        flags = scratch.get("left", np.bool_, x.size)
        round_chunk(patterns, results, flags, words, integers, floats)
        return np.flatnonzero(flags)

    def round_range(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        bit_generator: np.random.BitGenerator | None,
    ) -> bool:
        """Round a thread's whole range in one compiled call; False where it leaves anything.

        Then nothing of ``out`` is to be relied on and the generator is as it was: the
        caller rounds the range by chunks instead. Stochastic rounding makes its words in
        the loop (:func:`_round_range`), the words of :func:`simulate.executor.
        random_words` in the same order, where the generator is PCG64 or PCG64DXSM; it is
        False for any other.
        """
        integers, floats = self._constants
        uint = integers[0].dtype  # type: ignore[attr-defined]
        patterns, results = x.view(uint), out.view(uint)
        if self.mode != "sr":
            round_chunk = _round_chunk(self.mode, *self.regimes())
            return not round_chunk(patterns, results, _NO_FLAGS, _NO_WORDS, integers, floats)
        if bit_generator is None or not supports(bit_generator):
            return False
        round_words = _round_range(*self.regimes(), self.random_bits > 32)
        return advance_with(
            bit_generator,
            lambda state, parameters, dxsm: (
                not round_words(patterns, results, state, parameters, dxsm, integers, floats)
            ),
        )


@functools.lru_cache(maxsize=256)
def build(dtype: np.dtype, fmt: Format, mode: str, random_bits: int) -> CompiledKernel:
    """The kernel, built once per input type, format, mode and random bits: a simulation
    rounds small arrays many times, and the constants cost more than such a call."""
    return CompiledKernel(np.dtype(dtype), fmt, mode, random_bits)


_NO_WORDS = np.zeros(0, np.uint32)
_NO_FLAGS = np.zeros(0, np.bool_)
