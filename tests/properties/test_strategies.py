"""The strategies of tests/strategies.py build what they promise, and reject bad arguments.

The hypotheses are re-checked here from docs/spec.md section 3 directly (in floats), independently
of the bound library, so a strategy that drifted outside a theorem's region fails here even
if the library's ``violated_hypotheses`` had the same drift.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from simulate.formats import Format, names
from simulate.problems import Problem
from simulate.rounding import quantize
from tests.strategies import (
    THEOREMS,
    Schedule,
    ShrinkageCase,
    custom_formats,
    make_case,
    nonconvex_problems,
    preset_formats,
    quadratic_problems,
    rounding_modes,
    schedules,
    shrinkage_cases,
    theorem_constants,
)


def first_step_cap(constants: dict[str, Any]) -> float:
    mu_1 = constants.get("mu", constants.get("beta", 0.0) / (1.0 + constants.get("gamma", 0.0)))
    return float(mu_1 * constants["L"] * constants["M_G"])


@settings(max_examples=200)
@given(data=st.data(), theorem=st.sampled_from(THEOREMS))
def test_constants_lie_in_the_theorem_region(data: st.DataObject, theorem: str) -> None:
    constants = data.draw(theorem_constants(theorem=theorem))
    assert constants["L"] > 0
    assert constants["M"] >= 0
    assert constants["sigma_q2"] >= 0
    assert constants["M_G"] == 1.0 + constants["M_V"] >= 1.0
    assert 0 < constants["q_min"] <= 1
    assert 0 < first_step_cap(constants) <= 1.0
    if theorem in ("T3", "T4"):
        assert 0 < constants["c"] <= constants["L"]
        assert constants["F1_gap"] > 0
        assert constants["k"] >= 1
    else:
        assert constants["Delta"] > 0
        assert constants["K"] >= 1
    if theorem == "T4":
        assert constants["beta"] * constants["c"] * constants["q_min"] > 1
        assert constants["gamma"] > 0


@settings(max_examples=50)
@given(problem=quadratic_problems(min_dim=2, max_dim=12))
def test_quadratic_constants_are_exact(problem: Problem) -> None:
    # Diagonal Hessian: the gradient at x* + e_i is lambda_i e_i, so the spectrum is read off
    # (up to the rounding of (x*_i + 1) - x*_i, a few ulps of max|x*_i|).
    assert problem.x_star is not None
    assert problem.c is not None
    probes = problem.x_star + np.eye(problem.dim)
    spectrum = np.diag(problem.grad(probes))
    np.testing.assert_allclose([spectrum.max(), spectrum.min()], [problem.L, problem.c], rtol=1e-14)
    assert problem.F_star == 0.0
    assert problem.value_and_grad(problem.x0[None])[0][0] > 0


@settings(max_examples=20)
@given(problem=nonconvex_problems(min_dim=2, max_dim=12))
def test_nonconvex_problems_are_not_pl(problem: Problem) -> None:
    assert problem.c is None
    assert problem.F_inf == 0.0
    assert problem.L > 0


@settings(max_examples=100)
@given(
    data=st.data(),
    L=st.floats(0.1, 10.0),
    M_G=st.floats(1.0, 5.0),
    kind=st.sampled_from(("constant", "inverse", "inverse_sqrt")),
)
def test_schedules_respect_the_cap(data: st.DataObject, L: float, M_G: float, kind: Any) -> None:
    schedule = data.draw(schedules(L=L, M_G=M_G, kinds=(kind,)))
    steps = schedule(np.arange(1, 301))
    assert np.all(steps > 0)
    assert np.all(np.diff(steps) <= 0)
    assert schedule.first() * L * M_G <= 1.0


@settings(max_examples=20)
@given(case=shrinkage_cases(theorem="T4", max_steps=5, max_dim=10))
def test_cases_carry_consistent_constants(case: ShrinkageCase) -> None:
    assert case.constants["L"] == case.problem.L
    assert case.constants["c"] == case.problem.c
    assert case.noise.variance_constants(case.problem) == (
        case.constants["M"],
        case.constants["M_V"],
    )
    assert case.shrinkage.q_min == case.constants["q_min"]
    assert case.shrinkage.sigma_q2 == case.constants["sigma_q2"]
    assert case.schedule.first() == case.constants["beta"] / (1.0 + case.constants["gamma"])
    assert 1 <= case.steps <= 5


@settings(max_examples=50)
@given(fmt=st.one_of(preset_formats(), custom_formats()), x=st.floats(-1e3, 1e3))
def test_formats_are_valid_and_quantize_to_fixed_points(fmt: Format, x: float) -> None:
    # Every quantized value is representable, so quantizing it again must not move it.
    value = quantize(np.array([x]), fmt, "rne")
    np.testing.assert_array_equal(quantize(value, fmt, "rne"), value)
    assert fmt.name in names() or fmt.name.startswith("custom_")


def test_rounding_modes_split_by_stochasticity() -> None:
    @settings(max_examples=30, database=None)
    @given(mode=rounding_modes(stochastic=False))
    def deterministic(mode: str) -> None:
        assert mode != "sr"

    deterministic()


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: theorem_constants(theorem="T9"), "theorem must be one of"),
        (lambda: theorem_constants(theorem="T3", L=1.0, c=2.0), "c must be <= L"),
        (lambda: theorem_constants(theorem="T1", M=-1.0), "M must be finite and >= 0"),
        (lambda: theorem_constants(theorem="T1", max_steps=0), "max_steps must be an integer"),
        (lambda: schedules(L=0.0), "L must be finite and > 0"),
        (lambda: schedules(L=1.0, M_G=0.5), "M_G must be finite and >= 1"),
        (lambda: schedules(L=1.0, kinds=()), "kinds must be a non-empty subset"),
        (lambda: quadratic_problems(min_dim=9, max_dim=8), "need 2 <= min_dim <= max_dim"),
        (lambda: quadratic_problems(condition=(0.0, 1.0)), "condition must satisfy"),
        (lambda: nonconvex_problems(min_dim=0), "min_dim must be an integer"),
        (lambda: rounding_modes(stochastic=1), "stochastic must be a bool"),  # type: ignore[arg-type]
        (lambda: shrinkage_cases(theorem="T5"), "theorem must be one of"),
        (lambda: preset_formats(names=("fp7",)), "names must be a non-empty subset"),
        (lambda: custom_formats(min_exponent_bits=1), "need 2 <= min_exponent_bits"),
        (lambda: custom_formats(max_mantissa_bits=52), "max_mantissa_bits must be <= 51"),
        (
            lambda: make_case(
                theorem="T3",
                problem=nonconvex_problems_example(),
                schedule=Schedule("constant", mu=0.1),
                steps=1,
                q_min=1.0,
                sigma_q2=0.0,
                M=0.0,
            ),
            "problem must be PL",
        ),
    ],
)
def test_bad_arguments_are_rejected_up_front(build: Callable[[], object], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        build()


def nonconvex_problems_example() -> Problem:
    from simulate.problems import geman_mcclure

    return geman_mcclure(np.ones(4), seed=0)
