"""Cells per second of ``stepshrink.sweep.run`` on Dask's local scheduler, against a plain loop.

The peer is the same cells computed by a plain Python loop in this process
(``for cell in grid.cells(): run_cell(cell)``, nothing stored), which is what a hand-written
sweep does. The local scheduler adds process start-up (each process imports NumPy, SymPy and
the package), task shipping and one stored file per cell, and gains one process per core. The
grids grow by seeds, so every size has the same mix of cells (fp8 E4M3 and bf16 under RNE and
SR, two stepsizes); a least-squares fit ``seconds = fixed + per_cell * cells`` says how the cost
grows with the number of cells.

Run from the repository root (the ``sweep`` extra installed)::

    .venv/bin/python benchmarks/bench_sweep.py --sizes 8 16 32 64 --K 1000

Every run uses a fresh directory, so nothing is reused; timings are wall-clock seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import numpy as np

from stepshrink.sweep import Grid, run
from stepshrink.sweep.cell import run_cell

#: Cells per seed: 2 formats x 2 rounding modes x 2 stepsizes.
CELLS_PER_SEED = 8


def grid_of(cells: int, K: int, replicas: int) -> Grid:
    """A grid of ``cells`` cells (a multiple of 8)."""
    return Grid(
        format=["fp8_e4m3", "bf16"],
        rounding=["rne", "sr"],
        mu=[0.1, 0.2],
        seeds=cells // CELLS_PER_SEED,
        K=K,
        replicas=replicas,
    )


def cpu_seconds() -> float:
    """CPU seconds (user + system) of this process and of its reaped children so far."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def plain_loop(grid: Grid) -> tuple[float, float]:
    """Wall and CPU seconds of the loop."""
    start, cpu = time.perf_counter(), cpu_seconds()
    for cell in grid.cells():
        run_cell(cell)
    return time.perf_counter() - start, cpu_seconds() - cpu


def local_scheduler(grid: Grid, workers: int | None) -> tuple[float, float, float]:
    """Wall and CPU seconds of the sweep (its processes included), mean wall seconds of a cell."""
    with tempfile.TemporaryDirectory() as directory:
        start, cpu = time.perf_counter(), cpu_seconds()
        result = run(grid, directory, workers=workers, progress=False)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    assert result.computed == len(grid)
    return seconds, cpu, float(np.mean([row["wall_time"] for row in result.rows]))


def load() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def fit(cells: list[int], seconds: list[float]) -> tuple[float, float]:
    """``(fixed, per_cell)`` of the least-squares line through the points."""
    per_cell, fixed = np.polyfit(np.asarray(cells, float), np.asarray(seconds), 1)
    return float(fixed), float(per_cell)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--K", type=int, default=1000, help="SGD steps per cell (1000)")
    parser.add_argument("--replicas", type=int, default=64, help="replicas per cell (64)")
    parser.add_argument("--workers", type=int, default=None, help="local processes (cores)")
    args = parser.parse_args(argv)
    if any(size % CELLS_PER_SEED for size in args.sizes):
        parser.error(f"--sizes must be multiples of {CELLS_PER_SEED}")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"{cores} cores, {load()}; cells of K = {args.K} steps x {args.replicas} replicas")
    plain_loop(grid_of(CELLS_PER_SEED, 10, 4))  # imports and first-call caches, once
    # "cell s": mean wall seconds of one cell (in the loop; inside a worker): equal on an idle
    # machine, larger inside workers when other work shares the cores. "cpu s": CPU seconds
    # of the loop; of the sweep with its worker processes (start-up included)
    print(
        f"{'cells':>6} {'loop s':>8} {'cpu s':>7} {'loop c/s':>9} {'cell s':>7} {'dask s':>8} "
        f"{'cpu s':>7} {'dask c/s':>9} {'cell s':>7} {'speed-up':>9}"
    )
    loops, locals_ = [], []
    for size in args.sizes:
        grid = grid_of(size, args.K, args.replicas)
        loop, loop_cpu = plain_loop(grid)
        local, local_cpu, inside = local_scheduler(grid, args.workers)
        loops.append(loop)
        locals_.append(local)
        print(
            f"{size:6d} {loop:8.2f} {loop_cpu:7.2f} {size / loop:9.2f} {loop / size:7.3f} "
            f"{local:8.2f} {local_cpu:7.2f} {size / local:9.2f} {inside:7.3f} {loop / local:9.2f}"
        )
    print(load())
    if len(args.sizes) >= 2:
        for name, seconds in (("plain loop", loops), ("local scheduler", locals_)):
            fixed, per_cell = fit(args.sizes, seconds)
            print(f"{name:>16}: {fixed:6.2f} s fixed + {per_cell:.3f} s per cell")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
