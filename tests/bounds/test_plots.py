"""Bound plots: the curves drawn are the statements' values; floors and caps follow docs/spec.md."""

from __future__ import annotations

import importlib
import io
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.figure import Figure

from bounds.plots import (
    bound_vs_iterations,
    floor_value,
    floor_vs_stepsize,
    iterations_heatmap,
)

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}
T1_CONSTANTS = {"L": 2.0, "Delta": 1.5, "M": 0.3, "M_G": 1.25, "sigma_q2": 0.05, "mu": 0.1}
T3_CONSTANTS = {**T1_CONSTANTS, "c": 0.2, "F1_gap": 1.0}


def statement(name: str) -> Any:
    module = {"T1": "t1_nonconvex_fixed", "T2": "t2_nonconvex_diminishing", "T3": "t3_pl_fixed"}
    return importlib.import_module(f"bounds.theorems.{module[name]}").STATEMENT


def t1_floor(q_min: float, mu: Any = 0.1) -> Any:
    # docs/spec.md section 3, T1: floor L mu (M + sigma_q2) / q_min, written out independently
    c = T1_CONSTANTS
    return c["L"] * mu * (c["M"] + c["sigma_q2"]) / q_min


def lines_by_label(figure: Figure) -> dict[str, Any]:
    return {str(line.get_label()): line for line in figure.axes[0].get_lines()}


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_bound_plot_saves_each_format(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"t1{suffix}"
    bound_vs_iterations(statement("T1"), T1_CONSTANTS, [1.0, 0.5], points=20, path=target)
    assert target.read_bytes().startswith(MAGIC[suffix])


def test_bound_curves_are_the_statement_values() -> None:
    t1 = statement("T1")
    figure = bound_vs_iterations(t1, T1_CONSTANTS, [1.0, 0.25], horizon_max=1000, points=30)
    lines = lines_by_label(figure)
    curve = lines[r"$q_{\min} = 0.25$"]
    K = np.asarray(curve.get_xdata())
    assert K[0] == 1
    assert K[-1] == 1000
    assert np.all(np.round(K) == K)
    # docs/spec.md section 3 (T1) with q_min = 0.25
    expected = 2 * 1.5 / (K * 0.1 * 0.25) + t1_floor(0.25)
    np.testing.assert_allclose(curve.get_ydata(), expected, rtol=1e-12)
    # the dashed floor of each curve sits at L mu S / q_min
    dashed = [line for line in figure.axes[0].get_lines() if line.get_linestyle() == "--"]
    floors = sorted(float(np.asarray(line.get_ydata())[0]) for line in dashed)
    np.testing.assert_allclose(floors, sorted([t1_floor(1.0), t1_floor(0.25)]), rtol=1e-12)
    assert figure.axes[0].get_xscale() == figure.axes[0].get_yscale() == "log"
    assert figure.axes[0].get_xlabel() == "iterations $K$"


def test_pl_bound_uses_k_and_approaches_its_floor() -> None:
    figure = bound_vs_iterations(statement("T3"), T3_CONSTANTS, [0.5], horizon_max=10**5)
    (curve,) = (line for line in figure.axes[0].get_lines() if line.get_linestyle() == "-")
    values = np.asarray(curve.get_ydata())
    floor = 2.0 * 0.1 * 0.35 / (2 * 0.2 * 0.5)  # docs/spec.md section 3 (T3): L mu S / (2 c q_min)
    assert values[0] == pytest.approx(1.0, rel=1e-12)  # k = 1: the initial gap
    assert values[-1] == pytest.approx(floor, rel=1e-9)
    assert figure.axes[0].get_xlabel() == "iterations $k$"


def test_every_horizon_statement_gets_a_readable_axis_label() -> None:
    # the statements' LaTeX uses macros matplotlib's mathtext lacks (\\le); a label must still
    # be produced, never a parse error at draw time
    from bounds.theorems import get

    constants = {**T3_CONSTANTS, "beta": 10.0, "gamma": 40.0, "mu0": 0.2}
    for name in ("T2.harmonic", "T2.sqrt"):
        figure = bound_vs_iterations(get(name), constants, [0.5], horizon_max=100, points=5)
        label = figure.axes[0].get_ylabel()
        assert label.startswith("bound on $")
        assert "\\leq" in label
        figure.savefig(io.BytesIO(), format="png")  # drawing parses the mathtext
        assert figure.legends[0].get_title().get_text() == ""  # no floors, no floor legend


def test_floor_value() -> None:
    assert floor_value(statement("T1"), {**T1_CONSTANTS, "q_min": 0.5}) == pytest.approx(
        t1_floor(0.5), rel=1e-15
    )
    # not enough numbers to fix the floor: no value rather than a guess
    assert floor_value(statement("T1"), {"L": 1.0}) is None


def test_broken_hypothesis_is_refused() -> None:
    too_large = {**T1_CONSTANTS, "mu": 1.0}  # 1/(L M_G) = 0.4
    with pytest.raises(ValueError, match="stepsize"):
        bound_vs_iterations(statement("T1"), too_large, [0.5])


def test_floor_plot_marks_the_stepsize_cap() -> None:
    figure = floor_vs_stepsize(statement("T1"), T1_CONSTANTS, [1.0, 0.5])
    axes = figure.axes[0]
    lines = lines_by_label(figure)
    cap = 1 / (2.0 * 1.25)  # docs/spec.md: mu <= 1/(L M_G)
    xs = [np.asarray(line.get_xdata(), dtype=np.float64) for line in axes.get_lines()]
    vertical = [float(x[0]) for x in xs if x.size == 2 and x[0] == x[1]]
    assert vertical == [pytest.approx(cap)]
    half = lines[r"$q_{\min} = 0.5$"]
    mu = np.asarray(half.get_xdata())
    np.testing.assert_allclose(half.get_ydata(), t1_floor(0.5, mu), rtol=1e-12)
    assert mu[-1] == pytest.approx(2 * cap)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"q_mins": [0.0]}, "q_mins must hold finite values > 0"),
        ({"q_mins": [1.5]}, "q_mins must hold values <= 1"),
        ({"q_mins": []}, "q_mins must be a non-empty 1-D sequence"),
        ({"horizon_max": 1}, "horizon_max must be an integer >= 2"),
        ({"points": 1.5}, "points must be an integer >= 2"),
        ({"path": "plot.gif"}, "path must end in one of"),
    ],
)
def test_bound_plot_bad_arguments(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {"q_mins": [0.5], **kwargs}
    with pytest.raises(ValueError, match=message):
        bound_vs_iterations(statement("T1"), T1_CONSTANTS, **arguments)


def test_floor_plot_needs_a_fixed_stepsize() -> None:
    with pytest.raises(ValueError, match="statement must have a fixed stepsize mu"):
        floor_vs_stepsize(statement("T2"), T1_CONSTANTS, [0.5])
    with pytest.raises(ValueError, match="mus must hold finite values > 0"):
        floor_vs_stepsize(statement("T1"), T1_CONSTANTS, [0.5], mus=[0.0, 0.1])


def test_heatmap_cells_are_c2_iteration_counts() -> None:
    constants = {"L": 2.0, "Delta": 1.5, "M": 0.01, "M_G": 1.0}
    q_min = np.linspace(0.1, 1.0, 10)
    sigma_q2 = np.geomspace(1e-4, 1.0, 12)
    figure = iterations_heatmap(constants, q_min, sigma_q2, epsilon=0.05)
    mesh = figure.axes[0].collections[0]
    drawn = np.ma.filled(np.asarray(mesh.get_array()).reshape(12, 10), np.nan)
    S = 0.01 + sigma_q2[:, None]
    q = q_min[None, :]
    # docs/spec.md section 3 (C2), noise-dominated: K(eps) = 8 Delta L S/(q_min^2 eps^2), valid
    # while the optimal stepsize there, mu* = q eps/(2 L S), stays <= 1/(L M_G)
    noise = 8 * 1.5 * 2.0 * S / (q**2 * 0.05**2)
    regime = q * 0.05 * 1.0 <= 2 * S
    # capped at mu = 1/(L M_G): 2 Delta L M_G/(K q) + S/(M_G q) = eps
    capped = 2 * 1.5 * 2.0 * 1.0 / (q * 0.05 - S / 1.0)
    assert regime.any()
    assert not regime.all()  # both regimes appear on this grid
    real = np.where(regime, noise, capped)
    # the cells are whole iterations: the ceiling of the real count (a float rounding of the
    # formula may sit a hair either side of an integer, hence the 1e-9)
    assert np.array_equal(drawn, np.round(drawn))
    assert np.all(drawn >= real * (1 - 1e-12))
    assert np.all(drawn < real + 1 + 1e-9)
    assert "regime boundary" in figure.axes[0].get_xlabel()


@pytest.mark.parametrize("epsilon", [1e6, 1e300])
def test_heatmap_of_one_iteration_everywhere(epsilon: float) -> None:
    # the issue: epsilon = 1e6 drew a colour bar starting at 3e-6 "iterations"
    constants = {"L": 1.0, "Delta": 1.0, "M": 0.01, "M_G": 1.0}
    figure = iterations_heatmap(constants, [0.5, 1.0], [1e-3, 1e-2], epsilon=epsilon)
    mesh = figure.axes[0].collections[0]
    assert np.all(np.asarray(mesh.get_array()) == 1.0)
    assert mesh.norm.vmin >= 1.0


def test_contour_labels_sit_on_their_lines() -> None:
    # the y scale is set before contours are labelled: labels placed on a linear axis and
    # then moved by a log axis detached from their lines
    constants = {"L": 1.0, "Delta": 1.0, "M": 0.01, "M_G": 1.0}
    figure = iterations_heatmap(
        constants, np.linspace(0.05, 1, 30), np.geomspace(1e-4, 1, 30), epsilon=0.05
    )
    axes = figure.axes[0]
    assert axes.get_yscale() == "log"
    labels = [t for t in axes.texts if t.get_text().startswith("$10^")]
    assert labels
    lines = [c for c in axes.collections if hasattr(c, "levels")]
    segments = np.concatenate(
        [np.concatenate(c.allsegs[i]) for c in lines for i in range(len(c.levels)) if c.allsegs[i]]
    )
    for label in labels:
        x, y = label.get_position()
        # nearest contour vertex within 5 % in log-y and 0.05 in q_min
        near = (np.abs(segments[:, 0] - x) < 0.05) & (np.abs(np.log10(segments[:, 1] / y)) < 0.2)
        assert near.any(), label.get_text()


def test_heatmap_bad_arguments(tmp_path: Path) -> None:
    constants = {"L": 1.0, "Delta": 1.0, "M": 0.01, "M_G": 1.0}
    with pytest.raises(ValueError, match="epsilon must be finite and > 0"):
        iterations_heatmap(constants, [0.5], [0.1], epsilon=0.0)
    with pytest.raises(ValueError, match="constants must give M_G"):
        iterations_heatmap({"L": 1.0, "Delta": 1.0, "M": 0.1}, [0.5], [0.1], epsilon=0.1)
    with pytest.raises(ValueError, match="sigma_q2s must hold finite values > 0"):
        iterations_heatmap(constants, [0.5], [0.0, 0.1], epsilon=0.1)
    target = tmp_path / "k.pdf"
    iterations_heatmap(constants, [0.5, 1.0], [0.1, 1.0], epsilon=0.05, path=target)
    assert target.read_bytes().startswith(MAGIC[".pdf"])
