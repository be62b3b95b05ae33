"""``simulate.validate``: one message style for every public entry point of ``simulate``."""

from __future__ import annotations

import numpy as np
import pytest

from simulate import validate


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
