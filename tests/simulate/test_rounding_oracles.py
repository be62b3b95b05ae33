"""simulate.quantize against three independent oracles, bit for bit.

* exact rational arithmetic (``fractions.Fraction``), written from the definitions of the
  modes, for every mode, every format (presets, random custom formats, flushed ones);
* MPFR through gmpy2 (precision ``p``, exponent range and subnormal emulation of the
  format) for the four modes MPFR has (RNE, RTZ, RUP, RDN; MPFR has no ties-away);
* ml_dtypes' and NumPy's casts (RNE) on float32 and float64 input (ml_dtypes >= 0.7 and
  NumPy round float64 directly, without passing through float32).

Inputs come from :func:`tests.strategies_formats.rounding_inputs`: ties, one ulp off ties,
the subnormal range, the overflow boundary, signed zeros, infinities, NaN, arbitrary floats.
"""

from __future__ import annotations

import math
from fractions import Fraction

import gmpy2
import ml_dtypes
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from simulate import formats
from simulate.bits import decode
from simulate.formats import Format
from simulate.rounding import DETERMINISTIC_MODES, quantize
from tests.strategies_formats import custom_formats, preset_formats, rounding_inputs

ML_DTYPES_TYPES: dict[str, type] = {
    "fp16": np.float16,
    "bf16": ml_dtypes.bfloat16,
    "fp8_e4m3": ml_dtypes.float8_e4m3fn,
    "fp8_e5m2": ml_dtypes.float8_e5m2,
    "fp6_e3m2": ml_dtypes.float6_e3m2fn,
    "fp6_e2m3": ml_dtypes.float6_e2m3fn,
    "fp4_e2m1": ml_dtypes.float4_e2m1fn,
    "e8m0": ml_dtypes.float8_e8m0fnu,
}
BATCH = 24  # inputs per Hypothesis example: one vectorized quantize call checks them all


def _toward_zero(mode: str, negative: bool) -> bool:
    return mode == "rtz" or (mode == "rup" and negative) or (mode == "rdn" and not negative)


def _special(x: float, fmt: Format) -> float | None:
    """The result for NaN, infinities, zeros and out-of-domain input (module docstring)."""
    negative = math.copysign(1.0, x) < 0
    if math.isnan(x):
        return math.nan
    if not fmt.signed and (negative or x == 0):
        return math.nan
    if math.isinf(x):
        if fmt.has_inf:
            return x
        return math.copysign(fmt.max_finite, x) if fmt.overflow == "saturate" else math.nan
    if x == 0:
        return x
    return None


def _overflow(result: float, x: float, fmt: Format, mode: str) -> float:
    """Overflow after rounding to an unbounded exponent range (IEEE 754-2019, 7.4)."""
    if abs(result) <= fmt.max_finite:
        return result
    if _toward_zero(mode, x < 0) or fmt.overflow == "saturate":
        return math.copysign(fmt.max_finite, x)
    return math.copysign(math.inf, x) if fmt.overflow == "inf" else math.nan


def fraction_round(x: float, fmt: Format, mode: str) -> float:
    """Round ``x`` into ``fmt`` by exact rational arithmetic, from the mode's definition."""
    special = _special(x, fmt)
    if special is not None:
        return special
    magnitude = Fraction(abs(x))
    exponent = math.frexp(abs(x))[1] - 1  # 2**exponent <= |x| < 2**(exponent + 1)
    if fmt.subnormals or exponent >= fmt.emin:
        quantum = Fraction(2) ** (max(exponent, fmt.emin) - fmt.mantissa_bits)
    else:
        quantum = Fraction(2) ** fmt.emin  # flushed: the candidates are 0 and min_normal
    kept = math.floor(magnitude / quantum)
    rest = magnitude / quantum - kept
    negative = x < 0
    away = {
        "rtz": False,
        "rup": rest > 0 and not negative,
        "rdn": rest > 0 and negative,
        "rna": rest >= Fraction(1, 2),
        "rne": rest > Fraction(1, 2) or (rest == Fraction(1, 2) and kept % 2 == 1),
    }[mode]
    exact = (kept + away) * quantum
    if exact > Fraction(fmt.max_finite):
        return _overflow(math.copysign(math.inf, x), x, fmt, mode)  # beyond any float too
    result = float(exact) if exact or fmt.has_zero else fmt.min_normal
    return math.copysign(result, x)


