"""Strict JSON: standard JSON only, null with a reason where a number is not finite."""

from __future__ import annotations

import json

import numpy as np
import pytest

from plumbing.strict_json import dumps, json_ready


def strict_loads(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


def test_non_finite_numbers_become_null_with_a_reason() -> None:
    text = dumps({"mean": float("nan"), "top": np.float64(np.inf), "low": -np.inf, "ok": 1.5})
    document = strict_loads(text)
    assert document == {
        "mean": None,
        "mean_reason": "not a number (undefined, e.g. no finite sample)",
        "top": None,
        "top_reason": "+infinity (beyond the float64 range, or unbounded)",
        "low": None,
        "low_reason": "-infinity (beyond the float64 range, or unbounded)",
        "ok": 1.5,
    }


def test_a_producers_reason_wins() -> None:
    document = json_ready({"mean": float("nan"), "mean_reason": "every replica diverged"})
    assert document == {"mean": None, "mean_reason": "every replica diverged"}


def test_numpy_values_and_nesting() -> None:
    value = {"a": np.arange(3), "b": [np.float32(0.5), (np.int64(2), np.bool_(True))]}
    assert strict_loads(dumps(value)) == {"a": [0, 1, 2], "b": [0.5, [2, True]]}
    assert strict_loads(dumps([np.array([1.0, np.nan])])) == [[1.0, None]]


def test_plain_json_would_have_been_invalid() -> None:
    # the defect this module exists for: Python's default writes NaN, which is not JSON
    assert "NaN" in json.dumps({"x": float("nan")})
    with pytest.raises(ValueError, match="Out of range float values"):
        json.dumps({"x": float("nan")}, allow_nan=False)


def test_unknown_objects_are_an_error_not_output() -> None:
    with pytest.raises(TypeError):
        dumps({"x": object()})
