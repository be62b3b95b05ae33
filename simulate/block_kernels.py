"""The chunk kernel of MX block quantization (:func:`simulate.scaling.quantize_blocks`).

A chunk is a whole number of blocks of consecutive float32 or float64 elements. Per block,
on the integer patterns: ``amax`` is the largest magnitude pattern (an infinity or NaN in
the block makes it at least the infinity pattern: a NaN block), and ``floor(log2(amax))``
is its exponent field minus the bias (a subnormal or zero ``amax`` has field 0, which
clamps to the smallest scale exponent like every value below it). The elements are
multiplied by ``2**-shared`` (exact: the products lie between ``2**(emax_elem + 1)`` and the
input type's smallest subnormal, below which a nonzero product is replaced by that smallest
subnormal, as :mod:`simulate.scaling` does in float64), rounded by the element format's
fastest kernel (:mod:`simulate.kernels`), and multiplied back by ``2**shared``; elements the
kernel leaves to the exact reference are rounded before that. Temporaries are chunk-sized.
Where the element kernel is the compiled one, the executor first offers each thread's whole
range to the same steps compiled into one pass (:mod:`simulate.compiled_blocks`).

The element format saturates, so a scaled value beyond ``±max_finite`` (up to
``2**(emax_elem + 1)``) rounds to ``±max_finite`` in every mode, as ``±max_finite`` does:
with ``clamp`` the scaled values are clipped there first (infinities occur only in NaN
blocks, overwritten at the end). The stochastic kernels leave results beyond
``max_finite`` to the exact reference, which without the clip gets a few percent of a
chunk's elements (an MXFP4 block maximum scales into ``[4, 8)``, above fp4's 6).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from simulate import executor, kernels


def applies(dtype: np.dtype, element_emin: int, element_mantissa_bits: int, bits: int) -> bool:
    """Whether a float32 product below the float32 normal range rounds like the exact one.

    The product is exact unless it is a float32 subnormal; a value there must lie below
    every decision point of the element rounding (``2**-r`` of its smallest quantum).
    """
    if dtype == np.float64:
        return True
    return element_emin - element_mantissa_bits - max(bits, 1) > -126


@dataclass(frozen=True)
class MXKernel:
    """Round a chunk of whole MX blocks: scale, element rounding, unscale (module docstring)."""

    block_size: int
    element_emax: int
    scale_emin: int
    scale_emax: int
    element: executor.Kernel
    reference: executor.Reference
    bits: kernels.Layout
    random_bits: int
    #: The element maximum to clamp the scaled values to before rounding, or None.
    clamp: float | None = None
    #: Offsets of the blocks in a chunk, for ``np.maximum.reduceat`` (twice the speed of
    #: ``max(axis=1)`` over blocks of 16 or 32, measured).
    starts: NDArray[np.intp] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        starts = np.arange(0, executor.CHUNK_SIZE, self.block_size)
        object.__setattr__(self, "starts", starts)

    def round_range(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        bit_generator: np.random.BitGenerator | None,
    ) -> bool:
        """A thread's whole range in one compiled pass (:mod:`simulate.compiled_blocks`),
        where the element kernel is compiled; False where it is declined (then the executor
        rounds the range by chunks)."""
        compiled = executor.compiled_module("compiled_blocks")
        if compiled is None or not isinstance(self.element, compiled.CompiledKernel):
            return False
        accepted: bool = compiled.round_range(
            self.element,
            x,
            out,
            bit_generator,
            self.block_size,
            self.element_emax,
            (self.scale_emin, self.scale_emax),
            self.clamp,
        )
        return accepted

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: executor.Scratch,
    ) -> None:
        layout = self.bits
        blocks = x.size // self.block_size
        patterns = x.view(layout.uint_type)
        magnitude = scratch.get("block magnitude", layout.uint_type, x.size)
        np.bitwise_and(patterns, layout.magnitude, out=magnitude)
        amax = np.maximum.reduceat(magnitude, self.starts[:blocks])
        bad = amax >= layout.exponent  # an infinity or a NaN in the block
        shared = (amax >> layout.uint_type(layout.fraction_bits)).astype(np.int64)
        shared -= layout.bias + self.element_emax
        np.clip(shared, self.scale_emin, None, out=shared)
        bad |= shared > self.scale_emax
        np.minimum(shared, self.scale_emax, out=shared)
        scale = np.ldexp(np.ones(blocks, layout.float_type), shared.astype(np.int32))
        inverse = np.ldexp(np.ones(blocks, layout.float_type), (-shared).astype(np.int32))
        scaled = scratch.get("block scaled", layout.float_type, x.size)
        np.multiply(
            x.reshape(blocks, self.block_size), inverse[:, None], out=scaled.reshape(blocks, -1)
        )
        if shared.max(initial=self.scale_emin) > 0:
            # A product can fall below the type's range only when it is scaled down.
            lost = (scaled == 0) & (x != 0)
            if lost.any():
                tiny = np.finfo(layout.float_type).smallest_subnormal
                scaled[lost] = np.copysign(tiny, x[lost])
        if self.clamp is not None:
            np.clip(scaled, -self.clamp, self.clamp, out=scaled)
        left = self.element(scaled, out, words, scratch)
        if left is not None and left.size:
            draws = None if words is None else executor.draws_of(words[left], self.random_bits)
            out[left] = self.reference(scaled[left], draws)
        out.reshape(blocks, self.block_size)[...] *= scale[:, None]
        if bad.any():
            out.reshape(blocks, self.block_size)[bad] = np.nan
        return None
