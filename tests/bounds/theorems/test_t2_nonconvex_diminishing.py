"""T2: non-convex, diminishing stepsizes; the sum inequalities behind its explicit forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.theorems import t2_nonconvex_diminishing as t2
from tests.bounds.theorems._limits import assert_floor_and_rate

T2 = theorems.get("T2")
HARMONIC = theorems.get("T2.harmonic")
SQRT = theorems.get("T2.sqrt")


def test_hand_computed_value_constant_sequence() -> None:
    # mu_k = 1/2 for k = 1..3: (2*1 + 1*(1+1)*(3/4))/(1/2) = 7
    value = T2.evaluate(L=1, Delta=1, M=1, M_G=1, q_min=0.5, sigma_q2=1, K=3, mu=0.5)
    assert value == pytest.approx(7.0, rel=1e-15)


def test_hand_computed_value_harmonic_sequence() -> None:
    # beta = 1/2, gamma = 1, K = 2: mu = 1/4, 1/6; sum of squares 1/16 + 1/36 = 13/144
    expected = (2 * 2 + 1 * 2 * (1 / 16 + 1 / 36)) / 0.5
    value = T2.evaluate(L=1, Delta=2, M=1, M_G=1, q_min=0.5, sigma_q2=1, K=2, beta=0.5, gamma=1)
    assert value == pytest.approx(expected, rel=1e-15)


def test_explicit_forms_hand_computed() -> None:
    harmonic = HARMONIC.evaluate(
        L=1, M_G=2, Delta=1, M=1, sigma_q2=0, q_min=1, K=2, beta=1, gamma=1
    )
    assert harmonic == pytest.approx(3 / math.log(2), rel=1e-15)
    root = SQRT.evaluate(L=1, M_G=2, Delta=1, M=1, sigma_q2=0, q_min=0.5, K=3, mu0=0.5)
    assert root == pytest.approx((2 + 0.25 * (1 + math.log(3))) / 0.5, rel=1e-15)


def test_floors_and_rates() -> None:
    assert_floor_and_rate(HARMONIC, sp.Integer(0))
    assert_floor_and_rate(SQRT, sp.Integer(0))
    infinite = sp.Sum(sy.mu_seq[sy.k] ** 2, (sy.k, 1, sp.oo))
    assert sp.simplify(T2.floor - (2 * sy.Delta + sy.L * sy.S * infinite) / sy.q_min) == 0


def test_explicit_forms_follow_from_min_bound_and_sum_bounds() -> None:
    # min bound (2 Delta + L S Σmu²)/(q_min Σmu): the variants replace Σmu² by its upper bound
    # and Σmu by its lower bound, which can only increase the bound.
    lower_h, upper_h, lower_s, upper_s = (b.closed for b in t2.SUM_BOUNDS)
    harmonic = (2 * sy.Delta + sy.L * sy.S * sy.beta**2 * upper_h) / (sy.q_min * sy.beta * lower_h)
    root = (2 * sy.Delta + sy.L * sy.S * sy.mu0**2 * upper_s) / (sy.q_min * sy.mu0 * lower_s)
    assert sp.simplify(HARMONIC.bound - harmonic) == 0
    assert sp.simplify(SQRT.bound - root) == 0


@pytest.mark.parametrize("bound", t2.SUM_BOUNDS, ids=lambda b: b.name)
def test_sum_bounds_by_integral_comparison(bound: t2.SumBound) -> None:
    # f positive and decreasing: Σ_{k=1..K} f(k) >= ∫_1^{K+1} f, Σ_{k=2..K} f(k) <= ∫_1^K f.
    f = bound.summand
    x = sp.Symbol("x", positive=True)
    assert sp.simplify(sp.diff(f, sy.k)).is_negative
    assert f.is_positive
    if bound.direction == ">=":
        integral = sp.integrate(f.subs(sy.k, x), (x, 1, bound.last + 1))
        assert sp.simplify(integral - bound.closed) == 0
    else:
        integral = (
            sp.integrate(f.subs(sy.k, x), (x, 1, bound.last))
            if bound.last != sp.oo
            else (sp.integrate(f.subs(sy.k, x), (x, 1, sp.oo)))
        )
        assert sp.simplify(f.subs(sy.k, 1) + integral - bound.closed).is_nonpositive


def test_sum_bounds_numerically_up_to_a_million_terms() -> None:
    k = np.arange(1, 10**6 + 1, dtype=np.float64)
    K = k
    for gamma in (0.1, 1.0, 25.0):
        partial = np.cumsum(1 / (gamma + k))
        assert np.all(partial >= np.log((gamma + K + 1) / (gamma + 1)) - 1e-12)
        assert np.sum(1 / (gamma + k) ** 2) <= 1 / gamma
    assert np.all(np.cumsum(1 / np.sqrt(k)) >= 2 * (np.sqrt(K + 1) - 1) - 1e-9)
    assert np.all(np.cumsum(1 / k) <= 1 + np.log(K) + 1e-12)


def test_a_wrong_sum_bound_is_caught() -> None:
    # Planted: Σ 1/(gamma+k) >= ln((gamma+K+1)/gamma) is false (the integral starts at 0).
    k = np.arange(1, 1001, dtype=np.float64)
    assert not np.all(np.cumsum(1 / (1.0 + k)) >= np.log((1.0 + k + 1) / 1.0))
