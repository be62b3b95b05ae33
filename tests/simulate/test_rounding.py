"""simulate.quantize: every pattern is a fixed point, the peers' defects, specials, bad input.

The comparisons with independent oracles (exact fractions, MPFR, ml_dtypes) are in
test_rounding_oracles.py; stochastic rounding's statistics in test_rounding_stochastic.py.
"""

from __future__ import annotations

from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest

from simulate import formats
from simulate.bits import decode
from simulate.rounding import ROUNDING_MODES, quantize

SMALL_PRESETS = [n for n in formats.names() if formats.get(n).bits <= 16]


def every_value(name: str) -> np.ndarray:
    fmt = formats.get(name)
    return decode(np.arange(1 << fmt.bits, dtype=np.uint64), fmt)


def same_values(got: np.ndarray, expected: np.ndarray) -> bool:
    """Bitwise equal (signed zeros distinguished), NaN equal to NaN."""
    got64, expected64 = got.astype(np.float64), expected.astype(np.float64)
    nan = np.isnan(expected64)
    return bool(
        np.array_equal(np.isnan(got64), nan)
        and np.array_equal(got64[~nan].view(np.uint64), expected64[~nan].view(np.uint64))
    )


@pytest.mark.parametrize("mode", ROUNDING_MODES)
@pytest.mark.parametrize("name", SMALL_PRESETS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_pattern_rounds_to_itself(name: str, mode: str, dtype: type) -> None:
    """Exhaustive: all 2**bits patterns, in every mode, stochastic included.

    A value of the format has nothing to discard, so even stochastic rounding with one
    random bit must return it unchanged, whatever the draws.
    """
    values: np.ndarray = every_value(name).astype(dtype)
    rng = np.random.default_rng(1)
    for random_bits in (1, None) if mode == "sr" else (None,):
        got = quantize(values, name, mode, rng=rng, random_bits=random_bits)
        assert got.dtype == dtype
        assert same_values(got, values)


@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_fp32_values_round_to_themselves(mode: str) -> None:
    rng = np.random.default_rng(2)
    codes = rng.integers(0, 1 << 32, size=200_000, dtype=np.uint64).astype(np.uint32)
    with np.errstate(invalid="ignore"):  # signalling-NaN patterns warn when widened
        values = codes.view(np.float32).astype(np.float64)
    assert same_values(quantize(values, "fp32", mode, rng=rng), values)


@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_results_are_values_of_the_format_and_monotone(mode: str) -> None:
    """Every result decodes from some pattern; deterministic modes are monotone in x."""
    fmt = formats.get("fp6_e3m2")
    x = np.linspace(-40.0, 40.0, 80_001)
    got = quantize(x, fmt, mode, rng=np.random.default_rng(3))
    assert np.isin(got, every_value("fp6_e3m2")).all()
    if mode != "sr":
        assert np.all(np.diff(got) >= 0)


# One float64 ulp off a tie: rounding through float32 first lands on the tie and then
# goes the wrong way (ml_dtypes before 0.7 did this). Our answer comes from the exact
# value; the oracles are exact rational arithmetic and ml_dtypes >= 0.7.
@pytest.mark.parametrize(
    ("name", "value", "ours", "through_float32"),
    [
        # One float64 ulp below the tie 0.75 between 0.5 and 1.0: nearest is 0.5.
        ("fp4_e2m1", 0.7499999999999999, 0.5, 1.0),
        # One float64 ulp above the tie 0.25 between 0 and 0.5: nearest is 0.5.
        ("fp4_e2m1", float(np.nextafter(0.25, 1.0)), 0.5, 0.0),
        # The same in the normal range of fp8_e4m3: 1.0625 is the tie of 1 and 1.125.
        ("fp8_e4m3", float(np.nextafter(1.0625, 2.0)), 1.125, 1.0),
        ("bf16", float(np.nextafter(1.0 + 2.0**-8, 2.0)), 1.0 + 2.0**-7, 1.0),
    ],
)
def test_no_double_rounding_one_ulp_off_a_tie(
    name: str, value: float, ours: float, through_float32: float
) -> None:
    fmt = formats.get(name)
    grid = every_value(name)
    grid = grid[np.isfinite(grid)]
    # Oracle: the nearest value of the format by exact distance, and it is unique here.
    distances = [abs(Fraction(float(v)) - Fraction(value)) for v in grid]
    nearest = float(grid[min(range(len(grid)), key=distances.__getitem__)])
    assert sorted(distances)[0] < sorted(distances)[1]
    assert nearest == ours
    assert quantize(np.float64(value), fmt) == ours
    reference = {"fp4_e2m1": ml_dtypes.float4_e2m1fn, "fp8_e4m3": ml_dtypes.float8_e4m3fn}
    reference["bf16"] = ml_dtypes.bfloat16
    assert float(np.array([value]).astype(reference[name])[0]) == ours
    # Teeth: the point does tell a double-rounding cast apart.
    double_rounded = np.array([value]).astype(np.float32).astype(reference[name])
    assert float(double_rounded[0]) == through_float32 != ours


def test_e8m0_of_float32_subnormals_is_the_nearest_power_of_two() -> None:
    """2**-127 is E8M0's smallest value; float32 subnormals round to it, not up to 2**-126
    (ml_dtypes before 0.7 rounded them up)."""
    x = np.array([8.0e-39], dtype=np.float32)  # about 1.36 * 2**-127
    assert float(x[0]) < 1.5 * 2.0**-127  # nearer 2**-127 than 2**-126 (log-free: linear tie)
    assert quantize(x, "e8m0")[0] == np.float32(2.0**-127)
    assert float(x.astype(ml_dtypes.float8_e8m0fnu).astype(np.float64)[0]) == 2.0**-127


@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_special_values(mode: str) -> None:
    rng = np.random.default_rng(4)
    x = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 1e300, -1e300])
    ieee = quantize(x, "fp16", mode, rng=rng)
    assert np.isnan(ieee[0])
    assert ieee[1] == np.inf
    assert ieee[2] == -np.inf
    assert ieee[3] == 0
    assert not np.signbit(ieee[3])
    assert ieee[4] == 0
    assert np.signbit(ieee[4])
    toward_zero_up = mode in ("rtz", "rdn")
    toward_zero_down = mode in ("rtz", "rup")
    assert ieee[5] == (65504.0 if toward_zero_up else np.inf)
    assert ieee[6] == (-65504.0 if toward_zero_down else -np.inf)
    saturating = quantize(x, "fp4_e2m1", mode, rng=rng)
    # NaN is kept in a format without NaN on purpose (the simulator must see divergence).
    assert np.isnan(saturating[0])
    assert list(saturating[1:3]) == [6.0, -6.0]
    assert list(saturating[5:]) == [6.0, -6.0]
    fn = quantize(x, "fp8_e4m3", mode, rng=rng)
    assert np.isnan(fn[[0, 1, 2]]).all()
    assert fn[5] == 448.0 if toward_zero_up else np.isnan(fn[5])
    unsigned = quantize(
        np.array([0.0, -0.0, -1.0, 2.0**-140, 1.5 * 2.0**-127]), "e8m0", mode, rng=rng
    )
    assert np.isnan(unsigned[:3]).all()  # no zero, no sign in E8M0
    assert unsigned[3] == 2.0**-127  # nothing smaller exists: it is the result in every mode


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_shape_and_dtype_are_kept(dtype: type) -> None:
    x: np.ndarray = np.linspace(-3, 3, 24, dtype=dtype).reshape(2, 3, 4)
    for mode in ROUNDING_MODES:
        got = quantize(x, "fp8_e5m2", mode, rng=np.random.default_rng(5))
        assert got.shape == (2, 3, 4)
        assert got.dtype == dtype
    assert quantize(np.float32(1.3), "bf16").shape == ()
    assert quantize([0.1, 0.2], "bf16").dtype == np.float64


