"""The signed-scale SR kernel and the power-of-two kernel, called directly, at their edges.

Each kernel rounds a chunk built around its decision points (the format's subnormal boundary,
``max_finite`` and overflow, zeros of both signs, NaN payloads, infinities, the input type's
own subnormals), with words at their extremes (0 and all ones, so that the draw is 0 and
``2**r - 1``) and random ones, for ``random_bits`` at its extremes; what it leaves to the
reference is rounded there with the same draws, as the executor does. The result must equal
the exact reference bit for bit. A kernel with a planted error (a wrong clipping bound) must
not.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from simulate import executor, formats, kernels
from simulate.rounding import reference_for

WIDTH = {np.float32: np.uint32, np.float64: np.uint64}


def same_bits(a: NDArray[np.floating], b: NDArray[np.floating]) -> bool:
    unsigned = WIDTH[a.dtype.type]
    return bool(((a.view(unsigned) == b.view(unsigned)) | (np.isnan(a) & np.isnan(b))).all())


def edge_values(fmt: formats.Format, dtype: type) -> NDArray[np.floating]:
    """The format's and the input type's decision points, their neighbours, both signs."""
    info = np.finfo(dtype)
    points = [
        fmt.min_subnormal,
        fmt.min_subnormal / 2,
        1.5 * fmt.min_subnormal,
        fmt.min_normal,
        fmt.min_normal - fmt.min_subnormal,
        fmt.min_normal + fmt.min_subnormal / 2,
        fmt.max_finite,
        fmt.max_finite + fmt.max_finite * 2.0**-fmt.mantissa_bits / 4,
        2.0**fmt.emax,
        2.0 ** (fmt.emax + 1),
        1.5 * 2.0 ** (fmt.emax + 1),
        float(info.max),
        float(info.smallest_normal),
        float(info.smallest_subnormal),
        3 * float(info.smallest_subnormal),
        2.0**-60,
        1.0,
        1.5,
        0.75,
        np.inf,
    ]
    with np.errstate(over="ignore"):  # E8M0's 2**128 and the largest value's neighbour: inf
        values = np.array(points, dtype)
        values = np.concatenate(
            [values, np.nextafter(values, dtype(0)), np.nextafter(values, dtype(np.inf))]
        )
    values = np.concatenate([values, -values, np.array([0.0, -0.0], dtype)])
    # NaN payloads of both signs, the top fraction bits set or clear (a carry into them can
    # wrap a negative NaN's pattern to zero).
    unsigned = WIDTH[dtype]
    bits = 8 * np.dtype(dtype).itemsize
    fraction = np.finfo(dtype).nmant
    exponent = ((1 << (bits - 1)) - 1) ^ ((1 << fraction) - 1)
    payloads = [1, 1 << (fraction - 1), (1 << fraction) - 1, (1 << (fraction - 2)) + 1]
    nans = [exponent | p for p in payloads] + [(1 << (bits - 1)) | exponent | p for p in payloads]
    return np.concatenate([values, np.array(nans, unsigned).view(dtype)])


def chunk(fmt: formats.Format, dtype: type, seed: int) -> NDArray[np.floating]:
    """Edge values, then random ones over the format's range and beyond."""
    rng = np.random.default_rng(seed)
    edges = edge_values(fmt, dtype)
    spread = rng.standard_normal(4096) * np.exp2(rng.integers(fmt.emin - 30, fmt.emax + 4, 4096))
    with np.errstate(over="ignore"):
        return np.concatenate([edges, spread.astype(dtype)])


