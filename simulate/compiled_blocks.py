"""MX block quantization of a thread's whole range in one compiled pass (numba).

The rules are :class:`simulate.block_kernels.MXKernel`'s, on the same integer patterns and
with the same float operations, so the bits are the same: per block the largest magnitude
pattern ``amax`` (at least the infinity's in a block with an infinity or NaN: a NaN block),
the shared exponent ``floor(log2(amax)) - emax_elem`` clamped to the scale's range (a NaN
block above it), the elements times ``2**-shared`` (a nonzero product that underflows to
zero is the input type's smallest subnormal of its sign), clipped to ``±max_finite`` where
the kernel clips, rounded by the element format's compiled loop
(:func:`simulate.compiled_kernels.round_into`) and multiplied by ``2**shared``.

:mod:`simulate.block_kernels` makes that one NumPy pass per operation over chunks of
:data:`simulate.executor.CHUNK_SIZE`; here :data:`GROUP` elements at a time are scaled
into a buffer that stays in L1, rounded there (with their stochastic words made there too,
:func:`simulate.compiled_random.fill`, the words of :func:`simulate.executor.random_words`
in the same order) and written back scaled, one pass over memory. A NaN block's elements
are rounded as zeros (their results are NaN whatever they round to), so that the element
loop leaves nothing to the reference; a range where it would is declined
(:func:`round_range` returns False) and rounded by chunks.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numba
import numpy as np
from numpy.typing import NDArray

from simulate.compiled_kernels import (
    MODE_CODES,
    SR_CODE,
    CompiledKernel,
    as_float,
    as_pattern,
    bit_and,
    prefer_wide_vectors,
    round_into,
    shift_right,
)
from simulate.compiled_random import advance_with, fill, supports

#: Elements scaled and rounded per step of the loop: whole blocks of every MX format (32),
#: a buffer of 16 KiB (32 with float64 input) that stays in a core's L1 or L2 cache, and
#: the block of stochastic words of :data:`simulate.compiled_kernels.WORD_BLOCK`.
GROUP = 4096


@functools.cache
def _mx_range(mode: str, regimes: tuple[bool, bool, bool, bool], wide: bool) -> Any:
    """The compiled loop of one element mode and regimes; ``wide``: a 64-bit word an element."""
    code = MODE_CODES[mode]
    below_normal, whole_range, signed, counted = regimes
    stochastic = code == SR_CODE

    def mx_range(
        x: Any,
        out: Any,
        scaled: Any,
        factors: Any,
        state: Any,
        p: Any,
        dxsm: bool,
        block: Any,
        limits: Any,
        c: Any,
        f: Any,
    ) -> Any:
        # x, out, scaled: patterns; factors: floats of the input type, a scale and its
        # inverse per block of a group.
        prefer_wide_vectors()
        size, fraction_shift, exponent_offset, scale_emin, scale_emax = block
        clamp, tiny, nan = limits
        magnitude_mask, inf_pattern, zero = c[1], c[9], c[16]
        raw = np.empty(GROUP if wide else GROUP // 2, np.uint64)
        halves = raw.view(np.uint32)
        words = raw if wide else halves
        no_flags = np.empty(0, np.bool_)
        nan_blocks = np.empty(GROUP // size, np.bool_)
        nan_pattern = as_pattern(nan)
        any_left = zero
        for low in range(0, x.size, GROUP):
            count = min(GROUP, x.size - low)
            blocks = count // size
            for b in range(blocks):
                first = low + b * size
                amax = zero
                for j in range(first, first + size):
                    amax = max(amax, bit_and(x[j], magnitude_mask))
                shared = np.int64(shift_right(amax, fraction_shift)) - exponent_offset
                shared = max(shared, scale_emin)
                # An infinity or NaN in the block, or a scale beyond the format's: NaN.
                nan_block = (amax >= inf_pattern) | (shared > scale_emax)
                shared = min(shared, scale_emax)
                factors[2 * b] = math.ldexp(1.0, shared)
                factors[2 * b + 1] = math.ldexp(1.0, -shared)
                inverse = factors[2 * b + 1]
                for j in range(size):
                    value = as_float(x[first + j])
                    product = value * inverse
                    if (product == 0) & (value != 0):
                        product = tiny if value > 0 else -tiny
                    product = min(max(product, -clamp), clamp)
                    # Rounded as a zero, the element loop leaves nothing; the result is NaN.
                    scaled[b * size + j] = zero if nan_block else as_pattern(product)
                nan_blocks[b] = nan_block
            if stochastic:
                fill(raw[: count if wide else (count + 1) // 2], state, p, dxsm)
            rounded = out[low : low + count]
            any_left = any_left | round_into(
                scaled[:count],
                rounded,
                no_flags,
                words,
                code,
                below_normal,
                whole_range,
                signed,
                counted,
                c,
                f,
            )
            for b in range(blocks):
                scale, nan_block = factors[2 * b], nan_blocks[b]
                for j in range(b * size, (b + 1) * size):
                    product = as_pattern(as_float(rounded[j]) * scale)
                    rounded[j] = nan_pattern if nan_block else product
        return any_left

    return numba.njit(nogil=True, cache=True)(mx_range)


def block_constants(
    dtype: np.dtype,
    block_size: int,
    element_emax: int,
    scale_range: tuple[int, int],
    clamp: float | None,
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The loop's block constants (integers) and limits (of the input type): the block
    size, the pattern's fraction bits, the exponent field of ``2**emax_elem``, the scale
    exponent's range; the clip (infinity: none), the smallest subnormal and NaN. Tests
    plant wrong ones here."""
    finfo = np.finfo(dtype)
    uint = np.dtype(f"u{finfo.bits // 8}").type
    real = np.dtype(dtype).type
    block = (
        np.int64(block_size),
        uint(finfo.nmant),
        np.int64(finfo.maxexp - 1 + element_emax),
        np.int64(scale_range[0]),
        np.int64(scale_range[1]),
    )
    limits = (
        real(np.inf if clamp is None else clamp),
        real(finfo.smallest_subnormal),
        real(np.nan),
    )
    return block, limits


