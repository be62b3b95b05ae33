"""simulate.arith against MPFR (gmpy2) and exact rationals: exhaustive for formats of <= 8 bits.

The oracle rounds the exact result with MPFR at the format's precision, with its subnormal
emulation (``subnormalize=True``) and an exponent range unbounded above, then applies the
format's overflow policy (a finite result above ``max_finite`` is replaced by the policy,
or by ``max_finite`` when the mode rounds toward zero; an exactly infinite result stays
infinite where the format has infinities). MPFR has no ties-away mode: the ``"rna"`` oracle
is MPFR's nearest-even result, replaced by the away-from-zero neighbour exactly when the
exact rational result (``gmpy2.mpq``) is the midpoint of MPFR's toward-zero and away-from-zero
roundings.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import gmpy2
import ml_dtypes
import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from simulate import arith
from simulate.formats import Format, get
from simulate.rounding import DETERMINISTIC_MODES, quantize
from tests.simulate.test_kernels import same_bits

SMALL_FORMATS = ("fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1")
MPFR_MODES = {
    "rne": gmpy2.RoundToNearest,
    "rtz": gmpy2.RoundToZero,
    "rup": gmpy2.RoundUp,
    "rdn": gmpy2.RoundDown,
    "rna": gmpy2.RoundToNearest,
}
BINARY_OPS: dict[str, Callable] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
}
EXACT_OPS: dict[str, Callable] = {
    **BINARY_OPS,
    "div": lambda x, y: x / y if y != 0 else None,
}


# Independent value tables ------------------------------------------------------------------
def value_of(code: int, fmt: Format) -> float:
    """Decode a pattern with integer arithmetic (independent of simulate.bits)."""
    m, e_bits = fmt.mantissa_bits, fmt.exponent_bits
    sign = -1.0 if fmt.signed and code >> (fmt.bits - 1) else 1.0
    biased = (code >> m) & ((1 << e_bits) - 1)
    fraction = code & ((1 << m) - 1)
    top = (1 << e_bits) - 1
    if fmt.nan_inf == "ieee" and biased == top:
        return sign * math.inf if fraction == 0 else math.nan
    if fmt.nan_inf == "fn" and biased == top and fraction == (1 << m) - 1:
        return math.nan
    if biased == 0:
        return sign * math.ldexp(fraction, fmt.emin - m)
    return sign * math.ldexp((1 << m) + fraction, biased - fmt.bias - m)


@cache
def all_values(name: str) -> np.ndarray:
    fmt = get(name)
    values = np.array([value_of(code, fmt) for code in range(1 << fmt.bits)])
    nan_first = np.isnan(values)
    # one NaN is enough: every NaN pattern behaves alike
    return np.concatenate([values[~nan_first], values[nan_first][:1]])


@pytest.mark.parametrize(
    ("name", "dtype"),
    [
        ("fp8_e4m3", ml_dtypes.float8_e4m3fn),
        ("fp8_e5m2", ml_dtypes.float8_e5m2),
        ("fp6_e3m2", ml_dtypes.float6_e3m2fn),
        ("fp6_e2m3", ml_dtypes.float6_e2m3fn),
        ("fp4_e2m1", ml_dtypes.float4_e2m1fn),
    ],
)
def test_value_tables_match_ml_dtypes(name: str, dtype: type) -> None:
    fmt = get(name)
    codes = np.arange(1 << fmt.bits, dtype=np.uint8)
    expected = codes.view(dtype).astype(np.float64)
    ours = np.array([value_of(int(code), fmt) for code in codes])
    assert np.array_equal(ours, expected, equal_nan=True)


# The oracle -------------------------------------------------------------------------------
def overflow_policy(value: float, fmt: Format, mode: str) -> float:
    """The format's conventions for a correctly rounded, exponent-unbounded result."""
    if math.isnan(value):
        return math.nan
    if math.isinf(value):  # exactly infinite (inf operand, x/0): no rounding happened
        if fmt.has_inf:
            return value
        return math.copysign(fmt.max_finite, value) if fmt.overflow == "saturate" else math.nan
    if abs(value) <= fmt.max_finite:
        return value
    toward_zero = mode == "rtz" or (mode == "rdn" and value > 0) or (mode == "rup" and value < 0)
    if toward_zero or fmt.overflow == "saturate":
        return math.copysign(fmt.max_finite, value)
    return math.copysign(math.inf, value) if fmt.overflow == "inf" else math.nan


