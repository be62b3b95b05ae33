"""T1 and T3 with real formats: measured constants in the bound, the simulation below it.

A real quantizer does not come with ``q_min`` and ``sigma_q2``: the assumption checker
(:func:`simulate.assumptions.check`) measures them on the same problem, noise and format, and
says whether A2-A4 hold. Where it says they do, the theorem is evaluated with conservative
ends of its intervals (lower end of ``q_min``, capped at 1; upper ends of ``sigma_q2`` and
``M``; ``M_V = 0`` so ``M_G = 1`` exactly) and the simulation with the real gradient
quantizer (stochastic rounding, bit-exact) must not provably exceed it (99.9 % family-wise
clipped empirical Bernstein over the compared points and examples, R = 2000 replicas).

This holds the simulator, the checker and the bounds to each other: a checker that
underestimated ``sigma_q2`` or overestimated ``q_min``, or a quantizer whose rounding were
biased, would show up as a violation. The level is conditional on the checker's intervals
(normal approximations at 99.9 %) covering the constants along the run.

Where the checker says an assumption fails (round-to-nearest, or a format too narrow for the
gradients) the theorem does not apply and nothing is compared; the explicit cases below use
presets where it holds, and assert that it does, so the comparison is exercised on every run.

Custom formats are drawn with at least 4 exponent bits: in narrower IEEE-like formats O(1)
gradients overflow to infinity, and ``simulate.assumptions.check`` then computes statistics of
infinite values and raises NumPy's "invalid value" RuntimeWarning (an error in this suite)
instead of reporting A3/A4 as failing; that is for the checker to handle.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from simulate.assumptions import check
from simulate.problems import quadratic
from simulate.quantizer import Quantizer
from tests.properties.checks import compare, simulate_case
from tests.strategies import (
    Schedule,
    ShrinkageCase,
    custom_formats,
    make_case,
    preset_formats,
    quadratic_problems,
)

EXAMPLES = 10
PRESETS = ("fp8_e4m3", "fp8_e5m2", "bf16", "fp16")
# Checker effort: enough samples that its normal intervals are in their CLT regime (hundreds).
CHECK_POINTS, CHECK_SAMPLES = 16, 128


def measured_case(
    case: ShrinkageCase, quantizer: Quantizer
) -> tuple[ShrinkageCase | None, list[str]]:
    """``case`` with its A3-A4 constants replaced by the checker's conservative ends.

    Also returns the assumptions the checker says fail; the case is ``None`` when any does
    (the theorem does not apply).
    """
    report = check(
        case.problem,
        quantizer,
        noise=case.noise,
        n_points=CHECK_POINTS,
        samples=CHECK_SAMPLES,
        repeats=CHECK_SAMPLES,
        seed=case.seed,
    )
    failing = [name for name in ("A2", "A3", "A4") if not report[name].holds]
    q_min = min(report.estimates["q_min"].low, 1.0)
    if not q_min > 0:
        failing.append("q_min > 0")
    if failing:
        return None, failing
    constants: dict[str, Any] = {
        **case.constants,
        "q_min": q_min,
        "sigma_q2": report.estimates["sigma_q2"].high,
        "M": max(case.constants["M"], report.estimates["M"].high),
    }
    return replace(case, constants=constants), failing


@st.composite
def real_cases(draw: st.DrawFn, *, theorem: str) -> tuple[ShrinkageCase, Quantizer]:
    problem = draw(quadratic_problems(min_dim=8, max_dim=32))
    # At least 4 exponent bits keep O(1) gradients inside the range (see the module docstring).
    fmt = draw(
        st.one_of(
            preset_formats(names=PRESETS),
            custom_formats(min_exponent_bits=4, max_exponent_bits=8, max_mantissa_bits=7),
        )
    )
    fraction = draw(st.floats(0.05, 1.0))
    case = make_case(
        theorem=theorem,
        problem=problem,
        schedule=Schedule("constant", mu=fraction * (1.0 - 1e-12) / problem.L),
        steps=draw(st.integers(1, 100)),
        q_min=1.0,
        sigma_q2=0.0,
        M=draw(st.floats(0.05, 2.0)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )
    return case, Quantizer(fmt, rounding="sr")


def assert_respects_bound(case: ShrinkageCase, quantizer: Quantizer, examples: int) -> None:
    statement = importlib.import_module("bounds.theorems").get(case.theorem)
    horizon = {"K": case.steps} if case.theorem == "T1" else {"k": case.steps}
    assert not list(statement.violated_hypotheses(**case.constants, **horizon))
    comparison = compare(case, simulate_case(case, gradient_quantizer=quantizer), examples=examples)
    worst = int(np.argmin(comparison.bound - comparison.mean))
    assert not comparison.violated.any(), (
        f"{quantizer.describe()}: mean {comparison.mean[worst]:.6g} > "
        f"bound {comparison.bound[worst]:.6g} at point {worst}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("theorem", ["T1", "T3"])
@settings(max_examples=EXAMPLES)
@given(data=st.data())
def test_real_format_runs_respect_the_measured_bound(theorem: str, data: st.DataObject) -> None:
    case, quantizer = data.draw(real_cases(theorem=theorem))
    measured, failing = measured_case(case, quantizer)
    event(f"assumptions failing: {failing or 'none'}")
    if measured is not None:
        assert_respects_bound(measured, quantizer, EXAMPLES)


@pytest.mark.parametrize("theorem", ["T1", "T3"])
@pytest.mark.parametrize("name", ["fp8_e4m3", "bf16"])
def test_stochastic_rounding_presets_are_compared(theorem: str, name: str) -> None:
    # In range, stochastic rounding is unbiased: the checker must accept A2-A4, so this case
    # always reaches the comparison (seeded, deterministic).
    case = make_case(
        theorem=theorem,
        problem=quadratic(np.linspace(0.2, 1.0, 16), rotate=False, x0_scale=1.0, seed=21),
        schedule=Schedule("constant", mu=0.5),
        steps=100,
        q_min=1.0,
        sigma_q2=0.0,
        M=0.5,
        seed=22,
    )
    quantizer = Quantizer(name, rounding="sr")
    measured, failing = measured_case(case, quantizer)
    assert measured is not None, failing
    assert_respects_bound(measured, quantizer, 1)
