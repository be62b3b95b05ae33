"""The ``stepshrink assumptions`` sub-command: the assumption checker's table.

One row per (format, rounding mode): the estimated constants with their confidence intervals
and the verdicts on A2-A4 of :func:`simulate.assumptions.check` on a built-in problem, or, with
``--gradients FILE``, of :func:`simulate.gradients.check` on gradients recorded from a real
model (``stepshrink.torch.record`` then ``simulate.gradients.save``), with one row per layer
under each format with ``--layers``. A refuted assumption is a finding, not an error: the
command exits 0 and the table says "fails".
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stepshrink.errors import UsageError
from stepshrink.experiment import (
    add_problem_options,
    add_quantizer_options,
    noise_from_args,
    problem_from_args,
    quantizer_from_args,
)
from stepshrink.options import number, output_file, positive_int

HELP = "Measure q_min, sigma_q2, M, M_G on a real format and check assumptions A2-A4."

#: Columns of the table: header, then how to read the cell from a report.
HEADER = (
    "format",
    "rounding",
    "q_min",
    "q_max",
    "sigma_q2",
    "underflow",
    "saturated",
    "A2",
    "A3",
    "A4",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink assumptions``."""
    add_problem_options(parser)
    add_quantizer_options(parser, several=True)
    group = parser.add_argument_group("checker")
    group.add_argument(
        "--points", type=positive_int, default=16, metavar="P", help="points sampled (16)"
    )
    group.add_argument(
        "--samples",
        type=positive_int,
        default=256,
        metavar="N",
        help="stochastic gradients per point (256)",
    )
    group.add_argument(
        "--repeats",
        type=positive_int,
        default=256,
        metavar="N",
        help="re-quantizations of one gradient per point, for A4 (256)",
    )
    group.add_argument(
        "--level",
        type=number("open_unit"),
        default=0.999,
        metavar="P",
        help="confidence level of every verdict and interval (0.999)",
    )
    recorded = parser.add_argument_group("recorded gradients (instead of a built-in problem)")
    recorded.add_argument(
        "--gradients",
        metavar="FILE",
        help="check the points of an .npz file written by simulate.gradients.save "
        "(--points and --samples come from the file; --problem and the noise options are unused)",
    )
    recorded.add_argument(
        "--layers", action="store_true", help="also one row per layer (with --gradients)"
    )
    recorded.add_argument(
        "--dynamic-loss-scale",
        action="store_true",
        help="dynamic loss scaling over the samples (torch.amp.GradScaler's defaults, initial "
        "scale --loss-scale or 2^16): overflowed samples are skipped, as training skips them",
    )
    output = parser.add_argument_group("output")
    output.add_argument("--json", action="store_true", help="print JSON instead of the table")
    output.add_argument(
        "-o", "--output", metavar="PATH", help="also write the full reports as JSON to PATH"
    )
    output.add_argument(
        "--evidence", action="store_true", help="print the evidence behind each verdict"
    )


def _loss_scale(args: argparse.Namespace) -> Any:
    """The checker's ``loss_scale``: a float, or a dynamic scaler (one replica)."""
    if not getattr(args, "dynamic_loss_scale", False):
        return 1.0 if args.loss_scale is None else args.loss_scale
    from simulate.loss_scaling import DynamicLossScaler

    return DynamicLossScaler(init_scale=2.0**16 if args.loss_scale is None else args.loss_scale)


def check_all(
    args: argparse.Namespace, formats: Sequence[str], roundings: Sequence[str]
) -> list[tuple[str, str, Any]]:
    """Run the checker on every (format, rounding) pair; returns ``(format, rounding, report)``.

    Deterministic roundings of the same format give one row each; for the synthetic model and
    no quantizer, the rounding mode is irrelevant and only the first is used.
    """
    from simulate import assumptions, gradients

    source = getattr(args, "gradients", None)
    if source is not None and not Path(source).is_file():
        raise UsageError(f"--gradients: no such file {source!r}")
    if source is None and getattr(args, "layers", False):
        raise UsageError("--layers needs --gradients (a built-in problem has one layer)")
    if source is not None:
        gradients.load(source)  # refuses a file that is not ours, before any work
    else:
        problem = problem_from_args(args)
        noise = noise_from_args(args)
    rows = []
    seen: set[str] = set()
    for fmt, rounding in itertools.product(formats, roundings):
        quantizer = quantizer_from_args(args, fmt, rounding)
        if quantizer is None or not hasattr(quantizer, "rounding"):
            if fmt in seen:
                continue
            seen.add(fmt)
            rounding = "-"
        if source is not None:
            report = gradients.check(
                gradients.load(source),
                quantizer,
                loss_scale=_loss_scale(args),
                repeats=args.repeats,
                level=args.level,
                seed=args.seed,
            )
        else:
            report = assumptions.check(
                problem,
                quantizer,
                noise=noise,
                loss_scale=_loss_scale(args),
                n_points=args.points,
                samples=args.samples,
                repeats=args.repeats,
                level=args.level,
                seed=args.seed,
            )
        rows.append((fmt, rounding, report))
    return rows


def _interval(estimate: Any) -> str:
    return f"{estimate.value:.4g} [{estimate.low:.3g}, {estimate.high:.3g}]"


def table_rows(results: Sequence[tuple[str, str, Any]], *, layers: bool = False) -> list[list[str]]:
    """Text cells of the table, one row per result (see :data:`HEADER`); with ``layers``, each
    result's rows per layer follow it, the format cell naming the layer."""
    rows = []
    for fmt, rounding, report in results:
        rows.append(_row(fmt, rounding, report))
        if layers:
            rows.extend(_row(f"  {name}", rounding, layer) for name, layer in report.layers.items())
    return rows


def _row(fmt: str, rounding: str, report: Any) -> list[str]:
    e = report.estimates
    return [
        fmt,
        rounding,
        _interval(e["q_min"]),
        _interval(e["q_max"]),
        _interval(e["sigma_q2"]),
        f"{e['underflow'].value:.3g}",
        f"{e['saturated'].value:.3g}",
        *(_status(report[name]) for name in ("A2", "A3", "A4")),
    ]


def _status(verdict: Any) -> str:
    status = getattr(verdict, "status", None)
    return str(status) if status is not None else ("holds" if verdict.holds else "fails")


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with aligned columns."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink assumptions``; return the exit status."""
    target = None if args.output is None else output_file(args.output, "-o", (".json",))
    results = check_all(args, args.format, args.rounding)
    payload = [
        {"format": fmt, "rounding": rounding, **report.to_dict()}
        for fmt, rounding, report in results
    ]
    if target is not None:
        target.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(payload, indent=2))
        return 0
    level = f"{100 * args.level:g}%"
    where = results[0][2].settings.get("problem") or f"gradients recorded in {args.gradients}"
    print(f"Assumptions A2-A4 on {where} ({level} intervals)")
    print(format_table(HEADER, table_rows(results, layers=args.layers)))
    if args.evidence:
        for fmt, rounding, report in results:
            for name in ("A2", "A3", "A4"):
                print(f"\n{fmt} / {rounding} {name}: {report[name].evidence}")
    return 0
