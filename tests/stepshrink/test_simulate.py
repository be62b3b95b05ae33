"""``stepshrink simulate``: saved trajectory and summary agree; Ctrl-C keeps the partial run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulate.noise import GaussianNoise
from simulate.trajectory import load
from stepshrink.cli import main
from tests.stepshrink.console import exit_status, run_console

BASE = ["simulate", "--K", "60", "--replicas", "32", "--no-progress"]


def test_synthetic_run_saves_npz_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "run.npz"
    argv = [*BASE, "--format", "synthetic", "--q-min", "0.5", "--sigma-q2", "0.01"]
    status = main([*argv, "--mu", "0.2", "-o", str(target)])
    assert status == 0
    trajectory = load(target)
    summary = json.loads((tmp_path / "run.json").read_text())
    assert trajectory.steps == summary["steps"] == 60
    assert not summary["interrupted"]
    assert summary["replicas"] == 32
    np.testing.assert_array_equal(trajectory.stepsize, np.full(60, 0.2))
    assert summary["final_gap"]["mean"] == trajectory.gap_mean[-1]
    # the synthetic model draws q uniformly in [q_min, 1]: nothing below q_min is ever observed
    assert 0.5 <= summary["q_min_observed"] < summary["q_max_observed"] <= 1.0
    assert summary["meta"]["gradient_quantizer"]["q_min"] == 0.5
    out = capsys.readouterr().out
    assert "observed q_k range" in out
    assert str(target) in out


def test_real_format_run_measures_shrinkage(tmp_path: Path) -> None:
    # fp4 E2M1 round-to-nearest, the mechanism of docs/spec.md section 4: small gradients
    # underflow to 0
    target = tmp_path / "fp4.npz"
    argv = [*BASE, "--format", "fp4_e2m1", "--rounding", "rne", "-o", str(target)]
    assert main(argv) == 0
    trajectory = load(target)
    summary = json.loads((tmp_path / "fp4.json").read_text())
    assert summary["meta"]["gradient_quantizer"]["format"] == "fp4_e2m1"
    assert summary["underflow_mean"] > 0
    assert np.nanmin(trajectory.q_min) < 1.0


def test_block_format_run(tmp_path: Path) -> None:
    target = tmp_path / "mx.npz"
    assert main([*BASE, "--format", "mxfp4", "--rounding", "sr", "-o", str(target)]) == 0
    summary = json.loads((tmp_path / "mx.json").read_text())
    assert summary["meta"]["gradient_quantizer"]["format"] == "mxfp4"
    assert summary["meta"]["gradient_quantizer"]["rounding"] == "sr"
    assert summary["steps"] == 60


def test_same_seed_same_bits(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert main([*BASE, "--seed", "7", "-o", str(tmp_path / f"{name}.npz")]) == 0
    first, second = load(tmp_path / "a.npz"), load(tmp_path / "b.npz")
    np.testing.assert_array_equal(first.gap_mean, second.gap_mean)
    assert main([*BASE, "--seed", "8", "-o", str(tmp_path / "c.npz")]) == 0
    assert not np.array_equal(first.gap_mean, load(tmp_path / "c.npz").gap_mean)


def test_diminishing_schedule_reaches_the_run(tmp_path: Path) -> None:
    target = tmp_path / "run.npz"
    assert main([*BASE, "--beta", "2", "--gamma", "4", "-o", str(target)]) == 0
    np.testing.assert_allclose(load(target).stepsize, 2.0 / (4.0 + np.arange(1, 61)), rtol=0)


def test_interrupted_run_keeps_its_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    original = GaussianNoise.sample
    calls = {"n": 0}

    def interrupt_at_step_25(self: GaussianNoise, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 25:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(GaussianNoise, "sample", interrupt_at_step_25)
    target = tmp_path / "run.npz"
    assert main([*BASE, "-o", str(target)]) == 130
    trajectory = load(target)
    assert trajectory.interrupted
    assert trajectory.steps == 24
    assert trajectory.gap_mean.shape == (25,)
    assert json.loads((tmp_path / "run.json").read_text())["interrupted"] is True
    err = capsys.readouterr().err
    assert "interrupted after 24 of 60 steps" in err
    assert str(target) in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--K", "0"], "argument --K: must be an integer >= 1"),
        (["--mu", "nan"], "argument --mu: must be a finite number > 0"),
        (["--q-min", "0.5"], "--q-min applies only with --format synthetic"),
        (["--format", "synthetic"], "--format synthetic needs --q-min"),
        (["--mu", "0.1", "--beta", "1", "--gamma", "1"], "give either --mu or --beta"),
        (["--beta", "1"], "--beta and --gamma go together"),
        (["--c", "2", "--L", "1"], "--c 2 exceeds --L 1: A5 needs the PL constant c <= the"),
        # issue 15: the user never gave --c, so the message must not say "--c ... got 0.1"
        (["--L", "0.05"], "c = 0.1 (the default) exceeds --L 0.05"),
        (["--K", "1000000000000"], "needs about"),
        (["--replicas", "10000000000"], "needs about"),
        (["--dim", "1000000000"], "needs about"),
        (["--random-bits", "100"], "argument --random-bits: must be an integer in [1, 62]"),
        (["--random-bits", "8"], "--random-bits applies only with --rounding sr"),
        (["--loss-scale", "1e308", "--format", "fp16"], "--loss-scale must be at most"),
        (["-o", ""], "-o: path must not be empty"),
        (["-o", "/sys/x.npz"], "-o: cannot write in '/sys'"),
        (["-o", "/proc/x.npz"], "-o: cannot write in '/proc'"),
        (["-o", "/etc/passwd/x.npz"], "-o: '/etc/passwd' is not a directory"),
        (["--rounding", "nearest"], "argument --rounding: invalid choice"),
        (["--format", "fp7_e9"], "--format 'fp7_e9'"),
        (["--format", "fp7_e9"], "known: fp32, tf32, fp16, bf16, fp8_e4m3"),
        (["--format", "fp7_e9"], "mxfp8_e4m3, mxfp8_e5m2, mxfp6_e3m2, mxfp6_e2m3, mxfp4, nvfp4"),
        (["--batch-size", "4"], "minibatch noise needs --problem"),
        (["--loss-scale", "8"], "--loss-scale needs a --format"),
        (["-o", "run.txt"], "-o: file name must end in one of .npz"),
        (["-o", "/no/such/dir/run.npz"], "does not exist"),
    ],
)
def test_bad_options_are_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert exit_status([*BASE, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # a write failure used to surface after the run, as a traceback with exit status 1
    import simulate.sgd

    def no_run(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the run started before its output was checked")

    monkeypatch.setattr(simulate.sgd, "run", no_run)
    for target in ("/sys/x.npz", "/proc/x.npz", "/etc/passwd/x.npz"):
        assert exit_status([*BASE, "-o", target]) == 2
    assert capsys.readouterr().err.count("\n") == 3


def test_summary_path_is_checked_with_the_trajectory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # the pair is written together: an unwritable summary (here a directory in its place)
    # refuses the run up front, and no lone half.npz is left behind
    (tmp_path / "half.json").mkdir()
    assert exit_status([*BASE, "-o", str(tmp_path / "half.npz")]) == 2
    assert "-o (its JSON summary)" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["half.json"]


def test_summary_records_stepsize_and_loss_scale(tmp_path: Path) -> None:
    target = tmp_path / "run.npz"
    argv = [*BASE, "--format", "fp16", "--loss-scale", "8", "--mu", "0.05", "-o", str(target)]
    assert main(argv) == 0
    meta = json.loads((tmp_path / "run.json").read_text())["meta"]
    assert meta["schedule"] == {"mu": 0.05}
    assert meta["stepsize"] == {"mu": 0.05}
    assert meta["loss_scale"] == 8.0
    assert meta["loss_scaler"]["kind"] == "static"
    assert meta["loss_scaler"]["scale"] == 8.0


def test_a_diverged_run_has_a_strict_summary(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "run.npz"
    assert main([*BASE, "--mu", "1e6", "-o", str(target)]) == 0
    text = (tmp_path / "run.json").read_text()
    # strict JSON: json.loads with NaN/Infinity refused
    summary = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in JSON"))
    assert summary["diverged"] == summary["replicas"] == 32
    assert summary["final_gap"]["mean"] is None
    assert "all 32 replicas diverged" in summary["final_gap"]["reason"]
    assert "all 32 replicas diverged" in capsys.readouterr().err


def test_no_progress_frames_off_a_terminal(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # stderr is captured (not a terminal): no bar, so no "\r" frames in a log
    argv = ["simulate", "--K", "1500", "--replicas", "4", "-o", str(tmp_path / "r.npz")]
    assert main(argv) == 0
    assert "\r" not in capsys.readouterr().err


def test_bad_option_through_the_console_script(tmp_path: Path) -> None:
    result = run_console(*BASE, "--replicas", "-3", "-o", str(tmp_path / "r.npz"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert "--replicas" in result.stderr
    assert not (tmp_path / "r.npz").exists()
