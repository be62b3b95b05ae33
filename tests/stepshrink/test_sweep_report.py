"""The report's assumption table is a checker-only sweep; the core never imports Dask."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from stepshrink import defaults
from stepshrink.cli import main
from stepshrink.report import ReportContext
from stepshrink.report_document import Code, Table
from stepshrink.report_sections import assumptions


def test_the_report_table_is_the_sweep_it_prints(tmp_path: Path) -> None:
    report = tmp_path / "report"
    report.mkdir()
    blocks = assumptions(ReportContext(report, quick=True))
    rows = json.loads((report / "data" / "assumptions.json").read_text())
    assert [(row["format"], row["rounding"]) for row in rows] == [
        (fmt, rounding) for fmt in defaults.FORMATS for rounding in defaults.ROUNDINGS
    ]
    table = next(block for block in blocks if isinstance(block, Table))
    assert [cells[:2] for cells in table.rows] == [[r["format"], r["rounding"]] for r in rows]
    assert [cells[-1] for cells in table.rows] == [r["A4_status"] for r in rows]
    # a verdict that is not refuted is "holds" or "inconclusive", never "fails"
    assert all((r["A4_status"] == "fails") == (not r["A4"]) for r in rows)
    # the command the report shows reproduces its numbers exactly, as a Parquet table
    command = next(block for block in blocks if isinstance(block, Code)).text
    argv = shlex.split(command)
    assert argv[:2] == ["stepshrink", "sweep"]
    swept = tmp_path / "sweep"
    assert main([*argv[1:], "-o", str(swept), "--no-progress"]) == 0
    table_rows = pq.read_table(swept / "results.parquet").to_pylist()
    strip = [{k: v for k, v in row.items() if k != "wall_time"} for row in rows]
    assert [{k: v for k, v in row.items() if k != "wall_time"} for row in table_rows] == strip
    assert all(row["final_gap"] is None and "bound_T1" not in row for row in table_rows)


def test_the_core_never_imports_dask() -> None:
    script = (
        "import sys\n"
        "from stepshrink.cli import build_parser\n"
        "build_parser()\n"
        "import stepshrink.sweep, stepshrink.sweep.plots, stepshrink.report_sections\n"
        "from stepshrink.sweep import Grid\n"
        "Grid(format=['fp8_e4m3', 'bf16'], mu=[0.1, 0.2])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('dask', 'distributed', 'pyarrow')))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
