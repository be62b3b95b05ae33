"""The ``stepshrink check`` sub-command: check every proof and print the report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from stepshrink.errors import UsageError

HELP = "Check every proof of the theorem library and print the report."


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
        metavar="NAME",
        action="append",
        help="check only this proof (repeatable), e.g. --only T1",
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
    from bounds.proof import engine, library, report

    proofs = library.proofs()
    if args.only:
        known = {proof.name for proof in proofs}
        unknown = sorted(set(args.only) - known)
        if unknown:
            raise UsageError(f"--only must name a proof among {sorted(known)}, got {unknown}")
        proofs = [proof for proof in proofs if proof.name in args.only]
    started = time.perf_counter()
    reports = [engine.check(proof) for proof in proofs]
    print(report.to_table(reports))
    all_proved = all(r.status == "proved" for r in reports)
    verdict = "all proofs check" if all_proved else "SOME PROOFS DO NOT CHECK"
    print(f"\n{verdict} ({time.perf_counter() - started:.1f} s)")
    if args.json is not None:
        args.json.write_text(report.to_json(reports), encoding="utf-8")
    if args.markdown is not None:
        args.markdown.write_text(report.to_markdown(reports), encoding="utf-8")
    for r in reports:
        if r.status != "proved":
            failing = [s for s in (*r.steps, r.chain) if s.status != "proved"]
            for step in failing:
                print(
                    f"{r.name} step {step.index} [{step.rule}] {step.status}: {step.message}",
                    file=sys.stderr,
                )
    return 0 if all_proved else 1
