"""The confidence-bound helpers of tests/stats.py, tested on distributions with a known mean.

Coverage is measured by a deterministic Monte-Carlo simulation (fixed seeds, stated below):
``trials`` independent samples of ``n`` replicas each, one bound per sample, and the count of
bounds above the true mean compared with a binomial tail. A shifted (invalid) bound run through
the same machinery is shown to fail, so the coverage check can fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray

from tests.stats import bernstein_lower_bound, bernstein_penalty, bonferroni, exceeds

Sampler = Callable[[np.random.Generator, tuple[int, int]], NDArray[np.floating]]

# Distributions with a known mean, non-negative, chosen skewed (the shape of F(x_k) - F_star)
# and two-point (the extreme case for bounds on bounded variables).
DISTRIBUTIONS: dict[str, tuple[Sampler, float]] = {
    "exponential": (lambda rng, shape: rng.exponential(1.0, shape), 1.0),
    "chi2_1": (lambda rng, shape: rng.standard_normal(shape) ** 2, 1.0),
    "lognormal": (lambda rng, shape: rng.lognormal(0.0, 1.0, shape), math.exp(0.5)),
    "two_point": (lambda rng, shape: 50.0 * (rng.random(shape) < 0.02), 1.0),
}


def binomial_upper_limit(trials: int, p: float, tail: float) -> int:
    """Smallest ``t`` with ``P(Binomial(trials, p) > t) <= tail``, by the Chernoff-KL bound.

    ``P(Bin >= t) <= exp(-trials * KL(t/trials || p))`` for ``t > trials * p``, so a count above
    the returned value has probability at most ``tail`` when the true failure rate is ``<= p``.
    """
    for t in range(math.ceil(trials * p), trials + 1):
        a = (t + 1) / trials
        if a >= 1.0:
            return t
        kl = a * math.log(a / p) + (1 - a) * math.log((1 - a) / (1 - p))
        if trials * kl >= math.log(1.0 / tail):
            return t
    return trials


def coverage_failures(
    bound: Callable[[NDArray[np.float64]], NDArray[np.float64]],
    sampler: Sampler,
    mean: float,
    *,
    n: int,
    trials: int,
    seed: int,
) -> int:
    rng = np.random.default_rng(seed)
    values = np.asarray(sampler(rng, (n, trials)), dtype=np.float64)
    return int(np.count_nonzero(bound(values) > mean))


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
@pytest.mark.parametrize("confidence", [0.9, 0.99])
def test_bernstein_bound_covers_the_mean(name: str, confidence: float) -> None:
    # Level of this check: 1 - 1e-9 per case (binomial tail); seed 20260101.
    sampler, mean = DISTRIBUTIONS[name]
    trials = 20_000
    failures = coverage_failures(
        lambda v: bernstein_lower_bound(v, clip=8.0 * mean, confidence=confidence),
        sampler,
        mean,
        n=200,
        trials=trials,
        seed=20260101,
    )
    assert failures <= binomial_upper_limit(trials, 1.0 - confidence, 1e-9)


def test_coverage_check_catches_an_invalid_bound() -> None:
    # The same check, applied to a bound shifted up by half a standard error (not a confidence
    # bound at 90 %), must report the excess failures; seed 20260102.
    sampler, mean = DISTRIBUTIONS["exponential"]
    trials, n = 20_000, 200

    def shifted(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(values.mean(axis=0) + 0.5 * values.std(axis=0, ddof=1) / math.sqrt(n))

    failures = coverage_failures(shifted, sampler, mean, n=n, trials=trials, seed=20260102)
    assert failures > binomial_upper_limit(trials, 0.1, 1e-9)


def test_bernstein_bound_matches_its_formula() -> None:
    values = np.array([0.0, 1.0, 2.0, 3.0, 10.0])
    clip, confidence = 4.0, 0.95
    clipped = np.minimum(values, clip)
    log_term = math.log(2.0 / 0.05)
    expected = (
        clipped.mean()
        - math.sqrt(2.0 * clipped.var(ddof=1) * log_term / 5)
        - 7.0 * clip * log_term / (3.0 * 4)
    )
    got = bernstein_lower_bound(values, clip=clip, confidence=confidence)
    assert got.shape == ()
    assert float(got) == pytest.approx(expected, rel=1e-15)
    assert bernstein_penalty(5, confidence) == pytest.approx(7.0 * log_term / 12.0, rel=1e-15)


def test_bernstein_bound_is_vectorized_over_columns() -> None:
    rng = np.random.default_rng(7)
    values = rng.exponential(1.0, (300, 4))
    together = bernstein_lower_bound(values, clip=np.array([1.0, 2.0, 3.0, 4.0]), confidence=0.99)
    apart = [
        float(bernstein_lower_bound(values[:, j], clip=j + 1.0, confidence=0.99)) for j in range(4)
    ]
    # Column sums are accumulated in a different order from 1-D sums: a few ulps apart.
    np.testing.assert_allclose(together, apart, rtol=1e-14, atol=0)


def test_exceeds_flags_a_mean_above_the_threshold() -> None:
    # Exponential with mean 1.5 against the threshold 1, n = 2000, seed 11: the clipped
    # Bernstein bound is about 1.25 > 1 at 99.9 %, so the excess is proved.
    rng = np.random.default_rng(11)
    values = rng.exponential(1.5, (2000, 1))
    assert exceeds(values, 1.0).tolist() == [True]


def test_exceeds_rarely_flags_a_true_bound() -> None:
    # 2000 thresholds each equal to its true mean; family-wise level 99.9 % over all of them,
    # so none may be flagged except with probability 1e-3; seed 12.
    rng = np.random.default_rng(12)
    values = rng.exponential(1.0, (2000, 2000))
    assert not exceeds(values, 1.0).any()


def test_bonferroni_splits_the_error() -> None:
    assert bonferroni(0.999, 1) == pytest.approx(0.999)
    assert bonferroni(0.999, 200) == pytest.approx(1.0 - 5e-6)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bonferroni(1.0, 3), "confidence must lie in"),
        (lambda: bonferroni(0.9, 0), "comparisons must be an integer"),
        (lambda: bernstein_penalty(1, 0.9), "n must be an integer >= 2"),
        (lambda: bernstein_lower_bound([1.0], clip=1.0, confidence=0.9), "at least 2 replicas"),
        (lambda: bernstein_lower_bound([1.0, -1.0], clip=1.0, confidence=0.9), "non-negative"),
        (lambda: bernstein_lower_bound([1.0, np.nan], clip=1.0, confidence=0.9), "finite"),
        (lambda: bernstein_lower_bound([1.0, 2.0], clip=0.0, confidence=0.9), "clip must be"),
        (lambda: exceeds([[1.0], [2.0]], 0.0), "threshold must be > 0"),
        (lambda: exceeds([[1.0], [2.0]], 1.0, clip_factor=1.0), "clip_factor must be > 1"),
    ],
)
def test_bad_arguments_name_the_parameter(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