_MPFR_MODES = {
    "rne": gmpy2.RoundToNearest,
    "rtz": gmpy2.RoundToZero,
    "rup": gmpy2.RoundUp,
    "rdn": gmpy2.RoundDown,
}


def mpfr_round(x: float, fmt: Format, mode: str) -> float:
    """Round ``x`` with MPFR: precision ``p``, subnormals emulated by ``subnormalize``.

    MPFR writes ``x = 0.1b...b * 2**E``, one above the IEEE exponent: so ``emin`` is the
    exponent of the smallest subnormal plus one and ``emax`` is ``fmt.emax + 1``. Where the
    format's overflow is not IEEE's (no infinity, or a NaN pattern inside the top binade)
    MPFR gets a wider range and the format's overflow rule is applied afterwards.
    """
    special = _special(x, fmt)
    if special is not None:
        return special
    native_overflow = fmt.nan_inf == "ieee" and fmt.overflow == "inf"
    context = gmpy2.context(
        precision=fmt.precision,
        emin=fmt.emin - fmt.mantissa_bits + 1,
        emax=fmt.emax + 1 if native_overflow else fmt.emax + 2,
        subnormalize=True,
        round=_MPFR_MODES[mode],
    )
    rounded = float(context.plus(gmpy2.mpfr(x, 53)))
    rounded = math.copysign(rounded, x)  # MPFR underflow to zero keeps the sign; be explicit
    if native_overflow:
        return rounded
    return _overflow(rounded, x, fmt, mode)


def assert_bitwise(got: np.ndarray, expected: np.ndarray, inputs: np.ndarray, what: str) -> None:
    """Same float64 bit patterns (signed zeros distinguished); any NaN matches any NaN."""
    with np.errstate(invalid="ignore"):  # signalling-NaN payloads of the reference casts
        got64 = got.astype(np.float64)
        expected64 = np.asarray(expected, dtype=np.float64)
    nan = np.isnan(expected64)
    wrong = (np.isnan(got64) != nan) | (
        ~nan & (got64.view(np.uint64) != expected64.view(np.uint64))
    )
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise AssertionError(
            f"{what}: input {float(inputs[i])!r} ({float(inputs[i]).hex()}) gave "
            f"{float(got64[i])!r}, oracle {float(expected64[i])!r}"
        )


def batches(fmt: Format, dtype: type) -> st.SearchStrategy[np.ndarray]:
    return st.lists(rounding_inputs(fmt, dtype), min_size=BATCH, max_size=BATCH).map(
        lambda values: np.array(values, dtype=dtype)
    )


def in_input_dtype(expected: list[float], dtype: np.dtype) -> np.ndarray:
    """The oracle's value as quantize returns it: in the input's dtype.

    Exact whenever the format's values fit the dtype; a float16 input rounded into bf16,
    fp32 or E8M0 can reach values float16 does not have (bf16 65536 is float16 inf).
    """
    with np.errstate(over="ignore"):
        return np.array(expected).astype(dtype)


def check_against_fraction(x: np.ndarray, fmt: Format, modes: tuple[str, ...]) -> None:
    for mode in modes:
        expected = in_input_dtype([fraction_round(float(v), fmt, mode) for v in x], x.dtype)
        assert_bitwise(quantize(x, fmt, mode), expected, x, f"{fmt.name} {mode}")


def check_against_mpfr(x: np.ndarray, fmt: Format) -> None:
    for mode in _MPFR_MODES:
        expected = in_input_dtype([mpfr_round(float(v), fmt, mode) for v in x], x.dtype)
        assert_bitwise(quantize(x, fmt, mode), expected, x, f"{fmt.name} {mode} MPFR")


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
@given(fmt=preset_formats(), data=st.data())
def test_presets_agree_with_exact_arithmetic(dtype: type, fmt: Format, data: st.DataObject) -> None:
    check_against_fraction(data.draw(batches(fmt, dtype)), fmt, DETERMINISTIC_MODES)


