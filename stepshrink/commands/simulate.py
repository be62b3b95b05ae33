"""The ``stepshrink simulate`` sub-command."""

from __future__ import annotations

import argparse
import sys

from stepshrink.experiment import add_experiment_options, experiment_from_args
from stepshrink.options import (
    add_output_option,
    add_progress_option,
    output_file,
    show_progress,
)

HELP = "Run quantized SGD on a built-in problem; save the trajectory (.npz) and a JSON summary."

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT), after saving what it had.
EXIT_INTERRUPTED = 130


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink simulate``."""
    add_experiment_options(parser)
    add_output_option(
        parser,
        "trajectory.npz",
        "where to save the trajectory (.npz); the JSON summary goes next to it (.json)",
    )
    add_progress_option(parser)


def _format(value: object) -> str:
    if value is None:
        return "none"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink simulate``; return the exit status."""
    target = output_file(args.output, "-o", (".npz",))
    # the summary is written with the trajectory, as a pair: both must be writable first
    output_file(target.with_suffix(".json"), "-o (its JSON summary)", (".json",))
    experiment = experiment_from_args(args)
    trajectory = experiment.run(progress=show_progress(args))
    npz_path, json_path = trajectory.save(target)
    summary = trajectory.summary()
    rows = [
        ("problem", experiment.problem.name),
        ("steps", f"{trajectory.steps} of {experiment.steps}"),
        ("replicas", summary["replicas"]),
        ("diverged", summary["diverged"]),
        ("final E[F - F*]", summary["final_gap"]["mean"]),
        ("final E||grad F||^2", summary["final_grad_sq"]["mean"]),
        ("observed q_k range", f"[{_format(summary['q_min_observed'])}, "
         f"{_format(summary['q_max_observed'])}]"),
        ("mean underflow fraction", summary["underflow_mean"]),
        ("mean saturation fraction", summary["saturated_mean"]),
        ("trajectory", npz_path),
        ("summary", json_path),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {_format(value)}")
    if summary["final_gap"].get("reason"):
        print(f"stepshrink simulate: {summary['final_gap']['reason']}", file=sys.stderr)
    if trajectory.interrupted:
        print(
            f"stepshrink simulate: interrupted after {trajectory.steps} of {experiment.steps} "
            f"steps; the partial trajectory is saved in {npz_path}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 0
