"""simulate.gradients.check on recorded gradients.

Streaming, per layer, any array type, A2 on sparse features, dynamic loss scaling, .npz files.
Every verdict is at the checker's default level 99.9 % with the seed given in the call.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from statistics import NormalDist

import ml_dtypes
import numpy as np
import pytest
import torch

from simulate import gradients
from simulate.gradient_points import GradientPoint, as_array
from simulate.loss_scaling import DynamicLossScaler
from simulate.online import ShiftedMoments, bernstein_delta, normal_delta
from simulate.quantizer import Quantizer


def two_layer_points(count: int = 4, samples: int = 64, seed: int = 0) -> Iterator[dict]:
    """A large layer (entries ~1) and a tiny one (entries ~1e-4, below fp8 E4M3's subnormals)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield {
            "big.weight": rng.standard_normal((samples, 8, 4)).astype(np.float32),
            "tiny.bias": (1e-4 * rng.standard_normal((samples, 8))).astype(np.float32),
        }


def test_streaming_report_is_per_layer_and_overall() -> None:
    consumed = []

    def points() -> Iterator[dict]:
        for point in two_layer_points():
            consumed.append(1)
            yield point

    report = gradients.check(points(), Quantizer("fp8_e4m3", "rne"), seed=1)
    assert len(consumed) == 4  # one pass
    assert set(report.layers) == {"big.weight", "tiny.bias"}
    tiny, big = report.layers["tiny.bias"], report.layers["big.weight"]
    # the tiny layer underflows entirely (q = 0, A3 fails); the big one does not
    assert tiny.estimates["underflow"].value == 1.0
    assert tiny.estimates["q_max"].value == 0.0
    assert not tiny["A3"].holds
    assert big.estimates["underflow"].value < 0.01
    assert abs(big.estimates["q_min"].value - 1) < 0.01
    # overall, the tiny layer weighs ~1e-8 of ‖g‖²: q is the big layer's, A4 fails (RNE)
    assert abs(report.estimates["q_min"].value - big.estimates["q_min"].value) < 1e-6
    assert not report["A4"].holds
    assert report["A4"].numbers["deterministic"]
    # no exact gradient: A2's bias test did not run, which the verdict says
    assert report["A2"].status == "inconclusive"
    assert report.settings["layers"] == {"big.weight": [8, 4], "tiny.bias": [8]}
    assert report.to_dict()["layers"]["tiny.bias"]["verdicts"]["A3"]["status"] == "fails"


def test_stochastic_rounding_satisfies_a4_per_layer() -> None:
    report = gradients.check(two_layer_points(count=3), Quantizer("fp8_e4m3", "sr"), seed=2)
    assert report["A4"].holds
    assert report.layers["big.weight"]["A4"].holds
    assert report.layers["big.weight"]["A3"].holds
    assert not report["A4"].numbers["deterministic"]


def test_block_formats_block_along_each_row_not_across_rows() -> None:
    # rows 1e3 and 1e-3 apart in a (2, 16) tensor: MXFP4 blocks of 32 on the flattened tensor
    # would share one scale and flush the small row; blocks along each row keep it
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((16, 2, 16)) * np.array([1e3, 1e-3])[None, :, None]
    per_row = gradients.check([{"w": rows}], "mxfp4", repeats=2, seed=3)
    # (within a row, E2M1's few binades still flush the block's smallest entries)
    assert per_row.estimates["underflow"].value < 0.15
    flattened = gradients.check([{"w": rows.reshape(16, 32)}], "mxfp4", repeats=2, seed=3)
    assert flattened.estimates["underflow"].value > 0.45  # the wrong axis, for contrast


def torch_points(dtype: torch.dtype, requires_grad: bool) -> list[dict]:
    generator = torch.Generator().manual_seed(4)
    points = []
    for _ in range(2):
        weight = torch.randn(32, 5, 3, generator=generator).to(dtype)
        points.append({"w": weight.requires_grad_(requires_grad)})
    return points


@pytest.mark.parametrize(
    ("dtype", "requires_grad"),
    [(torch.float32, True), (torch.bfloat16, False), (torch.float16, True)],
)
def test_torch_tensors_give_the_numpy_report(dtype: torch.dtype, requires_grad: bool) -> None:
    tensors = torch_points(dtype, requires_grad)
    arrays = [{"w": t["w"].detach().float().numpy()} for t in tensors]
    quantizer = Quantizer("fp8_e5m2", "sr")
    from_torch = gradients.check(tensors, quantizer, repeats=16, seed=5)
    from_numpy = gradients.check(arrays, quantizer, repeats=16, seed=5)
    assert from_torch.to_dict() == from_numpy.to_dict()


