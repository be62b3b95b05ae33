"""The ``stepshrink check`` sub-command: check every statement's proof and print the report."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from plumbing import strict_json
from plumbing.files import atomic_files
from stepshrink.errors import UsageError
from stepshrink.options import add_progress_option, output_dir, output_file, show_progress

HELP = "Check the proof of every statement of the theorem library and print the report."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink check``."""
    parser.add_argument("--json", metavar="PATH", help="also write the full report as JSON to PATH")
    parser.add_argument(
        "--markdown", metavar="PATH", help="also write the report as Markdown to PATH"
    )
    parser.add_argument(
        "--certificates",
        metavar="DIR",
        type=Path,
        help="also write every proof's certificate (each step's evidence, strict JSON) into the "
        "directory DIR, created if missing; re-check them with python -m bounds.proof.verify DIR",
    )
    parser.add_argument(
        "--only",
        metavar="ID",
        action="append",
        help="check only this statement (repeatable), e.g. --only T1",
    )
    add_progress_option(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink check``; exit 0 only when every proof is proved."""
    targets = {
        option: output_file(path, option, ())
        for option, path in (("--json", args.json), ("--markdown", args.markdown))
        if path is not None
    }
    if len({t.resolve() for t in targets.values()}) < len(targets):
        raise UsageError("--json and --markdown must name different files")
    if args.certificates is not None:
        output_dir(args.certificates, "--certificates")
    from bounds import theorems
    from bounds.proof import report

    known = [s.id for s in theorems.with_variants()]
    if args.only:
        unknown = sorted(set(args.only) - set(known))
        if unknown:
            raise UsageError(f"--only must name statements among {known}, got {unknown}")
    started = time.perf_counter()
    chosen = [i for i in known if not args.only or i in args.only]
    workers = os.cpu_count() or 1
    progress = show_progress(args)
    if progress:
        # the proofs are checked in worker processes, with nothing to print for seconds: say
        # so on a terminal (never in a log), and clear the line before the table
        print(
            f"stepshrink check: checking {len(chosen)} statements in {workers} processes ...",
            end="\r",
            file=sys.stderr,
            flush=True,
        )
    reports, unproved = theorems.check_all(chosen, workers=workers)
    if progress:
        print("\033[2K", end="", file=sys.stderr, flush=True)
    print(report.to_table(reports))
    if unproved:
        print(f"\nwithout a checked proof (not claimed proved): {', '.join(unproved)}")
    all_proved = all(r.status == "proved" for r in reports)
    verdict = "all proofs check" if all_proved else "SOME PROOFS DO NOT CHECK"
    print(f"\n{verdict} ({time.perf_counter() - started:.1f} s)")
    _write(targets, report.to_json(reports), report.to_markdown(reports))
    if args.certificates is not None:
        from bounds.proof import certificate

        args.certificates.mkdir(exist_ok=True)
        written = certificate.write(reports, args.certificates)
        print(f"{len(written)} certificates written to {args.certificates}")
    for r in reports:
        for problem in r.problems:
            print(f"{r.name}: {problem}", file=sys.stderr)
        for name, step in r.failures():
            print(
                f"{name} step {step.index} [{step.rule}] {step.status}: {step.message}",
                file=sys.stderr,
            )
    return 0 if all_proved else 1


def _write(targets: dict[str, Path], json_text: str, markdown: str) -> None:
    """Write the JSON and Markdown reports together (atomically), the JSON strict."""
    texts = {
        # the proof library's printer may emit NaN in evidence; re-serialise strictly
        "--json": strict_json.dumps(json.loads(json_text)) + "\n",
        "--markdown": markdown,
    }
    chosen = list(targets)
    if not chosen:
        return
    with atomic_files(*(targets[o] for o in chosen)) as streams:
        for option, stream in zip(chosen, streams, strict=True):
            stream.write(texts[option].encode("utf-8"))
