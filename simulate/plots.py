"""Simulation plots: a trajectory's mean and confidence band, and measured ``q_k`` distributions.

Experiment only: NumPy and matplotlib, never SymPy or ``bounds``. A theorem's bound is
overlaid from plain arrays the caller computed (``stepshrink`` evaluates it in ``bounds``).

Figures are built as :class:`matplotlib.figure.Figure` objects without ``pyplot``, so no
global figure registry fills up and nothing needs closing; saving picks the file format from
the extension (PNG, SVG or PDF).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from simulate.trajectory import Trajectory

__all__ = ["FIGURE_SUFFIXES", "q_distribution", "save_figure", "trajectory_over_bound"]

FIGURE_SUFFIXES = (".png", ".svg", ".pdf")

# matplotlib 3.10 replaced boxplot's ``vert`` by ``orientation`` and deprecates the former
_HORIZONTAL: dict[str, Any] = (
    {"orientation": "horizontal"}
    if tuple(int(p) for p in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)

_QUANTITIES = {
    "gap": ("gap", r"$E[F(x_k) - F_\star]$  (loss units)", "optimality gap"),
    "grad_sq": ("grad_sq", r"$E\,\|\nabla F(x_k)\|^2$  (squared gradient units)", "gradient"),
}


def save_figure(figure: Figure, path: str | Path, *, dpi: int = 150) -> Path:
    """Save ``figure`` to ``path`` in the format its extension names.

    Parameters
    ----------
    figure : Figure
        The figure to write.
    path : str or Path
        Ends in ``.png``, ``.svg`` or ``.pdf`` (case-insensitive); its directory must exist.
    dpi : int
        Resolution of raster output, dots per inch.

    Returns
    -------
    Path
        The path written.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise ValueError(
            f"path must end in one of {', '.join(FIGURE_SUFFIXES)}, got {str(target)!r}"
        )
    # metadata without dates keeps SVG/PDF output reproducible run to run
    metadata = {"Date": None} if suffix in (".svg", ".pdf") else None
    figure.savefig(target, format=suffix[1:], dpi=dpi, metadata=metadata)
    return target


def _positive_floor(*arrays: NDArray[np.float64]) -> float:
    positive = np.concatenate([a[np.isfinite(a) & (a > 0)] for a in arrays])
    return float(positive.min()) if positive.size else 1e-12


