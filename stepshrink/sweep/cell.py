"""What a worker does with one cell: simulate, check the assumptions, evaluate the bounds.

:func:`run_cell` is the only task of a sweep's graph. It is a plain function of its
:class:`~stepshrink.sweep.grid.Cell` (everything it needs travels with the cell, and every
random draw comes from the cell's own seeds), so it computes the same row on any worker. It
builds every object through the public APIs of ``simulate`` and ``bounds`` and returns one
JSON-ready row of the table (:mod:`stepshrink.sweep.table`).
"""

from __future__ import annotations

import time
from typing import Any

from stepshrink import __version__
from stepshrink.sweep.grid import NO_QUANTIZER, Cell
from stepshrink.sweep.table import ESTIMATES, SETTINGS, VERDICTS, columns, finite_or_none

__all__ = ["run_cell"]


def run_cell(cell: Cell) -> dict[str, Any]:
    """One row of the sweep's table for ``cell`` (see :func:`stepshrink.sweep.table.columns`).

    Parameters
    ----------
    cell : Cell
        Coordinates, settings and seeds.

    Returns
    -------
    dict
        Column name -> value; non-finite numbers are ``None`` (strict JSON, Parquet nulls).
    """
    from simulate.assumptions import check
    from simulate.noise import GaussianNoise
    from simulate.quantizer import Quantizer
    from simulate.sgd import run
    from stepshrink.experiment import build_problem
    from stepshrink.sweep.theory import column_id, compare

    started = time.perf_counter()
    at, settings = cell.coordinates, cell.settings
    problem = build_problem(
        at["problem"],
        dim=settings["dim"],
        data_size=settings["data_size"],
        L=settings["L"],
        c=settings["c"],
        seed=cell.problem_seed,
    )
    noise = GaussianNoise(settings["M"], settings["M_V"])
    fmt = at["format"]
    quantizer = None if fmt == NO_QUANTIZER else Quantizer(fmt, rounding=at["rounding"])
    loss_scale = float(at["loss_scale"])
    report = check(
        problem,
        quantizer,
        noise=noise,
        loss_scale=loss_scale,
        n_points=settings["points"],
        samples=settings["samples"],
        repeats=settings["repeats"],
        level=settings["level"],
        seed=cell.seed + 1,
    )
    trajectory = None
    if settings["simulate"]:
        trajectory = run(
            problem,
            steps=at["K"],
            replicas=settings["replicas"],
            stepsize=at["mu"],
            seed=cell.seed,
            noise=noise,
            gradient_quantizer=quantizer,
            loss_scale=None if loss_scale == 1.0 else loss_scale,
            level=settings["level"],
            progress=False,
        )
    # every column, so a checker-only cell has its run columns as nulls in JSON too
    row: dict[str, Any] = dict.fromkeys(name for name, _ in columns(settings["theorems"]))
    row.update(at)
    for name in ESTIMATES:
        estimate = report.estimates[name]
        row[name] = float(estimate.value)
        row[f"{name}_low"] = float(estimate.low)
        row[f"{name}_high"] = float(estimate.high)
    for name in VERDICTS:
        row[name] = bool(report[name].holds)
        row[f"{name}_status"] = report[name].status
        row[f"{name}_evidence"] = report[name].evidence
    if trajectory is not None:
        digest = trajectory.summary()
        for name in ("final_gap", "final_grad_sq"):
            row[name] = digest[name]["mean"]
            row[f"{name}_low"] = digest[name]["low"]
            row[f"{name}_high"] = digest[name]["high"]
        row["diverged"] = digest["diverged"]
    comparisons = compare(
        settings["theorems"],
        problem=problem,
        noise=noise,
        report=report,
        trajectory=trajectory,
        mu=at["mu"],
        K=at["K"],
    )
    for statement_id, comparison in comparisons.items():
        suffix = column_id(statement_id)
        row[f"bound_{suffix}"] = comparison.bound
        row[f"simulated_{suffix}"] = comparison.simulated
        row[f"ratio_{suffix}"] = comparison.ratio
        row[f"note_{suffix}"] = comparison.note
    row.update(
        problem_name=problem.name,
        problem_L=float(problem.L),
        problem_c=None if problem.c is None else float(problem.c),
        seed=cell.seed,
        problem_seed=cell.problem_seed,
        sweep_seed=settings["seed"],
        cell=cell.key,
        version=__version__,
        noise_M=settings["M"],
        noise_M_V=settings["M_V"],
        **{name: settings[name] for name in SETTINGS},
    )
    row["wall_time"] = time.perf_counter() - started
    return {name: finite_or_none(value) for name, value in row.items()}