MPFR_OPS: dict[str, Callable] = {
    **BINARY_OPS,
    "fma": lambda x, y, z: gmpy2.fma(x, y, z),
    "sqrt": lambda x: gmpy2.sqrt(x),
}
FLOAT64_OPS: dict[str, Callable] = {
    **BINARY_OPS,
    "fma": lambda x, y, z: x * y + z,  # x * y is exact for precision <= 26
    "sqrt": np.sqrt,
}
_MPFR_CACHE: dict[tuple, np.ndarray] = {}


def mpfr_rounded(op: str, operands: list[np.ndarray], fmt: Format, round_mode: int) -> np.ndarray:
    """MPFR's rounding of the exact results (exponent unbounded above), cached."""
    key = (op, fmt, round_mode, *(column.tobytes() for column in operands))
    if key not in _MPFR_CACHE:
        context = gmpy2.context(
            precision=fmt.precision,
            emin=fmt.emin - fmt.mantissa_bits + 1,
            emax=fmt.emax + 64,
            subnormalize=True,
            round=round_mode,
        )
        function = MPFR_OPS[op]
        with context:
            _MPFR_CACHE[key] = np.array(
                [
                    float(function(*map(gmpy2.mpfr, args)))
                    for args in zip(*(column.tolist() for column in operands), strict=True)
                ]
            )
    return _MPFR_CACHE[key]


def oracle(op: str, operands: list[np.ndarray], fmt: Format, mode: str) -> np.ndarray:
    """Correctly rounded results, one per operand tuple, by MPFR (+ mpq for ties away)."""
    if mode != "rna":
        results = mpfr_rounded(op, operands, fmt, MPFR_MODES[mode])
    else:
        results = _ties_away(op, operands, fmt)
    return np.array([overflow_policy(r, fmt, mode) for r in results.tolist()])


def _ties_away(op: str, operands: list[np.ndarray], fmt: Format) -> np.ndarray:
    nearest = mpfr_rounded(op, operands, fmt, gmpy2.RoundToNearest)
    toward = mpfr_rounded(op, operands, fmt, gmpy2.RoundToZero)
    away = mpfr_rounded(op, operands, fmt, gmpy2.RoundAwayZero)
    # A tie z is a float64 (p + 1 <= 53 bits), so the correctly rounded float64 result equals
    # it: candidates are where that float64 is the midpoint; each is then decided exactly.
    with np.errstate(all="ignore"):
        approx = FLOAT64_OPS[op](*operands)
        midpoint = (toward + away) / 2
    candidates = np.flatnonzero(np.isfinite(midpoint) & (toward != away) & (approx == midpoint))
    results = nearest.copy()
    for index in candidates.tolist():
        exact = [gmpy2.mpq(float(column[index])) for column in operands]
        mid = gmpy2.mpq(float(midpoint[index]))
        if op == "sqrt":
            is_tie = mid >= 0 and mid * mid == exact[0]
        elif op == "fma":
            is_tie = exact[0] * exact[1] + exact[2] == mid
        else:
            value = EXACT_OPS[op](*exact)
            is_tie = value is not None and value == mid
        if is_tie:
            results[index] = away[index]
    return results


