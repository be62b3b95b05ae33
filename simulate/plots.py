"""Simulation plots: a trajectory's mean and confidence band, and measured ``q_k`` distributions.

Experiment only: NumPy and matplotlib, never SymPy or ``bounds``. A theorem's bound is
overlaid from plain arrays the caller computed (``stepshrink`` evaluates it in ``bounds``).

Figures are built as :class:`matplotlib.figure.Figure` objects without ``pyplot``, so no
global figure registry fills up and nothing needs closing; :func:`plumbing.figures.save_figure`
writes them (PNG, SVG or PDF by the file extension, atomically).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from plumbing.figures import log_limits, plottable, save_figure
from simulate.trajectory import Trajectory

__all__ = ["q_distribution", "trajectory_over_bound"]

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


def _divergence_note(trajectory: Trajectory) -> str:
    """What the reader must know about diverged replicas, or ``""``."""
    diverged = np.asarray(trajectory.diverged)
    total = int(trajectory.alive.size)
    if not diverged.size or diverged[-1] == 0:
        return ""
    first = int(np.argmax(diverged > 0)) + 1
    if diverged[-1] == total:
        last = int(np.argmax(diverged == total)) + 1
        return f"all {total} replicas diverged (the last at k = {last}): the mean stops there"
    return (
        f"{int(diverged[-1])} of {total} replicas diverged (the first at k = {first}); "
        "the mean is over the others"
    )


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
    # a diverging run reaches float64's maximum: cut its curves where they leave the axes
    mean = plottable(getattr(trajectory, f"{prefix}_mean"))
    low = plottable(getattr(trajectory, f"{prefix}_low"))
    high = plottable(getattr(trajectory, f"{prefix}_high"))
    k = np.arange(1, mean.size + 1)
    curve = None
    if bound is not None:
        curve = plottable(bound)
        if curve.shape != mean.shape:
            raise ValueError(
                f"bound must have the trajectory's shape {mean.shape}, got {curve.shape}"
            )
    if floor is not None and not (np.isfinite(floor) and floor > 0):
        raise ValueError(f"floor must be finite and > 0, got {floor!r}")

    figure = Figure(figsize=(7.0, 4.5), layout="constrained")
    axes = figure.add_subplot()
    shown = [mean, high] + ([curve] if curve is not None else [])
    extra = [np.array([floor])] if floor is not None else []
    bottom, top = log_limits(*shown, *extra)
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
    if floor is not None and bottom <= floor <= top:  # a floor off the axes is not drawn
        axes.axhline(floor, color="tab:red", linestyle="--", linewidth=1.0, label=floor_label)
    axes.set_yscale("log")
    axes.set_xscale("log")
    axes.set_ylim(bottom, top)
    axes.set_xlabel("iteration $k$")
    axes.set_ylabel(ylabel)
    axes.set_title(title or f"Simulated {short} against the bound")
    notes = [_divergence_note(trajectory)]
    if trajectory.interrupted:
        notes.append(f"interrupted after {trajectory.steps} steps")
    if any(notes):
        axes.text(
            0.01,
            0.01,
            "\n".join(note for note in notes if note),
            transform=axes.transAxes,
            color="tab:orange",
            fontsize="small",
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
