"""Quantizer sites and the synthetic shrinkage model (docs/spec.md section 2: A3-A4 exactly)."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from simulate.measure import projection
from simulate.quantizer import Quantizer, SyntheticShrinkage


def z_for(level: float, tests: int = 1) -> float:
    return NormalDist().inv_cdf(1 - (1 - level) / (2 * tests))


def test_synthetic_noise_is_conditionally_centred_with_second_moment_sigma_q2() -> None:
    # seed 21; level 99.9% Bonferroni over d + 1 tests. The same g is used for every draw,
    # so the sample mean of eps estimates E[eps | g].
    model = SyntheticShrinkage(0.5, sigma_q2=0.3, law="fixed")
    rng = np.random.default_rng(21)
    count, d = 50000, 6
    g = np.tile(np.linspace(-1.0, 2.0, d), (count, 1))
    q = model.draw_q(count, rng)
    eps = model.apply(g, q, rng) - q[:, None] * g
    # eps lives on the complement of g: per-coordinate variance at most 0.3/(d - 1), and
    # ‖eps‖² = 0.3/(d - 1) χ²_{d-1} (mean 0.3, variance 2 · 0.3²/(d - 1) per draw)
    z = z_for(0.999, d + 1)
    assert np.all(np.abs(eps.mean(axis=0)) <= z * np.sqrt(0.3 / (d - 1) / count))
    sq = np.einsum("nd,nd->n", eps, eps)
    assert abs(sq.mean() - 0.3) <= z * 0.3 * np.sqrt(2 / (d - 1) / count)
    assert np.all(
        np.abs(np.einsum("nd,nd->n", eps, g)) <= 1e-14 * np.sqrt(sq) * np.linalg.norm(g[0])
    )


def test_synthetic_q_is_uniform_on_its_range() -> None:
    # seed 22; the empirical CDF stays within the DKW band at 99.9%:
    # sup |F_n - F| <= sqrt(ln(2/0.001)/(2n))
    model = SyntheticShrinkage(0.2, 0.9)
    q = model.draw_q(20000, np.random.default_rng(22))
    assert q.min() >= 0.2
    assert q.max() <= 0.9
    ordered = np.sort(q)
    empirical = np.arange(1, q.size + 1) / q.size
    band = np.sqrt(np.log(2 / 0.001) / (2 * q.size))
    assert np.max(np.abs(empirical - (ordered - 0.2) / 0.7)) <= band
    # a planted wrong law (q squared) leaves the band
    planted = np.sort(0.2 + 0.7 * ((q - 0.2) / 0.7) ** 2)
    assert np.max(np.abs(empirical - (planted - 0.2) / 0.7)) > band


def test_synthetic_projection_recovers_q_without_noise() -> None:
    model = SyntheticShrinkage(0.25, law="fixed")
    rng = np.random.default_rng(0)
    g = rng.standard_normal((10, 4))
    q_model = model.draw_q(10, rng)
    q, eps = projection(g, model.apply(g, q_model, rng))
    assert np.allclose(q, 0.25, rtol=0, atol=1e-15)
    assert np.allclose(eps, 0.0, atol=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"q_min": 0.0}, "q_min, q_max must satisfy"),
        ({"q_min": 0.5, "q_max": 1.5}, "q_min, q_max must satisfy"),
        ({"q_min": 0.5, "sigma_q2": -1.0}, "sigma_q2 must be finite"),
        ({"q_min": 0.5, "law": "normal"}, "law must be"),
    ],
)
def test_synthetic_rejects_bad_parameters(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SyntheticShrinkage(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rounding": "nearest"}, "rounding must be one of"),
        ({"random_bits": 0}, "random_bits must be an integer >= 1"),
        ({"random_bits": True}, "random_bits must be an integer >= 1"),
    ],
)
def test_quantizer_rejects_bad_parameters(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Quantizer("fp16", **kwargs)


@pytest.mark.parametrize("name", ["fp16", "bf16", "fp8_e4m3", "fp8_e5m2", "fp4_e2m1"])
@pytest.mark.parametrize("rounding", ["rne", "rtz", "sr"])
def test_quantizer_is_the_bit_exact_quantize_row_by_row(name: str, rounding: str) -> None:
    from simulate.rounding import quantize

    values = np.random.default_rng(3).standard_normal((4, 9)) * 10.0 ** np.arange(-4, 5)
    quantizer = Quantizer(name, rounding)
    expected = quantize(values, name, rounding, rng=np.random.default_rng(1))
    got = quantizer(values, np.random.default_rng(1))
    assert np.array_equal(got, expected, equal_nan=True)
    assert quantizer.describe()["format"] == name


def test_saturation_marks_overflow_and_the_top_value_exactly() -> None:
    quantizer = Quantizer("fp8_e4m3", "rne")
    values = np.array([[1.0, 440.0, 448.0, 460.0, 470.0, 1e6, -1e6, 0.001]])
    quantized = quantizer(values)
    # 440 -> 448 (the top value), 460 -> 448, 470 and beyond overflow to NaN (no inf in e4m3fn)
    assert quantizer.saturated(values, quantized).tolist() == [
        [False, True, True, True, True, True, True, False]
    ]


def test_unknown_format_name_is_rejected() -> None:
    with pytest.raises(ValueError, match="format must name an element or block format"):
        Quantizer("fp7")


@pytest.mark.parametrize("name", ["mxfp8_e4m3", "mxfp6_e3m2", "mxfp4", "nvfp4"])
def test_block_quantizer_is_quantize_blocks_per_replica(name: str) -> None:
    from simulate.scaling import quantize_blocks

    values = np.random.default_rng(4).standard_normal((3, 40)) * np.geomspace(1e-3, 1e3, 40)
    quantizer = Quantizer(name, "sr")
    assert quantizer.is_block
    got = quantizer(values, np.random.default_rng(2))
    expected = quantize_blocks(values, name, axis=-1, rounding="sr", rng=np.random.default_rng(2))
    assert np.array_equal(got, expected)


def test_tensor_scaling_is_quantize_tensor_scaled_per_replica() -> None:
    from simulate.scaling import quantize_tensor_scaled

    values = np.random.default_rng(5).standard_normal((3, 10)) * [[1e-6], [1.0], [1e4]]
    got = Quantizer("fp8_e4m3", tensor_scaling=True)(values)
    assert np.array_equal(got, quantize_tensor_scaled(values, "fp8_e4m3", axis=-1))
    # without per-tensor scaling the 1e-6 replica underflows entirely, with it none does
    assert np.all(Quantizer("fp8_e4m3")(values)[0] == 0)
    assert np.all(got[0] != 0)
    with pytest.raises(ValueError, match="tensor_scaling applies to element formats"):
        Quantizer("mxfp4", tensor_scaling=True)


def test_block_saturation_marks_the_clipped_block_maximum() -> None:
    from simulate.scaling import quantize_blocks

    # MXFP4: the shared scale is 2^(floor(log2 amax) - 2), so an amax of 7.5 (in [4, 8) after
    # scaling) exceeds E2M1's maximum 6 and is clipped to 6; the other entries are not
    values = np.zeros((1, 32))
    values[0, :3] = [7.5, 1.0, -2.0]
    quantized = np.asarray(quantize_blocks(values, "mxfp4"), dtype=np.float64)
    assert quantized[0, 0] == 6.0
    marks = Quantizer("mxfp4").saturated(values, quantized)
    assert marks[0, 0]
    assert not marks[0, 1:].any()


def test_synthetic_model_is_measured_exactly_by_the_projection() -> None:
    # orthogonal noise: docs/spec.md section 4's projection returns the drawn q and eps (up to
    # rounding), with noise as large as the gradient
    model = SyntheticShrinkage(0.2, 0.9, sigma_q2=4.0)
    g = np.random.default_rng(7).standard_normal((500, 12))
    rng = np.random.default_rng(8)
    q_drawn = model.draw_q(500, np.random.default_rng(8))
    q, _ = projection(g, model(g, rng))
    assert np.allclose(q, q_drawn, rtol=1e-13, atol=0)
    with pytest.raises(ValueError, match="at least two entries"):
        model(np.ones((3, 1)), rng)


def test_every_quantizer_follows_the_protocol() -> None:
    from simulate.quantizer import Identity, QuantizerProtocol, as_quantizer

    for quantizer in (
        Quantizer("fp8_e4m3"),
        Quantizer("mxfp4", "sr"),
        Quantizer("bf16", tensor_scaling=True),
        SyntheticShrinkage(0.5),
        Identity(),
    ):
        assert isinstance(quantizer, QuantizerProtocol)
        assert as_quantizer(quantizer) is quantizer
    assert as_quantizer(None) == Identity()
    assert as_quantizer("nvfp4", "rtz") == Quantizer("nvfp4", "rtz")
    values = np.random.default_rng(0).standard_normal((2, 5))
    assert Identity()(values) is values
    assert not Identity().saturated(values, values).any()
    assert not Identity().rounding_span(values).any()


@pytest.mark.parametrize("name", ["mxfp4", "nvfp4", "mxfp8_e5m2"])
def test_block_formats_block_each_row_of_each_tensor(name: str) -> None:
    # a batch of 3 tensors of shape (4, 20): blocks along the last axis never cross a row
    # (20 is not a multiple of 16 or 32), and NVFP4's tensor scale is one per tensor
    from simulate.scaling import quantize_blocks

    rng = np.random.default_rng(9)
    values = rng.standard_normal((3, 4, 20)) * np.geomspace(1e-4, 1e2, 4)[None, :, None]
    got = Quantizer(name, "sr")(values, np.random.default_rng(1))
    padded = np.pad(values, [(0, 0), (0, 0), (0, 12)])  # to 32: whole blocks of 16 or 32
    expected = quantize_blocks(
        padded.reshape(3, -1), name, rounding="sr", rng=np.random.default_rng(1)
    ).reshape(padded.shape)[..., :20]
    assert np.array_equal(got, expected)
    row_by_row = np.stack([quantize_blocks(v, name, whole_tensor=True) for v in values])
    assert np.array_equal(Quantizer(name)(values), row_by_row)


def test_tensor_scaling_is_per_tensor_of_a_batch() -> None:
    from simulate.scaling import quantize_tensor_scaled

    values = np.random.default_rng(5).standard_normal((2, 3, 4)) * [[[1e-6]], [[1e3]]]
    got = Quantizer("fp8_e4m3", tensor_scaling=True)(values)
    for index in range(2):
        assert np.array_equal(got[index], quantize_tensor_scaled(values[index], "fp8_e4m3"))


def test_block_saturation_is_per_block() -> None:
    # 1000 = 7.8 X and 7.5 = 7.5 X' are both clipped to 6 times their block scale; the second
    # counts although its block's maximum is below the row's (the old row-wise rule missed it)
    values = np.zeros((1, 64))
    values[0, :2] = [1000.0, 3.0]
    values[0, 32] = 7.5
    quantized = Quantizer("mxfp4")(values)
    assert quantized[0, 0] == 6 * 128.0
    assert quantized[0, 32] == 6.0
    marks = Quantizer("mxfp4").saturated(values, quantized)
    assert np.flatnonzero(marks[0]).tolist() == [0, 32]
