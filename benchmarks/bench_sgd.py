"""Replica-steps per second of quantized SGD against the same run in float64 (issue 6).

R = 1024 replicas of a d = 1024 quadratic (spectrum evenly spread over [0.1, 1], Gaussian
gradient noise), with fp8 E4M3 gradients under round-to-nearest-even and stochastic rounding,
against the unquantized float64 run, all in one process. The dense (rotated) Hessian makes the
gradient a (R, d) x (d, d) product, as in a real model; ``--diagonal`` uses a diagonal Hessian,
which makes the gradient nearly free and so isolates the cost of quantization and measurement.
Target: quantized at most 3x slower than float64. Speed is printed, never asserted.

    python benchmarks/bench_sgd.py [--replicas 1024] [--dim 1024] [--steps 30] [--diagonal]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from simulate import noise, problems
from simulate.quantizer import Quantizer
from simulate.sgd import run


def replica_steps_per_second(
    problem: problems.Problem, quantizer: Quantizer | None, replicas: int, steps: int, seed: int
) -> float:
    """Best of three timed runs (after one warm-up step) of ``steps`` steps."""

    def timed(steps: int) -> float:
        start = time.perf_counter()
        run(
            problem,
            steps=steps,
            replicas=replicas,
            stepsize=0.5,
            seed=seed,
            noise=noise.GaussianNoise(0.01),
            gradient_quantizer=quantizer,
            progress=False,
        )
        return time.perf_counter() - start

    timed(1)  # warm-up
    best = min(timed(steps) for _ in range(3))
    return replicas * steps / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", type=int, default=1024)
    parser.add_argument("--dim", type=int, default=1024)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--diagonal", action="store_true", help="diagonal Hessian")
    args = parser.parse_args()
    problem = problems.quadratic(np.linspace(0.1, 1.0, args.dim), rotate=not args.diagonal, seed=0)
    runs = {
        "float64": None,
        "fp8_e4m3 rne": Quantizer("fp8_e4m3", rounding="rne"),
        "fp8_e4m3 sr": Quantizer("fp8_e4m3", rounding="sr"),
    }
    kind = "diagonal" if args.diagonal else "dense"
    print(f"quadratic ({kind} Hessian), R = {args.replicas}, d = {args.dim}, {args.steps} steps")
    baseline = None
    for label, quantizer in runs.items():
        rate = replica_steps_per_second(problem, quantizer, args.replicas, args.steps, seed=0)
        baseline = baseline or rate
        slowdown = baseline / rate
        print(f"{label:<14} {rate:12.0f} replica-steps/s   slowdown vs float64: {slowdown:5.2f}x")


if __name__ == "__main__":
    main()
