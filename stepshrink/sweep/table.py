"""The sweep's table: one row per cell, its columns and their types, written as Parquet.

Columns, in order (``T`` stands for each statement id, dots as underscores):

- coordinates: ``problem, format, rounding, loss_scale, mu, K, seed_index``;
- the checker's estimates with their intervals at ``level``: ``q_min, q_max, sigma_q2, M,
  M_G, underflow, saturated`` and each ``_low``, ``_high``;
- verdicts ``A2, A3, A4`` (True unless the data refute the assumption), ``A2_status``, ...
  (``holds``, ``fails`` or ``inconclusive``: not refuted, but the test could not have seen a
  violation) and ``A2_evidence``, ...;
- the run: ``final_gap`` (``E[F(x_{K+1}) - F_ref]``) and ``final_grad_sq``
  (``E‖∇F(x_{K+1})‖²``) with ``_low``, ``_high``, and ``diverged`` (replicas);
- per statement: ``bound_T``, ``simulated_T``, ``ratio_T`` (bound / simulated) and ``note_T``
  (why there is no bound, or a caveat);
- provenance: ``problem_name, problem_L, problem_c, seed, problem_seed, sweep_seed, cell``
  (the cell's key), ``version``, the shared settings (``replicas, dim, data_size, noise_M,
  noise_M_V, points, samples, repeats, level``) and ``wall_time`` (seconds).

Missing values (a checker-only sweep, a bound that does not apply, a number that is not
finite) are nulls. Parquet is written with pyarrow (the ``sweep`` extra), which pandas, polars
and DuckDB all read.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "ESTIMATES",
    "SETTINGS",
    "VERDICTS",
    "columns",
    "finite_or_none",
    "read_table",
    "write_table",
]

ESTIMATES = ("q_min", "q_max", "sigma_q2", "M", "M_G", "underflow", "saturated")
VERDICTS = ("A2", "A3", "A4")
SETTINGS = ("replicas", "dim", "data_size", "points", "samples", "repeats", "level")

_COORDINATES = (
    ("problem", "string"),
    ("format", "string"),
    ("rounding", "string"),
    ("loss_scale", "float64"),
    ("mu", "float64"),
    ("K", "int64"),
    ("seed_index", "int64"),
)


def columns(statement_ids: Sequence[str]) -> list[tuple[str, str]]:
    """``(name, type)`` of every column, in order, for a sweep comparing ``statement_ids``.

    Types are ``"string"``, ``"float64"``, ``"int64"`` and ``"bool"``.
    """
    from stepshrink.sweep.theory import column_id

    out = list(_COORDINATES)
    for name in ESTIMATES:
        out += [(name, "float64"), (f"{name}_low", "float64"), (f"{name}_high", "float64")]
    out += [(name, "bool") for name in VERDICTS]
    out += [(f"{name}_status", "string") for name in VERDICTS]
    out += [(f"{name}_evidence", "string") for name in VERDICTS]
    for name in ("final_gap", "final_grad_sq"):
        out += [(name, "float64"), (f"{name}_low", "float64"), (f"{name}_high", "float64")]
    out.append(("diverged", "int64"))
    for statement_id in statement_ids:
        suffix = column_id(statement_id)
        out += [
            (f"bound_{suffix}", "float64"),
            (f"simulated_{suffix}", "float64"),
            (f"ratio_{suffix}", "float64"),
            (f"note_{suffix}", "string"),
        ]
    out += [
        ("problem_name", "string"),
        ("problem_L", "float64"),
        ("problem_c", "float64"),
        ("seed", "int64"),
        ("problem_seed", "int64"),
        ("sweep_seed", "int64"),
        ("cell", "string"),
        ("version", "string"),
        ("noise_M", "float64"),
        ("noise_M_V", "float64"),
        *((name, "float64" if name == "level" else "int64") for name in SETTINGS),
        ("wall_time", "float64"),
    ]
    return out


def finite_or_none(value: Any) -> Any:
    """``value`` with NumPy scalars made Python ones and NaN or infinity made ``None``."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_table(rows: Sequence[dict[str, Any]], statement_ids: Sequence[str], path: Path) -> Path:
    """Write ``rows`` as Parquet at ``path``, atomically (a temporary file renamed into place).

    Raises
    ------
    ImportError
        pyarrow is not installed (the ``sweep`` extra).
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    from stepshrink.sweep.store import replacing

    spec = columns(statement_ids)
    types = {
        "string": pa.string(),
        "float64": pa.float64(),
        "int64": pa.int64(),
        "bool": pa.bool_(),
    }
    schema = pa.schema([(name, types[kind]) for name, kind in spec])
    data = {name: [row.get(name) for row in rows] for name, _ in spec}
    table = pa.Table.from_pydict(data, schema=schema)
    with replacing(path) as temporary:
        pq.write_table(table, temporary)
    return path


def read_table(directory: str | Path) -> Any:
    """``DIR/results.parquet`` as a :class:`pyarrow.Table` (``.to_pandas()``, ``.to_pylist()``)."""
    import pyarrow.parquet as pq

    return pq.read_table(Path(directory) / "results.parquet")
