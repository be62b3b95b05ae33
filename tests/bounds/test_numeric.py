"""Safe evaluation: the float64 nearest the true value, even past intermediate overflow."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.numeric import evaluate, exact_value

T1 = {"L": 1.0, "M": 0.01, "M_G": 1.0, "sigma_q2": 0.01, "q_min": 0.5, "mu": 0.1, "K": 1000}


def test_t1_at_delta_1e308_is_finite() -> None:
    # 2*Delta overflows first; the true value is 2e308/(1000*0.1*0.5) + L mu S/q_min = 4e306
    value = theorems.get("T1").evaluate(**T1, Delta=1e308)
    exact = Fraction(2) * Fraction(1e308) / (Fraction(1000) * Fraction(0.1) * Fraction(0.5))
    exact += Fraction(0.1) * (Fraction(0.01) + Fraction(0.01)) / Fraction(0.5)
    assert value == float(exact)


def test_the_naive_lambdified_form_overflows() -> None:
    # the defect: NumPy evaluation of the same expression gives inf (and warns)
    bound = theorems.get("T1").bound
    args = sorted(bound.free_symbols, key=str)
    naive = sp.lambdify(args, bound, modules="numpy")
    with np.errstate(over="ignore"):
        values = {**T1, "Delta": np.float64(1e308)}
        assert np.isinf(naive(*(values[a.name] for a in args)))


def test_only_the_trapping_elements_take_the_slow_path() -> None:
    x, y = sp.symbols("x y", positive=True)
    values = evaluate(2 * x / y, {x: np.array([1.0, 1e308, 1e308]), y: np.array([4.0, 8.0, 0.5])})
    assert values[0] == 0.5
    assert values[1] == 2.5e307
    # the true value 4e308 is beyond float64: inf, and only then
    assert values[2] == np.inf


def test_undefined_is_nan_and_division_by_zero_is_inf() -> None:
    x = sp.Symbol("x", real=True)
    assert np.isnan(exact_value(sp.sqrt(x), {x: -1.0}))
    assert evaluate(1 / x, {x: np.array(0.0)}) == np.inf


def test_sums_and_arrays_are_unchanged_on_ordinary_inputs() -> None:
    K = np.array([1, 10, 100])
    values = theorems.get("T1").evaluate(**{**T1, "K": K}, Delta=1.5)
    expected = 2 * 1.5 / (K * 0.1 * 0.5) + 0.1 * 0.02 / 0.5
    np.testing.assert_allclose(values, expected, rtol=1e-15)
    assert evaluate(sy.L * sy.mu, {sy.L: 2.0, sy.mu: np.full((2, 3), 0.5)}).shape == (2, 3)


@pytest.mark.parametrize("delta", [1e300, 1e306, 1.7e308])
def test_extreme_gaps_against_exact_rationals(delta: float) -> None:
    value = theorems.get("T1").evaluate(**T1, Delta=delta)
    exact = Fraction(2) * Fraction(delta) / (Fraction(1000) * Fraction(0.1) * Fraction(0.5))
    exact += Fraction(0.1) * (Fraction(0.01) + Fraction(0.01)) / Fraction(0.5)
    assert value == pytest.approx(float(exact), rel=2**-52)
