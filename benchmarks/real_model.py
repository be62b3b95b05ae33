"""What low-precision gradients do to a real model, measured against what the bounds predict.

The model: a 64-32-10 tanh MLP on scikit-learn's bundled ``load_digits`` (1,797 8x8 images,
no download), cross-entropy, minibatches of 32 drawn with replacement, plain SGD. Each row is
a gradient format (fp32, fp8 E4M3, fp8 E5M2, bf16, fp4 E2M1, MXFP4) with a rounding mode
(RNE, SR), without loss scaling or with a dynamic loss scaler (``torch.amp.GradScaler``'s
defaults; a clipped value of a saturating format counts as an overflow). Per row:

- **measured**: the fewest steps to the full-batch loss threshold over a stepsize grid
  (powers of two; median over seeds, runs of :class:`stepshrink.torch.QuantizedSGD`), and
  the slowdown: that count over fp32's;
- **checked**: ``q_min``, ``sigma_q2``, ``M`` and the A2-A4 verdicts of
  :func:`simulate.gradients.check` on gradients that :func:`stepshrink.torch.record` records
  at checkpoints of the fp32 run (the same points for every row);
- **paper**: C2's worst-case slowdown ``(M + sigma_q2)/(M q_min^2)`` from those constants;
- **curvature-weighted**: the same C2 slowdown from T1.matrix, whose noise constants are
  weighed by the Hessian ``H`` instead of ``L``: ``(M_L + sigma_qL)/(M_L q_min^2)`` with
  ``M_L = E[(g − ∇F)ᵀ H (g − ∇F)]`` and ``sigma_qL = E[epsᵀ H eps]``
  (:func:`stepshrink.torch.smoothness`, means over the checkpoints; ``inf`` when
  ``q_min = 0``: no progress).

Run ``python benchmarks/real_model.py`` (about 20 minutes on 2 shared cores) or ``--small``
(the CI version: fewer rows, seeds and samples). ``--json PATH`` writes the table. Torch runs
on one thread: on a shared machine OpenMP's spinning threads made every step 30x slower.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from simulate import gradients
from simulate.loss_scaling import DynamicLossScaler
from stepshrink.torch import QuantizedSGD, record, smoothness

FORMATS = ["fp8_e4m3", "fp8_e5m2", "bf16", "fp4_e2m1", "mxfp4"]
SMALL_ROWS = [
    ("fp32", "rne", "none"),
    ("bf16", "rne", "none"),
    ("fp4_e2m1", "sr", "none"),
    ("fp4_e2m1", "rne", "none"),
    ("fp8_e4m3", "rne", "dynamic"),
]
BATCH = 32
CHECKPOINTS = 4


@dataclass
class Row:
    """One row of the table (JSON-ready; ``None`` for "never reached")."""

    format: str
    rounding: str
    scaling: str
    best_lr: float | None
    steps: float | None
    measured: float | None
    paper: float | None
    curvature: float | None
    q_min: float
    sigma_q2: float
    M: float
    sigma_qL: float
    M_L: float
    verdicts: dict[str, str]


def digits() -> tuple[torch.Tensor, torch.Tensor]:
    """``load_digits`` scaled to ``[0, 1]`` (inputs float32, labels int64)."""
    from sklearn.datasets import load_digits

    inputs, labels = load_digits(return_X_y=True)
    return torch.tensor(inputs / 16.0, dtype=torch.float32), torch.tensor(labels)


def mlp(seed: int = 0) -> torch.nn.Module:
    """The 64-32-10 tanh MLP, initialised from ``seed``."""
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10))


def _scaler(scaling: str) -> DynamicLossScaler | None:
    return DynamicLossScaler(replicas=1) if scaling == "dynamic" else None


def _quantizer(name: str) -> str | None:
    return None if name == "fp32" else name


def steps_to_threshold(
    data: tuple[torch.Tensor, torch.Tensor],
    row: tuple[str, str, str],
    lr: float,
    seed: int,
    threshold: float,
    max_steps: int,
    every: int = 5,
) -> int | None:
    """Steps of QuantizedSGD until the full-batch loss is ``<= threshold`` (None: never)."""
    inputs, targets = data
    model = mlp()
    fmt, rounding, scaling = row
    optimizer = QuantizedSGD(
        model.parameters(), lr=lr, quantizer=_quantizer(fmt), rounding=rounding,
        loss_scale=_scaler(scaling), seed=seed,
    )  # fmt: skip
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = torch.Generator().manual_seed(1000 + seed)
    with torch.no_grad():
        initial = float(loss_fn(model(inputs), targets))
    for step in range(1, max_steps + 1):  # a loop over SGD steps
        index = torch.randint(0, inputs.shape[0], (BATCH,), generator=batches)
        optimizer.zero_grad()
        loss_fn(model(inputs[index]), targets[index]).backward()
        optimizer.step()
        if step % every == 0:
            with torch.no_grad():
                loss = float(loss_fn(model(inputs), targets))
            if not math.isfinite(loss) or loss > 10.0:
                return None  # diverged
            if loss <= threshold:
                return step
            if step >= 50 and loss == initial:
                return None  # every gradient rounds to zero: the model never moves
    return None


def best_steps(
    data: tuple[torch.Tensor, torch.Tensor],
    row: tuple[str, str, str],
    seeds: int,
    threshold: float,
    max_steps: int,
    start: int = 0,
) -> tuple[float | None, float | None]:
    """``(lr, median steps)`` of the best stepsize ``2^(k/2)`` (None, None: none reached).

    Steps-to-threshold is unimodal in the stepsize (too small: slow; too large: noise or
    divergence): from ``2^start`` (fp32's best) the search climbs while it improves, and
    descends while it improves, each direction stopping after two stepsizes no better than
    the best so far (three in a row failing when none has reached the threshold yet).
    """
    cache: dict[int, float | None] = {}

    def steps_at(exponent: int) -> float | None:
        if exponent not in cache:
            runs = [
                steps_to_threshold(data, row, 2.0 ** (exponent / 2), s, threshold, max_steps)
                for s in range(seeds)
            ]
            cache[exponent] = (
                None if None in runs else statistics.median(r for r in runs if r is not None)
            )
        return cache[exponent]

    def best() -> tuple[int, float] | None:
        found = [(steps, e) for e, steps in cache.items() if steps is not None]
        return None if not found else min(found)[::-1]  # type: ignore[return-value]

    for direction in (1, -1):
        exponent, misses = start, 0
        while -16 <= exponent <= 16 and misses < (2 if best() else 3):
            before = best()
            steps_at(exponent)
            after = best()
            misses = 0 if after is not None and after != before else misses + 1
            exponent += direction
    found = best()
    return (None, None) if found is None else (2.0 ** (found[0] / 2), found[1])


def checkpoints(
    data: tuple[torch.Tensor, torch.Tensor], lr: float, steps: int, threshold: float
) -> list[tuple[dict[str, torch.Tensor], float, float]]:
    """``(state, loss, loss at the next checkpoint)`` at evenly spaced steps of the fp32 run."""
    inputs, targets = data
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    batches = torch.Generator().manual_seed(1000)
    marks = {round(i * steps / CHECKPOINTS) for i in range(CHECKPOINTS)}
    states: list[tuple[dict[str, torch.Tensor], float]] = []
    for step in range(steps):
        if step in marks:
            with torch.no_grad():
                loss = float(loss_fn(model(inputs), targets))
            states.append(({k: v.clone() for k, v in model.state_dict().items()}, loss))
        index = torch.randint(0, inputs.shape[0], (BATCH,), generator=batches)
        optimizer.zero_grad()
        loss_fn(model(inputs[index]), targets[index]).backward()
        optimizer.step()
    ends = [loss for _, loss in states[1:]] + [threshold]
    return [(state, loss, end) for (state, loss), end in zip(states, ends, strict=True)]


def _model_at(state: dict[str, torch.Tensor]) -> torch.nn.Module:
    model = mlp()
    model.load_state_dict(state)
    return model


def constants(
    data: tuple[torch.Tensor, torch.Tensor],
    marks: list[tuple[dict[str, torch.Tensor], float, float]],
    row: tuple[str, str, str],
    points_file: str,
    samples: int,
) -> dict[str, Any]:
    """The checker's report on the recorded points, and the curvature at each checkpoint."""
    fmt, rounding, scaling = row
    from simulate.quantizer import as_quantizer

    quantizer = as_quantizer(_quantizer(fmt), rounding)
    scaler = _scaler(scaling)
    report = gradients.check(
        gradients.load(points_file), quantizer, loss_scale=1.0 if scaler is None else scaler,
        seed=1, progress=False,
    )  # fmt: skip
    scale = 1.0 if scaler is None else float(np.asarray(scaler.scale).reshape(-1)[0])
    loss_fn = torch.nn.CrossEntropyLoss()
    curves = [
        smoothness(
            _model_at(state),
            loss_fn,
            data,
            quantizer=None if fmt == "fp32" else quantizer,
            loss_scale=scale,
            samples=samples,
            batch_size=BATCH,
            seed=2,
        )
        for state, _, _ in marks
    ]
    return {"report": report, "curves": curves}


def curvature_slowdown(curves: list[Any], q: float) -> float:
    """C2's slowdown with the curvature-weighted constants: ``(M_L + sigma_qL)/(q_min² M_L)``.

    ``M_L`` and ``sigma_qL`` are the means over the checkpoints (a quadratic form of an
    indefinite Hessian can come out negative: clipped at 0); ``inf`` when ``q_min = 0``.
    """
    if q <= 0:
        return math.inf
    m_l = max(statistics.fmean(c.M_L.value for c in curves), 0.0)
    s_l = max(statistics.fmean(0.0 if c.sigma_qL is None else c.sigma_qL.value for c in curves), 0)
    return (m_l + s_l) / (m_l * q * q)


def run(
    rows: list[tuple[str, str, str]],
    seeds: int,
    samples: int,
    threshold: float,
    max_steps: int,
    progress: bool = True,
) -> list[Row]:
    """Measure and predict every row; the first row must be fp32 (the reference)."""
    torch.set_num_threads(1)
    data = digits()
    started = time.perf_counter()

    def say(text: str) -> None:
        if progress:
            print(f"[{time.perf_counter() - started:6.0f} s] {text}", file=sys.stderr, flush=True)

    measured: dict[tuple[str, str, str], tuple[float | None, float | None]] = {}
    for row in rows:
        reference = measured[rows[0]][0] if measured else None
        start = 0 if reference is None else round(2 * math.log2(reference))
        measured[row] = best_steps(data, row, seeds, threshold, max_steps, start)
        say(f"{row}: lr {measured[row][0]}, steps {measured[row][1]}")
    reference_lr, reference_steps = measured[rows[0]]
    if reference_lr is None or reference_steps is None:
        raise RuntimeError("fp32 never reached the threshold: raise --max-steps")
    marks = checkpoints(data, reference_lr, int(reference_steps), threshold)
    with tempfile.TemporaryDirectory() as folder:
        points_file = os.path.join(folder, "points.npz")
        recorded = (
            next(record(_model_at(state), torch.nn.CrossEntropyLoss(), data, points=1,
                        samples=samples, batch_size=BATCH, seed=index))
            for index, (state, _, _) in enumerate(marks)
        )  # fmt: skip
        gradients.save(points_file, recorded)
        say(f"recorded {len(marks)} checkpoints")
        results = []
        for row in rows:
            found = constants(data, marks, row, points_file, samples)
            report, curves = found["report"], found["curves"]
            est = report.estimates
            q = float(est["q_min"].value)
            predicted = curvature_slowdown(curves, q)
            m, s2 = float(est["M"].value), float(est["sigma_q2"].value)
            paper = math.inf if q <= 0 else (m + s2) / (m * q * q)
            lr, steps = measured[row]
            results.append(
                Row(
                    format=row[0],
                    rounding=row[1],
                    scaling=row[2],
                    best_lr=lr,
                    steps=steps,
                    measured=None if steps is None else steps / reference_steps,
                    paper=None if math.isinf(paper) else paper,
                    curvature=None if math.isinf(predicted) else predicted,
                    q_min=q,
                    sigma_q2=s2,
                    M=m,
                    sigma_qL=statistics.fmean(
                        0.0 if c.sigma_qL is None else c.sigma_qL.value for c in curves
                    ),
                    M_L=statistics.fmean(c.M_L.value for c in curves),
                    verdicts={name: v.status for name, v in report.verdicts.items()},
                )
            )
            say(f"{row}: checked")
    return results


def _number(value: float | None, digits: int = 3) -> str:
    return "never" if value is None else f"{value:.{digits}g}"


def table(rows: list[Row], max_steps: int) -> str:
    """The Markdown table: measured and predicted slowdowns, constants, verdicts."""
    lines = [
        "| format | rounding | loss scaling | best lr | steps | measured | paper (C2, worst "
        "case) | curvature-weighted | within 2x | q_min | sigma_q2 | M | sigma_qL | M_L "
        "| A2 A3 A4 |",
        "|" + "---|" * 15,
    ]
    for r in rows:
        agree = agrees(r)
        lines.append(
            f"| {r.format} | {r.rounding} | {r.scaling} | {_number(r.best_lr)} | "
            f"{_number(r.steps) if r.steps is not None else f'> {max_steps}'} | "
            f"{_number(r.measured)} | {_number(r.paper)} | {_number(r.curvature)} | "
            f"{'yes' if agree else 'NO'} | {r.q_min:.4g} | {r.sigma_q2:.3g} | {r.M:.3g} | "
            f"{r.sigma_qL:.3g} | {r.M_L:.3g} | "
            + " ".join(r.verdicts[n] for n in ("A2", "A3", "A4"))
            + " |"
        )
    return "\n".join(lines)


def agrees(row: Row) -> bool:
    """The curvature-weighted prediction within a factor 2 of the measurement (both "never"
    counts: ``q_min = 0`` predicts no progress, and none was measured)."""
    if row.measured is None or row.curvature is None:
        return row.measured is None and row.curvature is None
    return 0.5 <= row.curvature / row.measured <= 2.0


def _parse_row(text: str) -> tuple[str, str, str]:
    parts = text.split("/")
    if len(parts) != 3 or parts[2] not in ("none", "dynamic"):
        raise SystemExit(f"--rows: {text!r} is not FORMAT/ROUNDING/(none|dynamic)")
    return parts[0], parts[1], parts[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="the CI version (5 rows)")
    parser.add_argument(
        "--rows",
        nargs="+",
        default=None,
        metavar="FORMAT/ROUNDING/SCALING",
        help="rows to run, e.g. fp32/rne/none fp4_e2m1/sr/dynamic (the first is the reference)",
    )
    parser.add_argument("--seeds", type=int, default=None, help="training runs per stepsize")
    parser.add_argument("--samples", type=int, default=None, help="minibatches per checkpoint")
    parser.add_argument("--threshold", type=float, default=0.3, help="full-batch loss target")
    parser.add_argument("--max-steps", type=int, default=3000, help="steps before 'never'")
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)
    if args.rows:
        rows = [_parse_row(text) for text in args.rows]
    elif args.small:
        rows = SMALL_ROWS
    else:
        rows = [("fp32", "rne", "none")] + [
            (fmt, rounding, scaling)
            for fmt in FORMATS
            for rounding in ("rne", "sr")
            for scaling in ("none", "dynamic")
        ]
    seeds = args.seeds or (2 if args.small else 3)
    samples = args.samples or (32 if args.small else 64)
    results = run(rows, seeds, samples, args.threshold, args.max_steps)
    print(table(results, args.max_steps))
    print(f"\ncurvature-weighted within 2x of measured: {sum(map(agrees, results))}/{len(results)}")
    if args.json:
        payload = json.dumps([asdict(r) for r in results], indent=1, allow_nan=False)
        with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(args.json) or ".",
                                         delete=False) as handle:  # fmt: skip
            handle.write(payload)
        os.replace(handle.name, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
