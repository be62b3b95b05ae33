"""``stepshrink.sweep.run`` on Dask: local processes and a ``distributed`` cluster give one table.

The grid is small (8 cells of 100 steps) so that spawning the local scheduler's processes and
a two-worker ``LocalCluster`` dominates; every comparison is of the whole table, bit for bit,
except the wall time.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from stepshrink import sweep
from stepshrink.sweep.store import CellStore

SMALL = {
    "format": ["fp8_e4m3", "bf16"],
    "rounding": ["rne", "sr"],
    "mu": [0.1, 0.2],
    "K": 100,
    "replicas": 16,
    "dim": 8,
    "points": 4,
    "samples": 64,
    "repeats": 64,
}


def without_wall_time(directory: Path) -> object:
    return pq.read_table(directory / "results.parquet").drop(["wall_time"])


@pytest.fixture(scope="module")
def local_sweep(tmp_path_factory: pytest.TempPathFactory) -> sweep.SweepResult:
    directory = tmp_path_factory.mktemp("local")
    return sweep.run(sweep.Grid(**SMALL), directory, workers=2, progress=False)


def test_local_scheduler_writes_one_row_per_cell(local_sweep: sweep.SweepResult) -> None:
    grid = sweep.Grid(**SMALL)
    assert (local_sweep.total, local_sweep.computed, local_sweep.reused) == (8, 8, 0)
    assert local_sweep.complete
    assert not local_sweep.interrupted
    table = pq.read_table(local_sweep.table)
    assert table.num_rows == 8
    assert table.schema.names == [name for name, _ in sweep.columns(grid.theorems)]
    assert str(table.schema.field("A4").type) == "bool"
    assert str(table.schema.field("seed").type) == "int64"
    rows = table.to_pylist()
    # rows in grid order whatever order the cells finished in
    assert [row["cell"] for row in rows] == [cell.key for cell in grid.cells()]
    assert [row["seed"] for row in rows] == [cell.seed for cell in grid.cells()]
    assert {row["version"] for row in rows} == {"0.1.0"}
    assert all(row["wall_time"] > 0 for row in rows)
    # stochastic rounding keeps A4, round-to-nearest refutes it: bounds only where it holds
    for row in rows:
        assert row["A4"] is (row["rounding"] == "sr")
        assert (row["bound_T1"] is not None) is row["A4"]


def test_inline_run_gives_the_same_table(local_sweep: sweep.SweepResult, tmp_path: Path) -> None:
    inline = sweep.run(sweep.Grid(**SMALL), tmp_path, scheduler=sweep.INLINE, progress=False)
    assert without_wall_time(tmp_path).equals(without_wall_time(local_sweep.directory))
    assert inline.computed == 8


def test_a_rerun_computes_nothing(local_sweep: sweep.SweepResult, tmp_path: Path) -> None:
    directory = shutil.copytree(local_sweep.directory, tmp_path / "copy")
    store = CellStore(directory)
    stamps = {path: path.stat().st_mtime_ns for path in store.cells.glob("*.json")}
    again = sweep.run(sweep.Grid(**SMALL), directory, progress=False)
    assert (again.computed, again.reused, again.remaining) == (0, 8, 0)
    assert {path: path.stat().st_mtime_ns for path in store.cells.glob("*.json")} == stamps
    # a larger grid over the same settings computes only its new cells
    wider = sweep.run(
        sweep.Grid(**{**SMALL, "mu": [0.1, 0.2, 0.4]}),
        directory,
        scheduler=sweep.INLINE,
        progress=False,
    )
    assert (wider.computed, wider.reused) == (4, 8)
    assert pq.read_table(wider.table).num_rows == 12


def test_a_distributed_cluster_gives_the_same_table(
    local_sweep: sweep.SweepResult, tmp_path: Path
) -> None:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        result = sweep.run(
            sweep.Grid(**SMALL), tmp_path, scheduler=cluster.scheduler_address, progress=False
        )
    assert result.computed == 8
    assert without_wall_time(tmp_path).equals(without_wall_time(local_sweep.directory))


def test_an_unreachable_scheduler_is_refused_before_any_work(tmp_path: Path) -> None:
    with pytest.raises(sweep.SchedulerUnreachable, match="cannot reach the Dask scheduler"):
        sweep.run(sweep.Grid(**SMALL), tmp_path / "out", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "out").exists()


def test_a_failing_cell_keeps_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stepshrink.sweep import engine

    real = engine.run_cell
    grid = sweep.Grid(**SMALL)
    bad = grid.cells()[3].key

    def flaky(cell: sweep.Cell) -> dict:
        if cell.key == bad:
            raise RuntimeError("planted failure")
        return real(cell)

    monkeypatch.setattr(engine, "run_cell", flaky)
    with pytest.raises(sweep.SweepError, match="planted failure; 5 of 8 cells remain") as info:
        sweep.run(grid, tmp_path, scheduler=sweep.INLINE, progress=False)
    assert info.value.result.computed == 3
    assert pq.read_table(tmp_path / "results.parquet").num_rows == 3


@pytest.mark.parametrize("target", ["group", "client"])
def test_resume_after_ctrl_c(tmp_path: Path, target: str) -> None:
    """Ctrl-C (to the whole process group, as a terminal sends it, or to the client only)."""
    argv = [sys.executable, "-m", "stepshrink", "sweep", "-o", str(tmp_path), "--no-progress",
            "--format", "fp8_e4m3", "bf16", "--rounding", "sr", "--mu", "0.1", "0.2",
            "--seeds", "2", "--K", "1000", "--replicas", "32", "--workers", "2"]  # fmt: skip
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    cells = tmp_path / "cells"
    deadline = time.monotonic() + 120
    while not (cells.is_dir() and len(list(cells.glob("*.json"))) >= 2):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "no cell finished in 120 s"
        time.sleep(0.05)
    if target == "group":
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    recorded = len(list(cells.glob("*.json")))
    assert 2 <= recorded < 8
    line = err.strip().splitlines()[-1]
    assert f"interrupted: {recorded} of 8 cells recorded, {8 - recorded} remain" in line
    assert pq.read_table(tmp_path / "results.parquet").num_rows == recorded
    grid = sweep.Grid(format=["fp8_e4m3", "bf16"], rounding="sr", mu=[0.1, 0.2], seeds=2,
                      K=1000, replicas=32)  # fmt: skip
    # finish only what is missing (in this process: the cells are the same either way)
    finished = sweep.run(grid, tmp_path, scheduler=sweep.INLINE, progress=False)
    assert (finished.reused, finished.computed) == (recorded, 8 - recorded)
    assert pq.read_table(tmp_path / "results.parquet").num_rows == 8


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"grid": {"mu": 0.1}}, "grid must be a stepshrink.sweep.Grid, got dict"),
        ({"scheduler": 8786}, "scheduler must be None, 'inline' or an address, got 8786"),
        ({"workers": 0}, "workers must be a positive integer, got 0"),
    ],
)
def test_bad_run_arguments_are_refused(tmp_path: Path, arguments: dict, message: str) -> None:
    call = {"grid": sweep.Grid(**SMALL), "directory": tmp_path / "out", **arguments}
    with pytest.raises(ValueError, match=message):
        sweep.run(**call)
    assert not (tmp_path / "out").exists()
