"""The sections of ``stepshrink report``, one function each, on the built-in defaults.

Every section parses its settings through the same command-line parser the user has (so the
report runs exactly what ``stepshrink assumptions ...`` or ``stepshrink plot ...`` would) and
calls the public APIs of ``bounds`` and ``simulate``. A part that could not be built honestly
is recorded with :meth:`~stepshrink.report.ReportContext.incomplete`. Nothing is filled in by
hand.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import tempfile
from collections.abc import Sequence
from typing import Any

from plumbing.files import write_text
from stepshrink import defaults
from stepshrink.report import ReportContext, Section
from stepshrink.report_document import Block, Code, Figure, Link, Notice, Paragraph, Table

__all__ = ["SECTIONS"]


def _parse(*argv: str) -> argparse.Namespace:
    from stepshrink.cli import build_parser

    return build_parser().parse_args(list(argv))


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"


# ----------------------------------------------------------------------------- overview
def overview(context: ReportContext) -> list[Block]:
    """The default problem's constants and how to reproduce each part."""
    rows = [[name, _number(value)] for name, value in defaults.CONSTANTS.items()]
    return [
        Paragraph(
            "Theory sections use these constants (docs/spec.md section 1). The simulated "
            "default is a quadratic in dimension 16 with its spectrum spread over [c, L] and "
            "Gaussian gradient noise of variance M, so that the same constants hold for it "
            "exactly."
        ),
        Table(["constant", "value"], rows),
        Paragraph("Each part can be reproduced from the command line, for example:"),
        Code(
            "stepshrink check\n"
            "stepshrink bound T1 --L 1 --Delta 1 --M 0.01 --M-G 1 --sigma-q2 0.01 "
            "--q-min 0.5 --mu 0.1 --K 1000 --latex\n"
            "stepshrink bound T1.sharp --L 1 --Delta 1 --M 0.01 --M-G 1 --sigma-q2 0.01 "
            "--q-min 0.5 --mu 0.1 --K 1000\n"
            "stepshrink schedule --json\n"
            "stepshrink assumptions --format fp8_e4m3 mxfp4 --rounding rne sr\n"
            "stepshrink simulate --format synthetic --q-min 0.5 --sigma-q2 0.01 -o run.npz\n"
            "stepshrink plot bound -o bound.png"
        ),
    ]


# ------------------------------------------------------------------------------- proofs
def proofs(context: ReportContext) -> list[Block]:
    """Every proof of the library, checked step by step (as ``stepshrink check``)."""
    from bounds import theorems
    from bounds.proof import report as printer

    reports, without = theorems.check_all()
    json_path = context.write_json("proofs.json", json.loads(printer.to_json(reports)))
    markdown_path = write_text(context.data / "proofs.md", printer.to_markdown(reports))
    rows = [
        [r.name, str(r.n_steps), str(r.n_proved), r.status, f"{r.seconds:.2f}"] for r in reports
    ]
    blocks: list[Block] = [
        Paragraph(
            "Each proof is a chain of steps from the model to the stated bound; each step is "
            "checked by an exact symbolic certificate or refuted by a counterexample "
            "(stepshrink check prints the same table)."
        ),
        Table(["proof", "steps", "proved", "status", "time (s)"], rows),
        Link(context.relative(markdown_path), "every step with its rule and verdict (Markdown)"),
        Link(context.relative(json_path), "every step with its evidence (JSON)"),
    ]
    unproved = [r.name for r in reports if r.status != "proved"]
    if unproved:
        context.incomplete(f"proofs that do not check: {', '.join(unproved)}")
        blocks.append(Notice(f"These proofs do not check: {', '.join(unproved)}."))
    if without:
        blocks.append(
            Notice(
                f"Statements without a checked proof (not claimed proved): {', '.join(without)}."
            )
        )
    return blocks


# -------------------------------------------------------------------------- assumptions
def _checker_sizes(context: ReportContext) -> dict[str, int]:
    if context.quick:
        return {"points": 4, "samples": 64, "repeats": 64}
    return {"points": 8, "samples": 256, "repeats": 256}


def _sweep_scheduler() -> str | None:
    """Dask's local scheduler with the ``sweep`` extra, else the same cells in this process."""
    from stepshrink.sweep import INLINE

    return None if importlib.util.find_spec("dask") is not None else INLINE


def _interval(row: dict[str, Any], name: str) -> str:
    from stepshrink.commands.assumptions import interval_text

    value, low, high = (row[f"{name}{end}"] for end in ("", "_low", "_high"))
    return "-" if value is None else interval_text(value, low, high)