def test_ml_dtypes_arrays_are_widened_exactly() -> None:
    values = np.random.default_rng(6).standard_normal((16, 10)).astype(ml_dtypes.bfloat16)
    assert as_array(values).dtype == np.float32
    assert np.array_equal(as_array(values), values.astype(np.float32))
    report = gradients.check([{"x": values}], "bf16", repeats=2)
    # bf16 values are bf16 already: nothing moves
    assert report.estimates["q_min"].value == 1.0
    assert report.estimates["sigma_q2"].value == 0.0
    assert report["A4"].holds
    with pytest.raises(ValueError, match="must be a floating-point array"):
        as_array(np.arange(4))


def sparse_logistic(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """2000 examples, 20 features of which 8 are rare: each non-zero in one example only."""
    rng = np.random.default_rng(seed)
    features = rng.standard_normal((2000, 20)) * (rng.random((2000, 20)) < 0.5)
    features[:, 12:] = 0.0
    features[rng.choice(2000, 8, replace=False), np.arange(12, 20)] = 3.0
    labels = rng.choice([-1.0, 1.0], 2000)
    return features, labels


def minibatch_point(
    features: np.ndarray, labels: np.ndarray, x: np.ndarray, rng: np.random.Generator, *,
    support: bool, offset: float = 0.0,
) -> GradientPoint:  # fmt: skip
    per_example = (-labels / (1 + np.exp(labels * (features @ x))))[:, None] * features
    # batches of 8: a rare example is in about one of the 256 minibatches, often in none
    batches = rng.integers(0, len(labels), (256, 8))
    samples = per_example[batches].mean(axis=1) + offset
    exact = {"x": per_example.mean(axis=0)}
    if not support:
        return GradientPoint({"x": samples}, exact=exact)
    low, high = {"x": per_example.min(axis=0)}, {"x": per_example.max(axis=0)}
    return GradientPoint({"x": samples}, exact=exact, low=low, high=high)


def test_a2_on_sparse_features_distribution_free_no_false_alarm_and_teeth() -> None:
    # seed 7. A rare feature's minibatch gradient is 0 in most of the 256 samples: the
    # normal interval (no support given) sees too little variance and flags unbiased
    # gradients; the empirical-Bernstein test on the per-example support does not, and
    # still catches a planted bias of 0.02.
    features, labels = sparse_logistic(7)
    xs = np.random.default_rng(7).standard_normal((6, 20)) * 0.3

    def run(**kwargs: object) -> object:
        rng = np.random.default_rng(8)
        return gradients.check(
            (minibatch_point(features, labels, x, rng, **kwargs) for x in xs), None, repeats=2
        )

    normal = run(support=False)
    assert not normal["A2"].holds  # the false alarm the distribution-free test removes
    free = run(support=True)
    assert free["A2"].holds
    assert free["A2"].status == "holds"
    assert free["A2"].numbers["distribution_free"]
    assert free["A2"].numbers["coordinates_tested"] == 6 * 20
    planted = run(support=True, offset=0.02)
    assert not planted["A2"].holds
    assert planted["A2"].numbers["biased_coordinates"] > 0


def test_dynamic_loss_scaling_skips_overflowed_samples_and_backs_off() -> None:
    # fp16 overflows above 65504: gradients ~1 scaled by 2**20 overflow, and the scaler halves
    # its scale sample after sample until 2**15 fits; those samples are skipped, not fatal
    rng = np.random.default_rng(9)
    points = [{"w": rng.standard_normal((64, 16))} for _ in range(2)]
    scaler = DynamicLossScaler(init_scale=2.0**20, growth_interval=1000)
    report = gradients.check(points, "fp16", loss_scale=scaler, repeats=2, seed=9)
    assert scaler.scale[0] <= 2.0**15
    assert 0 < report.estimates["skipped"].value < 0.2
    assert report["A3"].holds
    assert "DynamicLossScaler" in report.settings["loss_scale"]
    # the same first scale, static: every sample overflows and A3-A4 are refuted
    static = gradients.check(points, "fp16", loss_scale=2.0**20, repeats=2, seed=9)
    assert not static["A3"].holds
    assert not static["A4"].holds
    assert static.estimates["skipped"].value == 0.0


def test_save_and_load_round_trip_without_pickle(tmp_path: Path) -> None:
    rng = np.random.default_rng(10)
    exact = {"a": rng.standard_normal(3), "b": rng.standard_normal((2, 2))}
    points = [
        GradientPoint({"a": rng.standard_normal((4, 3)), "b": rng.standard_normal((4, 2, 2))}),
        GradientPoint(
            {"a": rng.standard_normal((4, 3)), "b": rng.standard_normal((4, 2, 2))},
            exact=exact,
            low={k: v - 1 for k, v in exact.items()},
            high={k: v + 1 for k, v in exact.items()},
        ),
    ]
    path = tmp_path / "grads.npz"
    assert gradients.save(path, iter(points)) == 2
    loaded = list(gradients.load(path))
    assert len(loaded) == 2
    assert loaded[0].exact is None
    assert loaded[1].exact is not None
    for ours, theirs in zip(loaded, points, strict=True):
        assert list(ours) == ["a", "b"]
        for name in ours:
            assert np.array_equal(ours[name], theirs[name])
    assert np.array_equal(loaded[1].high["b"], points[1].high["b"])  # type: ignore[index]
    assert (
        gradients.check(gradients.load(path), None).to_dict()
        == gradients.check(points, None).to_dict()
    )
    # a file that is not ours, and one that would need unpickling, are refused
    np.savez(tmp_path / "other.npz", x=np.ones(3))
    with pytest.raises(ValueError, match="is not a gradients file"):
        gradients.load(tmp_path / "other.npz")
    np.savez(tmp_path / "pickled.npz", meta=np.array([{"format": 1}], dtype=object))
    with pytest.raises(ValueError, match="is not a gradients file"):
        gradients.load(tmp_path / "pickled.npz")
    assert not list(tmp_path.glob(".gradients-*"))  # no temporary left behind


@pytest.mark.parametrize(
    ("points", "kwargs", "message"),
    [
        ([], {}, "at least one point"),
        ({"w": np.ones((3, 2))}, {}, "not one mapping"),
        ([{"w": np.ones((1, 2))}], {}, "same number of samples"),
        ([{"w": np.ones((3, 2))}, {"w": np.ones((3, 3))}], {}, r"points\[1\] has layers"),
        ([{"w": np.ones((3, 2))}], {"repeats": 1}, "repeats must be an integer >= 2"),
        ([{"w": np.ones((3, 2))}], {"level": 1.0}, "level must be in"),
        ([{"w": np.ones((3, 2))}], {"loss_scale": "x"}, "loss_scale must be a positive float"),
        ([{"w": np.ones((3, 2))}], {"claim": (0.1, 0.5)}, "claim must be"),
        ([{"w": np.ones((3, 2))}], {"loss_scale": DynamicLossScaler(replicas=2)}, "one replica"),
    ],
)
def test_bad_input_is_refused(points: object, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gradients.check(points, None, **kwargs)  # type: ignore[arg-type]


def test_shifted_moments_match_numpy_and_resist_cancellation() -> None:
    values = 1e8 + np.random.default_rng(11).standard_normal((1000, 3))
    moments = ShiftedMoments()
    for start in range(0, 1000, 300):
        moments.update(values[start : start + 300])
    assert np.allclose(moments.mean, values.mean(axis=0), rtol=1e-14)
    assert np.allclose(moments.variance, values.var(axis=0, ddof=1), rtol=1e-8)


def test_levels_invert_their_bounds() -> None:
    # the level δ returned makes the bound's half-width equal to the deviation
    rng = np.random.default_rng(12)
    deviation, se, span, n = rng.random(50), rng.random(50), rng.random(50), 40
    delta = bernstein_delta(deviation, se, span, n)
    t = np.log(4 / delta[delta < 1])
    half = np.sqrt(2 * t) * se[delta < 1] + 7 * span[delta < 1] * t / (3 * (n - 1))
    assert np.allclose(half, deviation[delta < 1], rtol=1e-12)
    assert np.array_equal(
        bernstein_delta(np.array([-1.0, 1.0, np.nan]), 0.0 * np.ones(3), 0.0, n), [1, 0, 0]
    )
    level = normal_delta(np.array([1.96]), np.array([1.0]))[0]
    assert level == pytest.approx(2 * (1 - NormalDist().cdf(1.96)), rel=1e-12)
