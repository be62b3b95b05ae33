"""The ``stepshrink report`` sub-command."""

from __future__ import annotations

import argparse

from stepshrink.errors import NotBuiltError

HELP = "Build the whole report (proofs, assumptions, schedules, plots) on built-in defaults."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink report``."""


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink report``; return the exit status."""
    raise NotBuiltError("'stepshrink report' lands with issue 8")
