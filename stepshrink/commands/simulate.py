"""The ``stepshrink simulate`` sub-command."""

from __future__ import annotations

import argparse

from stepshrink.errors import NotBuiltError

HELP = "Run quantized SGD on a built-in problem; save the trajectory (.npz) and a JSON summary."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink simulate``."""


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink simulate``; return the exit status."""
    raise NotBuiltError("'stepshrink simulate' lands with issue 8")
