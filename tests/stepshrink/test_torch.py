"""stepshrink.torch on scikit-learn's digits: record, check, smoothness, QuantizedSGD, lambda_lr.

Needs the ``torch`` extra (torch and scikit-learn), which the README's test command installs.
Verdicts are at the checker's default level 99.9 % with fixed seeds.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import ml_dtypes
import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from simulate import gradients
from simulate.loss_scaling import DynamicLossScaler
from simulate.quantizer import Quantizer
from stepshrink.cli import main
from stepshrink.torch import QuantizedSGD, Recorder, lambda_lr, record, smoothness

ROOT = Path(__file__).resolve().parents[2]

# one thread: on a shared machine OpenMP's spinning threads slow small models 30x
torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits() -> tuple[torch.Tensor, torch.Tensor]:
    inputs, labels = load_digits(return_X_y=True)
    return torch.tensor(inputs / 16.0, dtype=torch.float32), torch.tensor(labels)


def mlp(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.Tanh(), torch.nn.Linear(32, 10))


def softmax_regression(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    return torch.nn.Linear(64, 10)


@pytest.fixture(scope="module")
def mlp_points(digits: tuple[torch.Tensor, torch.Tensor]) -> list:
    """Three checkpoints 100 steps apart of the digits MLP, 32 minibatch gradients each."""
    loss_fn = torch.nn.CrossEntropyLoss()
    return list(
        record(mlp(), loss_fn, digits, points=3, samples=32, batch_size=32, steps_between=100)
    )


def test_digits_mlp_per_layer_report_without_a_quantizer_has_no_false_alarm(
    mlp_points: list,
) -> None:
    # pixels that are non-zero in 1-4 of 1,797 images make sparse gradient coordinates: the
    # distribution-free A2 test must not call them biased (a normal interval did)
    report = gradients.check(mlp_points, None, seed=1)
    assert set(report.layers) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert report.settings["layers"]["0.weight"] == [32, 64]
    for scope in [report, *report.layers.values()]:
        assert scope["A2"].status == "holds", scope["A2"].evidence
        assert scope["A3"].holds
        assert scope["A4"].holds
        assert scope.estimates["q_min"].value == 1.0
        assert scope.estimates["sigma_q2"].value == 0.0


def test_digits_mlp_fp4_rne_underflows_and_sr_is_unbiased(mlp_points: list) -> None:
    # most of the MLP's gradient entries are below 0.25, half fp4 E2M1's smallest subnormal:
    # RNE rounds them to zero, at some points all of them (q = 0, A3 fails); stochastic
    # rounding keeps them unbiased (A3, A4)
    rne = gradients.check(mlp_points, "fp4_e2m1", seed=1)
    assert rne.estimates["underflow"].value > 0.5
    assert rne.estimates["q_min"].value == 0.0
    assert not rne["A3"].holds
    sr = gradients.check(mlp_points, Quantizer("fp4_e2m1", "sr"), seed=1)
    assert sr["A3"].holds
    assert sr["A4"].holds
    q_min = sr.estimates["q_min"]
    assert q_min.low <= 1 <= q_min.high  # unbiased: q = 1 is inside (a wide interval: fp4)
    assert sr.estimates["sigma_q2"].value > 10 * sr.estimates["M"].value


def test_record_hook_and_npz_file_reach_the_command(
    digits: tuple[torch.Tensor, torch.Tensor], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    model = softmax_regression()
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    recorder = Recorder(model, loss_fn, digits, samples=16, batch_size=32, seed=3)
    handle = recorder.attach(optimizer, every=5)
    generator = torch.Generator().manual_seed(0)
    for _ in range(10):  # the user's own loop
        index = torch.randint(0, 1797, (32,), generator=generator)
        optimizer.zero_grad()
        loss_fn(model(digits[0][index]), digits[1][index]).backward()
        optimizer.step()
    handle.remove()
    assert len(recorder.points) == 2
    assert recorder.points[0]["weight"].shape == (16, 10, 64)
    path = tmp_path / "points.npz"
    assert gradients.save(path, recorder.points) == 2
    status = main(
        ["assumptions", "--gradients", str(path), "--format", "fp8_e5m2", "--layers", "--json"]
    )
    assert status == 0
    payload = json.loads(capsys.readouterr().out)
    assert set(payload[0]["layers"]) == {"weight", "bias"}
    assert payload[0]["verdicts"]["A2"]["status"] == "holds"


def test_quantized_sgd_steps_with_bit_exact_gradients(
    digits: tuple[torch.Tensor, torch.Tensor],
) -> None:
    model = softmax_regression()
    loss_fn = torch.nn.CrossEntropyLoss()
    loss_fn(model(digits[0][:64]), digits[1][:64]).backward()
    before = [p.detach().clone() for p in model.parameters()]
    grads = [p.grad.detach().clone() for p in model.parameters()]
    QuantizedSGD(model.parameters(), lr=0.25, quantizer="fp8_e4m3", loss_scale=64.0).step()
    for old, g, new in zip(before, grads, model.parameters(), strict=True):
        # the oracle: ml_dtypes' E4M3 cast of the float32 gradient times the power of two
        scaled = (g.numpy().astype(np.float64) * 64).astype(ml_dtypes.float8_e4m3fn)
        update = torch.from_numpy(scaled.astype(np.float64) / 64).to(torch.float32)
        assert torch.equal(new.detach(), torch.add(old, update, alpha=-0.25))


@pytest.mark.parametrize("fmt", ["fp8_e4m3", "fp4_e2m1"])
def test_quantized_sgd_dynamic_scaling_skips_overflow_and_backs_off(
    digits: tuple[torch.Tensor, torch.Tensor], fmt: str
) -> None:
    # E4M3 overflows to NaN, fp4 E2M1 saturates: both count as overflow for the scaler
    model = softmax_regression()
    scaler = DynamicLossScaler(init_scale=2.0**20)
    optimizer = QuantizedSGD(model.parameters(), lr=0.1, quantizer=fmt, loss_scale=scaler)
    before = [p.detach().clone() for p in model.parameters()]
    torch.nn.CrossEntropyLoss()(model(digits[0][:64]), digits[1][:64]).backward()
    optimizer.step()
    assert optimizer.skipped == 1
    assert float(scaler.scale[0]) == 2.0**19
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_smoothness_of_least_squares_is_the_data_hessian() -> None:
    # linear least squares: H = 2 XᵀX/n exactly, so L, ∇FᵀH∇F and tr(H)/d are known
    rng = np.random.default_rng(0)
    x = torch.tensor(rng.standard_normal((256, 6)) * [3, 1, 1, 0.5, 0.2, 0.1], dtype=torch.float64)
    y = torch.tensor(rng.standard_normal((256, 1)), dtype=torch.float64)
    model = torch.nn.Linear(6, 1, bias=False).double()
    found = smoothness(model, torch.nn.MSELoss(), (x, y), samples=64, batch_size=8, probes=64)
    hessian = 2 * (x.T @ x).numpy() / 256
    assert pytest.approx(np.linalg.eigvalsh(hessian).max(), rel=1e-6) == found.L
    exact = (2 * x.T @ (x @ model.weight.detach().T - y) / 256).numpy().ravel()
    assert found.grad_curved == pytest.approx(exact @ hessian @ exact, rel=1e-9)
    trace = found.trace_per_dim
    assert trace.low <= np.trace(hessian) / 6 <= trace.high
    assert 0 < found.M_L.value <= found.L * found.M.value
    with_fp4 = smoothness(
        model, torch.nn.MSELoss(), (x, y), quantizer="fp4_e2m1", rounding="sr", samples=32
    )
    assert with_fp4.sigma_q2 is not None
    assert with_fp4.sigma_qL is not None
    assert 0 < with_fp4.sigma_qL.value <= with_fp4.L * with_fp4.sigma_q2.value


def test_lambda_lr_sets_each_steps_stepsize() -> None:
    model = softmax_regression()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.3)
    scheduler = lambda_lr(optimizer, lambda k: 1.0 / k)
    seen = []
    for _ in range(3):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    assert seen == [1.0, 0.5, 1.0 / 3]


def test_bad_input_is_refused(digits: tuple[torch.Tensor, torch.Tensor]) -> None:
    loss_fn = torch.nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match="samples must be an integer >= 2"):
        next(record(mlp(), loss_fn, digits, points=1, samples=1, batch_size=4))
    with pytest.raises(ValueError, match="lr must be a number > 0"):
        QuantizedSGD(mlp().parameters(), lr=0)
    with pytest.raises(ValueError, match="dataset"):
        Recorder(mlp(), loss_fn, (digits[0], digits[1][:5]), samples=2, batch_size=1)


def test_real_model_benchmark_small_version_runs(tmp_path: Path) -> None:
    # the worked example end to end on three rows: fp32, fp4 SR (unbiased but noisy) and fp4
    # RNE (every gradient underflows: no step moves the model, and q_min = 0 predicts it)
    out = tmp_path / "rows.json"
    command = [
        sys.executable, str(ROOT / "benchmarks" / "real_model.py"), "--rows", "fp32/rne/none",
        "fp4_e2m1/sr/none", "fp4_e2m1/rne/none", "--seeds", "1", "--samples", "16",
        "--max-steps", "1500", "--json", str(out),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    assert done.returncode == 0, done.stderr
    rows = {(r["format"], r["rounding"]): r for r in json.loads(out.read_text())}
    assert rows[("fp32", "rne")]["measured"] == 1.0
    assert rows[("fp32", "rne")]["curvature"] == 1.0
    sr = rows[("fp4_e2m1", "sr")]
    assert sr["measured"] > 1.5
    assert sr["curvature"] > 1.5
    assert sr["paper"] > sr["curvature"]  # the worst case overstates the slowdown
    rne = rows[("fp4_e2m1", "rne")]
    assert rne["measured"] is None
    assert rne["curvature"] is None
    assert rne["q_min"] == 0.0
    assert "| fp4_e2m1 | sr | none |" in done.stdout