def same(ours: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Bitwise equality (signed zeros distinguished), NaN equal to NaN."""
    both_nan = np.isnan(ours) & np.isnan(expected)
    with np.errstate(invalid="ignore"):
        equal = (ours == expected) & (np.signbit(ours) == np.signbit(expected))
    return both_nan | equal


def assert_same(ours: np.ndarray, expected: np.ndarray, operands: list[np.ndarray]) -> None:
    ok = same(ours, expected)
    if not ok.all():
        index = int(np.flatnonzero(~ok)[0])
        args = [float(column[index]) for column in operands]
        raise AssertionError(
            f"{int((~ok).sum())} mismatches; first: operands {args} gave "
            f"{ours[index]!r}, oracle {expected[index]!r}"
        )


# Exhaustive: every operand pair of every format of <= 8 bits --------------------------------
@pytest.mark.parametrize("op", tuple(BINARY_OPS))
@pytest.mark.parametrize("name", SMALL_FORMATS)
def test_every_operand_pair_matches_mpfr_in_every_mode(name: str, op: str) -> None:
    # one test per format and operation, so that "rna" reuses the MPFR tables of the others
    fmt = get(name)
    values = all_values(name)
    a, b = (column.ravel() for column in np.meshgrid(values, values, indexing="ij"))
    for mode in DETERMINISTIC_MODES:
        ours = getattr(arith, op)(a, b, fmt, mode)
        assert_same(ours, oracle(op, [a, b], fmt, mode), [a, b])


@pytest.mark.parametrize("mode", DETERMINISTIC_MODES)
@pytest.mark.parametrize("name", [*SMALL_FORMATS, "fp16", "bf16"])
def test_sqrt_of_every_pattern_matches_mpfr(name: str, mode: str) -> None:
    fmt = get(name)
    values = (
        all_values(name)
        if fmt.bits <= 8
        else np.array([value_of(c, fmt) for c in range(0, 1 << fmt.bits, 1)])
    )
    ours = arith.sqrt(values, fmt, mode)
    assert_same(ours, oracle("sqrt", [values], fmt, mode), [values])


@pytest.mark.parametrize("mode", DETERMINISTIC_MODES)
def test_fma_of_every_fp4_triple_matches_mpfr(mode: str) -> None:
    fmt = get("fp4_e2m1")
    values = all_values("fp4_e2m1")
    triples = [c.ravel() for c in np.meshgrid(values, values, values, indexing="ij")]
    ours = arith.fma(triples[0], triples[1], triples[2], fmt, mode)
    assert_same(ours, oracle("fma", triples, fmt, mode), triples)


@pytest.mark.parametrize("mode", DETERMINISTIC_MODES)
@pytest.mark.parametrize("name", SMALL_FORMATS[:4])
def test_fma_on_random_triples_matches_mpfr(name: str, mode: str) -> None:
    # seed 3: 6000 uniformly drawn triples of values (NaN and infinities included)
    fmt = get(name)
    values = all_values(name)
    triples = list(np.random.default_rng(3).choice(values, size=(3, 6000)))
    ours = arith.fma(triples[0], triples[1], triples[2], fmt, mode)
    assert_same(ours, oracle("fma", triples, fmt, mode), triples)


def test_fma_needs_the_residual_where_float64_rounding_is_not_innocuous() -> None:
    # fp32 (1 + 2**-12)**2 + 2**-60 = 1 + 2**-11 + 2**-24 + 2**-60: float64 drops the 2**-60
    # and lands on the tie 1 + 2**-11 + 2**-24, which RNE sends to the even 1 + 2**-11; the
    # exact value is above the tie, so the answer is 1 + 2**-11 + 2**-23.
    fmt = get("fp32")
    a, b, c = 1.0 + 2.0**-12, 1.0 + 2.0**-12, 2.0**-60
    exact = gmpy2.mpq(a) * gmpy2.mpq(b) + gmpy2.mpq(c)
    assert exact == 1 + gmpy2.mpq(2) ** -11 + gmpy2.mpq(2) ** -24 + gmpy2.mpq(2) ** -60
    naive = quantize(np.array([a * b + c]), fmt, "rne")[0]
    assert naive == 1.0 + 2.0**-11  # the tie went to even: wrong
    assert arith.fma(a, b, c, fmt, "rne") == 1.0 + 2.0**-11 + 2.0**-23
    assert arith.fma(a, b, c, fmt, "rtz") == 1.0 + 2.0**-11
    assert arith.fma(a, b, -c, fmt, "rup") == 1.0 + 2.0**-11 + 2.0**-23


# Wider formats: Hypothesis against MPFR ----------------------------------------------------
def finite_values(fmt: Format) -> st.SearchStrategy[float]:
    top_biased = fmt.max_biased_exponent
    return st.builds(
        lambda sign, biased, fraction: value_of(
            (sign << (fmt.bits - 1)) | (biased << fmt.mantissa_bits) | fraction, fmt
        ),
        st.integers(0, 1),
        st.one_of(st.integers(0, top_biased), st.sampled_from([0, 1, top_biased, fmt.bias])),
        st.integers(0, (1 << fmt.mantissa_bits) - 1),
    )


WIDE_FORMATS = ("fp16", "bf16", "tf32", "fp32")


@pytest.mark.parametrize("name", WIDE_FORMATS)
@given(data=st.data())
@example(data=None)
def test_wide_formats_match_mpfr(name: str, data: st.DataObject | None) -> None:
    fmt = get(name)
    if data is None:  # the edge cases: ties, subnormals, the overflow boundary, cancellation
        ulp = fmt.machine_epsilon
        a = np.array([1.0, 1.0, fmt.max_finite, fmt.min_subnormal, 1.0 + ulp, -fmt.min_normal])
        b = np.array([ulp / 2, -ulp / 4, fmt.max_finite, fmt.min_subnormal, 1.0 + ulp, 0.0])
        c = np.array([1.0, -1.0, -fmt.max_finite, -fmt.min_normal, -1.0, fmt.min_subnormal])
        if fmt.precision == 24:
            c[0] = 2.0**-23
        a, b = quantize(a, fmt), quantize(b, fmt)
        c = quantize(c, fmt)
    else:
        values = st.lists(finite_values(fmt), min_size=8, max_size=8)
        a, b, c = (np.array(data.draw(values)) for _ in range(3))
    for mode in DETERMINISTIC_MODES:
        for op in BINARY_OPS:
            assert_same(getattr(arith, op)(a, b, fmt, mode), oracle(op, [a, b], fmt, mode), [a, b])
        assert_same(arith.fma(a, b, c, fmt, mode), oracle("fma", [a, b, c], fmt, mode), [a, b, c])
        root = np.abs(a)
        assert_same(arith.sqrt(root, fmt, mode), oracle("sqrt", [root], fmt, mode), [root])


# Special values --------------------------------------------------------------------------
def test_special_values_follow_ieee() -> None:
    fp16 = get("fp16")
    inf, nan = math.inf, math.nan
    assert np.isnan(arith.sub(inf, inf, fp16))
    assert np.isnan(arith.add(inf, -inf, fp16))
    assert np.isnan(arith.mul(0.0, inf, fp16))
    assert np.isnan(arith.fma(0.0, inf, 1.0, fp16))
    assert np.isnan(arith.div(0.0, 0.0, fp16))
    assert np.isnan(arith.sqrt(-1.0, fp16))
    assert np.isnan(arith.add(nan, 1.0, fp16))
    for mode in DETERMINISTIC_MODES:
        assert arith.div(1.0, 0.0, fp16, mode) == inf
        assert arith.div(1.0, -0.0, fp16, mode) == -inf
        assert arith.add(inf, 1.0, fp16, mode) == inf
    # formats without infinity: x/0 follows the overflow policy of the format
    assert np.isnan(arith.div(1.0, 0.0, "fp8_e4m3"))
    assert arith.div(-1.0, 0.0, "fp4_e2m1") == -6.0


@pytest.mark.parametrize("mode", DETERMINISTIC_MODES)
def test_signed_zeros(mode: str) -> None:
    fmt = get("bf16")
    negative_zero_sum = mode == "rdn"

    def is_negative_zero(x: np.ndarray) -> bool:
        return bool(x == 0 and np.signbit(x))

    assert is_negative_zero(arith.add(-0.0, -0.0, fmt, mode))
    assert not np.signbit(arith.add(0.0, 0.0, fmt, mode))
    assert is_negative_zero(arith.sub(1.5, 1.5, fmt, mode)) == negative_zero_sum
    assert is_negative_zero(arith.add(0.0, -0.0, fmt, mode)) == negative_zero_sum
    assert is_negative_zero(arith.fma(2.0, 3.0, -6.0, fmt, mode)) == negative_zero_sum
    assert is_negative_zero(arith.mul(-0.0, 5.0, fmt, mode))
    assert is_negative_zero(arith.div(-0.0, 5.0, fmt, mode))
    assert is_negative_zero(arith.sqrt(-0.0, fmt, mode))
    # a tiny non-zero result keeps the sign of the exact value
    assert is_negative_zero(arith.mul(-(2.0**-100), 2.0**-100, fmt, "rtz"))


def test_broadcasting_and_dtype() -> None:
    a = np.array([[1.0], [2.0], [3.0]], dtype=np.float32)
    b = np.array([0.5, 0.25])
    result = arith.add(a, b, "fp16")
    assert result.shape == (3, 2)
    assert result.dtype == np.float64
    assert np.array_equal(result, a + b)


# Stochastic rounding -----------------------------------------------------------------------
def exact_fraction(op: str, a: np.ndarray, b: np.ndarray, fmt: Format) -> np.ndarray:
    """Discarded fraction of a quantum of the exact result, as float (exact rationals)."""
    toward = oracle(op, [a, b], fmt, "rtz")
    fractions = []
    for x, y, low in zip(a.tolist(), b.tolist(), toward.tolist(), strict=True):
        exact = EXACT_OPS[op](gmpy2.mpq(x), gmpy2.mpq(y))
        magnitude = abs(exact)
        quantum = _quantum(float(low) if low != 0 else float(magnitude), fmt)
        fractions.append(float((magnitude - abs(gmpy2.mpq(low))) / quantum))
    return np.array(fractions)


def _quantum(magnitude: float, fmt: Format) -> gmpy2.mpq:
    exponent = math.frexp(abs(magnitude))[1] - 1 if magnitude != 0 else fmt.emin
    return gmpy2.mpq(2) ** (max(exponent, fmt.emin) - fmt.mantissa_bits)


@pytest.mark.parametrize("op", ["add", "div"])
def test_stochastic_rounding_support_follows_the_exact_fraction(op: str) -> None:
    # With r random bits the probability of rounding away is floor(f 2**r)/2**r for the exact
    # fraction f: with r = 2 every result is one of the two neighbours, and it never leaves
    # the lower one when f < 1/4. Deterministic checks over every fp6 e3m2 pair with finite
    # nonzero exact results inside the range.
    fmt = get("fp6_e3m2")
    values = all_values("fp6_e3m2")
    values = values[(values != 0) & (np.abs(values) <= 4)]
    a, b = (c.ravel() for c in np.meshgrid(values, values, indexing="ij"))
    approx = BINARY_OPS[op](a, b)
    inside = (approx != 0) & (np.abs(approx) < fmt.max_finite)
    a, b, approx = a[inside], b[inside], approx[inside]
    toward = oracle(op, [a, b], fmt, "rtz")
    away = np.where(approx > 0, oracle(op, [a, b], fmt, "rup"), oracle(op, [a, b], fmt, "rdn"))
    fraction = exact_fraction(op, a, b, fmt)
    rng = np.random.default_rng(17)
    draws = np.stack([getattr(arith, op)(a, b, fmt, "sr", rng, 2) for _ in range(40)])
    assert np.all((draws == toward) | (draws == away))
    never = np.floor(fraction * 4) == 0
    assert never.any()
    assert (~never).any()
    assert np.all(draws[:, never] == toward[never])
    # where the probability is >= 1/4, 40 draws all landing low has probability <= 0.75**40
    # (1e-5) per pair, so all pairs move with probability >= 99% (Bonferroni over < 1000
    # pairs); with seed 17 they do
    moved = (draws != toward).any(axis=0)
    assert np.all(moved[~never])


def hoeffding_radius(count: int, delta: float) -> float:
    """Two-sided Hoeffding radius for the mean of ``count`` values in [0, 1]."""
    return math.sqrt(math.log(2 / delta) / (2 * count))


@pytest.mark.slow
def test_stochastic_arith_is_unbiased_and_a_planted_bias_is_caught() -> None:
    # Level 1 - 1e-6 (two-sided Hoeffding, Bonferroni over the 24 cases), seed 2024.
    # Each case: an fp16 op whose exact result has a short discarded fraction, replicated
    # 40000 times; (result - low) / quantum is a Bernoulli with mean f exactly.
    fmt = get("fp16")
    rng = np.random.default_rng(2024)
    a = quantize(rng.uniform(-4, 4, size=12), fmt)
    b = quantize(rng.uniform(-4, 4, size=12), fmt)
    count = 40000
    radius = hoeffding_radius(count, 1e-6 / 24)
    for op in ("add", "mul"):
        exact = BINARY_OPS[op](a, b)  # exact in float64 for fp16 operands
        low = oracle(op, [a, b], fmt, "rtz")
        quantum = np.array(
            [float(_quantum(v if v != 0 else e, fmt)) for v, e in zip(low, exact, strict=False)]
        )
        fraction = np.abs(exact - low) / quantum
        replicated = [np.broadcast_to(x, (count, 12)) for x in (a, b)]
        results = getattr(arith, op)(*replicated, fmt, "sr", rng, 30)
        frequency = (np.abs(results - low) / quantum).mean(axis=0)
        assert np.all(np.abs(frequency - fraction) <= radius)
        # planted bias: a rounding that adds 3% of a quantum before rounding stochastically
        biased = quantize(
            np.broadcast_to(exact + np.sign(exact) * 0.03 * quantum, (count, 12)),
            fmt,
            "sr",
            rng=rng,
            random_bits=30,
        )
        planted = (np.abs(biased - low) / quantum).mean(axis=0)
        detectable = fraction < 0.97
        assert np.any(np.abs(planted - fraction)[detectable] > radius)
    assert radius < 0.03 / 2


# Validation ------------------------------------------------------------------------------
def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="precision must be <= 26"):
        arith.add(1.0, 1.0, Format("wide", 8, 30, 127))
    with pytest.raises(ValueError, match=r"exponents must lie in \[-300, 300\]"):
        arith.add(1.0, 1.0, Format("huge", 11, 10, 1023))
    with pytest.raises(ValueError, match="b must hold values of fp8_e4m3"):
        arith.mul(1.0, 1.1, "fp8_e4m3")
    with pytest.raises(ValueError, match="a must hold values of fp4_e2m1"):
        arith.add(np.inf, 1.0, "fp4_e2m1")
    with pytest.raises(ValueError, match="rounding must be one of"):
        arith.add(1.0, 1.0, "fp16", "nearest")
    with pytest.raises(ValueError, match=r"rng must be a numpy\.random\.Generator"):
        arith.add(1.0, 1.0, "fp16", "sr")
    with pytest.raises(ValueError, match=r"random_bits must be in \[1, 52 - precision\]"):
        arith.add(1.0, 1.0, "fp32", "sr", np.random.default_rng(0), 29)
    with pytest.raises(ValueError, match="unknown format"):
        arith.sqrt(1.0, "fp7")


def test_add_needs_the_residual_for_far_apart_fp32_operands() -> None:
    # 1 + 2**-149 is not a float64: float64 returns 1.0, which every directed mode would keep;
    # the residual 2**-149 says the exact sum is above 1.
    fmt = get("fp32")
    tiny = fmt.min_subnormal
    assert 1.0 + tiny == 1.0
    assert quantize(np.array([1.0 + tiny]), fmt, "rup")[0] == 1.0  # the naive answer
    assert arith.add(1.0, tiny, fmt, "rup") == 1.0 + 2.0**-23
    assert arith.sub(1.0, tiny, fmt, "rtz") == 1.0 - 2.0**-24
    assert arith.add(-1.0, tiny, fmt, "rdn") == -1.0
    assert arith.add(1.0, tiny, fmt, "rne") == 1.0


def test_stochastic_rounding_uses_the_exact_fraction_not_the_float64_one() -> None:
    # fp32 1 - 2**-149 lies a hair below 1: float64 says exactly 1 (fraction 0, never moves),
    # the exact fraction of the quantum 2**-24 above 1 - 2**-24 is 1 - 2**-125, so with one
    # random bit P(round to 1) = floor(2 f)/2 = 1/2. Level 1 - 1e-6 (Hoeffding), seed 31.
    fmt = get("fp32")
    rng = np.random.default_rng(31)
    count = 4000
    draws = arith.sub(np.ones(count), fmt.min_subnormal, fmt, "sr", rng, 1)
    assert set(np.unique(draws).tolist()) == {1.0 - 2.0**-24, 1.0}
    assert abs((draws == 1.0).mean() - 0.5) <= hoeffding_radius(count, 1e-6)
    naive = quantize(np.ones(count) - fmt.min_subnormal, fmt, "sr", rng=rng, random_bits=1)
    assert np.all(naive == 1.0)  # the float64 shortcut never rounds down: biased
    # just above 1 the exact fraction 2**-126 gives probability 0: always exactly 1
    assert np.all(arith.add(np.ones(count), fmt.min_subnormal, fmt, "sr", rng, 1) == 1.0)


# The division's candidate test -------------------------------------------------------------
def all_residual_quotient(
    x: np.ndarray, y: np.ndarray, fmt: Format, mode: str, bits: int
) -> np.ndarray:
    """The nudged quotient with every element's residual (the construction before candidates)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        quotient = np.divide(x, y, dtype=np.float64)
        product, error = arith._two_product(quotient, y.astype(np.float64))
        residual = ((x - product) - error) * np.sign(y)
    return arith._nudged(quotient, residual, fmt, mode, bits)


def decision_point_divisions(
    fmt: Format, grid_bits: int, rng: np.random.Generator, count: int = 3000
) -> tuple[np.ndarray, np.ndarray]:
    """``x / y`` next to a grid point ``M`` of ``fmt`` (values, midpoints, SR sub-steps: odd
    multiples of the finest step included, the subnormal range too): ``x = RN64(M y)`` for a
    53-bit ``y``, so that ``x / y`` is within about ``2**-53`` of ``M`` and its float64
    quotient often exactly ``M`` (the residual decides), and ``x`` one and two ulps either side.
    """
    normal = rng.integers(1 << grid_bits, 1 << (grid_bits + 1), count)
    below = rng.integers(1, 1 << grid_bits, count)  # below 2**emin: the step of emin's binade
    units = np.concatenate([normal, below]).astype(np.float64)
    exponent = np.concatenate(
        [rng.integers(fmt.emin, min(fmt.emax, 60) + 1, count), np.full(count, fmt.emin)]
    )
    points = np.ldexp(units, exponent - grid_bits)
    y = np.ldexp(rng.uniform(1.0, 2.0, 2 * count), rng.integers(-30, 30, 2 * count))
    y *= rng.choice([-1.0, 1.0], 2 * count)
    exact = points * y * rng.choice([-1.0, 1.0], 2 * count)
    up = np.nextafter(exact, np.inf)
    down = np.nextafter(exact, -np.inf)
    x = np.concatenate([exact, up, down, np.nextafter(up, np.inf), np.nextafter(down, -np.inf)])
    return x, np.tile(y, 5)


SPLIT_CASES = [
    (name, mode, bits)
    for name in ("fp4_e2m1", "fp8_e4m3", "bf16", "fp32")
    for mode, bits in [(mode, 0) for mode in DETERMINISTIC_MODES]
    + [("sr", b) for b in sorted({1, 8, 24, 52 - get(name).precision})]
]


@pytest.mark.parametrize(("name", "mode", "bits"), SPLIT_CASES)
def test_division_computes_the_residual_of_every_quotient_that_needs_it(
    name: str, mode: str, bits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only candidates get a residual; at and one or two ulps around every kind of decision
    point the result is that of the residual of every element, and it needs the residual
    (plain float64 quotients differ); a window one bit too narrow is caught."""
    fmt = get(name)
    grid_bits = arith._grid_bits(fmt, mode, bits)
    x, y = decision_point_divisions(fmt, grid_bits, np.random.default_rng(17))
    expected = all_residual_quotient(x, y, fmt, mode, bits)
    assert same_bits(arith.nudged_quotient(x, y, fmt, mode, bits), expected)
    assert not same_bits(x / y, expected)  # the inputs have teeth
    # whole roundings, with the same draws, and float32 operands (NVFP4's numerators)
    rng = np.random.default_rng(3) if mode == "sr" else None
    ours = arith.divide_exactly_rounded(x, y, fmt, mode, rng, bits)
    rng = np.random.default_rng(3) if mode == "sr" else None
    assert same_bits(ours, arith._quantize(expected, fmt, mode, rng, bits))
    narrow = x.astype(np.float32)
    assert same_bits(
        arith.nudged_quotient(narrow, y, fmt, mode, bits),
        all_residual_quotient(narrow.astype(np.float64), y, fmt, mode, bits),
    )
    original = arith._grid_candidates
    monkeypatch.setattr(arith, "_grid_candidates", lambda q, g: original(q, g - 1))
    assert not same_bits(arith.nudged_quotient(x, y, fmt, mode, bits), expected)
