"""The ``stepshrink plot`` sub-command."""

from __future__ import annotations

import argparse

from stepshrink.errors import NotBuiltError

HELP = "Draw bound and simulation plots (PNG, SVG or PDF)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink plot``."""


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink plot``; return the exit status."""
    raise NotBuiltError("'stepshrink plot' lands with issue 8")
