"""``quantize`` and ``quantize_blocks`` on torch tensors, computed in torch on the tensor's device.

:func:`simulate.quantize` and :func:`simulate.quantize_blocks` hand a torch tensor here (they
recognise one without importing torch); gradients on an accelerator are rounded where they
live, never copied to the host. The arithmetic is the exact reference of
:mod:`simulate.rounding` written in torch: the tensor is widened exactly to float64, its
patterns are viewed as int64, and every rounding is decided on the integer significand, so
the result has the same bits as the NumPy path. Block scaling follows
:mod:`simulate.scaling` step for step (NVFP4's exact division by the error-free residual of
:mod:`simulate.arith`).

Random bits: a ``numpy.random.Generator`` gives the draws of the NumPy path (made on the
host, the one copy), hence the same bits for the same seed; a ``torch.Generator`` draws on
the device (``torch.randint``), the same bits for the same draws. Needs float64 on the
device (CPU and CUDA; not Apple's MPS).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from simulate import executor
from simulate.formats import Format, resolve
from simulate.rounding import check_random_bits, check_rounding

_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_ABS = (1 << 63) - 1
_FRACTION = (1 << 52) - 1


def check_tensor(x: torch.Tensor) -> None:
    if x.dtype not in _FLOAT_DTYPES:
        raise ValueError(f"x must be float16, bfloat16, float32 or float64, got dtype {x.dtype}")


def draws_for(rng: Any, count: int, random_bits: int, device: torch.device) -> torch.Tensor | None:
    """``count`` draws of ``random_bits`` bits as int64 on ``device``."""
    if isinstance(rng, np.random.Generator):
        host = executor.draw(rng.bit_generator, count, random_bits).astype(np.int64)
        return torch.from_numpy(host).to(device)
    if isinstance(rng, torch.Generator):
        return torch.randint(
            0, 1 << random_bits, (count,), generator=rng, device=device, dtype=torch.int64
        )
    raise ValueError("rng must be a numpy.random.Generator or a torch.Generator for rounding='sr'")


def quantize(
    x: torch.Tensor,
    fmt: Format | str,
    rounding: str = "rne",
    rng: Any = None,
    random_bits: int | None = None,
) -> torch.Tensor:
    """:func:`simulate.quantize` of a tensor: same shape, dtype and device."""
    fmt = resolve(fmt)
    mode = check_rounding(rounding)
    check_tensor(x)
    bits = check_random_bits(random_bits) if mode == "sr" else 0
    draws = draws_for(rng, x.numel(), bits, x.device) if mode == "sr" else None
    rounded = quantize_exact(x.detach().reshape(-1).to(torch.float64), fmt, mode, draws, bits)
    return _cast(rounded, x.dtype, fmt).reshape(x.shape)


def _cast(values: torch.Tensor, dtype: torch.dtype, fmt: Format) -> torch.Tensor:
    """The NumPy path's cast: via float32 (exact there) for float16 input, as it widens."""
    if dtype in (torch.float16, torch.bfloat16) and fmt.mantissa_bits <= 23 and fmt.emax <= 127:
        values = values.to(torch.float32)
    return values.to(dtype)


def quantize_exact(
    x: torch.Tensor, fmt: Format, mode: str, draws: torch.Tensor | None, random_bits: int
) -> torch.Tensor:
    """:func:`simulate.rounding.quantize_exact` in torch (float64 in, float64 out)."""
    pattern = x.contiguous().view(torch.int64)
    negative = pattern < 0
    magnitude_bits = pattern & _ABS
    biased = magnitude_bits >> 52
    significand = (magnitude_bits & _FRACTION) | ((biased > 0).to(torch.int64) << 52)
    e0 = biased.clamp(min=1) - 1075
    exponent = biased.clamp(min=1) - 1023
    below_normal = (biased == 0) | (exponent < fmt.emin)
    if fmt.subnormals:
        quantum_exponent = exponent.clamp(min=fmt.emin) - fmt.mantissa_bits
    else:
        quantum_exponent = torch.where(
            below_normal, torch.full_like(exponent, fmt.emin), exponent - fmt.mantissa_bits
        )
    exact_shift = quantum_exponent - e0
    # Beyond 62 every bit of the 53-bit significand is discarded already (int64 shifts).
    shift = exact_shift.clamp(max=62)
    kept = significand >> shift
    remainder = significand & ((torch.ones_like(shift) << shift) - 1)
    kept = kept + _round_away(
        kept, remainder, shift, exact_shift, negative, mode, draws, random_bits
    )
    result = torch.ldexp(kept.to(torch.float64), quantum_exponent.to(torch.float64))

    over = result > fmt.max_finite
    overflow_value = {"inf": np.inf, "nan": np.nan, "saturate": fmt.max_finite}[fmt.overflow]
    toward_zero = _toward_zero(negative, mode)
    result = torch.where(
        over,
        torch.where(toward_zero, fmt.max_finite, overflow_value),
        result,
    )
    if not fmt.has_zero:
        result = torch.where(result == 0, fmt.min_normal, result)
    not_finite = biased == 2047
    is_nan = not_finite & ((magnitude_bits & _FRACTION) != 0)
    infinite = not_finite & ~is_nan
    if fmt.has_inf:
        infinite_value = np.inf
    elif fmt.overflow == "saturate":
        infinite_value = fmt.max_finite
    else:
        infinite_value = np.nan
    result = torch.where(infinite, infinite_value, result)
    result = torch.where(is_nan, np.nan, result)
    result = torch.copysign(result, x)
    if not fmt.signed:
        result = torch.where(negative | (x == 0), np.nan, result)
    return result


