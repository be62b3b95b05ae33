"""Simulation plots: files in every format, the data drawn is the data given, bad input refused."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from simulate.plots import q_distribution, trajectory_over_bound
from simulate.trajectory import Trajectory

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


def make_trajectory(steps: int = 50, *, interrupted: bool = False) -> Trajectory:
    k = np.arange(1, steps + 2, dtype=np.float64)
    gap = 1.0 / k + 0.01
    zeros = np.zeros(steps)
    return Trajectory(
        gap_mean=gap,
        gap_low=gap - 0.5 / k,  # dips below zero early on: the band must still be drawn
        gap_high=gap + 0.5 / k,
        grad_sq_mean=2 * gap,
        grad_sq_low=gap,
        grad_sq_high=3 * gap,
        diverged=np.zeros(steps + 1, dtype=np.int64),
        stepsize=np.full(steps, 0.1),
        q_mean=np.ones(steps),
        q_min=np.ones(steps),
        q_max=np.ones(steps),
        eps_sq_mean=zeros,
        eps_mean=zeros,
        underflow=zeros,
        saturated=zeros,
        stalled=zeros,
        skipped=np.zeros(steps, dtype=np.int64),
        loss_scale=np.ones(steps),
        x_final=np.zeros((8, 3)),
        alive=np.ones(8, dtype=bool),
        level=0.99,
        steps=steps,
        interrupted=interrupted,
        meta={},
    )


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf", ".PNG"])
def test_trajectory_plot_saves_each_format(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"trajectory{suffix}"
    figure = trajectory_over_bound(make_trajectory(), bound=np.full(51, 2.0), path=target)
    assert isinstance(figure, Figure)
    assert target.read_bytes().startswith(MAGIC[suffix.lower()])


def test_trajectory_plot_draws_the_given_arrays() -> None:
    trajectory = make_trajectory()
    bound = 3.0 / np.arange(1, 52) + 0.02
    figure = trajectory_over_bound(trajectory, quantity="grad_sq", bound=bound, floor=0.02)
    (axes,) = figure.axes
    lines = {line.get_label(): line for line in axes.get_lines()}
    np.testing.assert_array_equal(lines["theorem bound"].get_ydata(), bound)
    mean_line = next(
        line for label, line in lines.items() if str(label).startswith("simulated mean")
    )
    np.testing.assert_array_equal(mean_line.get_ydata(), trajectory.grad_sq_mean)
    np.testing.assert_array_equal(mean_line.get_xdata(), np.arange(1, 52))
    assert lines["bound floor"].get_linestyle() == "--"
    assert axes.get_yscale() == "log"
    assert "nabla F" in axes.get_ylabel()
    assert axes.get_xlabel() == "iteration $k$"
    # the y range shows the floor and everything drawn
    low, high = axes.get_ylim()
    assert low < 0.02 < high
    assert high > bound.max()


def test_interrupted_run_is_labelled() -> None:
    figure = trajectory_over_bound(make_trajectory(interrupted=True))
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["interrupted after 50 steps"]


def test_trajectory_plot_rejects_bad_input(tmp_path: Path) -> None:
    trajectory = make_trajectory()
    with pytest.raises(ValueError, match="bound must have the trajectory's shape"):
        trajectory_over_bound(trajectory, bound=np.ones(50))
    with pytest.raises(ValueError, match="quantity must be one of"):
        trajectory_over_bound(trajectory, quantity="loss")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="floor must be finite and > 0"):
        trajectory_over_bound(trajectory, floor=0.0)
    with pytest.raises(ValueError, match="path must end in one of"):
        trajectory_over_bound(trajectory, path=tmp_path / "plot.jpg")
    assert not (tmp_path / "plot.jpg").exists()


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_q_distribution_saves_each_format(tmp_path: Path, suffix: str) -> None:
    rng = np.random.default_rng(20260101)
    samples = {
        "fp8_e4m3 / rne": rng.normal(0.97, 0.02, 500),
        "fp8_e4m3 / sr": rng.normal(1.0, 0.01, 500),
    }
    target = tmp_path / f"q{suffix}"
    q_distribution(samples, path=target)
    assert target.read_bytes().startswith(MAGIC[suffix])


def test_q_distribution_one_row_per_label_with_extremes() -> None:
    samples = {"a": np.array([0.5, 0.9, 1.0, np.nan]), "b": np.array([[1.0, 1.1], [0.95, 1.05]])}
    figure = q_distribution(samples)
    (axes,) = figure.axes
    assert [tick.get_text() for tick in axes.get_yticklabels()] == ["a", "b"]
    minima, maxima = (collection.get_offsets() for collection in axes.collections[:2])
    # rows are drawn top to bottom in the mapping's order; NaN is dropped, not plotted
    np.testing.assert_array_equal(np.asarray(minima)[:, 0], [0.5, 0.95])
    np.testing.assert_array_equal(np.asarray(maxima)[:, 0], [1.0, 1.1])
    (summary,) = axes.child_axes
    texts = [tick.get_text() for tick in summary.get_yticklabels()]
    assert texts[0].startswith("median 0.9, 1–99%: [0.508, ")
    assert texts[1].startswith("median 1.025, ")


def test_q_distribution_rejects_empty_input() -> None:
    with pytest.raises(ValueError, match="samples must hold at least one label"):
        q_distribution({})
    with pytest.raises(ValueError, match=r"samples\['x'\] must hold at least one finite value"):
        q_distribution({"x": [np.nan]})
