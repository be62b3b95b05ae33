"""Noise-model moments against confidence bounds (fixed seeds, levels stated per test).

Each Monte Carlo check is a two-sided normal (CLT) interval; where several coordinates are
tested at once the level is split by Bonferroni, so each test as a whole fails with
probability at most 0.1% under a correct sampler. Seeds are fixed, so the tests are
deterministic; the planted bugs show the same statistics reject wrong samplers.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pytest

from simulate import noise, problems

LEVEL = 0.999


def z_for(level: float, tests: int = 1) -> float:
    return NormalDist().inv_cdf(1 - (1 - level) / (2 * tests))


def gaussian_moments_ok(samples: np.ndarray, grad: np.ndarray, variance: float) -> bool:
    """Mean per coordinate and total variance (CLT on ‖g - ∇F‖²), Bonferroni over d + 1 tests."""
    count, d = samples.shape
    deviation = samples - grad
    mean_ok = np.all(
        np.abs(deviation.mean(axis=0)) <= z_for(LEVEL, d + 1) * np.sqrt(variance / (d * count))
    )
    # ‖g - ∇F‖² = (v/d) χ²_d has mean v and variance 2v²/d under the model
    total = np.einsum("nd,nd->n", deviation, deviation).mean()
    var_ok = abs(total - variance) <= z_for(LEVEL, d + 1) * variance * np.sqrt(2 / (d * count))
    return bool(mean_ok and var_ok)


@pytest.mark.parametrize("grad_scale", [0.0, 0.5, 3.0])
def test_gaussian_noise_has_mean_grad_and_variance_M_plus_MV_grad_sq(grad_scale: float) -> None:
    # seed 20240601; level 99.9% per test
    rng = np.random.default_rng(20240601)
    problem = problems.quadratic(np.ones(8), rotate=False, seed=0)
    model = noise.GaussianNoise(M=0.3, M_V=2.0)
    count = 40000
    grad = np.full(8, grad_scale)
    samples = model.sample(problem, np.zeros((count, 8)), np.tile(grad, (count, 1)), rng)
    variance = 0.3 + 2.0 * float(grad @ grad)
    assert model.variance_constants(problem) == (0.3, 2.0)
    assert gaussian_moments_ok(samples, grad, variance)


def test_planted_wrong_spread_and_bias_are_caught() -> None:
    rng = np.random.default_rng(7)
    count, d, variance = 40000, 8, 0.5
    grad = np.ones(d)
    # forgetting the 1/d of the isotropic spread multiplies the total variance by d
    wrong_spread = grad + np.sqrt(variance) * rng.standard_normal((count, d))
    assert not gaussian_moments_ok(wrong_spread, grad, variance)
    biased = grad + 0.02 + np.sqrt(variance / d) * rng.standard_normal((count, d))
    assert not gaussian_moments_ok(biased, grad, variance)
    right = grad + np.sqrt(variance / d) * rng.standard_normal((count, d))
    assert gaussian_moments_ok(right, grad, variance)


def exact_minibatch_variance(problem: problems.Problem, x: np.ndarray, batch: int) -> np.ndarray:
    """(1/B)((1/n)Σ‖∇ℓ_i‖² - ‖(1/n)Σ∇ℓ_i‖²) at each row of x, from all per-sample gradients."""
    data = problem.data
    assert data is not None
    margins = x @ data.features.T
    weights = data.loss_derivative(margins, data.targets)  # (R, n)
    per_sample_sq = weights**2 * np.einsum("nd,nd->n", data.features, data.features)
    mean_grad = weights @ data.features / data.n
    return (per_sample_sq.mean(axis=1) - np.einsum("rd,rd->r", mean_grad, mean_grad)) / batch


@pytest.mark.parametrize(
    "problem",
    [
        problems.least_squares(60, 6, noise=0.5, seed=1),
        problems.logistic_regression(80, 5, l2=0.1, seed=2),
    ],
    ids=["least_squares", "logistic"],
)
@pytest.mark.parametrize("batch", [1, 7])
def test_minibatch_variance_is_below_the_proved_bound(
    problem: problems.Problem, batch: int
) -> None:
    model = noise.MinibatchNoise(batch)
    M, M_V = model.variance_constants(problem)
    rng = np.random.default_rng(3)
    assert problem.x_star is not None
    x = problem.x_star + rng.standard_normal((2000, problem.dim)) * rng.uniform(0, 20, (2000, 1))
    grads = problem.grad(x)
    bound = M + M_V * np.einsum("rd,rd->r", grads, grads)
    assert np.all(exact_minibatch_variance(problem, x, batch) <= bound * (1 + 1e-12))
    # the bound is attained up to max/mean row norms at x*: M is not vacuous
    at_star = exact_minibatch_variance(problem, problem.x_star[None], batch)[0]
    assert at_star >= 0.2 * M if problem.data.loss == "squared" else at_star > 0  # type: ignore[union-attr]


@pytest.mark.parametrize("batch", [1, 5])
def test_minibatch_gradient_is_unbiased_with_the_exact_variance(batch: int) -> None:
    # seed 11; level 99.9% (Bonferroni over d mean tests + 1 variance test)
    problem = problems.logistic_regression(50, 4, l2=0.05, seed=5)
    rng = np.random.default_rng(11)
    count = 40000
    x = np.tile(np.array([0.3, -1.0, 2.0, 0.5]), (count, 1))
    samples = noise.MinibatchNoise(batch).sample(problem, x, problem.grad(x[:1]), rng)
    grad = problem.grad(x[:1])[0]
    deviation = samples - grad
    z = z_for(LEVEL, problem.dim + 1)
    sd = deviation.std(axis=0, ddof=1)
    assert np.all(np.abs(deviation.mean(axis=0)) <= z * sd / np.sqrt(count))
    squares = np.einsum("nd,nd->n", deviation, deviation)
    exact = exact_minibatch_variance(problem, x[:1], batch)[0]
    assert abs(squares.mean() - exact) <= z * squares.std(ddof=1) / np.sqrt(count)


def test_minibatch_needs_a_finite_sum_and_valid_batch() -> None:
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        noise.MinibatchNoise(0)
    with pytest.raises(ValueError, match="batch_size must be an integer >= 1"):
        noise.MinibatchNoise(2.5)  # type: ignore[arg-type]
    quad = problems.quadratic([1.0, 2.0])
    with pytest.raises(ValueError, match="problem must be a finite sum"):
        noise.MinibatchNoise(2).variance_constants(quad)
    with pytest.raises(ValueError, match="M must be a finite real number with M >= 0"):
        noise.GaussianNoise(M=-1.0)
    with pytest.raises(ValueError, match="M_V must be a finite real number with M_V >= 0"):
        noise.GaussianNoise(M=1.0, M_V=float("nan"))


def test_gaussian_noise_overflow_is_inf_without_a_warning() -> None:
    # warnings are errors in the suite: the simulator counts an overflowing replica as
    # diverged, so sampling must say nothing and give inf
    model = noise.GaussianNoise(M=1.0, M_V=1e300)
    problem = problems.quadratic([1.0, 2.0], seed=0)
    x = np.full((2, 2), 1e10)
    sample = model.sample(problem, x, problem.grad(x), np.random.default_rng(0))
    assert np.isinf(sample).all()
