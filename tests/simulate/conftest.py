"""Fixtures of the simulator's tests."""

from __future__ import annotations

import pytest

from simulate import executor


@pytest.fixture(params=["compiled", "numpy"])
def kernel_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the compiled kernels (numba) and again on the NumPy ones.

    numba is part of the test command's extras: without it the compiled run fails rather
    than skips, since a skipped check is no check.
    """
    if request.param == "numpy":
        monkeypatch.setenv("STEPSHRINK_NUMBA", "0")
    else:
        monkeypatch.delenv("STEPSHRINK_NUMBA", raising=False)
        installed = executor.compiled_module("compiled_kernels") is not None
        assert installed, "numba is not installed: install the 'fast' extra"
    return str(request.param)