def round_range(
    element: CompiledKernel,
    x: NDArray[np.floating],
    out: NDArray[np.floating],
    bit_generator: np.random.BitGenerator | None,
    block_size: int,
    element_emax: int,
    scale_range: tuple[int, int],
    clamp: float | None,
) -> bool:
    """Round a range of whole MX blocks in one compiled call; False where it is declined.

    ``element`` is the element format's compiled kernel (its mode, random bits, constants
    and regimes), ``scale_range`` the scale exponent's ``(emin, emax)`` and ``clamp`` the
    value the scaled elements are clipped to (None: not clipped). Declined, ``out`` holds
    nothing to rely on and the generator is as it was: stochastic rounding with a generator
    other than PCG64 or PCG64DXSM, and a range whose element loop would leave anything to
    the reference (which the NaN blocks' zeros rule out).
    """
    if GROUP % block_size or x.size % block_size:
        return False
    stochastic = element.mode == "sr"
    if stochastic and (bit_generator is None or not supports(bit_generator)):
        return False
    integers, floats = element.constants
    uint = integers[0].dtype.type  # type: ignore[attr-defined]
    patterns, results = x.view(uint), out.view(uint)
    scaled = np.empty(GROUP, uint)
    factors = np.empty(2 * (GROUP // block_size), x.dtype)
    block, limits = block_constants(x.dtype, block_size, element_emax, scale_range, clamp)
    loop = _mx_range(element.mode, element.regimes(), element.random_bits > 32)

    def rounds(state: Any, parameters: Any, dxsm: bool) -> bool:
        return not loop(
            patterns,
            results,
            scaled,
            factors,
            state,
            parameters,
            dxsm,
            block,
            limits,
            integers,
            floats,
        )

    if not stochastic:
        return rounds(_NO_STATE, _NO_STATE, False)
    assert bit_generator is not None
    return advance_with(bit_generator, rounds)


#: The state and parameters a deterministic loop is typed with, and does not read.
_NO_STATE = np.zeros(6, np.uint64)
