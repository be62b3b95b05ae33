"""The compiled kernel (``simulate/compiled_kernels.py``): where it is taken, and its teeth.

Its agreement with the exact reference on every float16 pattern and on random float32 and
float64 inputs is shown by ``test_quantize_fast_paths.py`` and ``test_kernels.py``, which run
on both kernel paths. Here: that ``quantize`` really takes it, that what it leaves to the
reference is right, and that a kernel built with one wrong constant disagrees.
"""

from __future__ import annotations

import contextlib
import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from simulate import compiled_kernels, executor, formats, kernels
from simulate.executor import Scratch
from simulate.rounding import ROUNDING_MODES, quantize, quantize_exact, reference_for

PRESETS = tuple(fmt for fmt in map(formats.get, formats.names()) if isinstance(fmt, formats.Format))


def every_float16_as(dtype: type) -> NDArray[np.floating]:
    return np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(dtype)


def same_bits(a: NDArray[np.floating], b: NDArray[np.floating]) -> bool:
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    return bool(((a.view(unsigned) == b.view(unsigned)) | (np.isnan(a) & np.isnan(b))).all())


def run(kernel: compiled_kernels.CompiledKernel, x: NDArray[np.floating], seed: int = 0):
    """The kernel on one chunk, what it leaves rounded by the reference; and the reference."""
    bits = kernel.random_bits
    words = None
    if kernel.mode == "sr":
        words = executor.random_words(np.random.PCG64(seed), x.size, bits)
    out = np.empty_like(x)
    left = kernel(x, out, words, Scratch(x.size))
    draws = None if words is None else executor.draws_of(words, bits)
    with np.errstate(invalid="ignore", over="ignore"):
        exact = quantize_exact(x.astype(np.float64), kernel.fmt, kernel.mode, draws, bits)
        expected = exact.astype(x.dtype)
    if left is not None:
        out[left] = expected[left]
    return out, expected, left


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fmt", PRESETS, ids=lambda fmt: fmt.name)
def test_quantize_takes_the_compiled_kernel_for_every_narrower_preset(
    fmt: formats.Format, dtype: type
) -> None:
    narrower = fmt.mantissa_bits < np.finfo(dtype).nmant and fmt.emax < np.finfo(dtype).maxexp
    for mode, bits in [("rne", 0), ("rtz", 0), ("sr", 24)]:
        kernel = kernels.select(np.dtype(dtype), fmt, mode, bits, reference_for(fmt, mode, bits))
        assert isinstance(kernel, compiled_kernels.CompiledKernel) == narrower, (mode, bits)


def test_without_numba_quantize_takes_the_numpy_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STEPSHRINK_NUMBA", "0")
    fmt = formats.get("bf16")
    kernel = kernels.select(np.dtype(np.float32), fmt, "rne", 0, reference_for(fmt, "rne", 0))
    assert isinstance(kernel, kernels.CarryKernel)


@pytest.mark.parametrize("mode", ROUNDING_MODES)
@pytest.mark.parametrize("name", ["fp16", "bf16", "fp8_e4m3", "fp4_e2m1", "e8m0"])
def test_what_the_kernel_leaves_is_only_what_it_cannot_round(name: str, mode: str) -> None:
    """NaN, infinities and (E8M0) the range below its smallest power of two; not overflow,
    which it rounds by the format's policy itself."""
    fmt = formats.get(name)
    assert isinstance(fmt, formats.Format)
    x = every_float16_as(np.float32)
    kernel = compiled_kernels.build(np.dtype(np.float32), fmt, mode, 24 if mode == "sr" else 0)
    out, expected, left = run(kernel, x)
    assert same_bits(out, expected)
    with np.errstate(invalid="ignore"):  # the float16 patterns hold signalling NaNs
        magnitude = np.abs(x.astype(np.float64))
        may_leave = ~np.isfinite(magnitude)
        if not fmt.subnormals:
            may_leave |= magnitude < fmt.min_normal
    assert left is not None
    assert may_leave[left].all()


def corrupted(kernel: compiled_kernels.CompiledKernel, position: int, value: object):
    """The kernel with one of its integer constants replaced."""
    integers, floats = kernel._constants
    wrong = list(integers)
    wrong[position] = type(integers[position])(value)  # type: ignore[call-arg]
    planted = dataclasses.replace(kernel)
    object.__setattr__(planted, "_constants", (tuple(wrong), floats))
    return planted


