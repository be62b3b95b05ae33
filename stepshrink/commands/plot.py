"""The ``stepshrink plot`` sub-command: ``stepshrink plot KIND [options] -o FILE``.

Kinds: ``bound`` (a theorem's bound against K for several q_min, floors marked), ``floor``
(the floor against the stepsize mu), ``k-eps`` (iterations K(eps) over (q_min, sigma_q2)),
``trajectory`` (a simulated run with its confidence band over the theorem's bound) and ``q``
(measured q_k per format and rounding mode) and ``sweep`` (a heat map of a sweep's table,
:mod:`stepshrink.sweep.plots`). The output format follows the file extension
(PNG, SVG or PDF).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from plumbing.figures import PLOTTABLE_MAX
from stepshrink import defaults
from stepshrink.commands.bound import broken_hypotheses_message
from stepshrink.errors import UsageError
from stepshrink.experiment import (
    NO_QUANTIZER,
    SYNTHETIC,
    add_experiment_options,
    add_problem_options,
    add_quantizer_options,
    experiment_from_args,
    noise_from_args,
    problem_from_args,
    q_samples,
    quantizer_from_args,
)
from stepshrink.options import (
    add_constant_options,
    add_output_option,
    add_progress_option,
    add_sampling_options,
    figure_path,
    input_file,
    number,
    positive_int,
    show_progress,
)

HELP = "Draw bound and simulation plots (PNG, SVG or PDF)."

KINDS = ("bound", "floor", "k-eps", "trajectory", "q", "sweep")

_THEORY = [
    "L",
    "Delta",
    "F1_gap",
    "M",
    "M_G",
    "sigma_q2",
    "M_L",
    "sigma_qL",
    "c",
    "mu",
    "mu0",
    "beta",
    "gamma",
]
#: What the floors depend on: T1's L mu S/q_min under mu <= 1/(L M_G), c for the PL ones,
#: the Lmat-weighted constants for the .matrix ones.
_FLOOR = ["L", "M", "M_G", "sigma_q2", "M_L", "sigma_qL", "c"]

#: Statements ``plot bound`` draws: the theorems with a horizon and their T2 variants, then
#: the refined statements of issue 12 (T2.sharp through its schedule families).
BOUND_THEOREMS = (
    "T1",
    "T2",
    "T2.harmonic",
    "T2.sqrt",
    "T3",
    "T4",
    "T1.sharp",
    "T2.sharp.harmonic",
    "T2.sharp.sqrt",
    "T3.sharp",
    "T4.sharp",
    "T3.known_q",
    "C3.known_q",
    "T1.matrix",
    "T3.matrix",
)

#: Statements ``plot floor`` draws: fixed stepsize and a floor.
FLOOR_THEOREMS = (
    "T1",
    "T3",
    "T1.sharp",
    "T3.sharp",
    "T3.known_q",
    "C3.known_q",
    "T1.matrix",
    "T3.matrix",
)


def _output(parser: argparse.ArgumentParser, default: str) -> None:
    add_output_option(parser, default, "figure file: .png, .svg or .pdf", metavar="FILE")


def _q_mins(parser: argparse._ActionsContainer) -> None:
    parser.add_argument(
        "--q-mins",
        type=number("unit"),
        nargs="+",
        default=list(defaults.Q_MINS),
        metavar="Q",
        help="q_min of each curve, in (0, 1]; q for T3.known_q (default 1 0.5 0.25 0.1)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the kinds of ``stepshrink plot`` and their options."""
    kinds = parser.add_subparsers(dest="kind", metavar="KIND", parser_class=type(parser))
    theory = {n: defaults.CONSTANTS[n] for n in _THEORY}

    sub = kinds.add_parser("bound", help="a theorem's bound against K for several q_min")
    sub.add_argument("--theorem", default="T1", help=f"{', '.join(BOUND_THEOREMS)} (default T1)")
    _q_mins(sub)
    sub.add_argument(
        "--K-max", type=positive_int, default=100_000, metavar="K", help="largest K (1e5)"
    )
    add_constant_options(sub.add_argument_group("constants"), _THEORY, theory)
    _output(sub, "bound.png")

    sub = kinds.add_parser("floor", help="a fixed-stepsize theorem's floor against mu")
    sub.add_argument("--theorem", default="T1", help=f"{', '.join(FLOOR_THEOREMS)} (default T1)")
    _q_mins(sub)
    floor_defaults = {n: defaults.CONSTANTS[n] for n in _FLOOR}
    group = sub.add_argument_group("constants (c: the PL statements; M_L, sigma_qL: .matrix)")
    add_constant_options(group, _FLOOR, floor_defaults)
    _output(sub, "floor.png")

    sub = kinds.add_parser("k-eps", help="iterations K(eps) over (q_min, sigma_q2)")
    names = ["L", "Delta", "M", "M_G", "epsilon"]
    add_constant_options(
        sub.add_argument_group("constants"), names, {n: defaults.CONSTANTS[n] for n in names}
    )
    sub.add_argument(
        "--sigma-q2-max",
        type=number("positive"),
        default=1.0,
        metavar="X",
        help="largest sigma_q2 of the map (default 1; the smallest is 1e-4 of it)",
    )
    _output(sub, "k_eps.png")

    sub = kinds.add_parser(
        "trajectory", help="a simulated run with its confidence band over the bound (T3/T4)"
    )
    add_experiment_options(sub)
    add_progress_option(sub)
    _output(sub, "trajectory.png")

    sub = kinds.add_parser("q", help="measured q_k per format and rounding mode")
    add_problem_options(sub)
    add_quantizer_options(sub, several=True)
    add_sampling_options(sub, points=8)
    _output(sub, "q.png")

    sub = kinds.add_parser("sweep", help="a heat map of a sweep's table over two coordinates")
    sub.add_argument("directory", metavar="DIR", help="the sweep's directory (results.parquet)")
    sub.add_argument("--x", default="mu", metavar="COORD", help="horizontal axis (default mu)")
    sub.add_argument("--y", default="format", metavar="COORD", help="vertical axis (format)")
    sub.add_argument(
        "--value",
        default="q_min",
        metavar="COLUMN",
        help="column to draw (default q_min), or 'ratio': bound / simulated per theorem",
    )
    sub.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COORD=VALUE",
        help="keep only rows with this coordinate value (repeatable)",
    )
    _output(sub, "sweep.png")


