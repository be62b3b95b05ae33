"""The ``stepshrink bound`` sub-command."""

from __future__ import annotations

import argparse

from stepshrink.errors import NotBuiltError

HELP = "Evaluate a theorem's bound, show its LaTeX, and name any hypothesis the numbers break."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink bound``."""


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink bound``; return the exit status."""
    raise NotBuiltError("'stepshrink bound' lands with issue 8")
