"""How loose is each theorem? The ratio bound / simulated value over the generated cases.

For each of T1-T4 this runs the same generated cases as the property suite
(``tests.strategies.shrinkage_cases``: problems with exact constants, the synthetic shrinkage
model, constants satisfying the hypotheses), simulates them with ``simulate.run`` and records,
per case, the smallest ratio ``bound / replica mean`` over the compared points (T1, T2: the
one averaged quantity; T3, T4: every iterate ``k >= 2``). It prints the worst (smallest) ratio
with the case that attains it, the median and the largest. A ratio below 1 would be a
violation (the property tests decide that with a confidence bound; this script only reports).

Run from the repository root::

    .venv/bin/python benchmarks/tightness.py --examples 40

Examples are drawn by Hypothesis with derandomization, so the same arguments print the same
figures.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings

# The script lives outside the packages; the cases come from the test suite's strategies.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.properties.checks import compare, simulate_case
from tests.strategies import THEOREMS, ShrinkageCase, shrinkage_cases


def tightness(theorem: str, *, examples: int, replicas: int) -> list[tuple[float, ShrinkageCase]]:
    """Per-case smallest ``bound / mean`` for ``examples`` derandomized cases of ``theorem``."""
    found: list[tuple[float, ShrinkageCase]] = []

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(case=shrinkage_cases(theorem=theorem))
    def measure(case: ShrinkageCase) -> None:
        comparison = compare(case, simulate_case(case, replicas=replicas), examples=examples)
        found.append((comparison.tightness, case))

    measure()
    return found


def describe(case: ShrinkageCase) -> str:
    constants = ", ".join(
        f"{name}={value:.3g}"
        for name, value in case.constants.items()
        if name in ("q_min", "sigma_q2", "M", "M_V", "mu", "beta", "gamma", "c")
    )
    return f"{case.problem.name}, K={case.steps}, {case.shrinkage.law} q; {constants}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=40, help="cases per theorem")
    parser.add_argument("--replicas", type=int, default=2000, help="replicas per case")
    parser.add_argument("--theorems", nargs="*", default=list(THEOREMS), choices=THEOREMS)
    args = parser.parse_args(argv)
    print(f"bound / simulated mean; {args.examples} cases per theorem, R = {args.replicas}")
    print(f"{'theorem':8} {'worst':>9} {'median':>9} {'largest':>11} {'seconds':>8}  worst case")
    for theorem in args.theorems:
        start = time.perf_counter()
        found = tightness(theorem, examples=args.examples, replicas=args.replicas)
        elapsed = time.perf_counter() - start
        ratios = np.array([ratio for ratio, _ in found])
        worst = int(np.argmin(ratios))
        print(
            f"{theorem:8} {ratios[worst]:9.4g} {np.median(ratios):9.4g} {ratios.max():11.4g} "
            f"{elapsed:8.1f}  {describe(found[worst][1])}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
