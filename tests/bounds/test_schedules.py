"""bounds.schedules: closed forms, symbolic twins, joins, validation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import sympy as sp

from bounds import schedules
from bounds import symbols as sy

K = np.arange(1, 201)


@pytest.mark.parametrize(
    ("schedule", "closed"),
    [
        (schedules.constant(0.3), lambda k: np.full(k.shape, 0.3)),
        (schedules.harmonic(2.0, 5.0), lambda k: 2.0 / (5.0 + k)),
        (schedules.inv_sqrt(0.5), lambda k: 0.5 / np.sqrt(k)),
        (schedules.power(0.5, 0.75), lambda k: 0.5 * k**-0.75),
        (schedules.step_decay(1.0, 0.5, 10), lambda k: 1.0 * 0.5 ** ((k - 1) // 10)),
        (schedules.warmup(1.0, 4, init=0.2), lambda k: 0.2 + 0.8 * k / 4),
    ],
    ids=lambda x: getattr(x, "name", ""),
)
def test_values_and_symbolic_twin_match_the_closed_form(
    schedule: schedules.Schedule, closed: Callable[[np.ndarray], np.ndarray]
) -> None:
    values = schedule(K)
    assert values.shape == K.shape
    assert values.dtype == np.float64
    np.testing.assert_allclose(values, closed(K), rtol=1e-14)
    twin = sp.lambdify(sy.k, schedule.symbolic, modules="numpy")
    np.testing.assert_allclose(np.broadcast_to(twin(K.astype(float)), K.shape), values, rtol=1e-14)
    # the exact twin agrees at a few points in rational arithmetic
    for k in (1, 7, 100):
        assert float(schedule.exact.subs(sy.k, k)) == pytest.approx(float(schedule(k)), rel=1e-14)


def test_step_decay_is_piecewise_constant() -> None:
    values = schedules.step_decay(1.0, 0.1, 3)(np.arange(1, 10))
    # decay**stage in float64, as the closed form: 0.1**2 is 0.010000000000000002
    np.testing.assert_array_equal(values, [1, 1, 1, 0.1, 0.1, 0.1, 0.1**2, 0.1**2, 0.1**2])


def test_join_hands_over_and_restarts_the_count() -> None:
    tail = schedules.harmonic(1.0, 1.0)
    joined = schedules.join([schedules.constant(0.1), tail], [5])
    k = np.arange(1, 12)
    expected = np.where(k <= 5, 0.1, 1.0 / (1.0 + np.maximum(k - 5, 1)))
    np.testing.assert_array_equal(joined(k), expected)
    twin = sp.lambdify(sy.k, joined.symbolic, modules="numpy")
    with np.errstate(divide="ignore"):  # lambdified Piecewise evaluates every branch
        np.testing.assert_allclose(twin(k.astype(float)), expected, rtol=1e-14)
    assert joined.tail is tail
    three = schedules.join([0.3, 0.2, 0.1], [2, 4])
    np.testing.assert_array_equal(three(np.arange(1, 7)), [0.3, 0.3, 0.2, 0.2, 0.1, 0.1])


def test_warmup_then_decay() -> None:
    schedule = schedules.warmup_then(schedules.inv_sqrt(1.0), 4)
    np.testing.assert_allclose(schedule(np.arange(1, 7)), [0.25, 0.5, 0.75, 1.0, 1.0, 2**-0.5])
    assert schedule.tail.name == "inv_sqrt"


def test_float_and_constant_are_the_same_schedule() -> None:
    assert schedules.as_schedule(0.25) == schedules.constant(0.25)
    np.testing.assert_array_equal(schedules.as_schedule(0.25)(K), schedules.constant(0.25)(K))
    harmonic = schedules.harmonic(1.0, 2.0)
    assert schedules.as_schedule(harmonic) is harmonic


@pytest.mark.parametrize(
    ("factory", "needle"),
    [
        (lambda: schedules.constant(0.0), "mu must be a finite real number with mu > 0"),
        (lambda: schedules.constant(float("inf")), "mu must be a finite real number with mu > 0"),
        (lambda: schedules.constant("0.1"), "mu must be a finite real number"),
        (
            lambda: schedules.harmonic(1.0, -1.0),
            "gamma must be a finite real number with gamma > 0",
        ),
        (lambda: schedules.inv_sqrt(True), "mu0 must be a finite real number"),
        (lambda: schedules.power(1.0, 0.0), "a must be a finite real number with a > 0"),
        (lambda: schedules.step_decay(1.0, 1.0, 5), "decay must satisfy 0 < decay < 1"),
        (lambda: schedules.step_decay(1.0, 0.5, 2.5), "period must be an integer >= 1"),  # type: ignore[arg-type]
        (lambda: schedules.warmup(1.0, 0), "steps must be an integer >= 1"),
        (lambda: schedules.warmup(1.0, 3, init=1.0), "init must satisfy 0 <= init < peak"),
        (lambda: schedules.join([0.1], []), "at least two pieces"),
        (lambda: schedules.join([0.1, 0.2], [3, 4]), "boundaries must have len"),
        (lambda: schedules.join([0.1, 0.2, 0.3], [4, 4]), "strictly increasing"),
        (lambda: schedules.as_schedule("0.1"), "mu must be a positive float"),  # type: ignore[arg-type]
        (lambda: schedules.constant(0.1)(0), "k must satisfy k >= 1"),
    ],
)
def test_bad_arguments_name_the_parameter(factory: Callable[[], object], needle: str) -> None:
    with pytest.raises(ValueError, match=needle):
        factory()
