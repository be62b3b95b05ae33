"""``plumbing.validate``: one message style for the public APIs of bounds and simulate."""

from __future__ import annotations

import numpy as np
import pytest

from plumbing import validate


def test_integer_minimum() -> None:
    assert validate.integer("points", 3, minimum=2) == 3
    assert validate.integer("points", np.int64(3)) == 3
    for bad in (1, 2.0, True, "3", None):
        with pytest.raises(ValueError, match=r"^points must be an integer >= 2, got"):
            validate.integer("points", bad, minimum=2)


def test_real() -> None:
    assert validate.real("mu", 0.5, low=0.0) == 0.5
    assert validate.real("init", 0, low=0.0, include_low=True) == 0.0
    assert validate.real("x", -3) == -3.0
    cases = [
        ("mu", 0.0, {"low": 0.0}, "mu must be a finite real number with mu > 0, got 0.0"),
        ("q", 1.5, {"low": 0.0, "high": 1.0}, "q must be a finite real number with 0 < q <= 1"),
        ("x", float("nan"), {}, "x must be a finite real number, got nan"),
        ("x", "0.1", {}, "x must be a finite real number, got '0.1'"),
        ("x", True, {}, "x must be a finite real number, got True"),
    ]
    for name, value, bounds, message in cases:
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            validate.real(name, value, **bounds)


def test_integer_accepts_numpy_and_refuses_bools_and_floats() -> None:
    assert validate.integer("replicas", np.int32(4)) == 4
    assert validate.integer("axis", -2, minimum=-2, maximum=1) == -2
    assert validate.integer("bias", -7, minimum=None) == -7
    for bad in (0, 1.0, True, np.bool_(True), "4"):
        with pytest.raises(ValueError, match=r"^replicas must be an integer >= 1, got"):
            validate.integer("replicas", bad)
    with pytest.raises(ValueError, match=r"axis must be an integer in \[-2, 1\], got 2"):
        validate.integer("axis", 2, minimum=-2, maximum=1)


def test_real_seed_level() -> None:
    assert validate.real("scale", np.float32(2.0), low=0.0) == 2.0
    with pytest.raises(ValueError, match="scale must be a finite real number with scale > 0"):
        validate.real("scale", np.inf, low=0.0)
    assert validate.seed(0) == 0
    with pytest.raises(ValueError, match="seed must be an integer >= 0, got 'x'"):
        validate.seed("x")
    assert validate.level(0.5) == 0.5
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match="level must be a finite real number with 0 < level"):
            validate.level(bad)
