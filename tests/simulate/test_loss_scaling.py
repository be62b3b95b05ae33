"""Loss scaling: the dynamic state machine against a plain scalar reference, per replica."""

from __future__ import annotations

import numpy as np
import pytest

from simulate.loss_scaling import DynamicLossScaler, StaticLossScaler
from simulate.rounding import quantize


class ScalarGradScaler:
    """PyTorch's ``_amp_update_scale_`` for one replica, written out as plain Python."""

    def __init__(self, scale: float, growth: float, backoff: float, interval: int) -> None:
        self.scale, self.growth, self.backoff, self.interval = scale, growth, backoff, interval
        self.tracker = 0

    def update(self, found_inf: bool) -> None:
        if found_inf:
            self.scale = float(np.float32(self.scale * self.backoff))
            self.tracker = 0
            return
        self.tracker += 1
        if self.tracker == self.interval:
            with np.errstate(over="ignore"):
                grown = np.float32(self.scale * self.growth)
            if np.isfinite(grown):
                self.scale = float(grown)
            self.tracker = 0


@pytest.mark.parametrize(
    ("init", "growth", "backoff", "interval"),
    [(2.0**16, 2.0, 0.5, 3), (1.0, 3.0, 0.3, 1), (2.0**126, 2.0, 0.5, 2), (1e-30, 1.5, 0.1, 4)],
)
def test_dynamic_scaler_matches_scalar_reference_on_random_overflow_patterns(
    init: float, growth: float, backoff: float, interval: int
) -> None:
    # seed 5: 12 replicas x 60 steps of random overflow with replica-specific rates, so
    # every replica walks its own path (growth, backoff, float32 overflow of the growth).
    rng = np.random.default_rng(5)
    replicas, steps = 12, 60
    rates = np.linspace(0.0, 0.6, replicas)
    scaler = DynamicLossScaler(init, growth, backoff, interval, replicas=replicas)
    references = [
        ScalarGradScaler(float(np.float32(init)), growth, backoff, interval)
        for _ in range(replicas)
    ]
    distinct = set()
    for _ in range(steps):
        found_inf = rng.random(replicas) < rates
        scaler.update(found_inf)
        for reference, flag in zip(references, found_inf, strict=True):
            reference.update(bool(flag))
        expected = np.array([reference.scale for reference in references])
        assert np.array_equal(scaler.scale, expected)
        assert np.array_equal(scaler.growth_tracker, [r.tracker for r in references])
        distinct.update(expected.tolist())
    assert len(distinct) > 3  # the walk really moved


def test_dynamic_scaler_pytorch_defaults_and_growth_after_interval() -> None:
    scaler = DynamicLossScaler(replicas=2)
    assert np.array_equal(scaler.scale, [65536.0, 65536.0])
    no_inf = np.array([False, False])
    for _ in range(1999):
        scaler.update(no_inf)
    assert np.array_equal(scaler.scale, [65536.0, 65536.0])
    scaler.update(np.array([False, True]))
    assert np.array_equal(scaler.scale, [131072.0, 32768.0])
    assert np.array_equal(scaler.growth_tracker, [0, 0])


def test_growth_that_overflows_float32_is_discarded() -> None:
    scaler = DynamicLossScaler(init_scale=2.0**127, growth_interval=1, replicas=1)
    scaler.update(np.array([False]))
    assert scaler.scale[0] == 2.0**127
    assert scaler.growth_tracker[0] == 0


def test_unscale_and_check_flags_only_rows_with_non_finite_entries() -> None:
    scaler = DynamicLossScaler(init_scale=4.0, replicas=4)
    grads = np.array([[4.0, -8.0], [np.inf, 1.0], [np.nan, 0.0], [2.0**-1000, 1.0]])
    unscaled, found_inf = scaler.unscale_and_check(grads)
    assert np.array_equal(found_inf, [False, True, True, False])
    assert np.array_equal(unscaled[[0, 3]], [[1.0, -2.0], [2.0**-1002, 0.25]])
    scaler.update(found_inf)
    assert np.array_equal(scaler.scale, [4.0, 2.0, 2.0, 4.0])
    # higher-rank gradients: one flag per leading index
    _, flags = scaler.unscale_and_check(np.ones((4, 2, 3)))
    assert flags.shape == (4,)


