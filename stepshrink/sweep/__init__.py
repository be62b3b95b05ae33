"""Sweeps: a grid of quantized-SGD runs, each checked and compared with its bounds, on Dask.

A :class:`Grid` spans formats x rounding modes x loss scales x stepsizes x problems x
horizons x seeds; each cell runs the simulator (:func:`simulate.sgd.run`), the assumption
checker (:func:`simulate.assumptions.check`) and the matching statements of
``bounds.theorems`` (T1; T3 on a PL problem; any statement on the same quantities by id).
:func:`run` computes the cells on Dask's local scheduler or an existing ``distributed``
cluster, stores each finished cell at once (a rerun computes nothing already recorded) and
writes the tidy table ``DIR/results.parquet``, one row per cell.

>>> from stepshrink import sweep
>>> grid = sweep.Grid(format=["fp8_e4m3", "bf16"], rounding=["rne", "sr"], mu=[0.05, 0.1, 0.2],
...                   seeds=2, K=200)
>>> len(grid)
24

``sweep.run(grid, "out")`` then writes ``out/results.parquet``; ``sweep.read_table("out")``
reads it back. Dask, distributed and pyarrow come with the ``sweep`` extra; nothing here
imports them before a sweep runs.
"""

from __future__ import annotations

from stepshrink.sweep.engine import INLINE, SchedulerUnreachable, SweepError, SweepResult, run
from stepshrink.sweep.grid import AXES, Cell, Grid, derive_seed, describe, load_grid
from stepshrink.sweep.table import columns, read_table

__all__ = [
    "AXES",
    "INLINE",
    "Cell",
    "Grid",
    "SchedulerUnreachable",
    "SweepError",
    "SweepResult",
    "columns",
    "derive_seed",
    "describe",
    "load_grid",
    "read_table",
    "run",
]
