"""The Hypothesis profile follows the environment, as the brief requires of CI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = textwrap.dedent(
    """
    import tests.conftest  # registers and loads the profiles
    from hypothesis import settings
    s = settings()
    print(s.derandomize, s.deadline, s.database)
    """
)


@pytest.mark.parametrize(
    ("ci_value", "expected_prefix"), [("true", "True None None"), (None, "False None")]
)
def test_profile_follows_ci_variable(ci_value: str | None, expected_prefix: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"CI", "HYPOTHESIS_PROFILE"}}
    if ci_value is not None:
        env["CI"] = ci_value
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith(expected_prefix), result.stdout