def test_stochastic_rounding_is_reproducible_from_the_seed() -> None:
    x = np.linspace(-1, 1, 1001)
    first = quantize(x, "fp8_e4m3", "sr", rng=np.random.default_rng(6))
    again = quantize(x, "fp8_e4m3", "sr", rng=np.random.default_rng(6))
    other = quantize(x, "fp8_e4m3", "sr", rng=np.random.default_rng(7))
    assert same_values(first, again)
    assert not same_values(first, other)


def test_bad_input_names_the_parameter() -> None:
    x = np.array([1.0])
    with pytest.raises(ValueError, match=r"^rounding must be one of rne, rna, rtz, rup, rdn, sr"):
        quantize(x, "fp16", "nearest")
    with pytest.raises(ValueError, match=r"^rng must be a numpy.random.Generator"):
        quantize(x, "fp16", "sr")
    with pytest.raises(ValueError, match=r"^rng must be a numpy.random.Generator"):
        quantize(x, "fp16", "sr", rng=np.random.RandomState(0))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^fmt: unknown format 'fp5'"):
        quantize(x, "fp5")
    with pytest.raises(ValueError, match=r"^random_bits must be an integer in \[1, 62\]"):
        quantize(x, "fp16", "sr", rng=np.random.default_rng(0), random_bits=0)
    with pytest.raises(ValueError, match=r"^x must be float16, float32 or float64"):
        quantize(np.array([1.0], dtype=np.longdouble), "fp16")
    with pytest.raises(ValueError, match=r"^x must be float16, float32 or float64"):
        quantize(np.array(["1.0"]), "fp16")