def trajectory_over_bound(
    trajectory: Trajectory,
    *,
    quantity: Literal["gap", "grad_sq"] = "gap",
    bound: ArrayLike | None = None,
    bound_label: str = "theorem bound",
    floor: float | None = None,
    floor_label: str = "bound floor",
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Simulated replica mean with its confidence band, over a theorem's bound.

    Parameters
    ----------
    trajectory : Trajectory
        A run of :func:`simulate.run`; iterates ``x_1 .. x_{K+1}`` are plotted at
        ``k = 1 .. K+1``.
    quantity : {"gap", "grad_sq"}
        ``E[F(x_k) - F_star]`` or ``E‖∇F(x_k)‖²``.
    bound : array_like, shape (K+1,), optional
        The bound at the same iterates (same units as ``quantity``).
    bound_label : str
        Legend entry for ``bound``.
    floor : float, optional
        The bound's limit as ``k -> infinity``, drawn as a dashed horizontal line.
    floor_label : str
        Legend entry for ``floor``.
    title : str, optional
        Figure title (default: one naming the quantity and the replica count).
    path : str or Path, optional
        Also save the figure there (PNG, SVG or PDF by extension).

    Returns
    -------
    Figure
        The figure (log-scale y axis; band at the trajectory's confidence level).
    """
    if quantity not in _QUANTITIES:
        raise ValueError(f"quantity must be one of {sorted(_QUANTITIES)}, got {quantity!r}")
    prefix, ylabel, short = _QUANTITIES[quantity]
    mean = np.asarray(getattr(trajectory, f"{prefix}_mean"), dtype=np.float64)
    low = np.asarray(getattr(trajectory, f"{prefix}_low"), dtype=np.float64)
    high = np.asarray(getattr(trajectory, f"{prefix}_high"), dtype=np.float64)
    k = np.arange(1, mean.size + 1)
    curve = None
    if bound is not None:
        curve = np.asarray(bound, dtype=np.float64)
        if curve.shape != mean.shape:
            raise ValueError(
                f"bound must have the trajectory's shape {mean.shape}, got {curve.shape}"
            )
    if floor is not None and not (np.isfinite(floor) and floor > 0):
        raise ValueError(f"floor must be finite and > 0, got {floor!r}")

    figure = Figure(figsize=(7.0, 4.5), layout="constrained")
    axes = figure.add_subplot()
    shown = [mean, high] + ([curve] if curve is not None else [])
    bottom = _positive_floor(*shown)
    # a normal-approximation interval can dip below zero; on a log axis it is drawn down to
    # the smallest positive value plotted rather than dropped
    axes.fill_between(
        k,
        np.maximum(low, bottom),
        high,
        color="tab:blue",
        alpha=0.25,
        linewidth=0,
        label=f"{100 * trajectory.level:g}% confidence band",
    )
    replicas = int(trajectory.alive.size)
    axes.plot(k, mean, color="tab:blue", linewidth=1.6, label=f"simulated mean ({replicas} runs)")
    if curve is not None:
        axes.plot(k, curve, color="tab:red", linewidth=1.6, label=bound_label)
    if floor is not None:
        axes.axhline(floor, color="tab:red", linestyle="--", linewidth=1.0, label=floor_label)
    axes.set_yscale("log")
    axes.set_xscale("log")
    top = max(float(np.nanmax(a)) for a in shown if np.isfinite(a).any())
    if floor is not None:
        bottom, top = min(bottom, floor), max(top, floor)
    axes.set_ylim(bottom / 2, top * 2)
    axes.set_xlabel("iteration $k$")
    axes.set_ylabel(ylabel)
    axes.set_title(title or f"Simulated {short} against the bound")
    if trajectory.interrupted:
        axes.text(
            0.01,
            0.01,
            f"interrupted after {trajectory.steps} steps",
            transform=axes.transAxes,
            color="tab:orange",
        )
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="best", fontsize="small")
    if path is not None:
        save_figure(figure, path)
    return figure


def q_distribution(
    samples: Mapping[str, ArrayLike],
    *,
    title: str | None = None,
    path: str | Path | None = None,
) -> Figure:
    """Box plots of measured shrinkage factors ``q_k``, one box per format and rounding mode.

    Parameters
    ----------
    samples : mapping of str to array_like
        Label (e.g. ``"fp8_e4m3 / rne"``) to measured ``q_k`` values (dimensionless), any
        shape (flattened); non-finite values are dropped. At least one label, each with at
        least one finite value.
    title : str, optional
        Figure title.
    path : str or Path, optional
        Also save the figure there (PNG, SVG or PDF by extension).

    Returns
    -------
    Figure
        Horizontal box plots (whiskers at the 1st/99th percentiles, extremes marked) with
        ``q = 1`` marked: values past it break A3 (``q_k <= 1``).
    """
    if not samples:
        raise ValueError("samples must hold at least one label")
    labels = list(samples)
    values = []
    for label in labels:
        flat = np.asarray(samples[label], dtype=np.float64).ravel()
        flat = flat[np.isfinite(flat)]
        if flat.size == 0:
            raise ValueError(f"samples[{label!r}] must hold at least one finite value")
        values.append(flat)

    height = 1.6 + 0.42 * len(labels)
    figure = Figure(figsize=(9.5, height), layout="constrained")
    axes = figure.add_subplot()
    positions = np.arange(len(labels))[::-1]
    axes.boxplot(
        values,
        positions=positions,
        **_HORIZONTAL,
        whis=(1, 99),
        widths=0.6,
        showfliers=False,
        patch_artist=True,
        boxprops={"facecolor": "tab:blue", "alpha": 0.45},
        medianprops={"color": "black"},
    )
    lows = np.array([v.min() for v in values])
    highs = np.array([v.max() for v in values])
    axes.scatter(lows, positions, marker="|", color="tab:red", s=80, label="min / max")
    axes.scatter(highs, positions, marker="|", color="tab:red", s=80)
    axes.axvline(1.0, color="black", linestyle="--", linewidth=1.0, label="$q = 1$ (no shrinkage)")
    axes.set_yticks(positions, labels)
    # the numbers beside each row: boxes of very different widths share one axis, so a narrow
    # one (fp32, q = 1 to many digits) is read from its text
    summary = axes.secondary_yaxis("right")
    summary.set_yticks(
        positions,
        [
            f"median {np.median(v):.4g}, 1–99%: [{np.percentile(v, 1):.3g}, "
            f"{np.percentile(v, 99):.3g}]"
            for v in values
        ],
        fontsize="x-small",
    )
    axes.set_xlabel(r"measured shrinkage factor $q_k = \langle Q(g), g\rangle / \|g\|^2$")
    axes.set_title(title or "Measured $q_k$ per format and rounding mode")
    axes.grid(True, axis="x", alpha=0.3)
    figure.legend(loc="outside lower center", ncols=2, fontsize="small")
    if path is not None:
        save_figure(figure, path)
    return figure
