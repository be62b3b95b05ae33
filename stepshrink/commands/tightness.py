"""The ``stepshrink tightness`` sub-command: each bound against PEPit's exact worst case.

Noise off, quantized SGD is gradient descent with steps ``mu_k q_k``; :mod:`bounds.tightness`
asks PEPit for its worst case on the theorem's function class and divides the theorem's bound
by it. One row per point of the grid, then per theorem and class the worst (smallest), median
and largest ratio. Needs the optional extra ``pep`` (``pip install 'stepshrink[pep]'``).
Ctrl-C prints the rows computed so far and exits 130; a point no solver answers accurately
prints them, names the point and exits 1. Effective steps ``q mu L`` below ``MIN_STEP`` are
refused before any work (no solver is accurate there).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bounds.tightness import FUNCTION_CLASSES, SOLVERS, THEOREMS
from plumbing import strict_json
from plumbing.figures import save_figure
from stepshrink.errors import UsageError
from stepshrink.options import (
    add_json_option,
    add_progress_option,
    figure_path,
    number,
    positive_int,
    show_progress,
)

HELP = "Compare each bound (paper and refined) with PEPit's worst case of gradient descent."

#: Largest K for which --adversarial enumerates the 2^K shrinkage sequences.
MAX_ADVERSARIAL_K = 12
#: Smallest effective step q mu L: below it the worst case grows like 1/(q mu L K) and the
#: semidefinite program is too ill-conditioned for CLARABEL or SCS to answer accurately.
MIN_STEP = 1e-2
#: Exit status when a solver fails at one point (the rows before it are printed).
EXIT_STOPPED = 1
#: Largest K at all: a semidefinite program over K + 2 points takes minutes beyond it.
MAX_K = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink tightness``."""
    grid = parser.add_argument_group("grid")
    grid.add_argument(
        "--theorems",
        nargs="+",
        choices=THEOREMS,
        default=list(THEOREMS),
        metavar="ID",
        help=f"statements to compare (default all: {', '.join(THEOREMS)})",
    )
    grid.add_argument(
        "--q",
        nargs="+",
        type=number("unit"),
        default=[1.0, 0.5, 0.25],
        metavar="Q",
        help="q_min (or the known q), in (0, 1] (default 1 0.5 0.25)",
    )
    grid.add_argument(
        "--mu-L",
        nargs="+",
        type=number("positive"),
        default=[0.25, 0.5, 1.0],
        metavar="X",
        help="the statement's stepsize times L (T4: mu_1 L) (default 0.25 0.5 1)",
    )
    grid.add_argument(
        "--K",
        nargs="+",
        type=positive_int,
        default=[1, 2, 5, 10],
        metavar="N",
        help=f"number of gradient steps, <= {MAX_K}; T3/T4 bound the gap at k = K + 1 "
        "(default 1 2 5 10)",
    )
    grid.add_argument(
        "--c-over-L",
        nargs="+",
        type=number("unit"),
        default=[0.1, 0.5, 1.0],
        metavar="R",
        help="c/L in (0, 1] for T3 and T4; strongly_convex skips c = L (default 0.1 0.5 1)",
    )
    grid.add_argument(
        "--classes",
        nargs="+",
        choices=FUNCTION_CLASSES,
        default=None,
        metavar="CLASS",
        help="PEPit function classes: smooth, strongly_convex, pl (default: each theorem's)",
    )
    grid.add_argument(
        "--adversarial",
        action="store_true",
        help=f"also maximise over q_k in {{q_min, 1}}^K (2^K programs; K <= {MAX_ADVERSARIAL_K})",
    )
    grid.add_argument("--L", type=number("positive"), default=1.0, metavar="X", help="L (1)")
    grid.add_argument(
        "--solver", choices=SOLVERS, default=SOLVERS[0], help="SDP solver tried first (CLARABEL)"
    )
    output = parser.add_argument_group("output")
    add_json_option(output, "print one JSON object")
    output.add_argument(
        "--plot", metavar="FILE", help="also draw bound/worst case per theorem (.png, .svg, .pdf)"
    )
    add_progress_option(output)


