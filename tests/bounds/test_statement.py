"""bounds.statement: evaluation, hypothesis checks and floors, exercised through T1-T4."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from bounds import schedules, theorems
from bounds import symbols as sy

T1 = theorems.get("T1")
T2 = theorems.get("T2")
BASE = {"L": 1.0, "Delta": 2.0, "M": 1.0, "M_G": 1.0, "q_min": 0.5, "sigma_q2": 1.0}


def test_evaluate_is_vectorized_and_broadcasts() -> None:
    K = np.array([1, 10, 100])[:, None]
    mu = np.array([0.1, 0.5, 1.0])[None, :]
    values = T1.evaluate(**BASE, K=K, mu=mu)
    assert values.shape == (3, 3)
    for i in range(3):
        for j in range(3):
            scalar = T1.evaluate(**BASE, K=int(K[i, 0]), mu=float(mu[0, j]))
            assert values[i, j] == scalar
    assert isinstance(T1.evaluate(**BASE, K=10, mu=0.5), np.float64)


def test_missing_and_unknown_constants() -> None:
    with pytest.raises(ValueError, match="T1 needs the constants: K, mu"):
        T1.evaluate(**BASE)
    with pytest.raises(ValueError, match="unknown constant 'nu'"):
        T1.evaluate(**BASE, K=1, mu=0.5, nu=1.0)


@pytest.mark.parametrize(
    ("changes", "needle"),
    [
        ({"L": -1.0}, "L must satisfy L > 0"),
        ({"q_min": 1.5}, "q_min must satisfy 0 < q_min <= 1"),
        ({"q_min": 0.0}, "q_min must satisfy 0 < q_min <= 1"),
        ({"M_G": 0.9}, "M_G must satisfy M_G >= 1"),
        ({"Delta": -1.0}, "Delta must satisfy Delta >= 0"),
        ({"mu": 1.5}, "hypothesis 'stepsize condition'.*mu <= 1/\\(L\\*M_G\\).*L, M_G, mu"),
        ({"mu": [0.5, 1.01]}, "hypothesis 'stepsize condition'"),
    ],
)
def test_bad_input_names_the_constant_and_the_hypothesis(changes: dict, needle: str) -> None:
    constants = {**BASE, "K": 10, "mu": 0.5, **changes}
    with pytest.raises(ValueError, match=needle):
        T1.evaluate(**constants)


def test_unchecked_evaluates_past_the_condition() -> None:
    value = T1.evaluate_unchecked(**BASE, K=10, mu=1.5)
    assert value == pytest.approx(2 * 2 / (10 * 1.5 * 0.5) + 1.5 * 2 / 0.5)


def test_violated_hypotheses_are_reported_not_raised() -> None:
    assert T1.violated_hypotheses(**BASE, K=10, mu=0.5) == ()
    assert T1.violated_hypotheses(**BASE, K=10, mu=1.5) == ("stepsize condition",)
    assert T1.violated_hypotheses(**{**BASE, "q_min": 1.5}, K=10, mu=0.5) == ("A3: q_min <= 1",)
    both = T1.violated_hypotheses(**{**BASE, "L": 4.0, "Delta": -1.0}, K=10, mu=0.5)
    assert both == ("A1: Delta >= 0", "stepsize condition")
    mask = T1.hypothesis_mask(**BASE, K=10, mu=np.array([0.5, 1.0, 1.5]))
    np.testing.assert_array_equal(mask["stepsize condition"], [True, True, False])


def test_nonstrict_conditions_tolerate_rounding_but_not_more() -> None:
    L, M_G = 3.0, 7.0
    at_cap = (1.0 / L) / M_G  # another rounding order than 1/(L*M_G)
    constants = {**BASE, "L": L, "M_G": M_G, "K": 5}
    assert T1.violated_hypotheses(**constants, mu=at_cap) == ()
    assert T1.violated_hypotheses(**constants, mu=at_cap * (1 + 1e-12)) == ("stepsize condition",)


@given(
    K=st.integers(1, 10**6),
    fraction=st.floats(1e-3, 1.0),
    q_min=st.floats(1e-3, 1.0),
    S=st.floats(0.0, 10.0),
)
@example(K=1, fraction=1.0, q_min=1.0, S=0.0)
def test_t1_bound_is_floor_plus_transient(K: int, fraction: float, q_min: float, S: float) -> None:
    # Decomposition checked on numbers: bound - floor = 2 Delta/(K mu q_min).
    mu = fraction / (2.0 * 1.5)
    constants = {"L": 2.0, "Delta": 3.0, "M": S / 2, "sigma_q2": S / 2, "M_G": 1.5}
    value = T1.evaluate(**constants, q_min=q_min, K=K, mu=mu)
    floor = 2.0 * mu * S / q_min
    assert value - floor == pytest.approx(6.0 / (K * mu * q_min), rel=1e-9, abs=1e-12)


def test_sequence_inputs_agree() -> None:
    constants = {**BASE, "K": np.array([1, 3, 50])}
    by_parameters = T2.evaluate(**constants, beta=0.5, gamma=1.0)
    by_schedule = T2.evaluate(**constants, mu=schedules.harmonic(0.5, 1.0))
    table = 0.5 / (1.0 + np.arange(1, 51))
    by_table = T2.evaluate(**constants, mu=table)
    by_callable = T2.evaluate(**constants, mu=lambda k: 0.5 / (1.0 + k))
    np.testing.assert_allclose(by_schedule, by_parameters, rtol=1e-15)
    np.testing.assert_allclose(by_table, by_parameters, rtol=1e-15)
    np.testing.assert_allclose(by_callable, by_parameters, rtol=1e-15)
    assert T2.evaluate(**BASE, K=4, mu=0.25) == T2.evaluate(
        **BASE, K=4, mu=schedules.constant(0.25)
    )


def test_sequence_condition_is_checked_on_the_largest_step_up_to_K() -> None:
    # A warm-up rises by 0.5 a step to 2 at k = 4: over the cap 1/(L M_G) = 1 from k = 3 on.
    ramp = schedules.warmup_then(schedules.constant(2.0), 4)
    assert T2.violated_hypotheses(**BASE, K=1, mu=ramp) == ()
    assert T2.violated_hypotheses(**BASE, K=5, mu=ramp) == ("stepsize condition",)
    masks = T2.hypothesis_mask(**BASE, K=np.array([1, 2, 3, 9]), mu=ramp)
    np.testing.assert_array_equal(masks["stepsize condition"], [True, True, False, False])
    with pytest.raises(ValueError, match="stepsize condition"):
        T2.evaluate(**BASE, K=5, mu=ramp)
    with pytest.raises(ValueError, match="at least max\\(K\\) = 5"):
        T2.evaluate(**BASE, K=5, mu=np.full(4, 0.1))
    with pytest.raises(ValueError, match="mu \\(a schedule\\) or beta and gamma"):
        T2.evaluate(**BASE, K=5)


def test_latex_and_docstring() -> None:
    latex = T1.latex()
    assert "\\implies" in latex
    assert "\\le" in latex
    assert "M_{G}" in latex
    assert "Theorem 4.8" in T1.docstring
    assert "References" in T1.docstring
    assert T1.hypothesis("stepsize condition").kind == "stepsize"
    with pytest.raises(ValueError, match="has no hypothesis"):
        T1.hypothesis("nope")
    assert T1.stepsize_conditions[-1].relation.rhs == 1 / (sy.L * sy.M_G)
    assert isinstance(T1.floor, sp.Expr)
