"""``stepshrink bound``: the printed bound is the theorem's value; broken hypotheses are refused."""

from __future__ import annotations

import json

import pytest

from bounds.theorems import get
from stepshrink.cli import main
from tests.stepshrink.console import exit_status, run_console

T1 = ["--L", "2", "--Delta", "1.5", "--M", "0.3", "--M-G", "1.25", "--sigma-q2", "0.05"]
T1_REST = ["--q-min", "0.5", "--mu", "0.1", "--K", "1000"]


def test_json_is_the_statement_value(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bound", "T1", *T1, *T1_REST, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    # docs/spec.md section 3 (T1) written out: 2 Delta/(K mu q_min) + L mu (M + sigma_q2)/q_min
    assert result["bound"] == pytest.approx(2 * 1.5 / (1000 * 0.1 * 0.5) + 2 * 0.1 * 0.35 / 0.5)
    assert result["floor"] == pytest.approx(2 * 0.1 * 0.35 / 0.5)
    assert result["theorem"] == "T1"
    assert result["horizon"] == "K"
    assert result["constants"]["K"] == 1000
    assert "stepsize condition" in result["hypotheses"]
    assert result["latex"] == get("T1").latex()


def test_table_and_latex(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bound", "T1", *T1, *T1_REST, "--latex"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("T1 (")
    assert "<= 0.2" in out  # 0.06 + 0.14
    assert "floor as K -> infinity: 0.14" in out
    assert f"LaTeX: {get('T1').latex()}" in out


def test_pl_theorem_with_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bound", "T4", "--L", "1", "--c", "0.1", "--M", "0.01", "--M-G", "1"]
    argv += ["--sigma-q2", "0.01", "--q-min", "0.5", "--beta", "40", "--gamma", "40"]
    assert main([*argv, "--F1-gap", "1", "--k", "100", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    nu = max(40**2 * 1 * 0.02 / (2 * (40 * 0.1 * 0.5 - 1)), 41 * 1.0)  # docs/spec.md section 3 (T4)
    assert result["bound"] == pytest.approx(nu / 140)


def test_refined_statements_evaluate(capsys: pytest.CaptureFixture[str]) -> None:
    # T1.sharp = T1/(2 - L mu M_G q_min): the descent factor kept
    assert main(["bound", "T1.sharp", *T1, *T1_REST, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    paper = 2 * 1.5 / (1000 * 0.1 * 0.5) + 2 * 0.1 * 0.35 / 0.5
    assert result["bound"] == pytest.approx(paper / (2 - 2 * 0.1 * 1.25 * 0.5))
    # T1.matrix with the Lmat-weighted constants: 2 Delta/(K mu q t) + mu (M_L + sigma_qL)/(q t)
    matrix = ["--L", "2", "--Delta", "1.5", "--M-L", "0.1", "--sigma-qL", "0.02", "--M-G", "1.25"]
    assert main(["bound", "T1.matrix", *matrix, *T1_REST, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    t = 2 - 2 * 0.1 * 1.25 * 0.5
    expected = 2 * 1.5 / (1000 * 0.1 * 0.5 * t) + 0.1 * 0.12 / (0.5 * t)
    assert result["bound"] == pytest.approx(expected)
    # C3.known_q: nominal mu/q, so the step is mu and the quantization noise grows by 1/q^2
    known = [*T1, "--q", "0.5", "--mu", "0.1", "--K", "1000"]
    assert main(["bound", "C3.known_q", *known, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    t = 2 - 2 * 0.1 * 1.25
    expected = 2 * 1.5 / (1000 * 0.1 * t) + 2 * 0.1 * (0.3 + 0.05 / 0.25) / t
    assert result["bound"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["T2.sharp", *T1, "--q-min", "0.5", "--beta", "1", "--gamma", "1"], "--K, --mu-max"),
        (["T3.known_q", "--q", "1.5"], "argument --q: must be a number in (0, 1]"),
        (["T1", *T1, "--q-min", "0.5", "--mu", "1", "--K", "10"], "'stepsize condition'"),
        (["T1", *T1, "--q-min", "0.5", "--mu", "1", "--K", "10"], "mu = 1"),
        (["T1", "--L", "1"], "T1 needs --Delta, --K, --M, --M-G, --mu, --q-min, --sigma-q2"),
        (["T9"], "THEOREM must be one of L1, L2, L3, T1, T2, T2.harmonic, T2.sqrt, T3"),
        ([], "THEOREM is required"),
        (["T1", "--q-min", "0"], "argument --q-min: must be a number in (0, 1]"),
        (["T1", "--K", "2.5"], "argument --K: must be an integer >= 1"),
        (["T1", "--L", "1e999"], "argument --L: must be a finite number > 0"),
        (["T1", "--latex", "--json"], "not allowed with argument"),
    ],
)
def test_bad_input(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["bound", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_extreme_inputs_give_the_true_value(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 15: at Delta = 1e308, 2*Delta overflows first, and "bound": Infinity was printed;
    # the true value 2e308/(K mu q_min) + ... = 4e306 is an ordinary float
    argv = ["bound", "T1", "--L", "1", "--Delta", "1e308", "--M", "0.01", "--M-G", "1"]
    argv += ["--sigma-q2", "0.01", "--q-min", "0.5", "--mu", "0.1", "--K", "1000", "--json"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "Infinity" not in text
    assert json.loads(text)["bound"] == pytest.approx(4e306, rel=1e-15)


def test_a_bound_beyond_float64_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bound", "T1", "--L", "1", "--Delta", "1e308", "--M", "0.01", "--M-G", "1"]
    argv += ["--sigma-q2", "0.01", "--q-min", "0.5", "--mu", "1e-10", "--K", "1"]
    assert exit_status(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "exceeds float64's largest finite number" in err


def test_variants_are_listed_and_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bound", "T2.sqrt", "--L", "1", "--Delta", "1", "--M", "0.01", "--M-G", "1"]
    assert main([*argv, "--sigma-q2", "0.01", "--q-min", "0.5", "--mu0", "0.5", "--K", "100"]) == 0
    assert capsys.readouterr().out.startswith("T2.sqrt (")


def test_numbers_in_messages_keep_their_digits(capsys: pytest.CaptureFixture[str]) -> None:
    # mu = 1.0000001 was reported as "mu = 1", which reads as meeting mu <= 1/(L M_G) = 1
    argv = ["bound", "T1", "--L", "1", "--Delta", "1", "--M", "0", "--M-G", "1"]
    argv += ["--sigma-q2", "0", "--q-min", "1", "--mu", "1.0000001", "--K", "1"]
    assert exit_status(argv) == 2
    assert "mu = 1.0000001" in capsys.readouterr().err


def test_sequence_horizon_beyond_memory_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["bound", "T2", "--L", "1", "--Delta", "1", "--M", "0.01", "--M-G", "1"]
    argv += ["--sigma-q2", "0.01", "--q-min", "0.5", "--mu", "0.1"]
    assert exit_status([*argv, "--K", "100000000000000000000"]) == 2
    err = capsys.readouterr().err
    assert "summing mu_k over k = 1..K = 100000000000000000000 needs about" in err
    assert err.count("\n") == 1


def test_broken_hypothesis_in_a_subprocess() -> None:
    result = run_console("bound", "T1", *T1, "--q-min", "0.5", "--mu", "1", "--K", "10")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "stepshrink bound: error: T1: the numbers break hypothesis 'stepsize condition' "
        "(mu <= 1/(L*M_G)) fails with L = 2, M_G = 1.25, mu = 1\n"
    )
