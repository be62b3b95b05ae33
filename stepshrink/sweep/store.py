"""Where a sweep keeps its finished cells: one small JSON file per cell, committed by rename.

``DIR/cells/<key>.json`` holds one row (strict JSON). A file is written under a temporary name
and renamed into place, so it either exists whole or not at all: a sweep interrupted at any
moment (Ctrl-C, a lost worker, a killed client) keeps every cell it finished, and a rerun
skips exactly those. ``DIR/grid.json`` records the grid of the latest run, and
``DIR/results.parquet`` is consolidated from the cell files.

A cell's key covers its coordinates and every setting, not the package version: cells
recorded by an earlier version are reused (their ``version`` column says which one computed
them); delete ``DIR/cells`` to recompute everything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from stepshrink.sweep.grid import Cell, Grid

__all__ = ["CellStore", "replacing"]


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed onto it when the block succeeds.

    The rename is atomic on one file system, so readers see the old file or the whole new
    one; on an error the temporary file is removed and ``path`` is untouched.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_atomically(path: Path, text: str) -> None:
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


class CellStore:
    """The finished cells of the sweeps written into one directory.

    Parameters
    ----------
    directory : Path
        The sweep's directory (:meth:`create` makes it, with ``cells/`` inside).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.cells = self.directory / "cells"

    def create(self) -> None:
        """Create the directory and ``cells/`` (nothing is written before this)."""
        self.cells.mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        """The file of the cell with ``key``."""
        return self.cells / f"{key}.json"

    def done(self, cells: Sequence[Cell]) -> set[str]:
        """Keys among ``cells`` that are already recorded."""
        present = {path.stem for path in self.cells.glob("*.json")}
        return {cell.key for cell in cells if cell.key in present}

    def commit(self, key: str, row: dict[str, Any]) -> None:
        """Record one finished cell (atomically)."""
        _write_atomically(self.path(key), json.dumps(row, allow_nan=False, sort_keys=True))

    def rows(self, cells: Sequence[Cell]) -> list[dict[str, Any]]:
        """The recorded rows of ``cells``, in the order of ``cells`` (missing ones skipped)."""
        out = []
        for cell in cells:
            path = self.path(cell.key)
            if path.is_file():
                out.append(json.loads(path.read_text(encoding="utf-8")))
        return out

    def write_grid(self, grid: Grid) -> None:
        """Record the grid of this run as ``grid.json``."""
        text = json.dumps(grid.to_dict(), indent=2, allow_nan=False) + "\n"
        _write_atomically(self.directory / "grid.json", text)
