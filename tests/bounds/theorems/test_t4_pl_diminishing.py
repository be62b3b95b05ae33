"""T4: PL, diminishing stepsizes beta/(gamma + k)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from bounds import theorems
from tests.bounds.theorems._limits import assert_floor_and_rate

T4 = theorems.get("T4")
POINT = {"L": 1, "M": 1, "sigma_q2": 1, "c": 1, "q_min": 0.5, "M_G": 1, "F1_gap": 2}


def test_hand_computed_value() -> None:
    # beta = 4 > 1/(c q_min) = 2, gamma = 3 (mu_1 = 1 <= 1): noise branch 16*2/(2*(2-1)) = 16,
    # initial branch 4*2 = 8, so nu = 16 and at k = 5 the bound is 16/8 = 2.
    assert T4.evaluate(**POINT, beta=4, gamma=3, k=5) == pytest.approx(2.0, rel=1e-15)
    # gamma = 9 (initial branch 20 wins): 20/(9 + 1) = 2 at k = 1
    assert T4.evaluate(**POINT, beta=4, gamma=9, k=1) == pytest.approx(2.0, rel=1e-15)


def test_floor_and_rate() -> None:
    assert_floor_and_rate(T4, sp.Integer(0))


def test_full_precision_slope_can_violate_the_low_precision_condition() -> None:
    # beta = 1.5 > 1/c = 1 (fine in full precision) but < 1/(c q_min) = 2.
    assert T4.violated_hypotheses(**POINT, beta=1.5, gamma=3, k=1) == ("slope condition",)
    assert T4.violated_hypotheses(**{**POINT, "q_min": 1}, beta=1.5, gamma=3, k=1) == ()
    with pytest.raises(ValueError, match=r"'slope condition'.*beta, c, q_min"):
        T4.evaluate(**POINT, beta=1.5, gamma=3, k=1)
    assert T4.violated_hypotheses(**POINT, beta=4, gamma=2, k=1) == ("first stepsize condition",)


def test_slope_condition_is_strict() -> None:
    mask = T4.hypothesis_mask(**POINT, beta=np.array([2.0, 2.0 + 1e-12]), gamma=3, k=1)
    np.testing.assert_array_equal(mask["slope condition"], [False, True])
