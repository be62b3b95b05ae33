"""simulate.bits: every pattern of every preset of <= 16 bits against NumPy and ml_dtypes."""

from __future__ import annotations

import ml_dtypes
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from simulate import formats
from simulate.bits import canonical_nan, decode, encode
from simulate.formats import Format
from simulate.rounding import quantize
from tests.strategies_formats import custom_formats, format_codes

# The reference type of each preset of at most 16 bits (docs/spec.md section 5).
REFERENCE_TYPES: dict[str, type] = {
    "fp16": np.float16,
    "bf16": ml_dtypes.bfloat16,
    "fp8_e4m3": ml_dtypes.float8_e4m3fn,
    "fp8_e5m2": ml_dtypes.float8_e5m2,
    "fp6_e3m2": ml_dtypes.float6_e3m2fn,
    "fp6_e2m3": ml_dtypes.float6_e2m3fn,
    "fp4_e2m1": ml_dtypes.float4_e2m1fn,
    "e8m0": ml_dtypes.float8_e8m0fnu,
}


def every_code(fmt: Format) -> np.ndarray:
    return np.arange(1 << fmt.bits, dtype=fmt.code_dtype)


def reference_values(codes: np.ndarray, reference: type) -> np.ndarray:
    """Values of ``codes`` read by NumPy/ml_dtypes; widening to float64 is exact."""
    storage = np.uint8 if np.dtype(reference).itemsize == 1 else np.uint16
    with np.errstate(invalid="ignore"):
        return codes.astype(storage).view(reference).astype(np.float64)


def assert_same_values(got: np.ndarray, expected: np.ndarray) -> None:
    """Bit-identical float64 values, any NaN matching any NaN (never allclose)."""
    assert np.array_equal(np.isnan(got), np.isnan(expected))
    finite = ~np.isnan(expected)
    np.testing.assert_array_equal(got[finite].view(np.uint64), expected[finite].view(np.uint64))


@pytest.mark.parametrize("name", sorted(REFERENCE_TYPES))
def test_every_pattern_decodes_like_the_reference(name: str) -> None:
    fmt = formats.get(name)
    codes = every_code(fmt)
    assert_same_values(decode(codes, fmt), reference_values(codes, REFERENCE_TYPES[name]))


@pytest.mark.parametrize("name", sorted(REFERENCE_TYPES))
def test_every_value_encodes_like_the_reference(name: str) -> None:
    """The reference's own cast of each value to bits agrees with encode, NaN included."""
    fmt = formats.get(name)
    reference = REFERENCE_TYPES[name]
    values = decode(every_code(fmt), fmt)
    if not fmt.has_nan:
        assert not np.isnan(values).any()
    storage = np.uint8 if np.dtype(reference).itemsize == 1 else np.uint16
    # float32 holds every value of these formats, and ml_dtypes casts float32 directly.
    with np.errstate(invalid="ignore"):
        expected = values.astype(np.float32).astype(reference).view(storage)
    np.testing.assert_array_equal(encode(values, fmt), expected.astype(fmt.code_dtype))


@pytest.mark.parametrize("name", formats.names())
def test_encode_inverts_decode(name: str) -> None:
    """encode(decode(c)) == c except non-canonical NaN payloads, which map to the canonical NaN."""
    fmt = formats.get(name)
    if fmt.bits > 16:
        # fp32 and tf32: every exponent with a spread of fractions and both signs.
        exponents = np.arange(1 << fmt.exponent_bits, dtype=np.uint64) << np.uint64(
            fmt.mantissa_bits
        )
        fractions = np.array(
            [0, 1, 2, 3, (1 << fmt.mantissa_bits) - 1, 1 << (fmt.mantissa_bits - 1)]
        )
        magnitudes = (exponents[:, None] | fractions.astype(np.uint64)[None, :]).ravel()
        codes = np.concatenate([magnitudes, magnitudes | np.uint64(1 << (fmt.bits - 1))])
        codes = codes.astype(fmt.code_dtype)
    else:
        codes = every_code(fmt)
    values = decode(codes, fmt)
    nan = np.isnan(values)
    back = encode(values, fmt)
    assert back.dtype == fmt.code_dtype
    np.testing.assert_array_equal(back[~nan], codes[~nan])
    sign = codes[nan].astype(np.uint64) >> np.uint64(fmt.bits - 1) if fmt.signed else 0 * codes[nan]
    expected_nan = [canonical_nan(fmt, negative=bool(s)) for s in np.atleast_1d(sign)]
    np.testing.assert_array_equal(back[nan], np.array(expected_nan, dtype=fmt.code_dtype))


def test_fp32_codes_are_numpy_float32_bits() -> None:
    fmt = formats.get("fp32")
    rng = np.random.default_rng(20260101)
    codes = rng.integers(0, 1 << 32, size=100_000, dtype=np.uint64).astype(np.uint32)
    with np.errstate(invalid="ignore"):  # signalling-NaN patterns warn when widened
        expected = codes.view(np.float32).astype(np.float64)
    assert_same_values(decode(codes, fmt), expected)
    finite = ~np.isnan(expected)
    np.testing.assert_array_equal(encode(expected[finite], fmt), codes[finite])


