"""Test-suite settings shared by every package's tests.

Hypothesis profiles: ``ci`` (derandomized, no deadline, no example database, bounded
example counts) loads by itself when the environment variable ``CI`` is set, ``dev``
otherwise; ``HYPOTHESIS_PROFILE`` overrides both (e.g. ``HYPOTHESIS_PROFILE=thorough``).
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=100,
    print_blob=True,
)
settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("thorough", deadline=None, max_examples=2000)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)