def _round_away(
    kept: torch.Tensor,
    remainder: torch.Tensor,
    shift: torch.Tensor,
    exact_shift: torch.Tensor,
    negative: torch.Tensor,
    mode: str,
    draws: torch.Tensor | None,
    random_bits: int,
) -> torch.Tensor:
    """1 where the magnitude steps one quantum away from zero, 0 elsewhere (int64)."""
    if mode == "rtz":
        return torch.zeros_like(kept)
    inexact = remainder != 0
    if mode == "rup":
        return (inexact & ~negative).to(torch.int64)
    if mode == "rdn":
        return (inexact & negative).to(torch.int64)
    if mode == "sr":
        assert draws is not None
        scaled_shift = exact_shift - random_bits
        threshold = (remainder >> scaled_shift.clamp(0, 62)) << (-scaled_shift).clamp(0, 62)
        return (draws.reshape(kept.shape) + threshold >= (1 << random_bits)).to(torch.int64)
    half = torch.ones_like(shift) << (shift - 1)
    if mode == "rna":
        return (remainder >= half).to(torch.int64)
    above = remainder > half
    tie_to_odd = (remainder == half) & ((kept & 1) != 0)
    return (above | tie_to_odd).to(torch.int64)


def _toward_zero(negative: torch.Tensor, mode: str) -> torch.Tensor:
    if mode == "rtz":
        return torch.ones_like(negative)
    if mode == "rup":
        return negative
    if mode == "rdn":
        return ~negative
    return torch.zeros_like(negative)