@pytest.mark.parametrize(
    ("name", "nan_code"),
    [("fp16", 0x7E00), ("bf16", 0x7FC0), ("fp8_e4m3", 0x7F), ("fp8_e5m2", 0x7E), ("e8m0", 0xFF)],
)
def test_canonical_nan_is_numpys_and_ml_dtypes(name: str, nan_code: int) -> None:
    assert canonical_nan(name) == nan_code
    reference = REFERENCE_TYPES[name]
    storage = np.uint8 if np.dtype(reference).itemsize == 1 else np.uint16
    assert int(np.array(np.nan, dtype=np.float32).astype(reference).view(storage)) == nan_code


@given(fmt=custom_formats(max_exponent_bits=11, max_mantissa_bits=51), data=st.data())
def test_custom_formats_round_trip(fmt: Format, data: st.DataObject) -> None:
    codes = data.draw(format_codes(fmt, size=64))
    values = decode(codes, fmt)
    finite = ~np.isnan(values)
    np.testing.assert_array_equal(encode(values[finite], fmt), codes[finite])
    # Decoded values are ordered like sign-magnitude integers (monotone code -> value map).
    magnitude_order = np.argsort(np.abs(values[finite]), kind="stable")
    sorted_values = np.abs(values[finite])[magnitude_order]
    # compared pairwise, not by np.diff: inf - inf is NaN (and warns) when two codes are inf
    assert np.all(sorted_values[1:] >= sorted_values[:-1])


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
@example(0.1)
@example(1.0 + 2.0**-9)
@example(448.0 + 32.0)
def test_encode_rejects_values_outside_the_format(value: float) -> None:
    fmt = formats.get("fp8_e4m3")
    representable = bool(np.isin(value, decode(every_code(fmt), fmt)))
    if representable:
        assert decode(encode(np.float32(value), fmt), fmt) == value
    else:
        with pytest.raises(ValueError, match="x holds values that are not values of fp8_e4m3"):
            encode(np.float32(value), fmt)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fp4_e2m1", np.nan),
        ("fp6_e3m2", np.inf),
        ("fp8_e4m3", -np.inf),
        ("e8m0", 0.0),
        ("e8m0", -2.0),
        ("fp16", 65520.0),
        ("fp16", 2.0**-25),
    ],
)
def test_encode_rejects_specials_the_format_lacks(name: str, value: float) -> None:
    with pytest.raises(ValueError, match=r"^x holds values"):
        encode(np.array([1.0, value]), name)


def test_bad_arguments_name_the_parameter() -> None:
    with pytest.raises(ValueError, match=r"^x must be float16, float32 or float64"):
        encode(np.array([1, 2]), "fp16")
    with pytest.raises(ValueError, match=r"^codes must be an integer array"):
        decode(np.array([1.0]), "fp16")
    with pytest.raises(ValueError, match=r"^codes must lie in \[0, 2\*\*4\)"):
        decode(np.array([16]), "fp4_e2m1")
    with pytest.raises(ValueError, match=r"^codes must lie in"):
        decode(np.array([-1]), "fp4_e2m1")
    with pytest.raises(ValueError, match=r"^dtype float16 cannot hold every value of bf16"):
        decode(np.array([1]), "bf16", dtype=np.float16)
    with pytest.raises(ValueError, match=r"^dtype must be float16, float32 or float64"):
        decode(np.array([1]), "fp16", dtype=np.int32)
    with pytest.raises(ValueError, match=r"^fmt: unknown format 'fp7'"):
        decode(np.array([1]), "fp7")
    with pytest.raises(ValueError, match=r"^fmt: fp4_e2m1 has no NaN"):
        canonical_nan("fp4_e2m1")


@pytest.mark.parametrize(("name", "dtype"), [("fp8_e4m3", np.float16), ("bf16", np.float32)])
def test_narrow_output_dtype_is_exact(name: str, dtype: type) -> None:
    fmt = formats.get(name)
    codes = every_code(fmt)
    narrow = decode(codes, fmt, dtype=dtype)
    assert narrow.dtype == dtype
    assert_same_values(narrow.astype(np.float64), decode(codes, fmt))


def test_shape_is_kept() -> None:
    codes = np.arange(24, dtype=np.uint8).reshape(2, 3, 4) % 16
    values = decode(codes, "fp4_e2m1")
    assert values.shape == (2, 3, 4)
    assert encode(values, "fp4_e2m1").shape == (2, 3, 4)


@pytest.mark.parametrize("name", sorted(REFERENCE_TYPES))
def test_codes_of_rounded_data_are_the_reference_casts_bits(name: str) -> None:
    """encode(quantize(x)) is the pattern ml_dtypes/NumPy store for x, on float32 data
    spread over the whole range (seed 3), NaN for out-of-range values included."""
    fmt = formats.get(name)
    reference = REFERENCE_TYPES[name]
    rng = np.random.default_rng(3)
    exponent = rng.integers(int(np.log2(fmt.min_subnormal)) - 2, fmt.emax + 2, 50_000)
    with np.errstate(over="ignore"):  # beyond float32's range: infinities, also tested
        x = (rng.standard_normal(50_000) * np.exp2(exponent)).astype(np.float32)
    storage = np.uint8 if np.dtype(reference).itemsize == 1 else np.uint16
    with np.errstate(over="ignore", invalid="ignore"):
        expected = x.astype(reference).view(storage).astype(fmt.code_dtype)
    np.testing.assert_array_equal(encode(quantize(x, fmt), fmt), expected)
