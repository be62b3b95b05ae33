"""Running the command line in tests: in process (exit status either way) and as a subprocess."""

from __future__ import annotations

import subprocess
import sys

from stepshrink.cli import main


def exit_status(argv: list[str]) -> int:
    """``main(argv)``'s status, whether it returns it or argparse raises ``SystemExit``."""
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code or 0)


def run_console(*argv: str) -> subprocess.CompletedProcess[str]:
    """``python -m stepshrink ARGV`` in a fresh interpreter, output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "stepshrink", *argv], capture_output=True, text=True, check=False
    )
