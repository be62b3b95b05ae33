"""L1: E_k[x_{k+1}] = x_k - mu_k q_k grad F(x_k)."""

from __future__ import annotations

import numpy as np
import pytest

from bounds import theorems

L1 = theorems.get("L1")


def test_hand_computed_value() -> None:
    # x = 1, mu_k = 1/2, q_k = 1/2, gradient coordinate 2: 1 - 1/2 * 1/2 * 2 = 1/2.
    assert L1.relation == "=="
    assert L1.evaluate(x_k=1.0, mu_k=0.5, q_k=0.5, grad_k=2.0) == 0.5


def test_vectorized_and_checked() -> None:
    x = np.array([0.0, 1.0, -2.0])
    np.testing.assert_array_equal(L1.evaluate(x_k=x, mu_k=0.1, q_k=1.0, grad_k=x), x - 0.1 * x)
    assert L1.violated_hypotheses(x_k=0.0, mu_k=0.1, q_k=1.5, grad_k=1.0) == ("A3: q_k <= 1",)
    with pytest.raises(ValueError, match="q_k must satisfy 0 < q_k <= 1"):
        L1.evaluate(x_k=0.0, mu_k=0.1, q_k=0.0, grad_k=1.0)


def test_effective_stepsize_and_no_floor() -> None:
    assert str(L1.extra("effective stepsize")) == "mu_k*q_k"
    assert L1.floor is None
    assert L1.horizon is None
