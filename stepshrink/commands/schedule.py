"""The ``stepshrink schedule`` sub-command."""

from __future__ import annotations

import argparse

from stepshrink.errors import NotBuiltError

HELP = "Derive stepsizes: optimal fixed stepsize, admissible schedules, K(eps), slowdown."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink schedule``."""


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink schedule``; return the exit status."""
    raise NotBuiltError("'stepshrink schedule' lands with issue 8")