@given(fmt=custom_formats(max_exponent_bits=11, max_mantissa_bits=51), data=st.data())
def test_custom_formats_agree_with_exact_arithmetic(fmt: Format, data: st.DataObject) -> None:
    check_against_fraction(data.draw(batches(fmt, np.float64)), fmt, DETERMINISTIC_MODES)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@given(fmt=preset_formats(), data=st.data())
def test_presets_agree_with_mpfr(dtype: type, fmt: Format, data: st.DataObject) -> None:
    if not fmt.subnormals:
        fmt = formats.get("fp8_e4m3")  # MPFR cannot flush; E8M0 is checked exhaustively below
    check_against_mpfr(data.draw(batches(fmt, dtype)), fmt)


@given(fmt=custom_formats(max_exponent_bits=11, max_mantissa_bits=51), data=st.data())
def test_custom_formats_agree_with_mpfr(fmt: Format, data: st.DataObject) -> None:
    if fmt.subnormals:
        check_against_mpfr(data.draw(batches(fmt, np.float64)), fmt)
    else:
        check_against_fraction(data.draw(batches(fmt, np.float64)), fmt, DETERMINISTIC_MODES)


def test_the_oracles_agree_with_each_other_on_a_grid() -> None:
    """Fraction and MPFR oracles on every float16 value into fp8_e4m3 and fp6_e2m3.

    A check of the checkers: two oracles written differently agree everywhere on a grid
    that holds every tie and every near-tie of these formats' finite range.
    """
    values = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64)
    values = values[::7]  # every 7th pattern: ties and near-ties of both signs, 9363 values
    for name in ("fp8_e4m3", "fp6_e2m3"):
        fmt = formats.get(name)
        for mode in ("rne", "rdn"):
            by_fraction = np.array([fraction_round(float(v), fmt, mode) for v in values])
            by_mpfr = np.array([mpfr_round(float(v), fmt, mode) for v in values])
            assert_bitwise(by_fraction, by_mpfr, values, f"{name} {mode} oracles")


def _ml_dtypes_cast(x: np.ndarray, reference: type) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        return x.astype(reference).astype(x.dtype)


def _comparable_with_ml_dtypes(x: np.ndarray, fmt: Format) -> np.ndarray:
    """Inputs where ml_dtypes follows docs/spec.md: it turns NaN into +-0 where there is none."""
    keep = np.ones(x.shape, dtype=bool)
    if not fmt.has_nan:
        keep &= ~np.isnan(x)
    return keep


@given(fmt=preset_formats(max_bits=16), data=st.data())
@example(fmt=formats.get("fp4_e2m1"), data=None).via("ties of fp4")
def test_rne_agrees_with_ml_dtypes_on_float32(fmt: Format, data: st.DataObject | None) -> None:
    if data is None:
        x = np.array(
            [0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, 7.0, -0.25, -5.0, 0.0, -0.0], np.float32
        )
    else:
        x = data.draw(batches(fmt, np.float32))
    x = x[_comparable_with_ml_dtypes(x, fmt)]
    expected = _ml_dtypes_cast(x, ML_DTYPES_TYPES[fmt.name])
    assert_bitwise(quantize(x, fmt), expected, x, f"{fmt.name} ml_dtypes")


@given(data=st.data())
def test_fp16_rne_agrees_with_numpy_on_float64(data: st.DataObject) -> None:
    fmt = formats.get("fp16")
    x = data.draw(batches(fmt, np.float64))
    with np.errstate(over="ignore"):
        expected = x.astype(np.float16).astype(np.float64)
    assert_bitwise(quantize(x, fmt), expected, x, "fp16 NumPy float64")


@pytest.mark.parametrize("name", list(ML_DTYPES_TYPES))
def test_rne_agrees_with_ml_dtypes_on_every_float16_value(name: str) -> None:
    """Exhaustive over one input type: all 65536 float16 patterns (exact in float32)."""
    fmt = formats.get(name)
    x = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)
    x = x[_comparable_with_ml_dtypes(x, fmt)]
    expected = _ml_dtypes_cast(x, ML_DTYPES_TYPES[name])
    assert_bitwise(quantize(x, fmt), expected, x, f"{name} ml_dtypes float16 grid")
    with np.errstate(invalid="ignore", over="ignore"):  # NaN payloads; e8m0 2**16 is inf
        narrow = expected.astype(np.float16)
    assert_bitwise(quantize(x.astype(np.float16), fmt), narrow, x, f"{name} float16 input")


