"""``stepshrink assumptions``: the table and JSON are the checker's own numbers, row by row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulate.assumptions import check
from simulate.noise import GaussianNoise
from simulate.problems import quadratic
from simulate.quantizer import SyntheticShrinkage
from stepshrink.cli import main
from stepshrink.commands.assumptions import interval_text
from tests.stepshrink.console import exit_status, run_console

SMALL = ["assumptions", "--points", "4", "--samples", "64", "--repeats", "64", "--dim", "4"]


def test_json_matches_the_checker(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "checks.json"
    argv = [*SMALL, "--format", "none", "synthetic", "--q-min", "0.5", "--sigma-q2", "0.02"]
    assert main([*argv, "--seed", "3", "--json", "-o", str(target)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == json.loads(target.read_text())
    assert [(row["format"], row["rounding"]) for row in printed] == [
        ("none", "-"),
        ("synthetic", "-"),
    ]
    # the same call through the library: identical numbers (same seed, same sampling)
    problem = quadratic([0.1, 0.4, 0.7, 1.0], seed=3)
    direct = check(
        problem,
        SyntheticShrinkage(q_min=0.5, sigma_q2=0.02),
        noise=GaussianNoise(0.01),
        n_points=4,
        samples=64,
        repeats=64,
        seed=3,
    ).to_dict()
    assert printed[1]["estimates"] == direct["estimates"]
    assert {name: v["holds"] for name, v in printed[1]["verdicts"].items()} == {
        "A2": True,
        "A3": True,
        "A4": True,
    }
    # without a quantizer nothing shrinks: q = 1 and no quantization noise, exactly
    assert printed[0]["estimates"]["q_min"]["value"] == 1.0
    assert printed[0]["estimates"]["sigma_q2"]["value"] == 0.0


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*SMALL, "--format", "synthetic", "--q-min", "0.5", "--evidence"]) == 0
    out = capsys.readouterr().out
    header, rule, row = out.splitlines()[1:4]
    # the README promises q_min, sigma_q2, M and M_G with intervals, and a verdict per A2-A4
    assert header.split() == [
        "format",
        "rounding",
        "q_min",
        "q_max",
        "sigma_q2",
        "M",
        "M_G",
        "underflow",
        "saturated",
        "A2",
        "A3",
        "A4",
    ]
    assert set(rule.replace(" ", "")) == {"-"}
    assert row.startswith("synthetic")
    assert row.split()[-3:] == ["holds", "holds", "holds"]
    assert "synthetic / - A4: E[eps | g] = 0" in out
    # a legend says what A2-A4, underflow, saturated and the verdicts mean
    for term in ("A2:", "A3:", "A4:", "underflow:", "saturated:", "inconclusive:", "M, M_G:"):
        assert term in out


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        (0.99994, 0.99994, 0.99994),  # the bf16 row: printed as 0.9999 [1, 1]
        (0.99996, 0.99994, 1.00004),
        (0.9122, -3.64, 5.46),
        (6.281e-15, 5.66e-15, 6.91e-15),
        (1.0, 1.0 - 1e-13, 1.0 + 1e-13),
    ],
)
def test_printed_estimate_lies_in_its_printed_interval(
    value: float, low: float, high: float
) -> None:
    text = interval_text(value, low, high)
    shown, interval = text.split(" ", 1)
    bottom, top = (float(x) for x in interval.strip("[]").split(", "))
    assert bottom <= float(shown) <= top, text


def test_naive_rounding_puts_the_estimate_outside(capsys: pytest.CaptureFixture[str]) -> None:
    # the old cells: estimate to 4 digits, interval to 3 — shown to break containment
    value = low = high = 0.99994
    assert float(f"{value:.4g}") < float(f"{low:.3g}")
    assert interval_text(value, low, high) == "0.9999 [0.9999, 0.9999]"
    assert interval_text(float("nan"), float("nan"), float("nan")) == "-"


def test_wide_intervals_are_inconclusive(capsys: pytest.CaptureFixture[str]) -> None:
    # fp4 E2M1 with stochastic rounding: q̄(x) intervals reach below 0 and A4's test cannot
    # resolve a bias as large as the gradient; neither is "holds" (seed 0, 99.9% level)
    argv = [*SMALL, "--dim", "16", "--format", "fp4_e2m1", "--rounding", "sr", "--json"]
    assert main(argv) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["verdicts"]["A3"]["status"] == "inconclusive"
    assert row["verdicts"]["A3"]["holds"] is True  # not refuted, either
    assert "Inconclusive" in row["verdicts"]["A3"]["evidence"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--points", "0"], "argument --points: must be an integer >= 1"),
        (["--samples", "1"], "argument --samples: must be an integer >= 2"),
        (["--random-bits", "8"], "--random-bits applies only with --rounding sr"),
        (["--random-bits", "63", "--rounding", "sr"], "must be an integer in [1, 62]"),
        (["--loss-scale", "1e308", "--format", "bf16"], "--loss-scale must be at most"),
        (["--samples", "100000000"], "needs about"),
        (["--dim", "100000000"], "needs about"),
        (["-o", ""], "-o: path must not be empty"),
        (["-o", "/sys/x.json"], "-o: cannot write in '/sys'"),
        (["-o", "/etc/passwd/x.json"], "'/etc/passwd' is not a directory"),
        (["--level", "1"], "argument --level: must be a number in (0, 1)"),
        (["--rounding", "up"], "argument --rounding: invalid choice"),
        (["--q-min", "0.5"], "--q-min applies only with --format synthetic"),
        (["-o", "out.csv"], "-o: file name must end in one of .json"),
        (["--format"], "argument --format: expected at least one argument"),
    ],
)
def test_bad_options(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status([*SMALL, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_bad_option_in_a_subprocess() -> None:
    result = run_console(*SMALL, "--sigma-q2", "-1")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "argument --sigma-q2: must be a finite number >= 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_rounding_modes_on_a_real_format(capsys: pytest.CaptureFixture[str]) -> None:
    # docs/spec.md section 4: round-to-nearest is deterministic, so E[eps | g] = 0 (A4) fails
    # wherever rounding is visible; stochastic rounding is unbiased and passes (seed 0, 99.9%)
    argv = [*SMALL, "--format", "fp8_e4m3", "--rounding", "rne", "sr", "--json"]
    assert main(argv) == 0
    rows = {row["rounding"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows["rne"]["verdicts"]["A4"]["holds"] is False
    assert rows["sr"]["verdicts"]["A4"]["holds"] is True
    assert rows["rne"]["settings"]["quantizer"]["rounding"] == "rne"
