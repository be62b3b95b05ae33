"""simulate.formats: the constants of docs/spec.md section 5 as hex literals, identities, checks."""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given

from simulate import formats
from simulate.bits import decode
from simulate.formats import Format
from tests.strategies_formats import custom_formats

# docs/spec.md section 5, one row per preset: (bits, max finite, min normal, min subnormal,
# machine epsilon, has inf, has NaN). Exact hex literals, as ml_dtypes' finfo tests do.
SPEC_ROWS: dict[str, tuple[int, str, str, str, str, bool, bool]] = {
    "fp32": (32, "0x1.fffffep127", "0x1p-126", "0x1p-149", "0x1p-23", True, True),
    "tf32": (19, "0x1.ffcp127", "0x1p-126", "0x1p-136", "0x1p-10", True, True),
    "fp16": (16, "0x1.ffcp15", "0x1p-14", "0x1p-24", "0x1p-10", True, True),
    "bf16": (16, "0x1.fep127", "0x1p-126", "0x1p-133", "0x1p-7", True, True),
    "fp8_e4m3": (8, "0x1.cp8", "0x1p-6", "0x1p-9", "0x1p-3", False, True),
    "fp8_e5m2": (8, "0x1.cp15", "0x1p-14", "0x1p-16", "0x1p-2", True, True),
    "fp6_e3m2": (6, "0x1.cp4", "0x1p-2", "0x1p-4", "0x1p-2", False, False),
    "fp6_e2m3": (6, "0x1.ep2", "0x1p0", "0x1p-3", "0x1p-3", False, False),
    "fp4_e2m1": (4, "0x1.8p2", "0x1p0", "0x1p-1", "0x1p-1", False, False),
    # E8M0 has no subnormals: its smallest positive value is its smallest normal.
    "e8m0": (8, "0x1p127", "0x1p-127", "0x1p-127", "0x1p0", False, True),
}

# The decimal values docs/spec.md section 5 prints, as a cross-check of the hex literals above.
SPEC_DECIMAL_MAX = {
    "fp32": 3.4028235e38,
    "tf32": 3.4011621e38,
    "fp16": 65504.0,
    "bf16": 3.3895314e38,
    "fp8_e4m3": 448.0,
    "fp8_e5m2": 57344.0,
    "fp6_e3m2": 28.0,
    "fp6_e2m3": 7.5,
    "fp4_e2m1": 6.0,
    "e8m0": 2.0**127,
}

ML_DTYPES_TYPES: dict[str, type] = {
    "fp16": np.float16,
    "fp32": np.float32,
    "bf16": ml_dtypes.bfloat16,
    "fp8_e4m3": ml_dtypes.float8_e4m3fn,
    "fp8_e5m2": ml_dtypes.float8_e5m2,
    "fp6_e3m2": ml_dtypes.float6_e3m2fn,
    "fp6_e2m3": ml_dtypes.float6_e2m3fn,
    "fp4_e2m1": ml_dtypes.float4_e2m1fn,
    "e8m0": ml_dtypes.float8_e8m0fnu,
}


def test_names_are_specs_rows_in_order() -> None:
    assert formats.names() == tuple(SPEC_ROWS)
    assert all(formats.get(name).name == name for name in formats.names())


@pytest.mark.parametrize("name", list(SPEC_ROWS))
def test_constants_are_exact(name: str) -> None:
    bits, max_finite, min_normal, min_subnormal, epsilon, has_inf, has_nan = SPEC_ROWS[name]
    fmt = formats.get(name)
    assert fmt.bits == bits
    assert fmt.max_finite == float.fromhex(max_finite)
    assert fmt.min_normal == float.fromhex(min_normal)
    assert fmt.min_subnormal == float.fromhex(min_subnormal)
    assert fmt.machine_epsilon == float.fromhex(epsilon)
    assert fmt.unit_roundoff == fmt.machine_epsilon / 2
    assert (fmt.has_inf, fmt.has_nan) == (has_inf, has_nan)
    # docs/spec.md prints max finite to 8 significant digits.
    assert math.isclose(fmt.max_finite, SPEC_DECIMAL_MAX[name], rel_tol=5e-8)


@pytest.mark.parametrize("name", list(ML_DTYPES_TYPES))
def test_constants_match_finfo(name: str) -> None:
    fmt = formats.get(name)
    info = ml_dtypes.finfo(ML_DTYPES_TYPES[name])
    assert fmt.bits == info.bits
    assert fmt.mantissa_bits == info.nmant
    assert fmt.exponent_bits == info.nexp
    assert fmt.max_finite == float(info.max)
    assert fmt.min_normal == float(info.tiny)
    assert fmt.min_subnormal == float(info.smallest_subnormal)
    assert fmt.machine_epsilon == float(info.eps) == 2.0**info.machep
    assert fmt.emin == info.minexp
    assert fmt.emax == info.maxexp - 1


