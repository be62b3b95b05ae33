"""Block scaling (OCP MX, NVFP4) and per-tensor scaling against independent references."""

from __future__ import annotations

import math
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from simulate import executor
from simulate.bits import decode
from simulate.formats import Format, get
from simulate.rounding import quantize
from simulate.scaling import (
    BlockFormat,
    block_format_names,
    decode_blocks,
    encode_blocks,
    get_block_format,
    quantize_blocks,
    quantize_tensor_scaled,
    tensor_scale,
)

MX = {
    "mxfp8_e4m3": ml_dtypes.float8_e4m3fn,
    "mxfp8_e5m2": ml_dtypes.float8_e5m2,
    "mxfp6_e3m2": ml_dtypes.float6_e3m2fn,
    "mxfp6_e2m3": ml_dtypes.float6_e2m3fn,
    "mxfp4": ml_dtypes.float4_e2m1fn,
}
EMAX_ELEMENT = {"mxfp8_e4m3": 8, "mxfp8_e5m2": 15, "mxfp6_e3m2": 4, "mxfp6_e2m3": 2, "mxfp4": 2}


def reference_mx(x: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    """OCP MX v1.0 section 6.3 written out for float32 blocks of 32 along the last axis.

    Returns the dequantized values and the E8M0 scale codes (``shared_exp + 127``).
    """
    dtype = MX[name]
    blocks = x.astype(np.float64).reshape(*x.shape[:-1], -1, 32)
    amax = np.abs(blocks).max(axis=-1)
    exponent = np.floor(np.log2(np.where(amax > 0, amax, 2.0**-126)))
    exponent -= 2.0**exponent > amax  # log2 may round up just below a power of two
    shared = np.clip(exponent - EMAX_ELEMENT[name], -127, 127)
    scale = 2.0 ** shared[..., None]
    largest = float(ml_dtypes.finfo(dtype).max)
    # clipping before a nearest-even cast equals saturating after it
    elements = np.clip(blocks / scale, -largest, largest).astype(np.float32).astype(dtype)
    values = (elements.astype(np.float64) * scale).reshape(x.shape)
    return values, (shared + 127).astype(np.uint8)


@pytest.mark.parametrize("name", list(MX))
def test_mx_matches_the_spec_reference_bit_for_bit(name: str) -> None:
    # seed 4: log-uniform magnitudes over 40 binades, so blocks of every scale occur,
    # including blocks whose maximum rounds up past the element maximum (saturation)
    rng = np.random.default_rng(4)
    x = (rng.choice([-1.0, 1.0], (64, 256)) * 2.0 ** rng.uniform(-20, 20, (64, 256))).astype(
        np.float32
    )
    x[:, :32] *= 2.0 ** rng.integers(-30, 30, size=(64, 1))  # per-block scale spread
    expected, scale_codes = reference_mx(x, name)
    ours = quantize_blocks(x, name)
    assert ours.dtype == np.float32
    assert np.array_equal(ours.astype(np.float64), expected)
    encoding = encode_blocks(x, name)
    assert np.array_equal(encoding.scale_codes, scale_codes)
    assert encoding.tensor_scale is None
    # every output is the block scale times an element of the format
    block_format = get_block_format(name)
    elements = decode(encoding.element_codes, block_format.element)
    scales = np.repeat(decode(encoding.scale_codes, block_format.scale), 32, axis=-1)
    assert np.array_equal(elements * scales, expected)
    assert np.array_equal(decode_blocks(encoding, name), expected)


def test_mx_saturates_elements_that_round_past_the_maximum() -> None:
    # amax = 511 (just below 2**9): X = 2**(8 - 8) = 1, and 511 rounds past e4m3's 448:
    # the spec clamps it to 448 where a plain e4m3 cast would give NaN.
    x = np.zeros(32)
    x[0], x[1] = 511.0, -500.0
    ours = quantize_blocks(x, "mxfp8_e4m3")
    assert ours[0] == 448.0
    assert ours[1] == -448.0
    assert np.isnan(quantize(np.array([511.0]), "fp8_e4m3")[0])


def test_mx_edge_blocks() -> None:
    x = np.ones((5, 32))
    x[0] = 0.0  # all zero: scale 2**-127 (code 0), zeros with their signs
    x[0, 3] = -0.0
    x[1, 5] = np.nan  # NaN in a block: scale NaN (0xFF), the block decodes to NaN
    x[2, 7] = -np.inf  # an infinity: the same
    x[3] = 2.0**-140 * np.arange(1, 33)  # subnormal-range amax (float64 input)
    x[4, 0] = 2.0**-149  # tiny next to ones: rounds to zero in nearest, up in "rup"
    encoding = encode_blocks(x, "mxfp8_e4m3")
    ours = quantize_blocks(x, "mxfp8_e4m3")
    assert encoding.scale_codes[:, 0].tolist() == [0, 255, 255, 0, 127 - 8]
    assert np.array_equal(ours[0], x[0])
    assert np.array_equal(np.signbit(ours[0]), np.signbit(x[0]))
    assert np.isnan(ours[1]).all()
    assert np.isnan(ours[2]).all()
    assert np.array_equal(encoding.element_codes[1:3], np.zeros((2, 32), np.uint8))
    # block 3: amax = 2**-135, shared = -135 - 8 clipped to -127; elements x * 2**127
    expected = quantize(x[3] * 2.0**127, "fp8_e4m3") * 2.0**-127
    assert np.array_equal(ours[3], expected)
    assert ours[4, 0] == 0.0
    up = quantize_blocks(x, "mxfp8_e4m3", rounding="rup")
    assert up[4, 0] == 2.0**-9 * 2.0**-8  # e4m3's smallest subnormal times X = 2**-8
    # a float64 block beyond float32's range: shared exponent above 127, NaN scale
    assert np.isnan(quantize_blocks(np.full(32, 1e300), "mxfp4")).all()


def test_padding_and_axis() -> None:
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 40))
    padded = np.concatenate([x, np.zeros((3, 24))], axis=1)
    for name in block_format_names():
        ours = quantize_blocks(x, name)
        assert np.array_equal(ours, quantize_blocks(padded, name)[:, :40])
        assert np.array_equal(quantize_blocks(x.T, name, axis=0), ours.T)
        encoding = encode_blocks(x, name)
        assert encoding.element_codes.shape == (3, 40)
        size = get_block_format(name).block_size
        assert encoding.scale_codes.shape == (3, -(-40 // size))
        assert np.array_equal(decode_blocks(encoding, name), ours)
        column = encode_blocks(x.T, name, axis=0)
        assert np.array_equal(column.scale_codes, encoding.scale_codes.T)


def quanta_of(magnitude: Fraction, fmt: Format) -> tuple[Fraction, Fraction]:
    """``(magnitude / quantum, quantum)`` for a positive exact rational in ``fmt``."""
    exponent = magnitude.numerator.bit_length() - magnitude.denominator.bit_length()
    if Fraction(2) ** exponent > magnitude:
        exponent -= 1
    quantum = Fraction(2) ** (max(exponent, fmt.emin) - fmt.mantissa_bits)
    return magnitude / quantum, quantum


def round_fraction(value: Fraction, fmt: Format) -> Fraction:
    """Nearest-even rounding of an exact rational into ``fmt``, saturating (test oracle)."""
    if value == 0:
        return Fraction(0)
    magnitude = abs(value)
    units, quantum = quanta_of(magnitude, fmt)
    low = math.floor(units)
    rest = units - low
    count = low + 1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and low % 2) else low
    rounded = min(count * quantum, Fraction(fmt.max_finite))
    return rounded if value > 0 else -rounded


def reference_nvfp4(x: np.ndarray) -> np.ndarray:
    """NVFP4's two-level recipe in exact rationals, one 1-D tensor (length a multiple of 16)."""
    e2m1, e4m3, fp32 = get("fp4_e2m1"), get("fp8_e4m3"), get("fp32")
    exact = [Fraction(float(v)) for v in x]
    amax = max(abs(v) for v in exact)
    tensor = round_fraction(amax / (6 * 448), fp32) if amax else Fraction(1)
    out = []
    for start in range(0, len(exact), 16):
        block = exact[start : start + 16]
        block_scale = round_fraction(max(abs(v) for v in block) / (6 * tensor), e4m3)
        for v in block:
            element = round_fraction(v / (block_scale * tensor), e2m1) if block_scale else 0
            out.append(float(element * block_scale * tensor))
    return np.array(out)


def test_nvfp4_two_level_scales_match_exact_reference() -> None:
    # seed 8: three tensors (rows) with different ranges; each row has its own tensor scale
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 64)) * np.array([[1e-3], [1.0], [3e4]])
    x[1, 16:32] *= 1e-4  # a block far below the tensor maximum
    ours = quantize_blocks(x, "nvfp4")
    for row in range(3):
        assert np.array_equal(ours[row], reference_nvfp4(x[row]))
    encoding = encode_blocks(x, "nvfp4")
    assert encoding.tensor_scale is not None
    assert encoding.tensor_scale.dtype == np.float32
    amax = np.abs(x).max(axis=1)
    expected_tensor = np.array(
        [float(round_fraction(Fraction(a) / 2688, get("fp32"))) for a in amax]
    )
    assert np.array_equal(encoding.tensor_scale[:, 0].astype(np.float64), expected_tensor)
    # the largest block of each tensor gets the largest E4M3 scale (448 = 0x7E)
    assert np.all(encoding.scale_codes.max(axis=1) == 0x7E)
    assert np.array_equal(decode_blocks(encoding, "nvfp4"), ours)
    # whole_tensor: one scale for the array, so the small rows lose precision
    whole = encode_blocks(x, "nvfp4", whole_tensor=True)
    assert whole.tensor_scale is not None
    assert np.all(whole.tensor_scale == whole.tensor_scale[2, 0])