def _theorem(name: str, allowed: tuple[str, ...]) -> Any:
    from bounds import theorems

    if name not in allowed:
        raise UsageError(f"--theorem must be one of {', '.join(allowed)}, got {name!r}")
    return theorems.get(name)


def _constants(args: argparse.Namespace, statement: Any, *, skip: tuple[str, ...]) -> dict:
    """The constants ``statement`` needs, from the options (defaults filled in)."""
    wanted = set(statement.constants) - set(skip)
    if statement.uses_sequence:
        # the sequence mu_k is given as beta/(gamma + k)
        wanted = (wanted - {"mu"}) | {"beta", "gamma"}
    return {name: getattr(args, name) for name in sorted(wanted) if hasattr(args, name)}


def _check_hypotheses(statement: Any, constants: dict, **extra: Any) -> None:
    given = {**constants, **extra}
    broken = statement.violated_hypotheses(**given)
    if broken:
        raise UsageError(broken_hypotheses_message(statement, broken, given))


def _plot_bound(args: argparse.Namespace, target: Path) -> None:
    from bounds.plots import bound_vs_iterations, shrinkage_name

    statement = _theorem(args.theorem, BOUND_THEOREMS)
    horizon = str(statement.horizon)
    shrinkage = shrinkage_name(statement)
    constants = _constants(args, statement, skip=(shrinkage, horizon))
    _check_hypotheses(statement, constants, **{shrinkage: min(args.q_mins), horizon: args.K_max})
    bound_vs_iterations(statement, constants, args.q_mins, horizon_max=args.K_max, path=target)


def _plot_floor(args: argparse.Namespace, target: Path) -> None:
    from bounds.plots import floor_vs_stepsize, shrinkage_name

    statement = _theorem(args.theorem, FLOOR_THEOREMS)
    shrinkage = shrinkage_name(statement)
    skip = (shrinkage, "mu", str(statement.horizon))
    constants = _constants(args, statement, skip=skip)
    # the floor is drawn against mu (past the stepsize condition too, shaded); every other
    # hypothesis (A5: c <= L, ...) must hold, as for `plot bound`
    given = {**constants, "Delta": 1.0, "F1_gap": 1.0, "K": 1, "k": 1, "mu": 1.0}
    broken = [
        name
        for name in statement.violated_hypotheses(**given, **{shrinkage: min(args.q_mins)})
        if statement.hypothesis(name).kind != "stepsize"
    ]
    if broken:
        raise UsageError(broken_hypotheses_message(statement, broken, given))
    floor_vs_stepsize(statement, constants, args.q_mins, path=target)