# Block scaling ---------------------------------------------------------------------------------
def quantize_blocks(
    x: torch.Tensor,
    block_format: Any,
    axis: int,
    mode: str,
    rng: Any,
    bits: int,
    whole_tensor: bool,
) -> torch.Tensor:
    """:func:`simulate.scaling.quantize_blocks` of a tensor (arguments checked there)."""
    check_tensor(x)
    if x.dim() < 1:
        raise ValueError("x must have at least one dimension (the blocked axis)")
    values = x.detach().to(torch.float64).movedim(axis, -1)
    length = values.shape[-1]
    size = block_format.block_size
    padded_length = -(-length // size) * size
    padded = torch.nn.functional.pad(values, (0, padded_length - length))
    blocks = padded.reshape(*values.shape[:-1], padded_length // size, size)
    finite = torch.isfinite(blocks)
    magnitude = torch.where(finite, blocks.abs(), 0.0)
    block_amax = magnitude.amax(dim=-1)
    bad_block = ~finite.all(dim=-1)
    element = block_format.saturating_element
    draws = draws_for(rng, blocks.numel(), bits, x.device) if mode == "sr" else None
    if block_format.power_of_two_scale:
        _, exponent = torch.frexp(block_amax)
        shared = torch.where(block_amax > 0, exponent - 1 - block_format.element.emax, -(2**20))
        clipped = shared.clamp(min=block_format.scale.emin)
        scales = torch.ldexp(
            torch.ones_like(block_amax),
            clipped.clamp(max=block_format.scale.emax).to(torch.float64),
        )
        scales = torch.where(clipped > block_format.scale.emax, np.nan, scales)
        bad_block = bad_block | torch.isnan(scales)
        safe = torch.where(bad_block[..., None], 0.0, blocks)
        scaled = safe / scales[..., None]  # exact above 2**-1022 (simulate.scaling)
        tiny = float(np.finfo(np.float64).smallest_subnormal)
        scaled = torch.where(
            (scaled == 0) & (safe != 0), torch.copysign(torch.full_like(safe, tiny), safe), scaled
        )
        elements = quantize_exact(scaled.reshape(-1), element, mode, draws, bits).reshape(
            blocks.shape
        )
        represented = elements * scales[..., None]
    else:
        tensor_scales = _tensor_scales(magnitude, block_format, whole_tensor)
        scale_format = _saturating(block_format.scale)
        denominator = (block_format.element.max_finite * tensor_scales).expand(block_amax.shape)
        scales = divide_exactly_rounded(block_amax, denominator, scale_format, "rne", None, 0)
        divisor = scales * tensor_scales
        bad_block = bad_block | torch.isnan(scales)
        safe = torch.where(bad_block[..., None], 0.0, blocks)
        usable = divisor > 0
        denominator = torch.where(usable, divisor, 1.0)[..., None].expand(blocks.shape)
        numerator = torch.where(usable[..., None], safe, 0.0 * safe)
        elements = divide_exactly_rounded(numerator, denominator, element, mode, draws, bits)
        represented = elements * scales[..., None] * tensor_scales[..., None]
    represented = torch.where(bad_block[..., None], np.nan, represented)
    flat = represented.reshape(*represented.shape[:-2], -1)[..., :length]
    return flat.movedim(-1, axis).to(x.dtype)


def quantize_tensor_scaled(
    x: torch.Tensor,
    fmt: Format,
    axis: int | None,
    margin: int,
    rounding: str,
    rng: Any,
    random_bits: int | None,
) -> torch.Tensor:
    """:func:`simulate.scaling.quantize_tensor_scaled` of a tensor: ``Q(x s) / s``, ``s = 2**k``."""
    check_tensor(x)
    values = x.detach().to(torch.float64).reshape(x.shape if x.dim() else (1,))
    magnitude = torch.where(torch.isfinite(values), values.abs(), 0.0)
    if axis is None:
        amax = magnitude.amax().reshape([1] * values.dim()) if values.numel() else None
    else:
        amax = magnitude.amax(dim=axis, keepdim=True) if values.numel() else None
    if amax is None:
        return x.clone()
    # k = floor(log2(max)) - floor(log2(amax)), minus one where amax's significand is larger
    _, amax_exponent = torch.frexp(amax)
    _, max_exponent = np.frexp(fmt.max_finite)
    power = (int(max_exponent) - amax_exponent).to(torch.float64)
    power = torch.where(torch.ldexp(amax, power) > fmt.max_finite, power - 1, power) - margin
    scale = torch.where(amax > 0, torch.ldexp(torch.ones_like(amax), power), 1.0)
    rounded = quantize(values * scale, fmt, rounding, rng, random_bits)
    return (rounded / scale).to(x.dtype).reshape(x.shape)


def _saturating(fmt: Format) -> Format:
    import dataclasses

    return dataclasses.replace(fmt, overflow="saturate")


def _tensor_scales(magnitude: torch.Tensor, block_format: Any, whole_tensor: bool) -> torch.Tensor:
    """float32 per-tensor scales ``fp32(amax / (max_elem * max_scale))``, shape ``(..., 1)``."""
    if not block_format.tensor_scale:
        return torch.ones((*magnitude.shape[:-2], 1), dtype=torch.float64, device=magnitude.device)
    amax = magnitude.amax(dim=(-2, -1))
    if whole_tensor:
        amax = torch.full_like(amax, float(amax.max()) if amax.numel() else 0.0)
    target = block_format.element.max_finite * block_format.scale.max_finite
    fp32 = resolve("fp32")
    scales = divide_exactly_rounded(amax, torch.full_like(amax, target), fp32, "rne", None, 0)
    scales = torch.where(amax == 0, 1.0, scales.clamp(min=fp32.min_subnormal))
    return scales[..., None]


def divide_exactly_rounded(
    x: torch.Tensor,
    y: torch.Tensor,
    fmt: Format,
    mode: str,
    draws: torch.Tensor | None,
    bits: int,
) -> torch.Tensor:
    """:func:`simulate.arith.divide_exactly_rounded` in torch: the quotient nudged by its residual.

    ``q = x / y`` and the exact residual ``x - q y`` by Dekker's product (each torch
    operation rounds once); a ``q`` on the rounding grid with a nonzero residual moves one
    float64 ulp toward the exact quotient, so one rounding of it is the exact one.
    """
    quotient = x / y
    product = quotient * y
    q_hi, q_lo = _split(quotient)
    y_hi, y_lo = _split(y)
    error = ((q_hi * y_hi - product) + q_hi * y_lo + q_lo * y_hi) + q_lo * y_lo
    residual = ((x - product) - error) * torch.sign(y)
    inexact = (
        torch.isfinite(residual) & (residual != 0) & torch.isfinite(quotient) & (quotient != 0)
    )
    grid_bits = bits if mode == "sr" else 1
    _, exponent = torch.frexp(quotient)
    binade = (exponent - 1).clamp(min=fmt.emin)
    in_grid_units = torch.ldexp(
        quotient, (grid_bits + fmt.mantissa_bits - binade).to(torch.float64)
    )
    on_grid = inexact & (in_grid_units == torch.trunc(in_grid_units))
    toward = torch.copysign(torch.full_like(quotient, np.inf), residual)
    nudged = torch.where(on_grid, torch.nextafter(quotient, toward), quotient)
    # A quotient float64 flushes to zero: the smallest float64 of its sign, as
    # simulate.scaling._divide does (both round alike in every mode).
    flushed = (nudged == 0) & (x != 0) & torch.isfinite(y) & (y != 0)
    tiny = torch.full_like(nudged, float(np.finfo(np.float64).smallest_subnormal))
    nudged = torch.where(flushed, torch.copysign(tiny, x) * torch.sign(y), nudged)
    shape = nudged.shape
    return quantize_exact(nudged.reshape(-1), fmt, mode, draws, bits).reshape(shape)


def _split(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    scaled = float(2**27 + 1) * x
    hi = scaled - (scaled - x)
    return hi, x - hi