@pytest.mark.parametrize(
    ("name", "mode", "constant", "value"),
    [
        # RNE's carry without the "less one": ties go up instead of to even.
        ("fp8_e4m3", "rne", 5, 1 << 19),
        ("bf16", "rne", 5, 1 << 15),
        # One bit fewer dropped: a quantum of half the size.
        ("fp16", "rtz", 6, 12),
        # The random draw shifted one bit too far: a biased rounding.
        ("fp4_e2m1", "sr", 12, 21),
        # fp16's overflow saturating instead of going to infinity.
        ("fp16", "rne", 18, 0x477FE000),
    ],
)
def test_a_kernel_with_one_wrong_constant_is_caught(
    name: str, mode: str, constant: int, value: int
) -> None:
    fmt = formats.get(name)
    assert isinstance(fmt, formats.Format)
    patterns = np.random.default_rng(1).integers(0, 1 << 32, 100_000, dtype=np.uint64)
    x = np.concatenate([every_float16_as(np.float32), patterns.astype(np.uint32).view(np.float32)])
    kernel = compiled_kernels.build(np.dtype(np.float32), fmt, mode, 24 if mode == "sr" else 0)
    assert same_bits(*run(kernel, x)[:2])
    assert not same_bits(*run(corrupted(kernel, constant, value), x)[:2])


@pytest.mark.parametrize("name", ["e8m0", "fp16", "bf16"])
def test_a_kernel_compiled_with_the_wrong_sign_is_caught(name: str) -> None:
    """The sign is compiled into the loop (``regimes``): E8M0's NaN for zero and negatives."""
    x = np.concatenate([every_float16_as(np.float32), -every_float16_as(np.float32)])
    kernel = compiled_kernels.build(np.dtype(np.float32), formats.get(name), "rne", 0)
    assert same_bits(*run(kernel, x)[:2])
    below_normal, whole_range, signed, counted = kernel.regimes()
    planted = dataclasses.replace(kernel)
    object.__setattr__(planted, "_regimes", (below_normal, whole_range, not signed, counted))
    assert not same_bits(*run(planted, x)[:2])


