"""The ``stepshrink assumptions`` sub-command: the assumption checker's table.

One row per (format, rounding mode): the estimated constants with their confidence intervals
and the verdicts on A2-A4 of :func:`simulate.assumptions.check` on a built-in problem, or, with
``--gradients FILE``, of :func:`simulate.gradients.check` on gradients recorded from a real
model (``stepshrink.torch.record`` then ``simulate.gradients.save``), with one row per layer
under each format with ``--layers``. A refuted assumption is a finding, not an error: the
command exits 0 and the table says "fails"; an assumption the data can neither confirm nor
refute says "inconclusive". A legend under the table says what every column means.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections.abc import Sequence
from typing import Any

from plumbing import strict_json
from plumbing.files import write_text
from stepshrink.errors import UsageError
from stepshrink.experiment import (
    add_problem_options,
    add_quantizer_options,
    noise_from_args,
    problem_from_args,
    quantizer_from_args,
)
from stepshrink.options import (
    add_json_option,
    add_output_option,
    add_sampling_options,
    input_file,
    number,
    output_file,
)

HELP = "Measure q_min, sigma_q2, M, M_G on a real format and check assumptions A2-A4."

#: Columns of the table.
HEADER = (
    "format",
    "rounding",
    "q_min",
    "q_max",
    "sigma_q2",
    "M",
    "M_G",
    "underflow",
    "saturated",
    "A2",
    "A3",
    "A4",
)

#: What the columns and verdicts mean, printed under the table (and in the report).
LEGEND = (
    "q_min, q_max: smallest and largest conditional mean of q_k = <Q(g), g>/||g||^2 over the "
    "sampled points, as estimate [interval] (A3 needs 0 < q_min and q_max <= 1)",
    "sigma_q2: largest per-point mean of ||eps_k||^2 (A4's constant); M, M_G: fitted "
    "E||g||^2 <= M + M_G ||grad F||^2 (A2's constants; '-' when every point has one gradient "
    "norm)",
    "underflow: fraction of nonzero gradient entries quantized to 0; saturated: fraction that "
    "overflowed or hit the format's largest magnitude",
    "A2: unbiased gradients with that second moment; A3: q_min <= q_k <= 1 with q_k set by the "
    "history; A4: E[eps_k | g_k] = 0 and E||eps_k||^2 <= sigma_q2",
    "holds: not refuted by a test that would have seen a violation; fails: refuted at the "
    "level; inconclusive: not refuted, but the intervals are too wide to tell (--evidence)",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink assumptions``."""
    add_problem_options(parser)
    add_quantizer_options(parser, several=True)
    group = parser.add_argument_group("checker")
    add_sampling_options(group, points=16, repeats=True)
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
    add_json_option(output, "print the full reports as JSON")
    add_output_option(output, None, "also write the full reports as JSON to PATH (.json)")
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

    Every quantizer is built (so every format name and option checked) before the first check
    runs. For the synthetic model and no quantizer the rounding mode is irrelevant and only
    the first is used.
    """
    from simulate import assumptions, gradients

    source = getattr(args, "gradients", None)
    if source is not None:
        input_file(
            source, "--gradients", "a .npz from stepshrink.torch.record or simulate.gradients.save"
        )
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


def interval_text(value: float, low: float, high: float) -> str:
    """``"estimate [low, high]"``, all three rounded to the same 4 significant digits.

    Rounding to nearest at one precision is monotone, so the printed estimate always lies in
    the printed interval; rounded to different precisions, a deterministic estimate 0.99994
    with the interval [0.99994, 0.99994] used to print as ``0.9999 [1, 1]``. A value that
    does not exist (NaN: nothing to fit) prints as ``-``.
    """
    if not math.isfinite(value):
        return "-"
    return f"{value:.4g} [{low:.4g}, {high:.4g}]"


def _estimate(estimate: Any) -> str:
    return interval_text(estimate.value, estimate.low, estimate.high)


def _fraction(value: float) -> str:
    return f"{value:.3g}" if math.isfinite(value) else "-"


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
        *(_estimate(e[name]) for name in ("q_min", "q_max", "sigma_q2", "M", "M_G")),
        _fraction(e["underflow"].value),
        _fraction(e["saturated"].value),
        *(report[name].status for name in ("A2", "A3", "A4")),
    ]


def format_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with aligned columns."""
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in (header, *rows)]  # fmt: skip
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def reports_json(results: Sequence[tuple[str, str, Any]]) -> str:
    """The full reports as strict JSON (a list, one object per row)."""
    payload = [
        {"format": fmt, "rounding": rounding, **report.to_dict()}
        for fmt, rounding, report in results
    ]
    return strict_json.dumps(payload)


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink assumptions``; return the exit status."""
    target = None if args.output is None else output_file(args.output, "-o", (".json",))
    results = check_all(args, args.format, args.rounding)
    text = reports_json(results)
    if target is not None:
        write_text(target, text + "\n")
    if args.json:
        print(text)
        return 0
    level = f"{100 * args.level:g}%"
    where = results[0][2].settings.get("problem") or f"gradients recorded in {args.gradients}"
    print(f"Assumptions A2-A4 on {where} ({level} intervals)")
    print(format_table(HEADER, table_rows(results, layers=args.layers)))
    print()
    for line in LEGEND:
        print(line)
    if args.evidence:
        for fmt, rounding, report in results:
            for name in ("A2", "A3", "A4"):
                print(f"\n{fmt} / {rounding} {name}: {report[name].evidence}")
    return 0