@pytest.mark.parametrize("name", [n for n in SPEC_ROWS if formats.get(n).bits <= 16])
def test_constants_are_the_extremes_of_the_decoded_patterns(name: str) -> None:
    """Every constant is read off the set of all values, independently of the formulas."""
    fmt = formats.get(name)
    values = decode(np.arange(1 << fmt.bits, dtype=np.uint64), fmt)
    finite = values[np.isfinite(values)]
    positive = finite[finite > 0]
    assert finite.max() == fmt.max_finite
    assert positive.min() == fmt.min_subnormal
    assert np.any(values == np.inf) == fmt.has_inf
    assert np.any(np.isnan(values)) == fmt.has_nan
    assert np.any(values == 0) == fmt.has_zero
    assert np.min(positive[positive > 1]) - 1 == fmt.machine_epsilon or fmt.mantissa_bits == 0
    # Normal numbers are those with full precision: min_normal is the smallest value whose
    # successor is one relative machine epsilon away.
    normal = positive[positive >= fmt.min_normal]
    assert normal.min() == fmt.min_normal
    assert not fmt.subnormals or np.all(
        positive[positive < fmt.min_normal] % fmt.min_subnormal == 0
    )


@given(custom_formats(max_exponent_bits=11, max_mantissa_bits=51))
def test_identities_of_any_format(fmt: Format) -> None:
    assert fmt.bits == int(fmt.signed) + fmt.exponent_bits + fmt.mantissa_bits
    assert fmt.precision == fmt.mantissa_bits + 1
    assert fmt.machine_epsilon == 2.0**-fmt.mantissa_bits
    assert fmt.unit_roundoff == 2.0**-fmt.precision
    assert fmt.min_normal == 2.0**fmt.emin
    assert fmt.min_subnormal == (
        2.0 ** (fmt.emin - fmt.mantissa_bits) if fmt.subnormals else fmt.min_normal
    )
    assert fmt.emin == 1 - fmt.bias
    top = (1 << fmt.exponent_bits) - 1
    assert fmt.emax == top - fmt.bias - (fmt.nan_inf == "ieee")
    # max_finite: the top finite binade full, minus one ulp in "fn" (its last pattern is NaN).
    top_significand = (1 << fmt.precision) - 1 - (fmt.nan_inf == "fn")
    assert fmt.max_finite == math.ldexp(top_significand, fmt.emax - fmt.mantissa_bits)
    assert np.dtype(fmt.code_dtype).itemsize * 8 >= fmt.bits
    assert np.dtype(fmt.code_dtype).itemsize * 4 < fmt.bits or fmt.bits <= 8


def test_formats_are_frozen_and_hashable() -> None:
    fmt = formats.get("fp16")
    with pytest.raises(AttributeError):
        fmt.bias = 3  # type: ignore[misc]
    assert {fmt: 1}[Format("fp16", 5, 10, 15)] == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"exponent_bits": 0}, r"^exponent_bits must be in \[1, 11\]"),
        ({"exponent_bits": 12}, r"^exponent_bits must be in \[1, 11\]"),
        ({"exponent_bits": 2.0}, r"^exponent_bits must be an int"),
        ({"mantissa_bits": -1}, r"^mantissa_bits must be in \[0, 51\]"),
        ({"mantissa_bits": 52}, r"^mantissa_bits must be in \[0, 51\]"),
        ({"bias": True}, r"^bias must be an int"),
        ({"nan_inf": "IEEE"}, r"^nan_inf must be one of"),
        ({"overflow": "wrap"}, r"^overflow must be one of"),
        ({"nan_inf": "fn", "overflow": "inf"}, r"^overflow='inf' needs infinities"),
        ({"nan_inf": "none", "overflow": "nan"}, r"^overflow='nan' needs a NaN"),
        ({"mantissa_bits": 0}, r"^subnormals=True needs mantissa_bits >= 1"),
        ({"exponent_bits": 1}, r"^nan_inf='ieee' needs exponent_bits >= 2"),
        ({"exponent_bits": 11, "bias": 100}, r"^bias=100 puts the exponent range"),
    ],
)
def test_impossible_formats_are_rejected(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"name": "x", "exponent_bits": 5, "mantissa_bits": 2, "bias": 15}
    with pytest.raises(ValueError, match=message):
        Format(**{**fields, **kwargs})  # type: ignore[arg-type]


def test_unknown_names_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"^unknown format 'fp7'; known formats: fp32, tf32"):
        formats.get("fp7")
    with pytest.raises(ValueError, match=r"^fmt: unknown format 'FP16'"):
        formats.resolve("FP16")
    with pytest.raises(ValueError, match=r"^fmt must be a Format or a format name, got int"):
        formats.resolve(16)  # type: ignore[arg-type]


def test_one_registry_holds_element_and_block_formats() -> None:
    from simulate import quantize
    from simulate.formats import BlockFormat
    from simulate.scaling import get_block_format, quantize_blocks

    assert formats.block_names() == (
        "mxfp8_e4m3",
        "mxfp8_e5m2",
        "mxfp6_e3m2",
        "mxfp6_e2m3",
        "mxfp4",
        "nvfp4",
    )
    for name in formats.block_names():
        block = formats.get(name)
        assert isinstance(block, BlockFormat)
        assert block is get_block_format(name)
    assert isinstance(formats.get("fp8_e4m3"), Format)
    with pytest.raises(ValueError, match="unknown format 'mxfp5'; known formats: fp32"):
        formats.get("mxfp5")
    # quantize accepts block names and blocks along the last axis
    values = np.random.default_rng(0).standard_normal((3, 50))
    for name in ("mxfp4", "nvfp4"):
        assert np.array_equal(quantize(values, name), quantize_blocks(values, name, axis=-1))
