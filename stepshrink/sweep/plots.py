"""Pictures of a sweep's table: a heat map of one column over two coordinates.

``--value ratio`` draws one panel per statement: the bound / simulated ratio (log colour
scale; 1 would mean the bound is attained, below 1 it would be violated). Rows that share the
two coordinates (seeds, and any coordinate not on an axis) are averaged; a verdict column
averages to the fraction of cells where the assumption holds. Cells without a value (no bound
applies, or the value is not finite) are left grey and marked ``n/a``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from numpy.typing import NDArray

from stepshrink.sweep.grid import AXES

__all__ = ["COORDINATES", "RATIO", "heatmap", "numeric_columns"]

#: Columns that can go on an axis.
COORDINATES = (*AXES, "seed_index")

#: ``value`` that draws the bound / simulated ratio of every statement, one panel each.
RATIO = "ratio"

_ANNOTATE_UP_TO = 400  # cells; beyond that the numbers would not be legible


def numeric_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Columns of ``rows`` holding numbers or verdicts (candidates for ``value``)."""
    names = list(rows[0]) if rows else []
    return [
        name
        for name in names
        if name not in COORDINATES
        and any(isinstance(row[name], (int, float)) for row in rows)
        and all(row[name] is None or isinstance(row[name], (int, float)) for row in rows)
    ]


def _levels(rows: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    values = list(dict.fromkeys(row[name] for row in rows))
    # numbers in numeric order; names in grid order (first appearance)
    return sorted(values) if all(isinstance(v, (int, float)) for v in values) else values


def _grid_of(
    rows: Sequence[Mapping[str, Any]], x: str, y: str, value: str
) -> tuple[list[Any], list[Any], NDArray[np.float64]]:
    xs, ys = _levels(rows, x), _levels(rows, y)
    total = np.zeros((len(ys), len(xs)))
    count = np.zeros((len(ys), len(xs)))
    for row in rows:
        entry = row[value]
        if entry is None:
            continue
        i, j = ys.index(row[y]), xs.index(row[x])
        total[i, j] += float(entry)
        count[i, j] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return xs, ys, mean


def _label(level: Any) -> str:
    return f"{level:g}" if isinstance(level, float) else str(level)


def _panel(
    figure: Figure,
    axes: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    x: str,
    y: str,
    value: str,
    log: bool,
) -> None:
    xs, ys, mean = _grid_of(rows, x, y, value)
    finite = mean[np.isfinite(mean)]
    use_log = log and finite.size > 0 and bool(np.all(finite > 0))
    norm = LogNorm(vmin=finite.min(), vmax=finite.max()) if use_log else None
    image = axes.imshow(
        np.ma.masked_invalid(mean), aspect="auto", origin="lower", cmap="viridis", norm=norm
    )
    axes.set_facecolor("0.85")
    axes.set_xticks(range(len(xs)), [_label(v) for v in xs], rotation=45, ha="right")
    axes.set_yticks(range(len(ys)), [_label(v) for v in ys])
    axes.set_xlabel(x)
    axes.set_ylabel(y)
    axes.set_title(value)
    figure.colorbar(image, ax=axes)
    if mean.size <= _ANNOTATE_UP_TO:
        for (i, j), entry in np.ndenumerate(mean):
            finite_entry = bool(np.isfinite(entry))
            red, green, blue, _ = image.cmap(image.norm(entry)) if finite_entry else (1, 1, 1, 1)
            dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
            axes.text(
                j, i, f"{entry:.3g}" if finite_entry else "n/a", ha="center", va="center",
                fontsize=7, color="white" if dark else "black",
            )  # fmt: skip


def heatmap(
    rows: Sequence[Mapping[str, Any]],
    *,
    x: str,
    y: str,
    value: str,
    path: str | Path,
    title: str | None = None,
) -> Path:
    """Draw ``value`` over the coordinates ``x`` and ``y`` into ``path``.

    Parameters
    ----------
    rows : sequence of dict
        Rows of a sweep's table (``read_table(DIR).to_pylist()``), possibly filtered.
    x, y : str
        Coordinates (:data:`COORDINATES`), distinct.
    value : str
        A numeric or verdict column, or ``"ratio"`` for every statement's bound / simulated
        ratio (one panel each).
    path : str or Path
        ``.png``, ``.svg`` or ``.pdf``.
    title : str, optional
        Figure title; default names the columns averaged over.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        No rows, an unknown coordinate or column, or ``x == y``.
    """
    from simulate.plots import save_figure

    if not rows:
        raise ValueError("rows must not be empty (no cell matches)")
    for name, given in (("x", x), ("y", y)):
        if given not in COORDINATES:
            raise ValueError(f"{name} must be one of {', '.join(COORDINATES)}, got {given!r}")
    if x == y:
        raise ValueError(f"x and y must differ, got {x!r} twice")
    ratios = [name for name in rows[0] if name.startswith("ratio_")]
    if value == RATIO:
        if not ratios:
            raise ValueError("value 'ratio': the sweep compared no statement (no ratio_ column)")
        panels = ratios
    else:
        allowed = numeric_columns(rows)
        if value not in allowed:
            raise ValueError(f"value must be 'ratio' or one of {', '.join(allowed)}, got {value!r}")
        panels = [value]
    averaged = [c for c in COORDINATES if c not in (x, y) and len(_levels(rows, c)) > 1]
    figure = Figure(figsize=(5.5 * len(panels), 4.5), layout="constrained")
    for index, column in enumerate(panels):
        axes = figure.add_subplot(1, len(panels), index + 1)
        _panel(figure, axes, rows, x=x, y=y, value=column, log=column.startswith("ratio_"))
    summary = f"{len(rows)} cells" + (f"; mean over {', '.join(averaged)}" if averaged else "")
    figure.suptitle(title or summary, fontsize=10)
    return save_figure(figure, path)