def round_fraction_sr(value: Fraction, fmt: Format, draw: int, random_bits: int) -> Fraction:
    """Stochastic rounding of an exact rational with one draw, saturating (test oracle).

    The element steps away from zero when ``draw + floor(f 2**r) >= 2**r``, ``f`` the exact
    discarded fraction of a quantum (:func:`simulate.rounding.quantize_exact`'s rule).
    """
    magnitude = abs(value)
    if magnitude == 0:
        return value
    units, quantum = quanta_of(magnitude, fmt)
    low = math.floor(units)
    away = draw + math.floor((units - low) * 2**random_bits) >= 2**random_bits
    rounded = min((low + away) * quantum, Fraction(fmt.max_finite))
    return rounded if value > 0 else -rounded


@pytest.mark.parametrize("random_bits", [8, 24])
@pytest.mark.parametrize("length", [40, 64])
def test_stochastic_blocks_draw_one_word_per_element_in_row_major_padded_order(
    random_bits: int, length: int
) -> None:
    """The random stream is pinned: element ``i`` of the padded row-major layout takes draw
    ``i`` of :func:`simulate.executor.draw` (padding draws too); NVFP4 and MXFP4 against
    exact rationals, float32 rows of 40 (padded to 48 and 64: the slices path) and of 64
    (whole blocks: the flat paths)."""
    rng = np.random.default_rng(31)
    x = (rng.standard_normal((3, length)) * np.array([[1e-3], [1.0], [3e4]])).astype(np.float32)
    x[1, 16:32] *= np.float32(1e-4)
    e2m1, e4m3, fp32 = get("fp4_e2m1"), get("fp8_e4m3"), get("fp32")
    for name, size in (("nvfp4", 16), ("mxfp4", 32)):
        padded = -(-length // size) * size
        draws = executor.draw(np.random.default_rng(5).bit_generator, 3 * padded, random_bits)
        ours = quantize_blocks(
            x, name, rounding="sr", rng=np.random.default_rng(5), random_bits=random_bits
        )
        for row in range(3):
            exact = [Fraction(float(v)) for v in x[row]] + [Fraction(0)] * (padded - length)
            tensor = round_fraction(max(map(abs, exact)) / (6 * 448), fp32)
            expected = []
            for start in range(0, padded, size):
                block = exact[start : start + size]
                amax = max(map(abs, block))
                if name == "nvfp4":
                    scale = round_fraction(amax / (6 * tensor), e4m3) * tensor
                else:  # 2**(floor(log2(amax)) - 2), clamped at 2**-127
                    binade = amax.numerator.bit_length() - amax.denominator.bit_length()
                    binade -= Fraction(2) ** binade > amax
                    scale = Fraction(2) ** max(binade - 2, -127)
                for offset, v in enumerate(block):
                    draw = int(draws[row * padded + start + offset])
                    element = round_fraction_sr(v / scale, e2m1, draw, random_bits)
                    expected.append(float(element * scale))
            expected_row = np.array(expected[:length], np.float32)
            assert np.array_equal(ours[row], expected_row), (name, row)


def test_nvfp4_edge_blocks() -> None:
    x = np.ones((2, 32))
    x[0] = 0.0
    x[1, 20] = np.nan
    ours = quantize_blocks(x, "nvfp4")
    encoding = encode_blocks(x, "nvfp4")
    assert np.array_equal(ours[0], np.zeros(32))
    assert encoding.tensor_scale is not None
    assert encoding.tensor_scale[0, 0] == 1.0  # zero tensor
    # amax 1 maps to 6 * 448 * fp32(1/2688): the float32 tensor scale is not exact
    tensor = float(encoding.tensor_scale[1, 0])
    assert tensor == float(np.float32(1 / 2688))
    assert np.all(ours[1, :16] == 6 * 448 * tensor)
    assert ours[1, 0] != 1.0
    assert np.isnan(ours[1, 16:]).all()
    assert encoding.scale_codes[1].tolist() == [0x7E, 0x7F]


def test_block_formats_registry_and_validation() -> None:
    assert block_format_names() == (
        "mxfp8_e4m3",
        "mxfp8_e5m2",
        "mxfp6_e3m2",
        "mxfp6_e2m3",
        "mxfp4",
        "nvfp4",
    )
    nvfp4 = get_block_format("nvfp4")
    assert (nvfp4.block_size, nvfp4.scale.name, nvfp4.tensor_scale) == (16, "fp8_e4m3", True)
    assert get_block_format("mxfp4").scale == get("e8m0")
    with pytest.raises(ValueError, match="unknown block format 'mxfp5'"):
        get_block_format("mxfp5")
    with pytest.raises(ValueError, match="block_size must be an integer >= 1"):
        BlockFormat("bad", get("fp4_e2m1"), get("e8m0"), 0)
    with pytest.raises(ValueError, match="tensor_scale=True needs a non-power-of-two"):
        BlockFormat("bad", get("fp4_e2m1"), get("e8m0"), 32, tensor_scale=True)
    with pytest.raises(ValueError, match=r"axis must be an integer in \[-2, 1\]"):
        quantize_blocks(np.ones((2, 3)), "mxfp4", axis=2)
    with pytest.raises(ValueError, match="x must be float16, float32 or float64"):
        quantize_blocks(np.array(["a"]), "mxfp4")
    with pytest.raises(ValueError, match="rng must be a numpy"):
        quantize_blocks(np.ones(3), "mxfp4", rounding="sr")
    with pytest.raises(ValueError, match="random_bits must be <= 50 for nvfp4"):
        quantize_blocks(
            np.ones(3), "nvfp4", rounding="sr", rng=np.random.default_rng(0), random_bits=51
        )
    with pytest.raises(ValueError, match="margin must be an integer >= 0"):
        tensor_scale(np.ones(3), "fp8_e4m3", margin=-1)


@pytest.mark.slow
def test_stochastic_block_rounding_is_unbiased_and_a_planted_bias_is_caught() -> None:
    # Level 1 - 1e-6 (Hoeffding, Bonferroni over 64 elements), seed 12. With 30 random bits
    # and float32 inputs the discarded fraction is exact: E[Q(x)] = x for every element.
    rng = np.random.default_rng(12)
    x = rng.standard_normal(64).astype(np.float32)
    count = 20000
    replicated = np.broadcast_to(x, (count, 64))
    draws = quantize_blocks(replicated, "mxfp4", rounding="sr", rng=rng, random_bits=30)
    low = quantize_blocks(x, "mxfp4", rounding="rdn").astype(np.float64)
    high = quantize_blocks(x, "mxfp4", rounding="rup").astype(np.float64)
    gap = np.where(high > low, high - low, 1.0)
    radius = math.sqrt(math.log(2 / (1e-6 / 64)) / (2 * count))
    position = (draws.astype(np.float64) - low) / gap
    target = (x.astype(np.float64) - low) / gap
    # unbiased inside the representable range; an element the spec saturates (|x| above
    # 6 X, the top of its block) is shrunk deterministically: docs/spec.md section 4's q < 1
    inside = (high > low) | (low == x)
    assert (~inside).any()
    assert np.all(np.abs(position.mean(axis=0) - target)[inside] <= radius)
    assert np.all(np.abs(draws[:, ~inside]) < np.abs(x[~inside]))
    planted = np.minimum(position + (rng.random(position.shape) < 0.05), 1.0)
    assert np.any(np.abs(planted.mean(axis=0) - target) > radius)


# Per-tensor amax scaling --------------------------------------------------------------------
def test_tensor_scale_is_the_largest_power_of_two_that_fits() -> None:
    fmt = get("fp8_e4m3")
    x = np.array([[1.0, -3.0], [500.0, 2.0], [0.0, 0.0], [448.0, 1.0], [7.0, np.inf]])
    scale = tensor_scale(x, fmt, axis=-1)
    assert scale[:, 0].tolist() == [128.0, 0.5, 1.0, 1.0, 64.0]
    amax = np.array([3.0, 500.0, 0.0, 448.0, 7.0])
    fits = amax * scale[:, 0] <= fmt.max_finite
    assert fits.all()
    positive = amax > 0
    assert np.all(amax[positive] * 2 * scale[positive, 0] > fmt.max_finite)
    assert tensor_scale(x, fmt).shape == (1, 1)
    assert tensor_scale(x, fmt, axis=-1, margin=2)[0, 0] == 32.0


@given(
    st.lists(st.floats(-1e4, 1e4, width=32), min_size=1, max_size=40),
    st.integers(-60, 60),
    st.sampled_from(["fp8_e4m3", "fp8_e5m2", "fp4_e2m1", "fp16"]),
)
@example([0.0], 0, "fp8_e4m3")
@example([448.0, -1e-6], 3, "fp8_e4m3")
def test_tensor_scaling_is_power_of_two_equivariant_and_exact(
    values: list[float], shift: int, name: str
) -> None:
    x = np.array(values)
    ours = quantize_tensor_scaled(x, name)
    scale = tensor_scale(x, name)
    assert np.array_equal(ours, quantize(x * scale, name) / scale)
    assert np.array_equal(quantize_tensor_scaled(x * 2.0**shift, name), ours * 2.0**shift)
    assert np.all(np.abs(ours) <= np.abs(x).max() * (1 + get(name).unit_roundoff) * 1.0)


def test_tensor_scaling_per_row_keeps_replicas_independent() -> None:
    x = np.array([[1e-6, 2e-6, -3e-6], [100.0, 1.0, 0.01]])
    rows = quantize_tensor_scaled(x, "fp8_e4m3", axis=-1)
    assert np.array_equal(rows[0], quantize_tensor_scaled(x[0], "fp8_e4m3"))
    assert np.array_equal(rows[1], quantize_tensor_scaled(x[1], "fp8_e4m3"))
    # without scaling fp8 e4m3 flushes the first row to zero
    assert np.all(quantize(x[0], "fp8_e4m3") == 0)
    assert np.all(rows[0] != 0)


@given(
    st.lists(st.floats(-1e6, 1e6, width=32, allow_subnormal=True), min_size=1, max_size=70),
    st.sampled_from(list(MX)),
    st.sampled_from(["rne", "rna", "rtz", "rup", "rdn"]),
)
@example([2.0**-140, -(2.0**-149)], "mxfp8_e4m3", "rup")
@example([511.0, 1.0], "mxfp8_e4m3", "rne")
def test_mx_quantization_is_idempotent(values: list[float], name: str, rounding: str) -> None:
    # a quantized block keeps its maximum's binade, hence its scale, and its elements are
    # representable: quantizing again changes nothing, in every deterministic mode
    x = np.array(values, dtype=np.float32)
    once = quantize_blocks(x, name, rounding=rounding)
    assert np.array_equal(quantize_blocks(once, name, rounding=rounding), once)
    assert np.array_equal(
        encode_blocks(once, name).scale_codes, encode_blocks(x, name, rounding=rounding).scale_codes
    )


@pytest.mark.parametrize("mode", ["rup", "rdn", "rne", "rtz", "rna"])
def test_a_quotient_float64_flushes_to_zero_rounds_like_a_tiny_one(mode: str) -> None:
    """NVFP4: 1e-300 in a block of 1e30 (its quotient underflows float64) rounds as 1e-200
    does (its quotient is tiny but representable): up to the block's smallest value under
    rup, to zero under rne."""
    flushed, tiny = np.zeros(16), np.zeros(16)
    flushed[0] = tiny[0] = 1e30
    flushed[3], flushed[4] = 1e-300, -1e-300
    tiny[3], tiny[4] = 1e-200, -1e-200
    ours = quantize_blocks(flushed, "nvfp4", rounding=mode)
    expected = quantize_blocks(tiny, "nvfp4", rounding=mode)
    assert ours[3:5].tolist() == expected[3:5].tolist()
    assert (ours[3] > 0) == (mode == "rup")
    assert (ours[4] < 0) == (mode == "rdn")
