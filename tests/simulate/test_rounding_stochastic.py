"""Stochastic rounding: P(away from zero) equals the discarded fraction; the mean is exact.

Every check is a two-sided Hoeffding bound on a mean of ``n`` independent values in an
interval of width ``w``: ``P(|mean - E| >= w sqrt(ln(2/delta) / (2 n))) <= delta``
(Hoeffding 1963, Theorem 2). ``delta = 1e-6`` per check (false alarm), with fixed seeds,
so a run is reproducible and a failure means a real deviation at that level. The same
checks are shown to catch a deliberately biased rounding and too few random bits.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from simulate import formats
from simulate.formats import Format
from simulate.rounding import DEFAULT_RANDOM_BITS, quantize

FALSE_ALARM = 1e-6
SAMPLES = 200_000
SEED = 20260101

Rounder = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def hoeffding_radius(n: int, width: float, delta: float = FALSE_ALARM) -> float:
    """Half-width of the two-sided Hoeffding interval for a mean of n values in [a, a + width]."""
    return width * math.sqrt(math.log(2 / delta) / (2 * n))


def neighbours(x: float, fmt: Format) -> tuple[float, float]:
    """The values of ``fmt`` just toward and just away from zero around ``x`` (RTZ, and up)."""
    toward = float(quantize(np.float64(x).reshape(1), fmt, "rtz")[0])
    away = float(quantize(np.float64(x).reshape(1), fmt, "rup" if x > 0 else "rdn")[0])
    return toward, away


def expected_away_probability(x: float, fmt: Format, random_bits: int) -> float:
    """floor(f 2**r) / 2**r for the exact discarded fraction f (docs/spec.md section 5)."""
    toward, away = neighbours(x, fmt)
    fraction = (Fraction(x) - Fraction(toward)) / (Fraction(away) - Fraction(toward))
    return math.floor(fraction * 2**random_bits) / 2**random_bits


def away_frequency_is_consistent(
    rounder: Rounder, x: float, fmt: Format, dtype: type, probability: float
) -> bool:
    """Whether the frequency of rounding away from zero is within the Hoeffding radius."""
    toward, away = neighbours(x, fmt)
    rounded = rounder(np.full(SAMPLES, x, dtype=dtype), np.random.default_rng(SEED))
    rounded = rounded.astype(np.float64)
    stepped = np.isnan(rounded) | (rounded == away) if not np.isfinite(away) else rounded == away
    assert np.all(stepped | (rounded == toward)), "a result that is neither neighbour"
    return abs(stepped.mean() - probability) <= hoeffding_radius(SAMPLES, 1.0)


def stochastic(fmt: Format, random_bits: int | None = None) -> Rounder:
    return lambda x, rng: quantize(x, fmt, "sr", rng=rng, random_bits=random_bits)


def biased_stochastic(fmt: Format, bias: float) -> Rounder:
    """A planted bug: SR of an input nudged away from zero by ``bias`` quanta."""

    def rounder(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        toward = quantize(x, fmt, "rtz")
        away = np.where(x > 0, quantize(x, fmt, "rup"), quantize(x, fmt, "rdn"))
        nudged = x + np.sign(x) * bias * np.abs(away - toward)
        return quantize(nudged.astype(x.dtype), fmt, "sr", rng=rng)

    return rounder


CASES = [
    # (format, x, input dtype): the normal and subnormal ranges, both signs, a fraction
    # that is not a short binary number, float32 and float64 inputs (both kernels).
    ("fp8_e4m3", 1.0 + 0.125 * 0.3, np.float32),
    ("fp8_e4m3", -(1.0 + 0.125 * 0.7), np.float64),
    ("fp8_e4m3", 3 * 2.0**-10, np.float32),  # subnormal range: halfway 2**-9 and 2**-8
    ("fp8_e5m2", 1000.0 / 3.0, np.float64),
    ("bf16", 1.0 + 2.0**-7 / 3, np.float32),
    ("fp16", -0.1, np.float64),
    ("fp6_e2m3", 0.0625 * 0.9, np.float32),
    ("fp4_e2m1", 2.6, np.float64),
    ("fp4_e2m1", -0.2, np.float32),
    ("e8m0", 3.0, np.float32),  # between 2 and 4: P(4) = 1/2
]


@pytest.mark.parametrize(("name", "x", "dtype"), CASES)
def test_away_probability_is_the_discarded_fraction(name: str, x: float, dtype: type) -> None:
    fmt = formats.get(name)
    x = float(dtype(x))
    probability = expected_away_probability(x, fmt, DEFAULT_RANDOM_BITS)
    assert 0.02 < probability < 0.98  # a case that can fail both ways
    assert away_frequency_is_consistent(stochastic(fmt), x, fmt, dtype, probability)


@pytest.mark.parametrize(("name", "x", "dtype"), CASES)
def test_a_planted_bias_is_caught(name: str, x: float, dtype: type) -> None:
    """The same check rejects SR that rounds away 3 percentage points too often."""
    fmt = formats.get(name)
    x = float(dtype(x))
    probability = expected_away_probability(x, fmt, DEFAULT_RANDOM_BITS)
    planted = biased_stochastic(fmt, 0.03)
    assert not away_frequency_is_consistent(planted, x, fmt, dtype, probability)


def test_random_bits_quantize_the_probability() -> None:
    """With r bits the probability is floor(f 2**r) / 2**r: 0.25 for f = 0.3 and r = 2."""
    fmt = formats.get("fp8_e4m3")
    x = 1.0 + 0.125 * 0.3
    assert expected_away_probability(x, fmt, 2) == 0.25
    assert away_frequency_is_consistent(stochastic(fmt, 2), x, fmt, np.float64, 0.25)
    # 0.3 is 0.05 away: two bits are caught as biased by the check at the true fraction.
    true_fraction = expected_away_probability(x, fmt, 52)
    assert not away_frequency_is_consistent(stochastic(fmt, 2), x, fmt, np.float64, true_fraction)
    # One bit, f < 1/2: floor(2 f) = 0, never away.
    one_bit = quantize(np.full(1000, x), fmt, "sr", rng=np.random.default_rng(SEED), random_bits=1)
    assert np.all(one_bit == 1.0)


def test_overflow_happens_with_the_probability_of_the_step() -> None:
    """fp8_e4m3: 452 lies between 448 and 480 (the NaN pattern); away gives NaN."""
    fmt = formats.get("fp8_e4m3")
    rounded = quantize(np.full(SAMPLES, 452.0), fmt, "sr", rng=np.random.default_rng(SEED))
    assert np.all(np.isnan(rounded) | (rounded == 448.0))
    assert abs(np.isnan(rounded).mean() - 4 / 32) <= hoeffding_radius(SAMPLES, 1.0)
    saturating = quantize(np.full(1000, 6.9), "fp4_e2m1", "sr", rng=np.random.default_rng(SEED))
    assert np.all(saturating == 6.0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["fp8_e4m3", "fp4_e2m1", "bf16"])
def test_stochastic_rounding_is_unbiased(name: str, dtype: type) -> None:
    """Mean of sign(x) (SR(x) - x) / quantum over many x is 0 within Hoeffding's radius.

    (The sign makes a bias away from zero add up instead of cancelling between signs.)

    Each term lies in [-1, 1] (width 2). Inputs stay inside the finite range, so neither
    overflow nor saturation interferes; each has at most 24 significant bits (float32
    values), fewer than the default random bits can resolve, so E[SR(x)] = x exactly.
    """
    fmt = formats.get(name)
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-fmt.max_finite / 2, fmt.max_finite / 2, SAMPLES).astype(np.float32)
    x = x.astype(dtype)
    toward = quantize(x, fmt, "rtz").astype(np.float64)
    away = np.where(x > 0, quantize(x, fmt, "rup"), quantize(x, fmt, "rdn")).astype(np.float64)
    quantum = np.where(away == toward, 1.0, np.abs(away - toward))
    errors = np.sign(x) * (quantize(x, fmt, "sr", rng=rng).astype(np.float64) - x) / quantum
    radius = hoeffding_radius(SAMPLES, 2.0)
    assert abs(errors.mean()) <= radius
    # Teeth: the planted bias of 3 % of a quantum is far outside the radius.
    planted = np.sign(x) * (biased_stochastic(fmt, 0.03)(x, rng).astype(np.float64) - x) / quantum
    assert abs(planted.mean()) > radius
