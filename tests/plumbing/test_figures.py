"""Figure files: one list of formats, one saver (atomic), plottable limits for log axes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure

from plumbing.figures import (
    FIGURE_SUFFIXES,
    PLOTTABLE_MAX,
    PLOTTABLE_MIN,
    log_limits,
    plottable,
    save_figure,
)

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


@pytest.mark.parametrize("suffix", FIGURE_SUFFIXES)
def test_every_suffix_is_written(suffix: str, tmp_path: Path) -> None:
    figure = Figure()
    figure.add_subplot().plot([1, 2], [3, 4])
    path = save_figure(figure, tmp_path / f"f{suffix.upper()}")
    assert path.read_bytes().startswith(MAGIC[suffix])
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_unknown_extension_names_the_parameter(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"path must end in one of \.png, \.svg, \.pdf"):
        save_figure(Figure(), tmp_path / "x.eps")
    assert list(tmp_path.iterdir()) == []


def test_log_limits_leave_out_what_cannot_be_drawn() -> None:
    bottom, top = log_limits([0.0, -1.0, np.nan, 1e-3, 10.0, 1e308, np.inf])
    assert (bottom, top) == (5e-4, 20.0)
    assert log_limits([np.nan], [0.0]) == (1e-12, 1.0)
    low, high = log_limits([PLOTTABLE_MIN, PLOTTABLE_MAX])
    assert PLOTTABLE_MIN <= low < high <= PLOTTABLE_MAX


def test_plottable_cuts_values_beyond_the_range() -> None:
    values = plottable([1.0, 1e250, np.inf, 0.5])
    assert np.isnan(values[1:3]).all()
    assert values[0] == 1.0
    assert values[3] == 0.5


def test_matplotlib_fails_near_the_float64_maximum(tmp_path: Path) -> None:
    # why the range exists: a log axis spanning to 1e308 cannot draw its ticks (a
    # RuntimeWarning, an error in this suite, or an OverflowError, by matplotlib version)
    def draw() -> None:
        figure = Figure(layout="constrained")
        axes = figure.add_subplot()
        axes.set_yscale("log")
        axes.plot([1, 2], [1.0, 1e300])
        axes.set_ylim(1.0, 1e308)
        figure.savefig(tmp_path / "x.png")

    with pytest.raises((OverflowError, RuntimeWarning)):
        draw()
