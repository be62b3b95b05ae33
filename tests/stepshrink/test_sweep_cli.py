"""``stepshrink sweep`` and ``stepshrink plot sweep`` on the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from stepshrink import sweep
from stepshrink.cli import main
from tests.stepshrink.console import exit_status

GRID = ["--format", "fp8_e4m3", "bf16", "--rounding", "rne", "sr", "--mu", "0.05", "0.1", "0.2",
        "--seeds", "2", "--K", "200"]  # fmt: skip
SMALL = ["--replicas", "16", "--dim", "8", "--points", "4", "--samples", "64", "--repeats", "64"]


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's done-when sweep (24 cells), through the command line on local processes."""
    directory = tmp_path_factory.mktemp("swept")
    assert main(["sweep", *GRID, *SMALL, "-o", str(directory), "--no-progress"]) == 0
    return directory


def test_the_done_when_sweep_writes_24_rows_and_a_rerun_computes_nothing(
    swept: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert pq.read_table(swept / "results.parquet").num_rows == 24
    assert len(list((swept / "cells").glob("*.json"))) == 24
    assert main(["sweep", *GRID, *SMALL, "-o", str(swept), "--no-progress"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(swept / "results.parquet")
    assert ": 0 computed, 24 already recorded" in err
    grid = json.loads((swept / "grid.json").read_text())
    assert grid["mu"] == [0.05, 0.1, 0.2]
    assert grid["seeds"] == 2


def test_a_toml_grid_names_the_same_cells(swept: Path, tmp_path: Path) -> None:
    path = tmp_path / "grid.toml"
    path.write_text(
        'format = ["fp8_e4m3", "bf16"]\nrounding = ["rne", "sr"]\nmu = [0.05, 0.1, 0.2]\n'
        "seeds = 3\nK = 200\nreplicas = 16\ndim = 8\npoints = 4\nsamples = 64\nrepeats = 64\n",
        encoding="utf-8",
    )
    parsed = sweep.load_grid(path, seeds=2)
    assert {cell.key for cell in parsed.cells()} == {
        row["cell"] for row in pq.read_table(swept / "results.parquet").to_pylist()
    }


@contextmanager
def dask_cli_cluster(directory: Path, workers: int) -> Iterator[str]:
    """A ``dask scheduler`` and ``workers`` ``dask worker`` processes on loopback."""
    dask = Path(sys.executable).with_name("dask")
    address_file = directory / "scheduler.json"
    common = ["--dashboard-address", "127.0.0.1:0"]
    processes = [
        subprocess.Popen(
            [
                str(dask),
                "scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(address_file),
                *common,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not address_file.is_file():
            assert time.monotonic() < deadline, "dask scheduler did not start in 60 s"
            time.sleep(0.1)
        for index in range(workers):
            processes.append(
                subprocess.Popen(
                    [
                        str(dask),
                        "worker",
                        "--scheduler-file",
                        str(address_file),
                        "--host",
                        "127.0.0.1",
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--local-directory",
                        str(directory / f"worker{index}"),
                        *common,
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        yield json.loads(address_file.read_text())["address"]
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            process.wait(timeout=60)


def test_the_same_sweep_on_dask_scheduler_and_two_dask_workers(swept: Path, tmp_path: Path) -> None:
    target = tmp_path / "cluster"
    with dask_cli_cluster(tmp_path, workers=2) as address:
        argv = ["sweep", *GRID, *SMALL, "-o", str(target), "--scheduler", address]
        assert main([*argv, "--no-progress"]) == 0
    local = pq.read_table(swept / "results.parquet").drop(["wall_time"])
    assert pq.read_table(target / "results.parquet").drop(["wall_time"]).equals(local)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "fp9"], "format 'fp9' with rounding 'rne'"),
        (["--mu", "0.1", "0.1"], "error: --mu lists 0.1 more than once"),
        (["--mu", "-1"], "argument --mu: must be a finite number > 0"),
        (["--rounding", "up"], "rounding must be one of"),
        (["--theorems", "T2"], "theorems: T2 bounds"),
        (["--c", "2"], "error: --c must be a finite number in (0, L]"),
        (["--loss-scale", "1e308"], "error: --loss-scale must be a finite real number with 0 <"),
        (["--seed", "9" * 20], "error: --seed must be an integer in [0, 9223372036854775807]"),
        (["--L", "1e308"], "problem 'quadratic' with L = 1e+308"),
        (["--K", "9" * 20], "an SGD run of steps x replicas x dim = 99999999999999999999 x"),
        (["--M", "1e308"], "M and M_V must keep E||g||^2"),
        (["--grid", "absent.toml"], "cannot be read"),
        (["--workers", "0"], "argument --workers: must be an integer >= 1"),
    ],
)
def test_bad_grids_are_one_line_and_exit_2_before_any_work(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out"
    assert exit_status(["sweep", *argv, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert not target.exists()


def test_an_unreachable_scheduler_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from stepshrink.sweep import engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 1.0)
    target = tmp_path / "out"
    argv = ["sweep", *SMALL, "-o", str(target), "--scheduler", "tcp://127.0.0.1:9"]
    assert exit_status(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert err.startswith(
        "stepshrink sweep: error: --scheduler: cannot reach the Dask scheduler at "
        "'tcp://127.0.0.1:9'"
    )
    assert not target.exists()


def test_plot_heat_maps(swept: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    q_map = tmp_path / "q.png"
    argv = ["plot", "sweep", str(swept), "--x", "mu", "--y", "format", "--value", "q_min"]
    assert main([*argv, "-o", str(q_map)]) == 0
    ratios = tmp_path / "ratio.svg"
    argv = ["plot", "sweep", str(swept), "--value", "ratio", "--where", "rounding=sr"]
    assert main([*argv, "-o", str(ratios)]) == 0
    assert capsys.readouterr().out.split() == [str(q_map), str(ratios)]
    assert q_map.read_bytes().startswith(b"\x89PNG")
    svg = ratios.read_text()
    # one panel per theorem, every cell annotated (no n/a under stochastic rounding)
    assert "ratio_T1" in svg
    assert "ratio_T3" in svg
    assert "n/a" not in svg
    verdicts = tmp_path / "a4.svg"
    assert main(["plot", "sweep", str(swept), "--value", "A4", "-o", str(verdicts)]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--x", "colour"], "x must be one of"),
        (["--x", "format"], "x and y must differ"),
        (["--value", "note_T1"], "value must be 'ratio' or one of"),
        (["--where", "rounding"], "--where must be COORD=VALUE"),
        (["--where", "rounding=rtz"], "no cell matches"),
    ],
)
def test_plot_sweep_refuses_bad_options(
    swept: Path, tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "map.png"
    assert exit_status(["plot", "sweep", str(swept), *argv, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert message in err
    assert not target.exists()


def test_plot_sweep_without_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["plot", "sweep", str(tmp_path), "-o", str(tmp_path / "m.png")]) == 2
    assert "results.parquet': No such file or directory" in capsys.readouterr().err
