"""Block scaling (OCP MX, NVFP4) and per-tensor amax scaling.

Block formats
-------------
A :class:`BlockFormat` splits a vector (the slices of an array along ``axis``) into blocks of
``block_size`` consecutive elements; each block shares one scale ``X`` of the ``scale``
format, and each element is stored as ``P = round(V / X)`` in the ``element`` format. The
value represented is ``X * P`` (times a per-tensor float32 scale where there is one).

MX (OCP Microscaling v1.0, section 6.3), a power-of-two (E8M0) scale format::

    shared_exp = floor(log2(amax)) - emax_elem     # amax = max |V| over the block
    X = 2**shared_exp
    P_i = round(V_i / X), saturating: a magnitude above the element maximum becomes it

``floor(log2(amax))`` is taken exactly (from the float64 exponent field; subnormal
``amax`` included). As in the OCP reference implementation (microsoft/microxcaling,
``mx_ops._quantize_mx``): ``shared_exp`` is clamped below at the scale format's smallest
exponent (-127, so an all-zero block gets the scale ``2**-127``), a block whose
``shared_exp`` exceeds the largest (127: only float64 input beyond float32's range) or that
holds a NaN or an infinity gets the NaN scale (pattern 0xFF) and decodes to NaN entirely
(its element codes are written as 0, which the spec ignores). ``V / X`` is exact in float64
whenever it is at least ``2**-1022``; below that it is far under half the element format's
smallest subnormal, and a nonzero value there is replaced by the smallest float64 of its
sign so that every rounding mode (``rup``, ``rdn``, ``sr``) still sees a nonzero value.

NVFP4 (NVIDIA), a float scale format with a per-tensor scale: E2M1 elements, an E4M3
scale per 16 elements and a float32 scale per tensor. The recipe we follow (NVIDIA's
published one; the division and roundings are the exact, single roundings of its real
arithmetic rather than float32 reciprocals)::

    tensor_scale = fp32(amax_tensor / (emax_value_elem * emax_value_scale))  # amax / (6 * 448)
    block_scale  = e4m3_rne(amax_block / (emax_value_elem * tensor_scale))   # saturating
    P_i          = round(V_i / (block_scale * tensor_scale)), saturating at 6

where ``fp32``/``e4m3_rne`` round to nearest-even once from the exact quotient (computed
with :func:`simulate.arith.divide_exactly_rounded`). ``amax_tensor`` is over the finite
entries of the tensor; a zero tensor gets ``tensor_scale = 1``, and a tensor scale that
would round to zero is raised to float32's smallest subnormal. A block whose scale rounds
to zero decodes to signed zeros; a block with a NaN or infinity gets the E4M3 NaN scale and
decodes to NaN. *The tensor is each 1-D slice along* ``axis`` (so each replica row of an
``(R, d)`` array has its own tensor scale) unless ``whole_tensor=True``.

Lengths that are not a multiple of ``block_size`` are padded with zeros (which change no
block maximum) up to the next multiple, and the padding is dropped from the result.

Per-tensor amax scaling
-----------------------
:func:`quantize_tensor_scaled` multiplies by the power of two ``s = 2**k`` with the largest
``k`` such that ``amax * s <= max_finite * 2**-margin``, rounds, and divides by ``s``. A
power of two makes both the scaling and the unscaling exact, so the only error is the
format's rounding of ``x s``. (FP8 training recipes such as Transformer Engine's map amax to
the format's maximum in the same way; a power of two is our choice, for exactness.)

References
----------
.. [1] OCP Microscaling Formats (MX) Specification, version 1.0, 2023, sections 5-6.
.. [2] NVIDIA, "Introducing NVFP4 for efficient and accurate low-precision inference",
       2025, and Transformer Engine's NVFP4 recipe (two-level scaling).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from plumbing import validate
from simulate import block_kernels, executor, kernels
from simulate.arith import nudged_quotient
from simulate.bits import decode, encode
from simulate.formats import BlockFormat, Format, block_names, resolve, resolve_block
from simulate.rounding import (
    check_random_bits,
    check_rounding,
    check_threads,
    is_torch_tensor,
    quantize,
    reference_for,
    working_dtype,
)

__all__ = [
    "BlockEncoding",
    "BlockFormat",
    "block_format_names",
    "decode_blocks",
    "encode_blocks",
    "get_block_format",
    "quantize_blocks",
    "quantize_tensor_scaled",
    "tensor_scale",
]

FloatArray = NDArray[np.float64]
_FLOAT_DTYPES = (np.float16, np.float32, np.float64)
_TINY = float(np.finfo(np.float64).smallest_subnormal)


def block_format_names() -> tuple[str, ...]:
    """Names of the preset block formats (:func:`simulate.formats.block_names`)."""
    return block_names()


def get_block_format(name: str) -> BlockFormat:
    """Return the preset block format called ``name`` (from :mod:`simulate.formats`' registry).

    Raises
    ------
    ValueError
        If no preset has that name; the message lists the known names.
    """
    return resolve_block(name)


@dataclass(frozen=True)
class BlockEncoding:
    """Bit-level content of a block-scaled array.

    Attributes
    ----------
    element_codes : ndarray of unsigned int, shape of ``x``
        Element patterns (``simulate.bits.encode`` of the element format).
    scale_codes : ndarray of unsigned int
        Shape of ``x`` with ``axis`` of length ``ceil(n / block_size)``: one scale pattern
        per block.
    tensor_scale : ndarray of float32 or None
        Shape of ``x`` with ``axis`` of length 1 (one per slice; broadcast if
        ``whole_tensor``); ``None`` without a tensor scale.
    """

    element_codes: NDArray[np.unsignedinteger]
    scale_codes: NDArray[np.unsignedinteger]
    tensor_scale: NDArray[np.float32] | None


# Boundary -----------------------------------------------------------------------------------
def _check_inputs(
    x: ArrayLike,
    block_format: BlockFormat | str,
    axis: int,
    rounding: str,
    rng: np.random.Generator | None,
    random_bits: int | None,
) -> tuple[NDArray[np.floating], BlockFormat, int, str, int]:
    array = _float_array(x)
    checked, axis, mode, bits = _check_settings(
        block_format, array.ndim, axis, rounding, rng, random_bits, tensor=False
    )
    return array, checked, axis, mode, bits


def _check_settings(
    block_format: BlockFormat | str,
    ndim: int,
    axis: int,
    rounding: str,
    rng: Any,
    random_bits: int | None,
    tensor: bool,
) -> tuple[BlockFormat, int, str, int]:
    if not isinstance(block_format, BlockFormat | str):
        raise ValueError(f"block_format must be a BlockFormat or a name, got {block_format!r}")
    block_format = resolve_block(block_format)
    if ndim < 1:
        raise ValueError("x must have at least one dimension (the blocked axis)")
    axis = _check_axis(axis, ndim)
    mode = check_rounding(rounding)
    bits = 0
    if mode == "sr":
        # A tensor also takes a torch.Generator (checked by the torch backend).
        if not tensor and not isinstance(rng, np.random.Generator):
            raise ValueError("rng must be a numpy.random.Generator for rounding='sr'")
        bits = check_random_bits(random_bits)
        if not block_format.power_of_two_scale and bits > 52 - block_format.element.precision:
            raise ValueError(
                f"random_bits must be <= {52 - block_format.element.precision} for "
                f"{block_format.name} (elements are rounded from an exact quotient)"
            )
    return block_format, axis, mode, bits


def _float_array(x: ArrayLike) -> NDArray[np.floating]:
    array = np.asarray(x)
    if array.dtype.kind in "iub":
        array = array.astype(np.float64)
    if array.dtype.type not in _FLOAT_DTYPES:
        raise ValueError(f"x must be float16, float32 or float64, got dtype {array.dtype}")
    if array.ndim < 1:
        raise ValueError("x must have at least one dimension (the blocked axis)")
    return array


def _check_axis(axis: int, ndim: int) -> int:
    return validate.integer("axis", axis, minimum=-ndim, maximum=ndim - 1) % ndim


# Core -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Blocked:
    """Blocked quantization, with the blocked axis last: ``(..., blocks, block_size)``."""

    elements: FloatArray  # element values P, 0 in NaN blocks
    scales: FloatArray  # (..., blocks), NaN for NaN blocks
    tensor_scales: FloatArray | None  # (..., 1) float32 values
    length: int  # n before padding


def _blocked(
    array: NDArray[np.floating],
    block_format: BlockFormat,
    axis: int,
    mode: str,
    rng: np.random.Generator | None,
    bits: int,
    whole_tensor: bool,
    tensor_scales: FloatArray | None = None,
) -> _Blocked:
    """Quantize ``array`` by the rules of the module docstring (``tensor_scales``: given ones)."""
    precision = _PRECISION.get(array.dtype.type, 53)
    values = np.moveaxis(array.astype(np.float64), axis, -1)
    length = values.shape[-1]
    size = block_format.block_size
    padded_length = -(-length // size) * size
    padding = [(0, 0)] * (values.ndim - 1) + [(0, padded_length - length)]
    blocks = np.pad(values, padding).reshape(*values.shape[:-1], padded_length // size, size)
    finite = np.isfinite(blocks)
    magnitude = np.where(finite, np.abs(blocks), 0.0)
    block_amax = magnitude.max(axis=-1)
    bad_block = ~finite.all(axis=-1)
    if block_format.power_of_two_scale:
        scales = _mx_scales(block_amax, block_format)
        tensor_scales = None
        divisor = scales
    else:
        if tensor_scales is None:
            tensor_scales = _tensor_scales(
                magnitude.max(axis=(-2, -1)), block_format, whole_tensor, precision
            )
        scales = _float_block_scales(block_amax, tensor_scales, block_format, precision)
        divisor = scales * tensor_scales
    bad_block |= np.isnan(scales)
    safe = np.where(bad_block[..., None], 0.0, blocks)
    element = block_format.saturating_element
    if block_format.power_of_two_scale:
        with np.errstate(under="ignore"):
            scaled = safe / divisor[..., None]  # exact above 2**-1022 (module docstring)
        scaled = np.where((scaled == 0) & (safe != 0), np.copysign(_TINY, safe), scaled)
        if mode == "sr":
            elements = quantize(scaled, element, "sr", rng=rng, random_bits=bits)
        else:
            elements = quantize(scaled, element, mode)
    else:
        usable = divisor > 0
        denominator = np.where(usable, divisor, 1.0)[..., None]
        numerator = np.where(usable[..., None], safe, 0.0 * safe)
        # The divisor is an E4M3-like scale times a float32 tensor scale.
        elements = _divide(
            numerator,
            np.broadcast_to(denominator, numerator.shape),
            element,
            mode,
            rng,
            bits,
            (precision, block_format.scale.precision + 24),
        )
    elements = np.where(bad_block[..., None], 0.0, elements)
    scales = np.where(bad_block, np.nan, scales)
    return _Blocked(np.asarray(elements, np.float64), scales, tensor_scales, length)


def _mx_scales(block_amax: FloatArray, block_format: BlockFormat) -> FloatArray:
    """``2**clip(floor(log2(amax)) - emax_elem)``: NaN above the scale range (OCP MX 6.3)."""
    _, exponent = np.frexp(block_amax)
    shared = np.where(block_amax > 0, exponent - 1 - block_format.element.emax, -(2**20))
    scale_format = block_format.scale
    clipped = np.maximum(shared, scale_format.emin)
    result = np.ldexp(1.0, np.minimum(clipped, scale_format.emax))
    return np.where(clipped > scale_format.emax, np.nan, result)


def _tensor_scales(
    amax: FloatArray, block_format: BlockFormat, whole_tensor: bool, precision: int = 53
) -> FloatArray:
    """float32 per-tensor scales ``fp32(amax / (max_elem * max_scale))``, shape ``(..., 1)``.

    ``amax`` is the largest finite magnitude of each slice, shape ``(...)``, with at most
    ``precision`` significant bits.
    """
    if not block_format.tensor_scale:
        return np.ones((*amax.shape, 1))
    if whole_tensor:
        amax = np.full_like(amax, amax.max() if amax.size else 0.0)
    target = block_format.element.max_finite * block_format.scale.max_finite
    fp32 = resolve("fp32")
    flat = np.atleast_1d(amax)
    scales = _divide(
        flat, np.full(flat.shape, target), fp32, "rne", None, 0, (precision, _bits_of(target))
    ).reshape(amax.shape)
    scales = np.where(amax == 0, 1.0, np.maximum(scales, fp32.min_subnormal))
    return scales[..., None]


def _float_block_scales(
    block_amax: FloatArray,
    tensor_scales: FloatArray,
    block_format: BlockFormat,
    precision: int = 53,
) -> FloatArray:
    """``round_scale(amax_block / (max_elem * tensor_scale))``, nearest-even, saturating."""
    scale_format = dataclasses.replace(block_format.scale, overflow="saturate")
    maximum = block_format.element.max_finite
    denominator = np.broadcast_to(maximum * tensor_scales, block_amax.shape)
    flat = _divide(
        block_amax.reshape(-1),
        denominator.reshape(-1),
        scale_format,
        "rne",
        None,
        0,
        (precision, _bits_of(maximum) + 24),  # times a float32 tensor scale
    )
    return np.asarray(flat, np.float64).reshape(block_amax.shape)


_PRECISION = {np.float16: 11, np.float32: 24}


def _bits_of(value: float) -> int:
    """Significant bits of a finite nonzero float64."""
    mantissa = abs(float(np.frexp(value)[0]))
    bits = 1
    while mantissa * 2**bits != int(mantissa * 2**bits):
        bits += 1
    return bits


def _divide(
    numerator: NDArray[np.floating],
    denominator: NDArray[np.floating],
    fmt: Format,
    mode: str,
    rng: np.random.Generator | None,
    bits: int,
    operand_bits: tuple[int, int],
) -> FloatArray:
    """``round(numerator / denominator)`` in ``fmt``: one float64 division where that is exact.

    Let ``a`` and ``b`` have at most ``p_a`` and ``p_b`` significant bits (``operand_bits``)
    and ``M`` be a decision point of the rounding: a value or a midpoint of ``fmt`` (at most
    ``precision + 1`` bits), or for SR a ``2**-r`` sub-step of a quantum (``precision + r``
    bits). If ``a / b != M``, then ``a - M b`` is a nonzero multiple of the smaller ulp of
    ``a`` and ``M b``, so ``a / b`` lies at relative distance at least
    ``2**-max(p_a + 2, p_M + p_b)`` from ``M``, farther than float64's rounding moves a
    quotient (``2**-53``) when that maximum is at most 52: ``RN64(a / b)`` and ``a / b`` then
    round alike in every mode, with the same draws. Otherwise
    :func:`simulate.arith.nudged_quotient`: the same float64 quotient, nudged by its exact
    residual where it lies on a decision point. Either way one rounding of the whole array,
    so the stochastic draws fall on the elements in their order.

    A nonzero quotient that float64 flushes to zero (a float64 input of 1e-300 in a block of
    1e30) is the smallest float64 of its sign instead, as MX's scaled values are: both lie
    below every decision point of a format whose quanta reach no lower than ``2**-1073``
    (every block element and scale), so they round alike in every mode, stochastic included,
    while a zero would round to zero toward infinity.

    A saturating ``fmt`` without infinities rounds every ``|q| >= max_finite`` (infinities
    included) to ``±max_finite`` in every mode, as it rounds ``±max_finite`` itself; the
    quotient is clamped there first, which leaves the element kernels no overflow to hand to
    the exact reference (NVFP4's block maxima reach up to ``6 (1 + 2**-4)``).
    """
    p_a, p_b = operand_bits
    p_m = fmt.precision + (bits if mode == "sr" else 1)
    if max(p_a + 2, p_m + p_b) > 52:
        quotient = nudged_quotient(numerator, denominator, fmt, mode, bits)
    else:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            quotient = np.divide(numerator, denominator, dtype=np.float64)
    if fmt.overflow == "saturate" and fmt.nan_inf != "ieee":
        np.clip(quotient, -fmt.max_finite, fmt.max_finite, out=quotient)
    _keep_underflow(quotient, numerator, denominator)
    if mode == "sr":
        return np.asarray(quantize(quotient, fmt, "sr", rng=rng, random_bits=bits), np.float64)
    return np.asarray(quantize(quotient, fmt, mode), np.float64)


def _keep_underflow(
    quotient: FloatArray, numerator: NDArray[np.floating], denominator: NDArray[np.floating]
) -> None:
    """Replace, in place, the quotients flushed to zero by the smallest float64 of their sign."""
    flushed = (quotient == 0) & (numerator != 0) & np.isfinite(denominator) & (denominator != 0)
    if flushed.any():
        sign = np.sign(denominator[flushed]) * np.copysign(1.0, numerator[flushed])
        quotient[flushed] = sign * _TINY


def _restore(blocked_values: FloatArray, length: int, axis: int) -> FloatArray:
    flat = blocked_values.reshape(*blocked_values.shape[:-2], -1)[..., :length]
    return np.moveaxis(flat, -1, axis)


# Public API -----------------------------------------------------------------------------------
def quantize_blocks(
    x: ArrayLike,
    block_format: BlockFormat | str,
    axis: int = -1,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
    whole_tensor: bool = False,
    *,
    threads: int | None = None,
) -> NDArray[np.floating]:
    """Quantize ``x`` to a block format and return the represented (dequantized) values.

    Parameters
    ----------
    x : array_like of float16, float32 or float64, or a torch tensor; ndim >= 1
        Values to quantize. A torch tensor (float16, bfloat16, float32, float64) is
        quantized in torch on its own device (:mod:`simulate.torch_backend`), with the same
        bits as the NumPy path; ``rng`` may then also be a ``torch.Generator``.
    block_format : BlockFormat or str
        The block format or its name (:func:`block_format_names`).
    axis : int
        Axis along which consecutive elements form blocks (padded with zeros to a multiple
        of the block size).
    rounding : {"rne", "rna", "rtz", "rup", "rdn", "sr"}
        Rounding of the elements (scales follow the format's rule, module docstring).
    rng : numpy.random.Generator, optional
        Required for ``"sr"``.
    random_bits : int, optional
        Random bits per stochastic rounding (default 32).
    whole_tensor : bool
        With a per-tensor scale (NVFP4): one scale for the whole array instead of one per
        slice along ``axis``.
    threads : int, optional
        Threads for MX with the blocked axis last (as :func:`simulate.quantize`); the bits,
        random ones included, are the same for any count.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``: ``tensor_scale * X * P`` for each element (cast to the
        input dtype, exact unless the value falls below that dtype's subnormal range).

    Raises
    ------
    ValueError
        For an unknown block format, a bad axis, mode, ``rng`` or ``random_bits``, or a
        non-float input.
    """
    if is_torch_tensor(x):
        from simulate import torch_backend

        tensor: Any = x  # a tensor in, a tensor out
        checked, axis, mode, bits = _check_settings(
            block_format, tensor.dim(), axis, rounding, rng, random_bits, tensor=True
        )
        result: Any = torch_backend.quantize_blocks(
            tensor, checked, axis, mode, rng, bits, whole_tensor
        )
        return result
    array, checked, axis, mode, bits = _check_inputs(
        x, block_format, axis, rounding, rng, random_bits
    )
    threads = check_threads(threads)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        if _mx_kernel_applies(array, checked, axis, bits):
            return _quantize_mx_flat(array, checked, mode, rng, bits, threads)
        if _float_scale_path_applies(array, checked, axis):
            result = _quantize_float_scaled_flat(array, checked, mode, rng, bits, whole_tensor)
            if result is not None:
                return result
        return _quantize_by_slices(array, checked, axis, mode, rng, bits, whole_tensor)


#: Elements per slice of :func:`_quantize_by_slices` (its temporaries are a few times this).
_SLICE_SIZE = 1 << 14


def _mx_kernel_applies(
    array: NDArray[np.floating], block_format: BlockFormat, axis: int, bits: int
) -> bool:
    """MX with the blocked axis last, contiguous and a whole number of blocks long."""
    work = working_dtype(array.dtype, block_format.element)
    return (
        block_format.power_of_two_scale
        and axis == array.ndim - 1
        and array.flags.c_contiguous
        and array.shape[-1] % block_format.block_size == 0
        and executor.CHUNK_SIZE % block_format.block_size == 0
        and block_kernels.applies(
            work, block_format.element.emin, block_format.element.mantissa_bits, bits
        )
    )


def _quantize_mx_flat(
    array: NDArray[np.floating],
    block_format: BlockFormat,
    mode: str,
    rng: np.random.Generator | None,
    bits: int,
    threads: int | None,
) -> NDArray[np.floating]:
    """MX on the flat array, chunk by chunk and thread by thread (:mod:`simulate.block_kernels`)."""
    work = working_dtype(array.dtype, block_format.element)
    element = block_format.saturating_element
    reference = reference_for(element, mode, bits)
    element_kernel = kernels.select(work, element, mode, bits, reference)
    kernel = block_kernels.MXKernel(
        block_format.block_size,
        block_format.element.emax,
        block_format.scale.emin,
        block_format.scale.emax,
        element_kernel,
        reference,
        kernels.layout(work),
        bits,
        # Only the stochastic kernels leave overflow to the reference: elsewhere the clip
        # would be a pass that saves nothing.
        element.max_finite if mode == "sr" else None,
    )
    flat = np.ascontiguousarray(array, dtype=work).reshape(-1)
    result = executor.run(kernel, reference, flat, rng if bits else None, bits, threads)
    return result.reshape(array.shape).astype(array.dtype, copy=False)


def _float_scale_path_applies(
    array: NDArray[np.floating], block_format: BlockFormat, axis: int
) -> bool:
    """A float scale (NVFP4) with the blocked axis last, contiguous, a whole number of blocks."""
    return (
        not block_format.power_of_two_scale
        and axis == array.ndim - 1
        and array.flags.c_contiguous
        and array.shape[-1] % block_format.block_size == 0
        and array.size > 0
    )


def _quantize_float_scaled_flat(
    array: NDArray[np.floating],
    block_format: BlockFormat,
    mode: str,
    rng: np.random.Generator | None,
    bits: int,
    whole_tensor: bool,
) -> NDArray[np.floating] | None:
    """NVFP4 on the flat array in chunks of whole blocks (None: tensor scales overflow).

    The rules of :func:`_blocked` in fewer passes. First the block maxima, from the
    magnitude patterns (an infinity or NaN makes a block's pattern maximum at least the
    infinity's: a bad block, whose finite maximum is taken again from its own patterns),
    kept in the input type; from them each slice's tensor scale, then the block scales,
    written over the maxima (E4M3 values are exact in every input type). Then chunk by
    chunk: the divisor ``X * tensor_scale`` (exact in float64: 4 and 24 bits), one division
    per element by it (by infinity where it is zero, which gives the signed zeros of a scale
    that rounds to zero), :func:`_divide`'s rounding, and ``P * divisor`` (exact: ``(P X) t``
    of :func:`_dequantize`) cast to the input type. The chunks are whole blocks in element
    order, so the stochastic draws are those of :func:`_blocked`. The one temporary that
    outlives a chunk is a value per block in the input type (1/16 of the input).
    """
    precision = _PRECISION.get(array.dtype.type, 53)
    size = block_format.block_size
    flat = array.reshape(-1)
    uint = np.dtype(f"u{array.dtype.itemsize}").type
    infinity = uint(np.array(np.inf, array.dtype).view(uint))
    magnitude_mask = uint(infinity | uint((1 << np.finfo(array.dtype).nmant) - 1))
    chunk = _CHUNK_SIZE // size * size
    block_starts = np.arange(0, chunk, size)  # reduceat: twice as fast as max(axis=1)
    scales = np.empty(flat.size // size, array.dtype)  # block maxima, then block scales
    bad = np.empty(flat.size // size, bool)
    for low in range(0, flat.size, chunk):
        magnitude = np.bitwise_and(flat[low : low + chunk].view(uint), magnitude_mask)
        maxima = np.maximum.reduceat(magnitude, block_starts[: magnitude.size // size])
        blocks = slice(low // size, low // size + maxima.size)
        bad[blocks] = maxima >= infinity
        if bad[blocks].any():
            worst = magnitude.reshape(-1, size)[bad[blocks]]
            maxima[bad[blocks]] = np.where(worst < infinity, worst, 0).max(axis=1)
        scales[blocks] = maxima.view(array.dtype)
    per_row = array.shape[-1] // size
    row_amax = scales.reshape(-1, per_row).max(axis=1).astype(np.float64)
    tensor_scales = _tensor_scales(row_amax, block_format, whole_tensor, precision)[:, 0]
    if not np.isfinite(tensor_scales).all():
        return None  # float64 input beyond float32's range: the slices path's NaN rules
    for first in range(0, scales.size, chunk):
        part = scales[first : first + chunk]
        tensor = tensor_scales[np.arange(first, first + part.size) // per_row]
        part[...] = _float_block_scales(part.astype(np.float64), tensor, block_format, precision)
    out = np.empty_like(flat)
    element = block_format.saturating_element
    operand_bits = (precision, block_format.scale.precision + 24)
    for low in range(0, flat.size, chunk):
        first = low // size
        divisor = scales[first : first + chunk // size].astype(np.float64)
        divisor *= tensor_scales[np.arange(first, first + divisor.size) // per_row]
        denominator = np.where(divisor > 0, divisor, np.inf)[:, None]
        numerator = flat[low : low + divisor.size * size].reshape(-1, size)
        elements = _divide(
            numerator,
            np.broadcast_to(denominator, numerator.shape),
            element,
            mode,
            rng,
            bits,
            operand_bits,
        )
        values = out[low : low + divisor.size * size].reshape(-1, size)
        np.multiply(elements, divisor[:, None], out=values, casting="same_kind")
        bad_part = bad[first : first + divisor.size]
        if bad_part.any():
            values[bad_part] = np.nan
    return out.reshape(array.shape)


#: Elements per chunk of :func:`_quantize_float_scaled_flat` (its float64 temporaries are a
#: few times this, and stay near a core's cache).
_CHUNK_SIZE = 1 << 16


def _quantize_by_slices(
    array: NDArray[np.floating],
    block_format: BlockFormat,
    axis: int,
    mode: str,
    rng: np.random.Generator | None,
    bits: int,
    whole_tensor: bool,
) -> NDArray[np.floating]:
    """Every other case: :func:`_blocked` on slices of whole rows, or of whole blocks of a row.

    The slices follow each other in row-major order of the blocked (padded) layout, so the
    random draws fall on the elements they fall on in one piece; per-tensor scales are
    computed first, over each whole row.
    """
    values = np.moveaxis(array, axis, -1)
    length = values.shape[-1]
    rows = values.reshape(-1, length)
    out = np.empty(rows.shape, array.dtype)
    size = block_format.block_size
    padded_length = -(-length // size) * size
    per_slice = max(1, _SLICE_SIZE // max(padded_length, 1))
    columns = max(size, _SLICE_SIZE // size * size) if padded_length > _SLICE_SIZE else length
    tensor_scales = None
    if block_format.tensor_scale:
        amax = np.zeros(rows.shape[0])
        for low in range(0, rows.shape[0], per_slice):
            part = np.abs(rows[low : low + per_slice].astype(np.float64))
            amax[low : low + per_slice] = np.where(np.isfinite(part), part, 0.0).max(
                axis=-1, initial=0.0
            )
        tensor_scales = _tensor_scales(
            amax, block_format, whole_tensor, _PRECISION.get(array.dtype.type, 53)
        )
    for low in range(0, rows.shape[0], per_slice):
        high = min(low + per_slice, rows.shape[0])
        given = None if tensor_scales is None else tensor_scales[low:high]
        for start in range(0, length, columns):
            stop = min(start + columns, length)
            blocked = _blocked(
                rows[low:high, start:stop], block_format, -1, mode, rng, bits, False, given
            )
            out[low:high, start:stop] = _dequantize(blocked, -1)
    return np.moveaxis(out.reshape(values.shape), -1, axis)


def _dequantize(blocked: _Blocked, axis: int) -> FloatArray:
    values = blocked.elements * blocked.scales[..., None]
    if blocked.tensor_scales is not None:
        values = values * blocked.tensor_scales[..., None]
    return _restore(values, blocked.length, axis)


def encode_blocks(
    x: ArrayLike,
    block_format: BlockFormat | str,
    axis: int = -1,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
    whole_tensor: bool = False,
) -> BlockEncoding:
    """Quantize ``x`` like :func:`quantize_blocks` and return the bit patterns.

    Parameters are those of :func:`quantize_blocks`.

    Returns
    -------
    BlockEncoding
        Element codes (shape of ``x``), scale codes (one per block along ``axis``) and the
        float32 tensor scales (or None).
    """
    array, checked, axis, mode, bits = _check_inputs(
        x, block_format, axis, rounding, rng, random_bits
    )
    blocked = _blocked(array, checked, axis, mode, rng, bits, whole_tensor)
    element_codes = encode(_restore(blocked.elements, blocked.length, axis), checked.element)
    scale_codes = np.moveaxis(encode(blocked.scales, checked.scale), -1, axis)
    tensor = None
    if blocked.tensor_scales is not None:
        tensor = np.moveaxis(blocked.tensor_scales.astype(np.float32), -1, axis)
    return BlockEncoding(element_codes, scale_codes, tensor)


def decode_blocks(
    encoding: BlockEncoding, block_format: BlockFormat | str, axis: int = -1
) -> FloatArray:
    """The float64 values an encoding represents (inverse of :func:`encode_blocks`).

    Parameters
    ----------
    encoding : BlockEncoding
        Codes from :func:`encode_blocks` with the same ``block_format`` and ``axis``.
    block_format : BlockFormat or str
        The block format.
    axis : int
        The blocked axis.

    Returns
    -------
    ndarray of float64
        Shape of ``encoding.element_codes``.
    """
    block_format = resolve_block(block_format)
    codes = np.moveaxis(np.asarray(encoding.element_codes), axis, -1)
    length = codes.shape[-1]
    scales = decode(np.moveaxis(np.asarray(encoding.scale_codes), axis, -1), block_format.scale)
    if scales.shape[-1] * block_format.block_size < length:
        raise ValueError("encoding.scale_codes has too few blocks for encoding.element_codes")
    per_element = np.repeat(scales, block_format.block_size, axis=-1)[..., :length]
    values = decode(codes, block_format.element) * per_element
    if encoding.tensor_scale is not None:
        values = values * np.moveaxis(encoding.tensor_scale.astype(np.float64), axis, -1)
    return np.asarray(np.moveaxis(values, -1, axis), np.float64)


def tensor_scale(
    x: ArrayLike, fmt: Format | str, axis: int | None = None, margin: int = 0
) -> FloatArray:
    """Power-of-two scales ``2**k``, the largest with ``amax * 2**k <= max_finite * 2**-margin``.

    Parameters
    ----------
    x : array_like of float
        Values; ``amax`` is over the finite entries (1 where there are none, or all zero).
    fmt : Format or str
        Target format.
    axis : int or None
        ``None``: one scale for the whole array; an int: one per slice along that axis.
    margin : int
        Extra headroom in binades, ``>= 0``.

    Returns
    -------
    ndarray of float64
        Shape of ``x`` with ``axis`` (or every axis) of length 1, broadcastable against it.
    """
    checked = resolve(fmt)
    array = np.asarray(x)
    if array.dtype.kind not in "fiu":
        raise ValueError(f"x must be a real array, got dtype {array.dtype}")
    if axis is not None:
        axis = _check_axis(axis, array.ndim)
    validate.integer("margin", margin, minimum=0)
    magnitude = np.abs(array.astype(np.float64))
    magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
    amax = magnitude.max(axis=axis, keepdims=True, initial=0.0)
    # k = floor(log2(max)) - floor(log2(amax)), minus one where amax's significand is larger
    _, amax_exponent = np.frexp(amax)
    _, max_exponent = np.frexp(checked.max_finite)
    power = max_exponent - amax_exponent
    power = np.where(np.ldexp(amax, power) > checked.max_finite, power - 1, power) - margin
    return np.where(amax > 0, np.ldexp(1.0, power), 1.0)


def quantize_tensor_scaled(
    x: ArrayLike,
    fmt: Format | str,
    axis: int | None = None,
    margin: int = 0,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> NDArray[np.floating]:
    """Quantize with per-tensor amax scaling: ``Q(x s) / s`` with ``s`` from :func:`tensor_scale`.

    Parameters
    ----------
    x : array_like of float16, float32 or float64
        Values to quantize.
    fmt : Format or str
        Element format.
    axis : int or None
        ``None``: one scale for the whole array; an int: one per slice along that axis
        (``-1`` on an ``(R, d)`` array scales each replica on its own).
    margin : int
        Headroom in binades below ``max_finite`` (``>= 0``).
    rounding, rng, random_bits
        As in :func:`simulate.quantize`.

    Returns
    -------
    ndarray
        Same shape and dtype as ``x``.
    """
    if is_torch_tensor(x):
        from simulate import torch_backend

        tensor: Any = x  # a tensor in, a tensor out
        checked = resolve(fmt)
        if axis is not None:
            axis = _check_axis(axis, max(tensor.dim(), 1))
        if isinstance(margin, bool) or not isinstance(margin, int | np.integer) or margin < 0:
            raise ValueError(f"margin must be a non-negative int, got {margin!r}")
        result: Any = torch_backend.quantize_tensor_scaled(
            tensor, checked, axis, int(margin), rounding, rng, random_bits
        )
        return result
    array = _float_array(x) if np.ndim(x) else _float_array(np.atleast_1d(x))
    scale = tensor_scale(array, fmt, axis, margin)
    scaled = array.astype(np.float64) * scale
    if rounding == "sr":
        rounded = quantize(scaled, fmt, rounding, rng=rng, random_bits=random_bits)
    else:
        rounded = quantize(scaled, fmt, rounding)
    return (rounded / scale).astype(array.dtype).reshape(np.shape(x))