@pytest.mark.parametrize("mode", ["rne", "rna", "rdn", "sr"])
def test_the_below_normal_quantum_has_teeth(mode: str) -> None:
    """fp16's subnormals rounded on a quantum twice too large are caught: the scale to
    quanta, and RNE's shift (the input type's addition)."""
    fmt = formats.get("fp16")
    x = every_float16_as(np.float32)
    kernel = compiled_kernels.build(np.dtype(np.float32), fmt, mode, 24 if mode == "sr" else 0)
    integers, (scale_down, scale_up, *rest, shift, limit) = kernel._constants
    assert same_bits(*run(kernel, x)[:2])
    planted = dataclasses.replace(kernel)
    if mode == "rne":
        wrong = (scale_down, scale_up, *rest, shift * 2, limit)
    else:
        wrong = (scale_down / 2, scale_up * 2, *rest, shift, limit)
    object.__setattr__(planted, "_constants", (integers, wrong))
    assert not same_bits(*run(planted, x)[:2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["fp8_e4m3", "fp8_e5m2", "fp6_e2m3", "fp4_e2m1"])
def test_the_counted_below_normal_path_has_teeth(name: str, dtype: type) -> None:
    """Stochastic rounding below min_normal by an integer count (fp8, fp6, fp4 with 24
    random bits): a quantum twice too large, a shift of the count one bit off and a limit
    below the counts are caught."""
    x = every_float16_as(dtype)
    kernel = compiled_kernels.build(np.dtype(dtype), formats.get(name), "sr", 24)
    assert kernel.regimes()[3]
    integers, floats = kernel._constants
    assert same_bits(*run(kernel, x)[:2])
    scale_down, scale_up, *rest, limit = floats
    shift = integers[-1]
    plants = [
        (integers, (scale_down / 2, scale_up * 2, *rest, limit)),
        ((*integers[:-1], type(shift)(shift + 1)), floats),
        ((*integers[:-1], type(shift)(shift - 1)), floats),
        (integers, (scale_down, scale_up, *rest, type(limit)(2.0**20))),
    ]
    for index, constants in enumerate(plants):
        planted = dataclasses.replace(kernel)
        object.__setattr__(planted, "_constants", constants)
        assert not same_bits(*run(planted, x)[:2]), index


def test_fp16_from_float32_rounds_below_normal_by_floats() -> None:
    """Ten fraction bits and 24 random bits overflow a 32-bit count: the float path."""
    kernel = compiled_kernels.build(np.dtype(np.float32), formats.get("fp16"), "sr", 24)
    assert kernel.below_normal
    assert not kernel.counted
    assert compiled_kernels.build(np.dtype(np.float64), formats.get("fp16"), "sr", 24).counted


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_stochastic_rounding_takes_the_reference_event_with_the_same_draws(dtype: type) -> None:
    """Over many seeds, every element of every float16 pattern, against the same draws."""
    fmt = formats.get("fp8_e5m2")
    assert isinstance(fmt, formats.Format)
    x = every_float16_as(dtype)
    for random_bits in (1, 3, 13, 24):
        kernel = compiled_kernels.build(np.dtype(dtype), fmt, "sr", random_bits)
        for seed in range(3):
            out, expected, _ = run(kernel, x, seed)
            assert same_bits(out, expected), (random_bits, seed)


def test_where_the_kernel_does_not_apply() -> None:
    float32 = np.dtype(np.float32)
    # fp32 itself, and stochastic rounding with more random bits than float32 holds exactly
    # below fp16's normal range, are left to the NumPy kernels.
    assert not compiled_kernels.applies(float32, formats.get("fp32"), "rne", 0)
    assert compiled_kernels.applies(float32, formats.get("fp16"), "sr", 24)
    assert not compiled_kernels.applies(float32, formats.get("fp16"), "sr", 25)
    # bf16 has no second regime on float32: up to 31 random bits.
    assert compiled_kernels.applies(float32, formats.get("bf16"), "sr", 31)
    assert not compiled_kernels.applies(float32, formats.get("bf16"), "sr", 32)
    assert not compiled_kernels.applies(np.dtype(np.float16), formats.get("fp8_e4m3"), "rne", 0)
    # Subnormals whose scale to quanta, 2**(m - emin) = 2**139, float32 cannot hold.
    assert not compiled_kernels.applies(float32, formats.Format("e7m20", 7, 20, 120), "rne", 0)
    e7m20 = formats.Format("e7m20", 7, 20, 120)
    assert compiled_kernels.applies(np.dtype(np.float64), e7m20, "rne", 0)
    # A smallest normal above 2**m: scaling to quanta would flush float32's subnormals.
    assert not compiled_kernels.applies(float32, formats.Format("e2m1b-17", 2, 1, -17), "rdn", 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_format_at_the_edge_of_the_scales_rounds_exactly(dtype: type) -> None:
    """Subnormals of 2**-139 to 2**-120 (float32 holds them, not their scale 2**139)."""
    fmt = formats.Format("e7m20", 7, 20, 120)
    rng = np.random.default_rng(5)
    x = (rng.standard_normal(20_000) * np.exp2(rng.integers(-142, -115, 20_000))).astype(dtype)
    with np.errstate(invalid="ignore", over="ignore"):
        for mode in ROUNDING_MODES:
            draws = None
            if mode == "sr":
                draws = executor.draw(np.random.default_rng(2).bit_generator, x.size, 24)
            expected = quantize_exact(x.astype(np.float64), fmt, mode, draws, 24).astype(dtype)
            ours = quantize(x, fmt, mode, rng=np.random.default_rng(2))
            assert same_bits(ours, expected), mode


@st.composite
def float32_formats(draw: st.DrawFn) -> formats.Format:
    """Formats whose every value float32 holds, with any bias that allows it (not only near
    IEEE's): the scales of the below-normal regime reach float32's limits here."""
    exponent_bits = draw(st.integers(2, 8))
    mantissa_bits = draw(st.integers(1, 22))
    nan_inf = draw(st.sampled_from(["ieee", "fn", "none"]))
    top_finite = (1 << exponent_bits) - 1 - (nan_inf == "ieee")
    # emax = top_finite - bias <= 127 and emin - m = 1 - bias - m >= -149.
    bias = draw(st.integers(max(top_finite - 127, -100), 150 - mantissa_bits))
    overflow = {"ieee": ["inf", "saturate", "nan"], "fn": ["saturate", "nan"], "none": ["saturate"]}
    return formats.Format(
        f"e{exponent_bits}m{mantissa_bits}b{bias}",
        exponent_bits,
        mantissa_bits,
        bias,
        subnormals=draw(st.booleans()),
        nan_inf=nan_inf,  # type: ignore[arg-type]
        overflow=draw(st.sampled_from(overflow[nan_inf])),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=40)
@given(fmt=float32_formats(), seed=st.integers(0, 2**32 - 1))
def test_formats_of_any_bias_round_exactly(dtype: type, fmt: formats.Format, seed: int) -> None:
    rng = np.random.default_rng(seed)
    unsigned = np.dtype(f"u{np.dtype(dtype).itemsize}")
    patterns = rng.integers(0, np.iinfo(unsigned).max, 2_000, dtype=unsigned, endpoint=True)
    # Half raw patterns (subnormals of the input type among them), half values around the
    # format's own range.
    near = rng.standard_normal(2_000) * np.exp2(rng.integers(fmt.emin - 30, fmt.emax + 3, 2_000))
    with np.errstate(invalid="ignore", over="ignore"):
        x = np.concatenate([patterns.view(dtype), near.astype(dtype)])
        for mode in ROUNDING_MODES:
            draws = None
            if mode == "sr":
                draws = executor.draw(np.random.default_rng(seed).bit_generator, x.size, 20)
            expected = quantize_exact(x.astype(np.float64), fmt, mode, draws, 20).astype(x.dtype)
            ours = quantize(x, fmt, mode, rng=np.random.default_rng(seed), random_bits=20)
            assert same_bits(ours, expected), mode


def chunked(kernel: compiled_kernels.CompiledKernel, x: NDArray[np.floating], generator):
    """The kernel on one chunk with the words of :func:`simulate.executor.random_words`."""
    words = None
    if generator is not None:
        words = executor.random_words(generator, x.size, kernel.random_bits)
    out = np.empty_like(x)
    left = kernel(x, out, words, Scratch(x.size))
    assert left is None
    return out


@pytest.mark.parametrize("kind", [np.random.PCG64, np.random.PCG64DXSM])
@pytest.mark.parametrize(
    ("dtype", "random_bits"),
    [(np.float32, 1), (np.float32, 24), (np.float64, 27), (np.float64, 40)],
)
@pytest.mark.parametrize("name", ["bf16", "fp8_e4m3", "fp4_e2m1"])
def test_a_whole_range_takes_the_words_and_the_bits_of_the_chunks(
    kind: type, dtype: type, random_bits: int, name: str
) -> None:
    """Stochastic rounding making its words in the loop, block by block, ragged end and all."""
    size = 3 * compiled_kernels.WORD_BLOCK + 5
    x = np.random.default_rng(7).standard_normal(size).astype(dtype) * 4.0
    kernel = compiled_kernels.build(np.dtype(dtype), formats.get(name), "sr", random_bits)
    fused, reference = kind(11), kind(11)
    out = np.empty_like(x)
    assert kernel.round_range(x, out, fused)
    assert same_bits(out, chunked(kernel, x, reference))
    assert fused.state == reference.state


@pytest.mark.parametrize("mode", ["rne", "rdn", "sr"])
def test_a_range_with_anything_left_is_handed_back_untouched(mode: str) -> None:
    x = np.random.default_rng(3).standard_normal(2 * compiled_kernels.WORD_BLOCK)
    x[1000] = np.nan
    kernel = compiled_kernels.build(np.dtype(np.float64), formats.get("fp8_e4m3"), mode, 24)
    generator = np.random.PCG64(5)
    before = generator.state
    assert not kernel.round_range(x, np.empty_like(x), generator if mode == "sr" else None)
    assert generator.state == before


def test_a_range_with_another_generator_is_handed_back() -> None:
    x = np.ones(100, np.float32)
    kernel = compiled_kernels.build(np.dtype(np.float32), formats.get("bf16"), "sr", 24)
    generator = np.random.MT19937(5)
    assert not kernel.round_range(x, np.empty_like(x), generator)
    assert not kernel.round_range(x, np.empty_like(x), None)
    assert (generator.random_raw(8) == np.random.MT19937(5).random_raw(8)).all()


@pytest.mark.parametrize("kind", [np.random.PCG64, np.random.MT19937])
def test_quantize_gives_the_numpy_bits_where_a_range_is_handed_back(kind: type) -> None:
    """NaN and infinity in the first of two threads' ranges (the second in one call), and a
    generator the loop cannot step: the chunks round."""
    size = 4 * compiled_kernels.CHUNK_SIZE
    x = np.random.default_rng(2).standard_normal(size).astype(np.float32)
    x[[5, compiled_kernels.CHUNK_SIZE + 9]] = [np.nan, np.inf]
    results, next_words = [], []
    for compiled in (True, False):
        rng = np.random.Generator(kind(9))
        with contextlib.nullcontext() if compiled else executor.numpy_only():
            results.append(quantize(x, "fp8_e4m3", "sr", rng=rng, threads=2))
        next_words.append(rng.bit_generator.random_raw(8))
    assert same_bits(results[0], results[1])
    assert (next_words[0] == next_words[1]).all()


def test_prefer_wide_vectors_marks_the_function_that_calls_it() -> None:
    """The attribute reaches LLVM, on the caller only (the stochastic-rounding range and the
    MX pass call it; the other loops stay at LLVM's default width)."""
    import numba

    @numba.njit
    def marked(x: int) -> int:
        compiled_kernels.prefer_wide_vectors()
        return x + 1

    @numba.njit
    def unmarked(x: int) -> int:
        return x + 1

    assert marked(1) == unmarked(1) == 2
    assert compiled_kernels.WIDE_VECTORS in next(iter(marked.inspect_llvm().values()))
    assert compiled_kernels.WIDE_VECTORS not in next(iter(unmarked.inspect_llvm().values()))
