"""The ``stepshrink report`` sub-command."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from stepshrink.options import add_output_option, add_progress_option, output_dir, show_progress

HELP = "Build the whole report (proofs, assumptions, schedules, plots) on built-in defaults."

#: Exit status when a part of the report could not be built honestly (it says which).
EXIT_INCOMPLETE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink report``."""
    add_output_option(
        parser,
        "stepshrink-report",
        "output directory, created if missing (its parent must exist)",
        metavar="DIR",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller simulations and checks (seconds instead of a minute; for tests)",
    )
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink report``; return the exit status."""
    from stepshrink.report import build_report
    from stepshrink.report_sections import SECTIONS

    directory = Path(output_dir(args.output))
    start = time.perf_counter()
    outcome = build_report(directory, SECTIONS, quick=args.quick, progress=show_progress(args))
    seconds = time.perf_counter() - start
    print(outcome.markdown)
    print(outcome.html)
    if not outcome.complete:
        for title, reason in outcome.missing:
            print(f"stepshrink report: incomplete: {title}: {reason}", file=sys.stderr)
        return EXIT_INCOMPLETE
    print(f"report complete in {seconds:.1f} s", file=sys.stderr)
    return 0
