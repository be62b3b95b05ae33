"""The assumption checker on the synthetic model, on planted violations, and on real formats.

Real-format demonstrations (docs/spec.md section 4): round-to-nearest violates A4's conditional zero
mean while stochastic rounding satisfies it; underflow in fp8/fp16 gradients makes q < 1 and
loss scaling removes it; round-to-nearest gives q > 1, which A3 excludes; block formats by
name. Every verdict is at the checker's default level 99.9% with the seed given in the call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from simulate import assumptions, noise, problems
from simulate.problems import Problem
from simulate.quantizer import SyntheticShrinkage

QUAD = problems.quadratic(np.linspace(0.2, 1.0, 8), seed=2)


@dataclass(frozen=True)
class BiasedNoise:
    """Planted bugs: Gaussian noise (variance d · 0.01) plus an offset, and a claimed M."""

    offset: float
    claimed_M: float = 0.08  # the true variance on QUAD (d = 8)

    def sample(
        self, problem: Problem, x: np.ndarray, grad: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        return grad + self.offset + 0.1 * rng.standard_normal(grad.shape)

    def variance_constants(self, problem: Problem) -> tuple[float, float]:
        return self.claimed_M, 0.0


def test_exact_gradients_satisfy_everything_with_exact_constants() -> None:
    report = assumptions.check(QUAD, None, seed=1)
    assert all(report[name].holds for name in ("A2", "A3", "A4"))
    assert report.estimates["q_min"].value == 1.0
    assert report.estimates["q_max"].value == 1.0
    assert report.estimates["sigma_q2"].value == 0.0
    assert report.estimates["M"].value == pytest.approx(0.0, abs=1e-9)
    assert report.estimates["M_G"].value == pytest.approx(1.0, rel=1e-9)


def test_gaussian_noise_constants_are_recovered_and_A2_holds() -> None:
    report = assumptions.check(QUAD, None, noise=noise.GaussianNoise(0.2, 0.5), seed=3)
    assert report["A2"].holds
    M, M_G = report.estimates["M"], report.estimates["M_G"]
    assert M.low <= 0.2 <= M.high
    assert M_G.low <= 1.5 <= M_G.high
    assert report["A2"].numbers["M_G_claimed"] == 1.5


def test_planted_biased_gradients_fail_A2() -> None:
    report = assumptions.check(QUAD, None, noise=BiasedNoise(0.05), seed=4)
    assert not report["A2"].holds
    assert report["A2"].numbers["biased_coordinates"] > 0
    assert "significantly biased" in report["A2"].evidence
    # and the same statistic with no offset passes
    assert assumptions.check(QUAD, None, noise=BiasedNoise(0.0), seed=4)["A2"].holds


def test_planted_understated_variance_fails_A2() -> None:
    # the noise has variance 0.08 but claims M = 0.01: the second moment exceeds the bound
    report = assumptions.check(QUAD, None, noise=BiasedNoise(0.0, claimed_M=0.01), seed=5)
    assert not report["A2"].holds
    assert report["A2"].numbers["biased_coordinates"] == 0
    assert report["A2"].numbers["points_above_bound"] > 0
    M = report.estimates["M"]
    assert M.low <= 0.08 <= M.high


def test_synthetic_model_satisfies_A3_A4() -> None:
    model = SyntheticShrinkage(0.3, sigma_q2=0.05)
    report = assumptions.check(QUAD, model, noise=noise.GaussianNoise(0.1), seed=6)
    assert report["A3"].holds
    assert report["A4"].holds
    q_min = report.estimates["q_min"]
    # the conditional mean of q ~ U[0.3, 1] is 0.65 at every point
    assert q_min.low <= 0.65 <= report.estimates["q_max"].high
    sigma = report.estimates["sigma_q2"]
    assert sigma.low <= 0.05 <= sigma.high * 1.2
    assert report.settings["quantizer"]["synthetic"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"samples": 0}, "samples must be an integer >= 2"),
        ({"samples": 1}, "samples must be an integer >= 2"),
        ({"repeats": 1}, "repeats must be an integer >= 2"),
        ({"seed": "x"}, "seed must be an integer >= 0"),
        ({"loss_scale": 0.0}, "loss_scale must be a finite real number with 0 < loss_scale"),
        ({"loss_scale": "4"}, "loss_scale must be a positive float or a loss scaler"),
        ({"points": np.zeros((3, 2))}, "points must have shape"),
        ({"level": 0.0}, r"level must be a finite real number with 0 < level"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assumptions.check(QUAD, None, **kwargs)


# --- real formats (docs/spec.md section 4) -------------------------------------------------------


def test_rne_violates_A4_conditional_mean_while_sr_satisfies_it() -> None:
    rne = assumptions.check(QUAD, "fp8_e4m3", "rne", seed=7)
    assert not rne["A4"].holds
    assert rne["A4"].numbers["deterministic"]
    assert rne["A4"].numbers["max_relative_conditional_mean"] > 1e-3
    sr = assumptions.check(QUAD, "fp8_e4m3", "sr", seed=7)
    assert sr["A4"].holds
    assert not sr["A4"].numbers["deterministic"]
    # unbiased inside the range: the conditional mean of q is 1 within its interval
    assert sr.estimates["q_min"].low <= 1.0 <= sr.estimates["q_max"].high
    assert sr.estimates["sigma_q2"].value > rne.estimates["sigma_q2"].value


@pytest.mark.parametrize(
    ("fmt", "curvature", "scale", "unit_roundoff"),
    [("fp16", 1.5e-8, 2.0**24, 2.0**-11), ("fp8_e4m3", 5e-4, 2.0**14, 2.0**-4)],
)
def test_underflow_makes_q_below_1_and_loss_scaling_removes_it(
    fmt: str, curvature: float, scale: float, unit_roundoff: float
) -> None:
    # gradient entries of size ~curvature: most are below half the smallest subnormal
    tiny = problems.quadratic(curvature * np.linspace(0.05, 1.0, 64), seed=8)
    points = tiny.x0 + np.random.default_rng(8).standard_normal((32, 64))
    plain = assumptions.check(tiny, fmt, "rne", points=points, seed=8)
    assert plain.estimates["underflow"].value > 0.5
    assert plain.estimates["q_max"].high < 1.0  # every point shrinks
    scaled = assumptions.check(tiny, fmt, "rne", points=points, loss_scale=scale, seed=8)
    assert scaled.estimates["underflow"].value == 0.0
    # without underflow q - 1 = Σ g_i² δ_i / Σ g_i² with |δ_i| ≤ u (relative rounding errors)
    assert scaled.estimates["q_min"].value >= 1 - unit_roundoff
    assert scaled.estimates["q_max"].value <= 1 + unit_roundoff


def test_all_gradients_flushing_gives_q_zero_which_A3_excludes() -> None:
    tiny = problems.quadratic(1e-9 * np.linspace(0.05, 1.0, 16), seed=8)
    report = assumptions.check(tiny, "fp16", "rne", seed=8)
    assert report.estimates["underflow"].value == 1.0
    assert report.estimates["q_max"].value == 0.0
    assert not report["A3"].holds
    assert report["A3"].numbers["points_with_q_not_positive"] == report.settings["points"]


def test_rne_gives_q_above_1_which_A3_excludes() -> None:
    identity = problems.quadratic(np.ones(2), rotate=False, seed=9)
    assert identity.x_star is not None
    # gradient (1.07, 2.2) rounds up in magnitude to e4m3's (1.125, 2.25)
    point = identity.x_star + np.array([1.07, 2.2])
    report = assumptions.check(identity, "fp8_e4m3", "rne", points=point[None], seed=9)
    assert not report["A3"].holds
    expected = (1.125 * 1.07 + 2.25 * 2.2) / (1.07**2 + 2.2**2)
    assert report.estimates["q_max"].value == pytest.approx(expected, rel=1e-12)
    # at random points of a small problem some gradients round up too
    random_points = assumptions.check(identity, "fp8_e4m3", "rne", n_points=32, seed=9)
    assert not random_points["A3"].holds
    assert random_points["A3"].numbers["points_with_q_above_1"] > 0
    assert "above 1" in random_points["A3"].evidence
    # stochastic rounding at the same points keeps E[q | x] at 1: A3 holds
    assert assumptions.check(identity, "fp8_e4m3", "sr", n_points=32, seed=9)["A3"].holds


def test_sr_saturation_bias_is_caught_by_A4() -> None:
    # planted: one entry beyond fp6 E3M2's max 28 saturates (OCP MX: no inf/NaN) under
    # stochastic rounding too, so E[Q(g) | g] ≠ g: the conditional mean of eps is non-zero
    identity = problems.quadratic(np.ones(4), rotate=False, seed=16)
    assert identity.x_star is not None
    point = identity.x_star + np.array([40.0, 1.3, -0.7, 0.01])
    report = assumptions.check(identity, "fp6_e3m2", "sr", points=point[None], seed=16)
    assert not report["A4"].numbers["deterministic"]
    assert not report["A4"].holds
    assert report.estimates["saturated"].value == 0.25
    assert report.estimates["q_max"].high < 1.0
    # the same gradient inside the range: unbiased, A4 holds
    inside = identity.x_star + np.array([20.0, 1.3, -0.7, 0.01])
    assert assumptions.check(identity, "fp6_e3m2", "sr", points=inside[None], seed=16)["A4"].holds


def test_overflow_to_nan_fails_A3_and_A4() -> None:
    # fp8 E4M3 (OCP "fn") has no infinity: 1000 overflows to NaN, which no assumption allows
    identity = problems.quadratic(np.ones(2), rotate=False, seed=17)
    assert identity.x_star is not None
    point = identity.x_star + np.array([1000.0, 1.0])
    report = assumptions.check(identity, "fp8_e4m3", "rne", points=point[None], seed=17)
    assert not report["A3"].holds
    assert not report["A4"].holds
    assert report.estimates["saturated"].value == 0.5


@pytest.mark.parametrize("name", ["mxfp8_e4m3", "mxfp4", "nvfp4"])
def test_block_formats_by_name(name: str) -> None:
    wide = problems.quadratic(np.linspace(0.1, 1.0, 64), seed=10)
    report = assumptions.check(wide, name, "rne", n_points=8, samples=64, repeats=32, seed=10)
    assert not report["A4"].holds  # deterministic rounding: eps is a function of g
    assert report.settings["quantizer"]["format"] == name
    tolerance = 0.05 if name.startswith("mxfp8") else 0.5
    assert abs(report.estimates["q_min"].value - 1) < tolerance
    assert abs(report.estimates["q_max"].value - 1) < tolerance
    assert all(np.isfinite(ci.value) for ci in report.estimates.values())


def test_nvfp4_sr_is_biased_where_the_rounded_block_scale_clips_the_block_maximum() -> None:
    # NVFP4 rounds the block scale amax/6 to E4M3; when it rounds down, the block maximum
    # exceeds 6 * scale and is clipped even under stochastic rounding: E[Q(g) | g] ≠ g.
    # Two blocks: the first sets the tensor scale (amax A = 2688/4096, so A/2688 is exact in
    # float32 and A is exactly 6 block-scale units: no rounding of its own), the second's amax
    # A 431.9/448 needs a block scale 431.9 that E4M3 rounds down to 416, clipping it by 3.7 %.
    from simulate.scaling import quantize_blocks

    identity = problems.quadratic(np.ones(32), rotate=False, seed=10)
    assert identity.x_star is not None
    g = 0.01 * np.random.default_rng(10).uniform(-1, 1, 32)
    g[0] = 2688 / 4096
    g[16] = g[0] * 431.9 / 448
    upward = quantize_blocks(g, "nvfp4", rounding="rup")
    assert upward[16] < g[16]  # rounding toward +inf still lands below it
    at_g = {"points": (identity.x_star + g)[None], "samples": 128, "repeats": 256, "seed": 10}
    report = assumptions.check(identity, "nvfp4", "sr", **at_g)
    assert not report["A4"].holds
    assert report["A3"].holds
    assert report["A4"].numbers["significant_coordinates"] >= 1
    mx = assumptions.check(identity, "mxfp8_e4m3", "sr", **at_g)
    assert mx["A4"].holds


def test_overflow_to_infinity_refutes_a3_and_a4_without_warnings() -> None:
    """An IEEE FP4-like format overflows to inf on large gradients: q and eps are undefined."""
    from simulate import formats as fmts

    problem = problems.quadratic(np.linspace(0.1, 1.0, 8), seed=0, x0_scale=10.0)
    tiny_ieee = fmts.Format("e2m1_ieee", 2, 1, 1)
    report = assumptions.check(
        problem, tiny_ieee, "sr", noise.GaussianNoise(M=0.01, M_V=0.0), seed=0
    )
    assert not report["A3"].holds
    assert not report["A4"].holds
    assert report["A3"].numbers["fraction_not_finite"] > 0


def test_a_huge_noise_floor_is_fitted_without_overflow() -> None:
    # ||g||^2 ~ 1e300 is finite but its sample variance is not: the fit works in units of the
    # largest squared norm (an SVD of NaN, or inf - inf, before); warnings are errors here
    problem = problems.quadratic([0.5, 1.0], seed=0)
    report = assumptions.check(
        problem, None, noise=noise.GaussianNoise(1e300, 0.0), n_points=3, samples=64, seed=1
    )
    fitted = report.estimates["M"]
    assert np.isfinite([fitted.value, fitted.low, fitted.high]).all()
    assert 0.5e300 < fitted.value < 2e300  # E||g||^2 = M + ||grad F||^2 = 1e300 (to 1e-299)