def _format(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render(rows: Sequence[Any], groups: Sequence[dict[str, Any]]) -> str:
    """The table of rows, then the per-theorem summary, as plain text."""
    header = (
        f"{'theorem':11} {'class':15} {'q':>5} {'mu L':>5} {'K':>3} {'c/L':>4} {'q_k':5} "
        f"{'bound':>11} {'worst case':>11} {'ratio':>9}"
    )
    lines = [header]
    for r in rows:
        lines.append(
            f"{r.theorem:11} {r.function_class:15} {r.q:5.3g} {r.mu_L:5.3g} {r.K:3d} "
            f"{_format(r.c_over_L, '.3g'):>4} {'adv' if r.adversarial else 'fixed':5} "
            f"{r.bound:11.5g} {r.worst_case:11.5g} {_format(r.ratio, '.4f'):>9}"
        )
    lines.append("")
    lines.append("bound / worst case per theorem (worst = smallest; 1 means tight)")
    lines.append(
        f"{'theorem':11} {'class':15} {'cases':>5} {'worst':>9} {'median':>9} {'largest':>11}"
    )
    for g in groups:
        zero = f"  ({g['zero']} of them with worst case 0)" if g["zero"] else ""
        lines.append(
            f"{g['theorem']:11} {g['function_class']:15} {g['cases']:5d} "
            f"{_format(g['worst'], '.4f'):>9} {_format(g['median'], '.4f'):>9} "
            f"{_format(g['largest'], '.4f'):>11}{zero}"
        )
    return "\n".join(lines)


def _check(args: argparse.Namespace) -> None:
    if max(args.K) > MAX_K:
        raise UsageError(
            f"--K must be <= {MAX_K} (PEPit's program has (K + 2)^2 interpolation "
            f"constraints), got {max(args.K)}"
        )
    if min(args.q) * min(args.mu_L) < MIN_STEP:
        raise UsageError(
            f"--q times --mu-L must be >= {MIN_STEP:g} (shorter effective steps q mu L make "
            f"PEPit's program too ill-conditioned to solve), got {min(args.q):g} x "
            f"{min(args.mu_L):g}"
        )
    if args.adversarial and max(args.K) > MAX_ADVERSARIAL_K:
        raise UsageError(
            f"--adversarial enumerates 2^K sequences: --K must be <= {MAX_ADVERSARIAL_K}, "
            f"got {max(args.K)}"
        )
    if args.classes is not None:
        from bounds import tightness

        grid = tightness.grid(args.theorems, function_classes=args.classes, horizons=[1])
        if not grid:
            raise UsageError(
                f"--classes {' '.join(args.classes)} has no class of the chosen --theorems"
            )


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink tightness``; return the exit status."""
    target = figure_path(args.plot, "--plot") if args.plot is not None else None
    _check(args)
    try:
        import PEPit  # noqa: F401
    except ImportError:
        raise UsageError(
            "PEPit is not installed: install the optional extra, pip install 'stepshrink[pep]'"
        ) from None
    from tqdm import tqdm

    from bounds import tightness

    points = tightness.grid(
        args.theorems,
        q_values=args.q,
        mu_L_values=args.mu_L,
        horizons=args.K,
        c_over_L_values=args.c_over_L,
        function_classes=args.classes,
        adversarial=args.adversarial,
    )
    bar = tqdm(
        points, desc="tightness", unit="point", disable=not show_progress(args), file=sys.stderr
    )
    cache: dict[Any, float] = {}
    rows = []
    try:
        for point in bar:
            found = tightness.compare(**point, L=args.L, solver=args.solver, cache=cache)
            if found is not None:
                rows.append(found)
    except KeyboardInterrupt:
        bar.close()
        stopped = f"interrupted after {len(rows)} of {len(points)} points"
        _emit(rows, None, args, stopped=stopped)
        print(stopped, file=sys.stderr)
        raise
    except RuntimeError as exc:  # no solver answered accurately: say so, keep what was solved
        bar.close()
        _emit(rows, None, args, stopped=f"{exc} at {point}")
        print(f"stepshrink tightness: {exc} at {point}; {len(rows)} rows kept", file=sys.stderr)
        return EXIT_STOPPED
    if target is not None and rows:
        save_figure(tightness.ratio_figure(rows), target)
    _emit(rows, target, args, stopped=None)
    return 0


def _emit(
    rows: list[Any], target: Path | None, args: argparse.Namespace, stopped: str | None
) -> None:
    """Print the rows and their summary as the table, or as one JSON object with ``--json``.

    A stopped run (a solver failure, Ctrl-C) prints what it solved in the same form, so a
    ``--json`` consumer always reads JSON; ``stopped`` says why the rows end early.
    """
    from bounds import tightness

    groups = tightness.summary(rows)
    if args.json:
        payload = {
            "rows": [r.to_dict() for r in rows],
            "summary": groups,
            "plot": None if target is None else str(target),
            "stopped": stopped,
        }
        print(strict_json.dumps(payload))
        return
    print(render(rows, groups))
    if target is not None:
        print(f"\nplot: {target}")
