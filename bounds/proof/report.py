"""Proof reports as a text table, JSON and Markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bounds.proof.chain import ProofReport, StepResult


def _step_dict(step: StepResult) -> dict[str, Any]:
    evidence = step.evidence
    if isinstance(evidence, dict):
        evidence = {
            str(k): (str(v) if not isinstance(v, (list, dict)) else v) for k, v in evidence.items()
        }
    return {
        "index": step.index,
        "claim": step.claim,
        "rule": step.rule,
        "status": step.status,
        "evidence": json.loads(json.dumps(evidence, default=str)),
        "message": step.message,
        "seconds": round(step.seconds, 6),
    }


def as_dict(report: ProofReport) -> dict[str, Any]:
    """A JSON-ready dictionary of ``report`` (lemmas nested)."""
    return {
        "name": report.name,
        "target": report.target,
        "status": report.status,
        "steps": [_step_dict(s) for s in report.steps],
        "chain": _step_dict(report.chain),
        "lemmas": [as_dict(lemma) for lemma in report.lemmas],
        "seconds": round(report.seconds, 6),
    }


def to_json(reports: Sequence[ProofReport]) -> str:
    """All reports as a JSON document with a summary."""
    document = {
        "all_proved": all(r.status == "proved" for r in reports),
        "proofs": [as_dict(r) for r in reports],
    }
    return json.dumps(document, indent=2)


def _rows(reports: Sequence[ProofReport]) -> list[tuple[str, str, str, str, str]]:
    return [
        (r.name, str(r.n_steps), str(r.n_proved), r.status, f"{r.seconds:.2f}") for r in reports
    ]


HEADER = ("theorem", "steps", "proved", "status", "time (s)")


def to_table(reports: Sequence[ProofReport]) -> str:
    """A fixed-width text table: theorem, steps, proved steps, status, time."""
    rows = [HEADER, *_rows(reports)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def to_markdown(reports: Sequence[ProofReport]) -> str:
    """A Markdown summary table followed by each proof's steps."""
    lines = ["# Proof check", "", "| " + " | ".join(HEADER) + " |", "|---|---:|---:|---|---:|"]
    lines += ["| " + " | ".join(row) + " |" for row in _rows(reports)]
    for report in reports:
        lines += ["", f"## {report.name}: {report.status}", "", f"Target: `{report.target}`", ""]
        lines += ["| # | step | rule | status | note |", "|---:|---|---|---|---|"]
        for lemma in report.lemmas:
            lines.append(f"| lemma | `{lemma.target}` | {lemma.name} | {lemma.status} | |")
        for step in (*report.steps, report.chain):
            note = step.message.replace("|", "\\|")
            claim = step.claim.replace("|", "\\|")
            lines.append(f"| {step.index} | `{claim}` | {step.rule} | {step.status} | {note} |")
    return "\n".join(lines) + "\n"