def _fraction(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def _status(row: dict[str, Any], name: str) -> str:
    # cells stored by a version without the status column say only whether it was refuted
    return row.get(f"{name}_status") or ("holds" if row[name] else "fails")


def assumptions(context: ReportContext) -> list[Block]:
    """The assumption checker on every default format and rounding mode, as a sweep."""
    from stepshrink import sweep
    from stepshrink.commands.assumptions import HEADER, LEGEND

    sizes = _checker_sizes(context)
    grid = sweep.Grid(
        format=defaults.FORMATS,
        rounding=defaults.ROUNDINGS,
        simulate=False,
        theorems=(),
        points=sizes["points"],
        samples=sizes["samples"],
        repeats=sizes["repeats"],
    )
    with tempfile.TemporaryDirectory() as scratch:
        result = sweep.run(
            grid, scratch, scheduler=_sweep_scheduler(), progress=False, parquet=False
        )
    rows = result.rows
    path = context.write_json("assumptions.json", rows)
    table = [
        [
            row["format"],
            row["rounding"],
            *(_interval(row, name) for name in ("q_min", "q_max", "sigma_q2", "M", "M_G")),
            *(_fraction(row[name]) for name in ("underflow", "saturated")),
            *(_status(row, name) for name in ("A2", "A3", "A4")),
        ]
        for row in rows
    ]
    failures = [
        [row["format"], row["rounding"], name, row[f"{name}_evidence"]]
        for row in rows
        for name in ("A2", "A3", "A4")
        if _status(row, name) != "holds"
    ]
    level = f"{100 * grid.level:g}%"
    command = (
        f"stepshrink sweep --format {' '.join(grid.format)} --rounding {' '.join(grid.rounding)} "
        + " ".join(f"--{name} {value}" for name, value in sizes.items())
        + " --checker-only --theorems"
    )
    blocks: list[Block] = [
        Paragraph(
            f"Problem: {rows[0]['problem_name']}, Gaussian gradient noise. Estimates with "
            f"{level} confidence intervals; a verdict 'fails' means the data refute the "
            "assumption at that level (docs/spec.md section 4: round-to-nearest is biased "
            "given g, so A4 fails wherever rounding is visible; stochastic rounding is "
            "unbiased). Each row is one cell of a checker-only sweep (seeds derived from the "
            "cell's coordinates); the same table as Parquet:"
        ),
        Code(command),
        Table(list(HEADER), table),
        *(Paragraph(line) for line in LEGEND),
        Link(context.relative(path), "every cell with its evidence (JSON)"),
    ]
    if failures:
        blocks += [
            Paragraph("Evidence for every assumption that fails or is inconclusive:"),
            Table(["format", "rounding", "assumption", "evidence"], failures),
        ]
    return blocks


# ---------------------------------------------------------------------------- schedules
def schedules(context: ReportContext) -> list[Block]:
    """Derived stepsizes and iteration counts for the default problem."""
    from stepshrink.commands import schedule as command

    args = _parse("schedule")
    result = command.derive_schedules(args)
    path = context.write_json("schedules.json", result)
    return [
        Paragraph(
            "Derived symbolically by bounds.derive for the default constants (docs/spec.md "
            "section 3: C2-C3, T4), "
            f"with budget K = {result['constants']['K']} and target epsilon = "
            f"{result['constants']['epsilon']:g} (stepshrink schedule prints the same)."
        ),
        Table(["quantity", "value", "meaning"], command.schedule_rows(result)),
        Link(context.relative(path), "the same as JSON"),
    ]


# -------------------------------------------------------------------------------- plots
def _plot(context: ReportContext, name: str, caption: str, *argv: str) -> Figure:
    from stepshrink.commands.plot import PLOTTERS

    target = context.figures / f"{name}.png"
    args = _parse("plot", *argv, "-o", str(target))
    PLOTTERS[args.kind](args, target)
    return Figure(context.relative(target), caption)


def theory_plots(context: ReportContext) -> list[Block]:
    """Bound against K, floor against mu, K(eps) map: theory only."""
    return [
        _plot(
            context,
            "bound_t1",
            "T1: bound on the average squared gradient norm against K, one curve per q_min; "
            "dashed lines are the floors L mu S / q_min.",
            "bound",
            "--theorem",
            "T1",
        ),
        _plot(
            context,
            "bound_t2",
            "T2 (mu_k = beta/(gamma + k)): bound on min_k E||grad F(x_k)||^2, of order "
            "1/(q_min ln K); it tends to zero, slower for smaller q_min.",
            "bound",
            "--theorem",
            "T2.harmonic",
        ),
        _plot(
            context,
            "bound_t3",
            "T3: bound on the optimality gap against k (PL); the rate 1 - mu c q_min slows and "
            "the floor L mu S/(2 c q_min) rises as q_min falls.",
            "bound",
            "--theorem",
            "T3",
        ),
        _plot(
            context,
            "bound_t1_sharp",
            "T1.sharp (issue 12): T1 with the descent factor kept, T1/(2 - L mu M_G q_min); "
            "equal to PEPit's exact noiseless worst case (stepshrink tightness).",
            "bound",
            "--theorem",
            "T1.sharp",
        ),
        _plot(
            context,
            "bound_t3_sharp",
            "T3.sharp (issue 12): rate 1 - mu c q_min (2 - L mu M_G q_min) and floor divided "
            "by 2 - L mu M_G q_min; never above T3 (checked proof).",
            "bound",
            "--theorem",
            "T3.sharp",
        ),
        _plot(
            context,
            "floor_t1",
            "T1: error floor against the stepsize mu; beyond 1/(L M_G) the theorem does not apply.",
            "floor",
        ),
        _plot(
            context,
            "k_eps",
            "C2: iterations to reach epsilon with T1's optimal stepsize, over (q_min, sigma_q2).",
            "k-eps",
        ),
    ]


def _run_args(context: ReportContext, *extra: str) -> list[str]:
    steps = "400" if context.quick else "2000"
    replicas = "64" if context.quick else "256"
    return ["--K", steps, "--replicas", replicas, "--no-progress", *extra]


def simulation(context: ReportContext) -> list[Block]:
    """A default run over its T3 bound: the synthetic model, then a real format."""
    from simulate.plots import trajectory_over_bound
    from stepshrink.experiment import experiment_from_args
    from stepshrink.overlay import theory_overlay

    runs: list[tuple[str, Sequence[str]]] = [
        ("synthetic", ["--format", "synthetic", "--q-min", "0.5", "--sigma-q2", "0.01"]),
        ("fp8_e4m3_sr", ["--format", "fp8_e4m3", "--rounding", "sr"]),
        # docs/spec.md section 4: underflow shrinks q_k; loss scaling moves gradients out of it
        ("fp4_e2m1_rne", ["--format", "fp4_e2m1", "--rounding", "rne"]),
        ("fp4_e2m1_rne_scaled", ["--format", "fp4_e2m1", "--rounding", "rne", "--loss-scale", "8"]),
    ]
    blocks: list[Block] = []
    rows = []
    for name, options in runs:
        args = _parse("simulate", *_run_args(context, *options))
        experiment = experiment_from_args(args)
        trajectory = experiment.run(progress=False)
        npz, summary = trajectory.save(context.data / f"trajectory_{name}.npz")
        overlay = theory_overlay(experiment, trajectory)
        target = context.figures / f"trajectory_{name}.png"
        trajectory_over_bound(
            trajectory,
            bound=overlay.bound,
            bound_label=overlay.label,
            floor=overlay.floor,
            # two lines: one line of problem and options does not fit the figure's width
            title=f"{experiment.problem.name}\ngradients: {' '.join(options)}",
            path=target,
        )
        caption = f"Simulated E[F(x_k) - F*] ({name}) with its confidence band"
        caption += f", under {overlay.label}." if overlay.bound is not None else "."
        blocks.append(Figure(context.relative(target), caption))
        if overlay.note:
            blocks.append(Paragraph(f"No bound over run {name}: {overlay.note}."))
        blocks += [
            Link(context.relative(npz), f"trajectory {name} (.npz)"),
            Link(context.relative(summary), f"summary {name} (JSON)"),
        ]
        digest = trajectory.summary()
        rows.append(
            [
                name,
                str(digest["steps"]),
                _number(digest["final_gap"]["mean"]),
                "-" if overlay.bound is None else _number(float(overlay.bound[-1])),
                f"[{_number(digest['q_min_observed'])}, {_number(digest['q_max_observed'])}]",
                _number(digest["underflow_mean"]),
            ]
        )
    if rows:
        blocks.insert(
            0,
            Table(
                [
                    "run",
                    "steps",
                    "final E[F - F*]",
                    "bound at the end",
                    "q_k range",
                    "underflow",
                ],
                rows,
            ),
        )
    return blocks


def q_plot(context: ReportContext) -> list[Block]:
    """Measured q_k per format and rounding mode."""
    blocks: list[Block] = [
        _plot(
            context,
            "q_distribution",
            "Measured q_k = <Q(g), g>/||g||^2 per format and rounding mode, at the start and "
            "near the optimum of the default problem (whiskers: 1st-99th percentiles).",
            "q",
            "--format",
            *defaults.FORMATS,
            "--rounding",
            *defaults.ROUNDINGS,
            "--points",
            "4",
            "--samples",
            "64" if context.quick else "256",
        )
    ]
    return blocks


#: The report's sections in order: (title, builder).
SECTIONS: list[Section] = [
    ("Default problem", overview),
    ("Proofs", proofs),
    ("Assumptions A2-A4 on real formats", assumptions),
    ("Derived schedules", schedules),
    ("Bound plots", theory_plots),
    ("Simulated runs against the bounds", simulation),
    ("Measured shrinkage factors", q_plot),
]