@pytest.mark.parametrize("mode", DETERMINISTIC_MODES)
def test_e8m0_every_float16_value_agrees_with_exact_arithmetic(mode: str) -> None:
    """E8M0 (no zero, no subnormals, ties of precision 1) where MPFR cannot follow."""
    fmt = formats.get("e8m0")
    x = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float64)[::3]
    expected = np.array([fraction_round(float(v), fmt, mode) for v in x])
    assert_bitwise(quantize(x, fmt, mode), expected, x, f"e8m0 {mode}")


def edge_inputs(fmt: Format, dtype: type, stride: int) -> np.ndarray:
    """Every ``stride``-th value of ``fmt`` with the tie above it and the floats of ``dtype``
    one ulp either side of that tie; the underflow and overflow thresholds and their
    neighbours; signed zeros, infinities and NaN; all with both signs.
    """
    values = decode(np.arange(1 << fmt.bits, dtype=np.uint64), fmt)
    positive = np.unique(values[np.isfinite(values) & (values >= 0)])
    low, high = positive[:-1:stride], positive[1::stride]
    ties = (low + high) / 2  # exact: the formats are far narrower than float64
    top_quantum = math.ldexp(1.0, fmt.emax - fmt.mantissa_bits)
    thresholds = np.array([fmt.min_subnormal / 2, fmt.max_finite + top_quantum / 2])
    centres: np.ndarray = np.concatenate([ties, thresholds]).astype(dtype)
    with np.errstate(over="ignore"):
        near = [np.nextafter(centres, dtype(np.inf)), np.nextafter(centres, dtype(0))]
    specials: np.ndarray = np.array([0.0, np.inf, np.nan], dtype=dtype)
    magnitudes = np.concatenate([low.astype(dtype), centres, *near, specials])
    magnitudes = magnitudes[~np.isinf(magnitudes) | (magnitudes == specials[1])]
    return np.concatenate([magnitudes, -magnitudes])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", [n for n in formats.names() if formats.get(n).bits <= 16])
def test_every_tie_and_near_tie_against_the_oracles(name: str, dtype: type) -> None:
    """Deterministic edge cases (the @example of the Hypothesis tests above, made exhaustive).

    Every tie of every format of at most 8 bits (every 16th of fp16 and bf16), one ulp
    either side, both thresholds: exact arithmetic in all five modes, MPFR in its four,
    ml_dtypes (RNE) on both input types.
    """
    fmt = formats.get(name)
    x = edge_inputs(fmt, dtype, stride=1 if fmt.bits <= 8 else 16)
    check_against_fraction(x, fmt, DETERMINISTIC_MODES)
    if fmt.subnormals:
        check_against_mpfr(x, fmt)
    x = x[_comparable_with_ml_dtypes(x, fmt)]
    expected = _ml_dtypes_cast(x, ML_DTYPES_TYPES[name])
    assert_bitwise(quantize(x, fmt), expected, x, f"{name} ml_dtypes edges")


def test_the_edge_cases_catch_wrong_tie_rules_and_double_rounding() -> None:
    """Teeth: the same inputs and comparison reject ties-away for ties-to-even, and reject a
    float64 cast rounded through float32 first (ml_dtypes before 0.7) against the oracle."""
    fmt = formats.get("fp8_e4m3")
    x = edge_inputs(fmt, np.float64, stride=1)
    expected = in_input_dtype([fraction_round(float(v), fmt, "rne") for v in x], x.dtype)
    with pytest.raises(AssertionError, match="planted rna"):
        assert_bitwise(quantize(x, fmt, "rna"), expected, x, "planted rna")
    double_rounded = _ml_dtypes_cast(x.astype(np.float32), ML_DTYPES_TYPES["fp8_e4m3"])
    with pytest.raises(AssertionError, match="through float32"):
        assert_bitwise(double_rounded.astype(x.dtype), expected, x, "through float32")
