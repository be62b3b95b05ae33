"""The ``stepshrink sweep`` sub-command: a grid of runs on Dask into ``DIR/results.parquet``.

The grid comes from options, from a TOML file (``--grid``), or both (options override the
file). It is validated whole before anything runs. Without ``--scheduler`` the cells run on
Dask's local scheduler, one process per core; with ``--scheduler ADDRESS`` on an existing
``distributed`` cluster. A rerun into the same directory computes only the cells not yet
recorded; Ctrl-C keeps every finished cell, writes the table of those and says how many
remain (exit 130).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import fields
from typing import Any

from stepshrink.errors import UsageError
from stepshrink.options import (
    add_output_option,
    add_progress_option,
    nonnegative_int,
    number,
    output_dir,
    positive_int,
    show_progress,
)

HELP = "Sweep formats, rounding modes, loss scales, stepsizes, problems and seeds on Dask."

EXIT_INTERRUPTED = 130
EXIT_STOPPED = 1

#: Grid options: (flag, Grid field, argparse keywords).
_AXIS_OPTIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("--format", "format", {"metavar": "NAME", "help": "gradient formats, or 'none'"}),
    ("--rounding", "rounding", {"metavar": "MODE", "help": "rounding modes (rne ... sr)"}),
    (
        "--loss-scale",
        "loss_scale",
        {"type": number("positive"), "metavar": "S", "help": "static loss scales (1: none)"},
    ),
    ("--mu", "mu", {"type": number("positive"), "metavar": "X", "help": "fixed stepsizes"}),
    (
        "--problem",
        "problem",
        {"metavar": "NAME", "help": "quadratic, least-squares, logistic, geman-mcclure"},
    ),
    ("--K", "K", {"type": positive_int, "metavar": "N", "help": "SGD steps per run"}),
)
_SCALAR_OPTIONS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("--seeds", "seeds", {"type": positive_int, "metavar": "N", "help": "replicates per cell"}),
    ("--seed", "seed", {"type": nonnegative_int, "metavar": "S", "help": "sweep seed"}),
    ("--replicas", "replicas", {"type": positive_int, "metavar": "R", "help": "SGD replicas"}),
    ("--dim", "dim", {"type": positive_int, "metavar": "D", "help": "problem dimension"}),
    (
        "--data-size",
        "data_size",
        {"type": positive_int, "metavar": "N", "help": "data set size (least-squares, logistic)"},
    ),
    ("--L", "L", {"type": number("positive"), "metavar": "X", "help": "smoothness (quadratic)"}),
    ("--c", "c", {"type": number("positive"), "metavar": "X", "help": "PL constant (quadratic)"}),
    (
        "--M",
        "M",
        {"type": number("nonnegative"), "metavar": "X", "help": "Gaussian noise variance floor"},
    ),
    (
        "--M-V",
        "M_V",
        {"type": number("nonnegative"), "metavar": "X", "help": "noise growth (M_G = 1 + M_V)"},
    ),
    ("--points", "points", {"type": positive_int, "metavar": "P", "help": "checker points"}),
    (
        "--samples",
        "samples",
        {"type": positive_int, "metavar": "N", "help": "stochastic gradients per checker point"},
    ),
    (
        "--repeats",
        "repeats",
        {"type": positive_int, "metavar": "N", "help": "re-quantizations per gradient (A4)"},
    ),
    (
        "--level",
        "level",
        {"type": number("open_unit"), "metavar": "P", "help": "confidence level"},
    ),
)


def _default(name: str) -> str:
    from stepshrink.sweep.grid import Grid

    value = next(f.default for f in fields(Grid) if f.name == name)
    return " ".join(map(str, value)) if isinstance(value, tuple) else str(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink sweep``."""
    parser.add_argument(
        "--grid", metavar="FILE", help="TOML file with the grid (keys as the options, e.g. mu)"
    )
    axes = parser.add_argument_group("axes (one or more values each; every combination runs)")
    for flag, name, options in _AXIS_OPTIONS:
        keywords = dict(options)
        text = keywords.pop("help", name)
        axes.add_argument(
            flag, dest=name, nargs="+", default=None, help=f"{text} (default {_default(name)})",
            **keywords,
        )  # fmt: skip
    settings = parser.add_argument_group("shared settings")
    for flag, name, options in _SCALAR_OPTIONS:
        keywords = dict(options)
        text = keywords.pop("help", name.replace("_", " "))
        settings.add_argument(
            flag, dest=name, default=None, help=f"{text} (default {_default(name)})", **keywords
        )
    settings.add_argument(
        "--theorems",
        nargs="*",
        default=None,
        metavar="ID",
        help=f"statements to compare with, by id (default {_default('theorems')}; none: no bounds)",
    )
    settings.add_argument(
        "--checker-only", action="store_true", help="no simulation: checker and bound values"
    )
    run = parser.add_argument_group("run")
    add_output_option(
        run, "stepshrink-sweep", "directory of the cells and results.parquet", metavar="DIR"
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="a running distributed scheduler (tcp://HOST:8786); default: local processes",
    )
    run.add_argument(
        "--workers",
        type=positive_int,
        metavar="N",
        help="local processes (default: cores; not with --scheduler)",
    )
    add_progress_option(run)


def grid_from_args(args: argparse.Namespace) -> Any:
    """The :class:`~stepshrink.sweep.Grid` the options (and ``--grid``) describe."""
    from stepshrink.sweep.grid import Grid, load_grid

    given = {
        name: getattr(args, name)
        for _, name, _ in (*_AXIS_OPTIONS, *_SCALAR_OPTIONS)
        if getattr(args, name) is not None
    }
    if args.theorems is not None:
        given["theorems"] = tuple(args.theorems)
    if args.checker_only:
        given["simulate"] = False
    if args.grid is not None:
        return load_grid(args.grid, **given)
    return Grid(**given)


def _named_as_given(message: str, args: argparse.Namespace) -> str:
    """``message`` (from :class:`~stepshrink.sweep.Grid`) with the parameter it names spelled as
    the option the user gave (``loss_scale must ...`` -> ``--loss-scale must ...``)."""
    for flag, name, _ in (*_AXIS_OPTIONS, *_SCALAR_OPTIONS):
        if message.startswith(f"{name} ") and getattr(args, name) is not None:
            return flag + message[len(name) :]
    return message


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink sweep``; return the exit status."""
    from stepshrink.sweep import SchedulerUnreachable, SweepError, describe
    from stepshrink.sweep import run as run_sweep

    try:
        grid = grid_from_args(args)
    except ValueError as exc:
        raise UsageError(_named_as_given(str(exc), args)) from None
    # checked by trying, nothing created: the sweep creates it once its scheduler answers
    directory = output_dir(args.output)
    try:
        result = run_sweep(
            grid,
            directory,
            scheduler=args.scheduler,
            workers=args.workers,
            progress=show_progress(args),
        )
    except SchedulerUnreachable as exc:
        raise UsageError(f"--scheduler: {exc}") from None
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    except SweepError as exc:
        print(
            f"stepshrink sweep: {exc}; {exc.result.table} holds the recorded cells", file=sys.stderr
        )
        return EXIT_STOPPED
    recorded = result.reused + result.computed
    if result.interrupted:
        print(
            f"stepshrink sweep: interrupted: {recorded} of {result.total} cells recorded, "
            f"{result.remaining} remain (rerun the same command to finish them); "
            f"{result.table} holds the recorded ones",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(
        f"stepshrink sweep: {describe(grid)}: {result.computed} computed, "
        f"{result.reused} already recorded, in {result.seconds:.1f} s",
        file=sys.stderr,
    )
    print(result.table)
    return 0