def words_for(size: int, seed: int) -> NDArray[np.uint32]:
    words = np.random.default_rng(seed).integers(0, 1 << 32, size, dtype=np.uint64)
    words = words.astype(np.uint32)
    words[: size // 3] = 0xFFFF_FFFF  # draw 2**r - 1 on the edge values
    words[size // 3 : 2 * size // 3] = 0
    return words


def run_kernel(kernel, x, words, random_bits, reference):
    out = np.empty_like(x)
    scratch = executor.Scratch(x.size)
    with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):
        left = kernel(x, out, words, scratch)
        if left is not None and left.size:
            draws = None if words is None else executor.draws_of(words[left], random_bits)
            out[left] = reference(x[left], draws)
    return out


def expected(x, words, random_bits, reference):
    draws = None if words is None else executor.draws_of(words, random_bits)
    return reference(x, draws)


SIGNED_SCALE_FORMATS = ["fp4_e2m1", "fp6_e2m3", "fp6_e3m2", "fp8_e4m3", "fp8_e5m2"]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", SIGNED_SCALE_FORMATS)
def test_signed_scale_sr_matches_the_reference_at_its_edges(name: str, dtype: type) -> None:
    fmt = formats.get(name)
    widest = 29 - fmt.mantissa_bits  # the count and the draw fill an int32
    for random_bits in (1, 2, 24, widest):
        assert kernels.signed_scale_sr_applies(np.dtype(dtype), fmt, random_bits)
        kernel = kernels.SignedScaleSR(fmt, kernels.layout(np.dtype(dtype)), random_bits)
        reference = reference_for(fmt, "sr", random_bits)
        for seed in (0, 1):
            x = chunk(fmt, dtype, seed)
            words = words_for(x.size, seed + 10)
            ours = run_kernel(kernel, x, words, random_bits, reference)
            assert same_bits(ours, expected(x, words, random_bits, reference)), random_bits
    # One bit more and the count plus the draw could overflow an int32: not taken.
    assert not kernels.signed_scale_sr_applies(np.dtype(dtype), fmt, widest + 1)


def test_signed_scale_sr_is_what_quantize_takes_for_the_small_formats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without numba; with it, the compiled kernel (tests/simulate/test_compiled_kernels.py)."""
    monkeypatch.setenv("STEPSHRINK_NUMBA", "0")
    for name in ("fp4_e2m1", "fp6_e2m3", "fp6_e3m2", "fp8_e4m3"):
        fmt = formats.get(name)
        reference = reference_for(fmt, "sr", 24)
        for dtype in (np.float32, np.float64):
            kernel = kernels.select(np.dtype(dtype), fmt, "sr", 24, reference)
            assert isinstance(kernel, kernels.SignedScaleSR), (name, dtype)


def test_a_wrong_clipping_bound_is_caught() -> None:
    """The edge chunk has teeth: clipping one binade too early breaks agreement."""
    fmt = formats.get("fp4_e2m1")
    kernel = kernels.SignedScaleSR(fmt, kernels.FLOAT32, 24)
    kernel.constants["high"] = kernel.constants["high"] / 2
    kernel.constants["low"] = -kernel.constants["high"]
    reference = reference_for(fmt, "sr", 24)
    x = chunk(fmt, np.float32, 0)
    words = words_for(x.size, 10)
    assert not same_bits(
        run_kernel(kernel, x, words, 24, reference), expected(x, words, 24, reference)
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("mode", ["rne", "sr"])
def test_power_of_two_kernel_matches_the_reference_at_its_edges(mode: str, dtype: type) -> None:
    fmt = formats.get("e8m0")
    layout = kernels.layout(np.dtype(dtype))
    info = np.finfo(dtype)
    # Ties 1.5 * 2**e, the input type's subnormals around 2**-127 (E8M0's smallest power),
    # the largest binade and the values whose rounding overflows.
    ties = np.exp2(np.arange(-127, 128, dtype=np.float64)) * 1.5
    near = np.concatenate(
        [ties, 2.0 ** np.arange(-127, 128), [2.0**-128, 2.0**-149, 3 * 2.0**-128]]
    )
    with np.errstate(over="ignore"):
        near = near.astype(dtype)
        near = np.concatenate(
            [near, np.nextafter(near, dtype(0)), np.nextafter(near, dtype(np.inf))]
        )
    x = np.concatenate([near, -near, chunk(fmt, dtype, 3), [info.max, -info.max]]).astype(dtype)
    for random_bits in (0,) if mode == "rne" else (1, 24, 40, 62):
        kernel = kernels.PowerOfTwoKernel(fmt, layout, random_bits)
        reference = reference_for(fmt, mode, random_bits)
        words = None
        if mode == "sr":
            words = words_for(x.size, 7)
            if random_bits > 32:
                words = np.random.default_rng(8).integers(0, 1 << 63, x.size, dtype=np.uint64)
                words[: x.size // 3] = np.uint64(2**64 - 1)
                words[x.size // 3 : 2 * x.size // 3] = 0
        ours = run_kernel(kernel, x, words, random_bits, reference)
        assert same_bits(ours, expected(x, words, random_bits, reference)), random_bits