def test_static_scaler_divides_and_reports_overflow() -> None:
    scaler = StaticLossScaler(1024.0)
    unscaled, found_inf = scaler.unscale_and_check(np.array([[1024.0, 2048.0], [-np.inf, 0.0]]))
    assert np.array_equal(unscaled[0], [1.0, 2.0])
    assert np.array_equal(found_inf, [False, True])
    scaler.update(found_inf)
    assert scaler.scale == 1024.0


def test_loss_scaling_removes_fp16_gradient_underflow() -> None:
    # Gradients of order 1e-8 lie below fp16's smallest subnormal 2**-24 ≈ 6e-8: RNE sends
    # most to zero (q = 0 shrinkage). Scaled by 2**16 they are normal fp16 numbers, and
    # Q(s g)/s keeps fp16's relative precision 2**-11.
    rng = np.random.default_rng(9)
    grads = rng.uniform(1e-9, 3e-8, size=(1, 1000)) * rng.choice([-1.0, 1.0], size=(1, 1000))
    plain = quantize(grads, "fp16")
    assert np.count_nonzero(plain) < 0.5 * grads.size
    scaler = DynamicLossScaler(replicas=1)
    quantized = quantize(grads * scaler.scale[:, None], "fp16")
    unscaled, found_inf = scaler.unscale_and_check(quantized)
    assert not found_inf.any()
    assert np.count_nonzero(unscaled) == grads.size
    assert np.all(np.abs(unscaled - grads) <= 2.0**-11 * np.abs(grads))


def test_too_large_scale_overflows_fp16_and_is_backed_off() -> None:
    # a gradient of 1.0 times 2**16 exceeds fp16's 65504: inf, skipped step, scale halved.
    scaler = DynamicLossScaler(replicas=2)
    grads = np.array([[1.0, 0.5], [0.25, 0.125]])
    _, found_inf = scaler.unscale_and_check(quantize(grads * scaler.scale[:, None], "fp16"))
    assert np.array_equal(found_inf, [True, False])
    scaler.update(found_inf)
    assert np.array_equal(scaler.scale, [32768.0, 65536.0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"init_scale": 0.0},
            "init_scale must be a finite real number with 0 < init_scale <= 3.40282e",
        ),
        ({"init_scale": float("inf")}, "init_scale must be a finite real number"),
        ({"init_scale": "big"}, "init_scale must be a finite real number"),
        ({"growth_factor": 1.0}, "growth_factor must be > 1"),
        ({"backoff_factor": 1.0}, r"backoff_factor must be in \(0, 1\)"),
        (
            {"backoff_factor": 0.0},
            "backoff_factor must be a finite real number with 0 < backoff_factor",
        ),
        ({"growth_interval": 0}, "growth_interval must be an integer >= 1"),
        ({"growth_interval": 2.5}, "growth_interval must be an integer >= 1"),
        ({"replicas": True}, "replicas must be an integer >= 1"),
    ],
)
def test_dynamic_scaler_rejects_bad_parameters(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DynamicLossScaler(**kwargs)


def test_bad_shapes_are_rejected() -> None:
    scaler = DynamicLossScaler(replicas=3)
    with pytest.raises(ValueError, match=r"grads_scaled must have shape \(replicas, ...\)"):
        scaler.unscale_and_check(np.ones((2, 4)))
    with pytest.raises(ValueError, match="found_inf must be a bool array of shape"):
        scaler.update(np.zeros(2, dtype=bool))
    with pytest.raises(ValueError, match="found_inf must be a bool array of shape"):
        scaler.update(np.zeros(3))
    with pytest.raises(ValueError, match="scale must be a finite real number"):
        StaticLossScaler(-1.0)
    with pytest.raises(ValueError, match="leading replica axis"):
        StaticLossScaler(2.0).unscale_and_check(1.0)
