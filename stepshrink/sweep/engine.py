"""Running a grid's cells on Dask, storing each as it finishes, and consolidating the table.

The graph is one ``dask.delayed`` task per cell still to compute (:func:`run_cell`, keyed by the
cell's key). Without a scheduler address it runs on Dask's local multiprocessing scheduler
(one process per core, one task at a time per process); with an address it runs on an existing
``distributed`` cluster through a :class:`distributed.Client`. Either way each finished row
comes back to this process, which commits it to the store at once (a scheduler callback
locally, ``as_completed`` on a cluster), so an interruption loses only the cells in flight.
``scheduler="inline"`` runs the same cells in this process without Dask (a core install,
without the ``sweep`` extra, and the benchmark's baseline).

Dask is imported here only, and only when a sweep runs on it: the core never imports it.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from stepshrink.sweep.cell import run_cell
from stepshrink.sweep.grid import Cell, Grid
from stepshrink.sweep.store import CellStore

__all__ = ["INLINE", "SchedulerUnreachable", "SweepError", "SweepResult", "run"]

#: ``scheduler`` value that runs the cells in this process, one after another, without Dask.
INLINE = "inline"

#: Seconds to wait for a ``distributed`` scheduler to answer before giving up.
CONNECT_TIMEOUT = 5.0

#: Called with ``(cell key, row)`` as each cell finishes.
OnDone = Callable[[str, dict[str, Any]], None]


class SchedulerUnreachable(ConnectionError):
    """The ``distributed`` scheduler at the given address did not answer."""


@dataclass(frozen=True)
class SweepResult:
    """What a sweep recorded.

    Attributes
    ----------
    directory : Path
        The sweep's directory.
    table : Path or None
        ``DIR/results.parquet`` (``None`` when not written).
    total : int
        Cells in the grid.
    reused : int
        Cells already recorded before this run (not recomputed).
    computed : int
        Cells computed by this run.
    interrupted : bool
        Stopped by Ctrl-C.
    error : str
        Why the run stopped early (a lost worker, a failing cell); empty otherwise.
    rows : list of dict
        Every recorded row of the grid, in grid order.
    seconds : float
        Wall time of this run.
    """

    directory: Path
    table: Path | None
    total: int
    reused: int
    computed: int
    interrupted: bool
    error: str
    rows: list[dict[str, Any]] = field(repr=False)
    seconds: float

    @property
    def remaining(self) -> int:
        """Cells not recorded yet."""
        return self.total - self.reused - self.computed

    @property
    def complete(self) -> bool:
        """Whether every cell is recorded."""
        return self.remaining == 0


class SweepError(RuntimeError):
    """A sweep stopped before its end (not by Ctrl-C); ``result`` holds what it recorded."""

    def __init__(self, message: str, result: SweepResult) -> None:
        super().__init__(message)
        self.result = result


def _require(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(
            f"a sweep on Dask needs {module}: pip install 'stepshrink[sweep]'", name=module
        ) from None


def _tasks(cells: Sequence[Cell]) -> list[Any]:
    dask = _require("dask")
    return [dask.delayed(run_cell, pure=False)(cell, dask_key_name=cell.key) for cell in cells]


def _run_inline(cells: Sequence[Cell], on_done: OnDone) -> None:
    for cell in cells:
        on_done(cell.key, run_cell(cell))


def _run_local(cells: Sequence[Cell], on_done: OnDone, workers: int | None) -> None:
    dask = _require("dask")
    from dask.callbacks import Callback

    def posttask(key: str, row: dict[str, Any], *_: Any) -> None:
        on_done(key, row)

    tasks = _tasks(cells)
    # chunksize 1: every finished cell comes back (and is committed) on its own
    with Callback(posttask=posttask):
        dask.compute(*tasks, scheduler="processes", num_workers=workers, chunksize=1)


@contextmanager
def _client(address: str) -> Iterator[Any]:
    distributed = _require("distributed")
    try:
        # a malformed address is refused before a Client exists: a Client that failed to
        # connect prints a traceback from its finaliser when it is collected
        distributed.comm.resolve_address(address)
        client = distributed.Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise SchedulerUnreachable(
            f"cannot reach the Dask scheduler at {address!r}: {reason}"
        ) from None
    try:
        yield client
    finally:
        client.close()


def _run_distributed(cells: Sequence[Cell], on_done: OnDone, client: Any) -> None:
    from distributed import as_completed

    futures = client.compute(_tasks(cells))
    try:
        for future, row in as_completed(futures, with_results=True, loop=client.loop):
            on_done(future.key, row)
    finally:
        client.cancel(futures)


def _cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - macOS


@contextmanager
def _executor(
    scheduler: str | None, workers: int | None, pending: int
) -> Iterator[Callable[[Sequence[Cell], OnDone], None]]:
    """A function running cells; a cluster is connected to on entry (before any work)."""
    if pending == 0 or scheduler == INLINE:
        yield _run_inline
    elif scheduler is None:
        count = min(workers or _cores(), pending)
        yield lambda cells, on_done: _run_local(cells, on_done, count)
    else:
        with _client(scheduler) as client:
            yield lambda cells, on_done: _run_distributed(cells, on_done, client)


def run(
    grid: Grid,
    directory: str | Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool | None = None,
    parquet: bool = True,
) -> SweepResult:
    """Compute every cell of ``grid`` not yet recorded in ``directory``; write the table.

    Parameters
    ----------
    grid : Grid
        The sweep (already validated).
    directory : str or Path
        Where cells are stored (``DIR/cells``) and the table written
        (``DIR/results.parquet``); created if missing. Cells recorded there by an earlier run
        of a grid with the same settings are reused, not recomputed.
    scheduler : str, optional
        ``None``: Dask's local scheduler, one process per core (``workers`` caps it). An
        address (``"tcp://127.0.0.1:8786"``): an existing ``distributed`` cluster.
        ``"inline"``: this process, without Dask.
    workers : int, optional
        Processes of the local scheduler (default: the machine's cores, at most one per cell).
    progress : bool, optional
        A bar over the whole sweep (cells done / total); default: when stderr is a terminal.
    parquet : bool
        Write ``DIR/results.parquet`` (needs pyarrow).

    Returns
    -------
    SweepResult
        Also on Ctrl-C (``interrupted=True``): every finished cell is kept and in the table.

    Raises
    ------
    ValueError
        ``grid`` is not a :class:`Grid`, ``scheduler`` not a string or ``workers`` not a
        positive integer.
    SchedulerUnreachable
        No ``distributed`` scheduler answers at ``scheduler`` (nothing is computed).
    ImportError
        Dask, distributed or pyarrow is missing (the ``sweep`` extra).
    SweepError
        A cell failed or the cluster lost it; ``.result`` holds what was recorded.

    Notes
    -----
    The local scheduler starts its processes with ``spawn``, which imports the caller's main
    module again: in a script, call :func:`run` under ``if __name__ == "__main__":``.
    """
    if not isinstance(grid, Grid):
        raise ValueError(f"grid must be a stepshrink.sweep.Grid, got {type(grid).__name__}")
    if scheduler is not None and not isinstance(scheduler, str):
        raise ValueError(f"scheduler must be None, 'inline' or an address, got {scheduler!r}")
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise ValueError(f"workers must be a positive integer, got {workers!r}")
    if parquet:
        _require("pyarrow")
    started = time.perf_counter()
    store = CellStore(directory)
    cells = grid.cells()
    done = store.done(cells)
    pending = [cell for cell in cells if cell.key not in done]
    if progress is None:
        progress = sys.stderr.isatty()
    computed = 0
    interrupted, error = False, ""
    with _executor(scheduler, workers, len(pending)) as execute:
        store.create()
        store.write_grid(grid)
        bar = tqdm(
            total=len(cells),
            initial=len(done),
            desc="sweep",
            unit="cell",
            disable=not progress,
            file=sys.stderr,
        )

        def on_done(key: str, row: dict[str, Any]) -> None:
            nonlocal computed
            store.commit(key, row)
            computed += 1
            bar.update()

        try:
            execute(pending, on_done)
        except KeyboardInterrupt:
            interrupted = True
        except Exception as exc:
            error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        finally:
            bar.close()
    rows = store.rows(cells)
    table = None
    if parquet:
        from stepshrink.sweep.table import write_table

        table = write_table(rows, grid.theorems, store.directory / "results.parquet")
    result = SweepResult(
        directory=store.directory,
        table=table,
        total=len(cells),
        reused=len(done),
        computed=computed,
        interrupted=interrupted,
        error=error,
        rows=rows,
        seconds=time.perf_counter() - started,
    )
    if error:
        raise SweepError(
            f"sweep stopped: {error}; {result.remaining} of {result.total} cells remain", result
        )
    return result
