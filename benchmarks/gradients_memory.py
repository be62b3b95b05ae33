"""Peak memory and time of ``simulate.gradients.check`` at model scale (10^6 - 10^8 parameters).

Each size runs in a fresh subprocess that streams ``--points`` synthetic points (layers of
``1000 x 1000`` float32 gradients, ``--samples`` per point, generated one point at a time as
a recorder would hand them over) through the checker with MXFP4 and stochastic rounding, and
reports its peak resident memory (``ru_maxrss``) next to the size of one point's samples, the
least any checker must hold. ``python benchmarks/gradients_memory.py --sizes 1e6 1e7``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator

import numpy as np


def _points(size: int, points: int, samples: int, seed: int) -> Iterator[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    width = 1000
    layers = max(1, size // (width * width))
    rows = size // (layers * width)
    for _ in range(points):
        yield {
            f"layer{i}.weight": (rng.standard_normal((samples, rows, width), dtype=np.float32)
                                 * np.float32(1e-3))
            for i in range(layers)
        }  # fmt: skip


def measure(size: int, points: int, samples: int, quantizer: str, rounding: str) -> dict:
    """Check ``points`` points of ``size`` parameters in this process; peak RSS and time."""
    from simulate import gradients
    from simulate.quantizer import as_quantizer

    started = time.perf_counter()
    report = gradients.check(
        _points(size, points, samples, 0), as_quantizer(quantizer, rounding), repeats=16,
        progress=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kilobytes
    return {
        "parameters": size,
        "points": points,
        "samples": samples,
        "quantizer": f"{quantizer} {rounding}",
        "seconds": round(seconds, 1),
        "peak_rss_gb": round(peak / 1e9, 2),
        "one_point_gb": round(size * samples * 4 / 1e9, 2),
        "q_min": float(report.estimates["q_min"].value),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e6, 1e7])
    parser.add_argument("--points", type=int, default=3)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--quantizer", default="mxfp4")
    parser.add_argument("--rounding", default="sr")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        found = measure(int(args.sizes[0]), args.points, args.samples, args.quantizer,
                        args.rounding)  # fmt: skip
        print(json.dumps(found))
        return 0
    print("| parameters | points x samples | quantizer | seconds | peak RSS (GB) | one point "
          "(GB) | peak / one point |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for size in args.sizes:
        command = [sys.executable, __file__, "--child", "--sizes", str(size), "--points",
                   str(args.points), "--samples", str(args.samples), "--quantizer",
                   args.quantizer, "--rounding", args.rounding]  # fmt: skip
        found = json.loads(subprocess.run(command, check=True, capture_output=True,
                                          text=True).stdout)  # fmt: skip
        print(f"| {found['parameters']:.0e} | {found['points']} x {found['samples']} | "
              f"{found['quantizer']} | {found['seconds']} | {found['peak_rss_gb']} | "
              f"{found['one_point_gb']} | {found['peak_rss_gb'] / found['one_point_gb']:.1f} |",
              flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
