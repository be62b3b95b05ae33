"""The ``stepshrink check`` sub-command: check every statement's proof and print the report."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from stepshrink.errors import UsageError

HELP = "Check the proof of every statement of the theorem library and print the report."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink check``."""
    parser.add_argument(
        "--json", metavar="PATH", type=Path, help="also write the full report as JSON to PATH"
    )
    parser.add_argument(
        "--markdown", metavar="PATH", type=Path, help="also write the report as Markdown to PATH"
    )
    parser.add_argument(
        "--only",
        metavar="ID",
        action="append",
        help="check only this statement (repeatable), e.g. --only T1",
    )


def _writable(path: Path | None, option: str) -> None:
    if path is None:
        return
    if path.exists() and path.is_dir():
        raise UsageError(f"{option} must be a file path, got the directory {path}")
    if not path.parent.exists():
        raise UsageError(f"{option}: directory {path.parent} does not exist")


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink check``; exit 0 only when every proof is proved."""
    _writable(args.json, "--json")
    _writable(args.markdown, "--markdown")
    from bounds import theorems
    from bounds.proof import report

    known = [s.id for s in theorems.with_variants()]
    if args.only:
        unknown = sorted(set(args.only) - set(known))
        if unknown:
            raise UsageError(f"--only must name statements among {known}, got {unknown}")
    started = time.perf_counter()
    chosen = [i for i in known if not args.only or i in args.only]
    reports, unproved = theorems.check_all(chosen, workers=os.cpu_count() or 1)
    print(report.to_table(reports))
    if unproved:
        print(f"\nwithout a checked proof (not claimed proved): {', '.join(unproved)}")
    all_proved = all(r.status == "proved" for r in reports)
    verdict = "all proofs check" if all_proved else "SOME PROOFS DO NOT CHECK"
    print(f"\n{verdict} ({time.perf_counter() - started:.1f} s)")
    if args.json is not None:
        args.json.write_text(report.to_json(reports), encoding="utf-8")
    if args.markdown is not None:
        args.markdown.write_text(report.to_markdown(reports), encoding="utf-8")
    for r in reports:
        for problem in r.problems:
            print(f"{r.name}: {problem}", file=sys.stderr)
        for name, step in r.failures():
            print(
                f"{name} step {step.index} [{step.rule}] {step.status}: {step.message}",
                file=sys.stderr,
            )
    return 0 if all_proved else 1
