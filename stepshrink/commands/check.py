"""The ``stepshrink check`` sub-command: check every proof and print the report."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tqdm import tqdm

from plumbing import strict_json
from plumbing.files import atomic_files
from stepshrink.errors import UsageError
from stepshrink.options import add_progress_option, output_file, show_progress

HELP = "Check every proof of the theorem library and print the report."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink check``."""
    parser.add_argument("--json", metavar="PATH", help="also write the full report as JSON to PATH")
    parser.add_argument(
        "--markdown", metavar="PATH", help="also write the report as Markdown to PATH"
    )
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help="check only this proof (repeatable), e.g. --only T1",
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
    progress = show_progress(args)
    if progress:
        # importing the proof library takes seconds: say so on a terminal (never in a log)
        print("stepshrink check: loading the proof library ...", end="\r", file=sys.stderr)
    from bounds.proof import engine, library, report

    proofs = library.proofs()
    if args.only:
        known = {proof.name for proof in proofs}
        unknown = sorted(set(args.only) - known)
        if unknown:
            raise UsageError(f"--only must name a proof among {sorted(known)}, got {unknown}")
        proofs = [proof for proof in proofs if proof.name in args.only]
    started = time.perf_counter()
    bar = tqdm(proofs, desc="check", unit="proof", disable=not progress, leave=False)
    reports = []
    for proof in bar:
        bar.set_postfix_str(proof.name, refresh=False)
        reports.append(engine.check(proof))
    bar.close()
    print(report.to_table(reports))
    all_proved = all(r.status == "proved" for r in reports)
    verdict = "all proofs check" if all_proved else "SOME PROOFS DO NOT CHECK"
    print(f"\n{verdict} ({time.perf_counter() - started:.1f} s)")
    _write(targets, report.to_json(reports), report.to_markdown(reports))
    for r in reports:
        if r.status != "proved":
            failing = [s for s in (*r.steps, r.chain) if s.status != "proved"]
            for step in failing:
                print(
                    f"{r.name} step {step.index} [{step.rule}] {step.status}: {step.message}",
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
