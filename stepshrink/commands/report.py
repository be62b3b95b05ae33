"""The ``stepshrink report`` sub-command."""

from __future__ import annotations

import argparse
import sys
import time

from stepshrink.options import output_dir

HELP = "Build the whole report (proofs, assumptions, schedules, plots) on built-in defaults."

#: Exit status when a section could not be built (its dependency has not landed).
EXIT_INCOMPLETE = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink report``."""
    parser.add_argument(
        "-o",
        "--output",
        default="stepshrink-report",
        metavar="DIR",
        help="output directory, created if missing (default stepshrink-report)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smaller simulations and checks (seconds instead of a minute; for tests)",
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink report``; return the exit status."""
    from stepshrink.report import build_report
    from stepshrink.report_sections import SECTIONS

    directory = output_dir(args.output)
    start = time.perf_counter()
    outcome = build_report(directory, SECTIONS, quick=args.quick, progress=not args.no_progress)
    seconds = time.perf_counter() - start
    print(outcome.markdown)
    print(outcome.html)
    if not outcome.complete:
        for title, reason in outcome.missing:
            print(f"stepshrink report: incomplete: {title}: {reason}", file=sys.stderr)
        return EXIT_INCOMPLETE
    print(f"report complete in {seconds:.1f} s", file=sys.stderr)
    return 0
