"""The ``stepshrink assumptions`` sub-command."""

from __future__ import annotations

import argparse

from stepshrink.errors import NotBuiltError

HELP = "Measure q_min, sigma_q2, M, M_G on a real format and check assumptions A2-A4."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink assumptions``."""


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink assumptions``; return the exit status."""
    raise NotBuiltError("'stepshrink assumptions' lands with issue 8")
