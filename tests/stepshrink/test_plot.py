"""``stepshrink plot KIND``: every kind writes its file in every format; bad input is one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stepshrink.cli import main
from tests.stepshrink.console import exit_status, run_console

MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}
SIM = ["--K", "50", "--replicas", "16", "--dim", "4", "--no-progress"]

KINDS = {
    "bound": ["bound", "--K-max", "1000"],
    "bound-T3": ["bound", "--theorem", "T3", "--K-max", "1000"],
    "bound-T2-sqrt": ["bound", "--theorem", "T2.sqrt", "--K-max", "1000"],
    "floor": ["floor", "--theorem", "T3"],
    # refined statements (issue 12): a known q varies q, matrix smoothness takes M_L, sigma_qL
    "bound-T1-sharp": ["bound", "--theorem", "T1.sharp", "--K-max", "1000"],
    "bound-T3-known-q": ["bound", "--theorem", "T3.known_q", "--K-max", "1000"],
    "bound-T3-matrix": ["bound", "--theorem", "T3.matrix", "--K-max", "1000", "--M-L", "0.002"],
    "floor-C3-known-q": ["floor", "--theorem", "C3.known_q"],
    "floor-T1-sharp": ["floor", "--theorem", "T1.sharp"],
    "k-eps": ["k-eps"],
    "trajectory": ["trajectory", *SIM, "--format", "synthetic", "--q-min", "0.5"],
    "trajectory-T4": ["trajectory", *SIM, "--beta", "40", "--gamma", "40"],
    "q": ["q", "--dim", "4", "--points", "2", "--samples", "16", "--format", "none"],
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_writes_a_png(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / f"{kind}.png"
    assert main(["plot", *KINDS[kind], "-o", str(target)]) == 0
    assert target.read_bytes().startswith(MAGIC[".png"])
    assert capsys.readouterr().out == f"{target}\n"


@pytest.mark.parametrize("suffix", [".svg", ".pdf"])
def test_vector_formats(suffix: str, tmp_path: Path) -> None:
    target = tmp_path / f"bound{suffix}"
    assert main(["plot", "bound", "--K-max", "100", "-o", str(target)]) == 0
    assert target.read_bytes().startswith(MAGIC[suffix])


def test_broken_stepsize_condition_draws_no_bound(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # mu = 1.5 > 1/(L M_G) = 1: the run is plotted, the bound is not, and stderr says why
    target = tmp_path / "t.png"
    assert main(["plot", "trajectory", *SIM, "--mu", "1.5", "-o", str(target)]) == 0
    assert target.is_file()
    assert "T3 hypothesis 'stepsize condition' fails: no bound drawn" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "KIND is required: one of bound, floor, k-eps, trajectory, q"),
        (["bound", "-o", "x.jpg"], "-o: file name must end in one of .png, .svg, .pdf"),
        (["bound", "--theorem", "T9"], "--theorem must be one of T1, T2, T2.harmonic"),
        (["floor", "--theorem", "T2"], "--theorem must be one of T1, T3, T1.sharp"),
        (["bound", "--q-mins", "1.5"], "argument --q-mins: must be a number in (0, 1]"),
        (["bound", "--mu", "5"], "'stepsize condition'"),
        (["bound", "--theorem", "T4"], "'slope condition'"),
        (["k-eps", "--epsilon", "-1"], "argument --epsilon: must be a finite number > 0"),
        (["q", "--format", "synthetic"], "--format synthetic needs --q-min"),
        (["trajectory", "--K", "0"], "argument --K: must be an integer >= 1"),
        # issue 15: floor drew although c > L breaks A5 (bound refused it)
        (["floor", "--theorem", "T3", "--c", "2"], "'A5: c <= L' (c <= L) fails with L = 1, c = 2"),
        (["floor", "--Delta", "1"], "unrecognized arguments: --Delta 1"),
        (["k-eps", "--sigma-q2-max", "1e308"], "--sigma-q2-max must be at most 1e+200"),
        (["bound", "--Delta", "1e300"], "nothing to draw on a log axis"),
        (["bound", "--theorem", "T2", "--K-max", "99999999999999999999"], "needs about"),
        (["q", "--samples", "1"], "argument --samples: must be an integer >= 2"),
        (["q", "--points", "100000000", "--samples", "100000000"], "needs about"),
        (["trajectory", "-o", "/sys/t.png"], "-o: cannot write in '/sys'"),
        (["nope"], "argument KIND: invalid choice"),
    ],
)
def test_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["plot", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_all_replicas_diverging_is_drawn_and_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # mu = 1e6: every replica diverges. This used to warn twice and fail with "Axis limits
    # cannot be NaN or Inf"; the run is drawn until it leaves the axes, and the figure says so
    target = tmp_path / "t.png"
    assert main(["plot", "trajectory", *SIM, "--mu", "1e6", "-o", str(target)]) == 0
    assert target.read_bytes().startswith(MAGIC[".png"])


@pytest.mark.parametrize("epsilon", ["1e6", "1e300"])
def test_k_eps_colour_bar_counts_whole_iterations(
    epsilon: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a huge epsilon is reached in one iteration: the colour bar must not start at 3e-6
    target = tmp_path / "k.png"
    assert main(["plot", "k-eps", "--epsilon", epsilon, "-o", str(target)]) == 0
    assert target.is_file()


def test_unwritable_output_in_a_subprocess(tmp_path: Path) -> None:
    result = run_console("plot", "bound", "-o", str(tmp_path / "missing" / "b.png"))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_interrupted_trajectory_keeps_its_plot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from simulate.noise import GaussianNoise

    original = GaussianNoise.sample
    calls = {"n": 0}

    def interrupt_at_step_10(self: GaussianNoise, *args: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 10:
            raise KeyboardInterrupt
        return original(self, *args)

    monkeypatch.setattr(GaussianNoise, "sample", interrupt_at_step_10)
    target = tmp_path / "t.png"
    assert main(["plot", "trajectory", *SIM, "-o", str(target)]) == 130
    assert target.read_bytes().startswith(MAGIC[".png"])
    err = capsys.readouterr().err
    assert f"interrupted after 9 of 50 steps; {target} shows the partial run" in err
