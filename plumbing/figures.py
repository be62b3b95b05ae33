"""Figure files: the one list of image formats and the one way to save a figure.

``bounds.plots`` and ``simulate.plots`` build :class:`matplotlib.figure.Figure` objects
without ``pyplot`` and save them here: the format follows the file extension, vector output
carries no creation date, and the file is written atomically
(:func:`plumbing.files.atomic_files`). Both also share the range a log axis can show.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from plumbing.files import atomic_files

__all__ = [
    "FIGURE_SUFFIXES",
    "PLOTTABLE_MAX",
    "PLOTTABLE_MIN",
    "log_limits",
    "plottable",
    "save_figure",
]

#: Image formats a figure can be saved as, chosen by the file's extension.
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")

#: Range a log axis or colour bar is asked to show. matplotlib's log tick locator steps past
#: the data by its stride, which grows with the number of decades shown: near float64's
#: limits its ticks overflow to inf and drawing fails. Within ``1e±200`` they never do.
PLOTTABLE_MAX = 1e200
PLOTTABLE_MIN = 1e-200


def save_figure(figure: Any, path: str | os.PathLike[str], *, dpi: int = 150) -> Path:
    """Save ``figure`` to ``path`` in the format its extension names, atomically.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to write.
    path : str or path-like
        Ends in ``.png``, ``.svg`` or ``.pdf`` (case-insensitive); its directory must exist.
    dpi : int
        Resolution of raster output, dots per inch.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    ValueError
        ``path`` has another extension.
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FIGURE_SUFFIXES:
        raise ValueError(
            f"path must end in one of {', '.join(FIGURE_SUFFIXES)}, got {str(target)!r}"
        )
    metadata = {"Date": None} if suffix in (".svg", ".pdf") else None
    with atomic_files(target) as (stream,):
        figure.savefig(stream, format=suffix[1:], dpi=dpi, metadata=metadata)
    return target


def log_limits(*values: ArrayLike) -> tuple[float, float]:
    """Limits of a log axis showing ``values``: their plottable positive range, padded by 2.

    Values that are not finite, not positive, or outside ``[PLOTTABLE_MIN, PLOTTABLE_MAX]``
    are left out (they are drawn off the axes); with nothing left, ``(1e-12, 1)``.
    """
    flat = [np.ravel(np.asarray(v, dtype=np.float64)) for v in values]
    pooled = np.concatenate(flat) if flat else np.empty(0)
    shown = pooled[(pooled >= PLOTTABLE_MIN) & (pooled <= PLOTTABLE_MAX)]
    if not shown.size:
        return 1e-12, 1.0
    return max(float(shown.min()) / 2, PLOTTABLE_MIN), min(float(shown.max()) * 2, PLOTTABLE_MAX)


def plottable(values: ArrayLike) -> NDArray[np.float64]:
    """``values`` with everything above :data:`PLOTTABLE_MAX` (and ``inf``) replaced by NaN.

    A curve is then cut where it leaves the plottable range instead of asking matplotlib to
    transform numbers near float64's maximum (which overflows in its log scale).
    """
    array = np.asarray(values, dtype=np.float64)
    return np.where(array <= PLOTTABLE_MAX, array, np.nan)