def _plot_k_eps(args: argparse.Namespace, target: Path) -> None:
    from bounds.plots import iterations_heatmap

    constants = {n: getattr(args, n) for n in ("L", "Delta", "M", "M_G")}
    if args.sigma_q2_max > PLOTTABLE_MAX:
        raise UsageError(
            f"--sigma-q2-max must be at most {PLOTTABLE_MAX:g} (a log axis cannot reach "
            f"float64's maximum), got {args.sigma_q2_max!r}"
        )
    sigma_q2 = np.geomspace(args.sigma_q2_max * 1e-4, args.sigma_q2_max, 60)
    q_min = np.linspace(0.05, 1.0, 60)
    iterations_heatmap(constants, q_min, sigma_q2, epsilon=args.epsilon, path=target)


def _plot_trajectory(args: argparse.Namespace, target: Path) -> None:
    from simulate.plots import trajectory_over_bound
    from stepshrink.overlay import theory_overlay

    experiment = experiment_from_args(args)
    trajectory = experiment.run(progress=show_progress(args))
    overlay = theory_overlay(experiment, trajectory)
    if overlay.note:
        print(f"stepshrink plot trajectory: {overlay.note}", file=sys.stderr)
    trajectory_over_bound(
        trajectory,
        quantity="gap",
        bound=overlay.bound,
        bound_label=overlay.label,
        floor=overlay.floor,
        path=target,
    )
    if trajectory.interrupted:
        print(
            f"stepshrink plot trajectory: interrupted after {trajectory.steps} of "
            f"{experiment.steps} steps; {target} shows the partial run",
            file=sys.stderr,
        )
        raise KeyboardInterrupt


def _plot_q(args: argparse.Namespace, target: Path) -> None:
    from simulate.plots import q_distribution

    problem = problem_from_args(args)
    noise = noise_from_args(args)
    # every quantizer is built (and so checked) before the first is sampled
    quantizers: dict[str, Any] = {}
    for fmt in args.format:
        # the rounding mode only matters for a real format
        real = fmt not in (SYNTHETIC, NO_QUANTIZER)
        for rounding in args.rounding if real else args.rounding[:1]:
            label = f"{fmt} / {rounding}" if real else fmt
            quantizers[label] = quantizer_from_args(args, fmt, rounding)
    samples = {
        label: q_samples(
            problem,
            noise,
            quantizer,
            points=args.points,
            samples=args.samples,
            seed=args.seed,
            loss_scale=args.loss_scale,
        )
        for label, quantizer in quantizers.items()
    }
    q_distribution(samples, title=f"Measured $q_k$ on {problem.name}", path=target)


def _plot_sweep(args: argparse.Namespace, target: Path) -> None:
    from stepshrink.sweep.plots import COORDINATES, heatmap
    from stepshrink.sweep.table import read_table

    input_file(Path(args.directory) / "results.parquet", "DIR", "run stepshrink sweep first")
    try:
        rows = read_table(args.directory).to_pylist()
    except ImportError as exc:
        raise UsageError(
            f"plot sweep needs pyarrow: pip install 'stepshrink[sweep]' ({exc})"
        ) from None
    for condition in args.where:
        name, sep, wanted = condition.partition("=")
        if not sep or name not in COORDINATES:
            raise UsageError(
                f"--where must be COORD=VALUE with COORD in {', '.join(COORDINATES)}, "
                f"got {condition!r}"
            )
        rows = [row for row in rows if _matches(row[name], wanted)]
    heatmap(rows, x=args.x, y=args.y, value=args.value, path=target)


def _matches(value: Any, wanted: str) -> bool:
    if isinstance(value, str):
        return value == wanted
    try:
        return float(value) == float(wanted)
    except ValueError:
        return False


#: Kind -> function drawing it from parsed options into a file (used by the report too).
PLOTTERS = {
    "bound": _plot_bound,
    "floor": _plot_floor,
    "k-eps": _plot_k_eps,
    "trajectory": _plot_trajectory,
    "q": _plot_q,
    "sweep": _plot_sweep,
}


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink plot``; return the exit status."""
    if args.kind is None:
        raise UsageError(f"KIND is required: one of {', '.join(KINDS)}")
    target = figure_path(args.output)
    try:
        PLOTTERS[args.kind](args, target)
    except ValueError as exc:
        # a message from a library (matplotlib, SymPy) may span lines; the contract is one
        raise UsageError(" ".join(str(exc).split())) from exc
    print(target)
    return 0
