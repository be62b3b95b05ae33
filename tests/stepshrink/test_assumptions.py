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
    assert header.split() == [
        "format",
        "rounding",
        "q_min",
        "q_max",
        "sigma_q2",
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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--points", "0"], "argument --points: must be an integer >= 1"),
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
