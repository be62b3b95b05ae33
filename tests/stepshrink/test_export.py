"""Derived schedules exported to optax-style callables and to torch's ``LambdaLR``.

The theorems count steps from ``k = 1``; optax counts updates from 0 and ``LambdaLR`` calls its
factor with 0 before the first step: both exports must give step ``k`` the stepsize ``mu_k``.
Needs the ``torch`` extra (installed by the README's test command).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from bounds import schedules
from stepshrink.cli import main
from stepshrink.export import derived_schedules, optax_schedule
from stepshrink.torch import lambda_lr

torch.set_num_threads(1)


def test_optax_count_zero_is_step_one() -> None:
    harmonic = schedules.harmonic(2.0, 3.0)
    lr = optax_schedule(harmonic)
    counts = np.arange(0, 50)
    np.testing.assert_array_equal(lr(counts), harmonic(counts + 1))
    assert lr(0) == 2.0 / (3.0 + 1)  # not 2/3: that would be step k = 0
    # joins (warm-up then decay) keep the convention at their boundary
    joined = schedules.warmup_then(schedules.harmonic(1.0, 1.0), 2)
    np.testing.assert_array_equal(optax_schedule(joined)([0, 1, 2, 3]), joined([1, 2, 3, 4]))
    # a float is a constant schedule, as everywhere
    assert float(optax_schedule(0.25)(7)) == 0.25
    with pytest.raises(ValueError, match="schedule"):
        optax_schedule("0.1")  # type: ignore[arg-type]


def test_optax_and_lambda_lr_give_each_step_the_same_stepsize() -> None:
    schedule = schedules.harmonic(0.8, 1.5)
    lr = optax_schedule(schedule)
    weight = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([weight], lr=123.0)
    scheduler = lambda_lr(optimizer, schedule)
    used = []
    for _ in range(6):
        used.append(optimizer.param_groups[0]["lr"])  # the stepsize this step() applies
        weight.grad = torch.ones(1)
        optimizer.step()
        scheduler.step()
    # step k (1-based) used mu_k; optax's count for that update is k - 1
    assert used == pytest.approx([float(schedule(k)) for k in range(1, 7)], rel=1e-15)
    assert used == pytest.approx([float(lr(count)) for count in range(6)], rel=1e-15)
    # and plain SGD applied exactly the sum of those stepsizes
    assert float(weight.detach()) == pytest.approx(-sum(used), rel=1e-6)


def test_schedule_json_exports_every_recommended_schedule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["--c", "0.4", "--q-min", "0.8", "--M-L", "0.002", "--sigma-qL", "0.001"]
    assert main(["schedule", *argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    found = derived_schedules(result)
    assert set(found) == {"T1", "T1.sharp", "T1.matrix", "T4", "T4.sharp"}
    assert float(found["T1"](17)) == result["fixed_stepsize"]["mu"]
    assert float(found["T1.matrix"](1)) == result["curvature_weighted"]["mu"]
    pl = result["pl_schedule"]
    assert float(optax_schedule(found["T4"])(0)) == pl["beta"] / (pl["gamma"] + 1)
    # the first T4 step is the cap 1/(L M_G) (the least admissible gamma)
    assert float(found["T4"](1)) == pytest.approx(1 / (1.0 * 1.0), rel=1e-12)
    with pytest.raises(ValueError, match="stepshrink schedule --json"):
        derived_schedules({"bound": 1.0})


def test_a_smoothness_file_feeds_the_curvature_weighted_prediction(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulate.measure import ConfidenceInterval
    from stepshrink.torch import Smoothness

    def interval(value: float) -> ConfidenceInterval:
        return ConfidenceInterval(value, 0.9 * value, 1.1 * value, 0.999, "test")

    measured = Smoothness(
        L=4.0,
        L_relative_change=1e-4,
        trace_per_dim=interval(0.1),
        M=interval(0.2),
        M_L=interval(0.05),
        sigma_q2=interval(3.0),
        sigma_qL=interval(0.02),
        grad_sq=1.0,
        grad_curved=0.5,
        dim=100,
    )
    path = tmp_path / "smoothness.json"
    path.write_text(json.dumps(measured.to_dict(), allow_nan=False))
    argv = [
        "--from",
        str(path),
        "--Delta",
        "1",
        "--q-min",
        "0.5",
        "--M-G",
        "1",
        "--epsilon",
        "1e-5",
    ]
    assert main(["schedule", *argv, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["constants"]["L"] == 4.0
    assert result["sources"]["M_L"] == "smoothness.json"
    weighted = result["curvature_weighted"]
    # deep in the noise regime: (M_L + sigma_qL)/(M_L q^2) against S/(M q^2)
    assert weighted["slowdown"] == pytest.approx((0.05 + 0.02) / (0.05 * 0.25), rel=1e-3)
    assert result["iterations"]["slowdown"] == pytest.approx(3.2 / (0.2 * 0.25), rel=1e-3)
