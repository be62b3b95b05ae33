"""T3: PL, fixed stepsize, linear rate to a floor."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from tests.bounds.theorems._limits import assert_floor_and_rate

T3 = theorems.get("T3")
POINT = {"L": 2, "mu": 0.25, "M": 1, "sigma_q2": 1, "c": 1, "q_min": 0.5, "M_G": 2, "F1_gap": 3}


def test_hand_computed_value() -> None:
    # floor = 2 * 1/4 * 2/(2 * 1 * 1/2) = 1, rate = 1 - 1/4 * 1 * 1/2 = 7/8;
    # k = 3: 1 + (7/8)^2 (3 - 1) = 1 + 49/32 = 81/32
    assert T3.evaluate(**POINT, k=3) == pytest.approx(81 / 32, rel=1e-15)
    assert T3.evaluate(**POINT, k=1) == pytest.approx(3.0, rel=1e-15)


def test_floor_rate_and_contraction() -> None:
    assert_floor_and_rate(T3, sy.L * sy.mu * sy.S / (2 * sy.c * sy.q_min))
    assert sp.simplify(T3.contraction - (1 - sy.mu * sy.c * sy.q_min)) == 0
    values = T3.evaluate(**POINT, k=np.arange(1, 2000))
    assert values[-1] == pytest.approx(1.0, rel=1e-12)


def test_hypotheses_keep_the_contraction_in_unit_interval() -> None:
    # Parametrize the admissible region: M_G = 1 + M_V, c = L/(1+v), q_min = 1/(1+w),
    # mu = 1/(L M_G (1+u)) with u, v, w, M_V >= 0. Then 0 <= contraction < 1 by sign rules.
    u, v, w = sp.symbols("u v w", nonnegative=True)
    region = {
        sy.mu: 1 / (sy.L * (1 + sy.M_V) * (1 + u)),
        sy.c: sy.L / (1 + v),
        sy.q_min: 1 / (1 + w),
    }
    assert T3.contraction is not None
    rho = sp.factor(sp.together(T3.contraction.subs(region)))
    assert rho.is_nonnegative
    assert sp.factor(sp.together(1 - rho)).is_positive


def test_c_above_L_is_named() -> None:
    assert T3.violated_hypotheses(**{**POINT, "c": 3}, k=2) == ("A5: c <= L",)
    with pytest.raises(ValueError, match="A5: c <= L"):
        T3.evaluate(**{**POINT, "c": 3}, k=2)


def test_naive_limit_cannot_see_the_contraction() -> None:
    # Why Statement.floor rewrites the contraction: from symbol assumptions alone SymPy cannot
    # know 0 <= 1 - mu c q_min < 1, so the plain limit gives up.
    with pytest.raises(NotImplementedError, match="depends on the sign"):
        sp.limit(T3.bound, sy.k, sp.oo)
