"""``bounds.validate``: one message style for the API's non-constant arguments."""

from __future__ import annotations

import numpy as np
import pytest

from bounds import validate


def test_integer() -> None:
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
