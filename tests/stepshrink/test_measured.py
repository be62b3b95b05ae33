"""``schedule --from`` and ``bound --from``: measured constants from an assumption report.

The reports are written by ``stepshrink assumptions -o`` itself (round trip), on a built-in
problem and on recorded per-layer gradients; edited copies test clipping and refusal.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulate import gradients
from stepshrink.cli import main
from tests.stepshrink.console import exit_status

CHECK = ["--format", "fp8_e4m3", "--rounding", "sr", "--points", "4", "--samples", "64"]
GIVEN = ["--L", "1", "--Delta", "1"]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "report.json"
    assert main(["assumptions", *CHECK, "--repeats", "64", "-o", str(path), "--json"]) == 0
    return path


def schedule(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["schedule", *argv, "--json"]) == 0
    result: dict[str, Any] = json.loads(capsys.readouterr().out)
    return result


def edited(report: Path, tmp_path: Path, **values: float) -> Path:
    """A copy of ``report`` with some estimates' point values replaced."""
    payload = json.loads(report.read_text())
    for name, value in values.items():
        payload[0]["estimates"][name]["value"] = value
    path = tmp_path / "edited.json"
    path.write_text(json.dumps(payload))
    return path


def test_round_trip_takes_the_measured_constants(
    report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    estimates = json.loads(report.read_text())[0]["estimates"]
    result = schedule(capsys, "--from", str(report), *GIVEN)
    constants, sources = result["constants"], result["sources"]
    for name in ("sigma_q2", "M", "M_G"):
        assert constants[name] == max(estimates[name]["value"], 1.0 if name == "M_G" else 0.0)
        assert sources[name] == "report.json fp8_e4m3/sr"
    assert constants["q_min"] == min(estimates["q_min"]["value"], 1.0)
    assert sources["L"] == "--L"
    assert sources["epsilon"] == "default"
    # the same numbers typed as options give the same advice
    typed = [f"--{n.replace('_', '-')}={constants[n]!r}" for n in ("q_min", "M", "M_G")]
    typed.append(f"--sigma-q2={constants['sigma_q2']!r}")
    by_hand = schedule(capsys, *GIVEN, *typed, "--F1-gap", "1")
    assert by_hand["fixed_stepsize"] == result["fixed_stepsize"]
    assert by_hand["iterations"] == result["iterations"]
    # an explicit option wins over the file
    override = schedule(capsys, "--from", str(report), *GIVEN, "--q-min", "0.5")
    assert override["constants"]["q_min"] == 0.5
    assert override["sources"]["q_min"] == "--q-min"


def test_conservative_ends_of_the_intervals(
    report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    estimates = json.loads(report.read_text())[0]["estimates"]
    result = schedule(capsys, "--from", str(report), *GIVEN, "--estimate", "conservative")
    assert result["constants"]["q_min"] == estimates["q_min"]["low"]
    assert result["constants"]["sigma_q2"] == estimates["sigma_q2"]["high"]
    assert result["constants"]["M"] == estimates["M"]["high"]
    point = schedule(capsys, "--from", str(report), *GIVEN)
    assert result["iterations"]["K_eps"] > point["iterations"]["K_eps"]


def test_estimates_are_clipped_into_the_domains_with_a_note(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a stochastic-rounding q estimate above 1 and a negative least-squares M: not refused
    path = edited(report, tmp_path, q_min=1.00037, M=-0.002, M_G=0.99)
    result = schedule(capsys, "--from", str(path), *GIVEN)
    assert result["constants"]["q_min"] == 1.0
    assert result["constants"]["M"] == 0.0
    assert result["constants"]["M_G"] == 1.0
    notes = "\n".join(result["notes"])
    assert "q_min estimate 1.00037 > 1 clipped to q_min = 1" in notes
    assert "so 1 is within sampling noise" in notes
    assert "M estimate -0.002 < 0 clipped to M = 0" in notes
    assert "M_G estimate 0.99 < 1 clipped to M_G = 1" in notes
    # the table prints them too
    assert main(["schedule", "--from", str(path), *GIVEN]) == 0
    out = capsys.readouterr().out
    assert "note: q_min estimate 1.00037 > 1 clipped" in out
    # the same q typed on the command line is still refused: only estimates are clipped
    assert exit_status(["schedule", "--q-min", "1.00037"]) == 2
    # an option given explicitly drops the note on the value it replaces
    result = schedule(capsys, "--from", str(path), *GIVEN, "--q-min", "0.9")
    assert not any(note.startswith("q_min") for note in result["notes"])


def test_k_eps_is_a_whole_number_of_iterations(
    report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for epsilon in ("0.05", "0.013", "3"):
        result = schedule(capsys, "--from", str(report), *GIVEN, "--epsilon", epsilon)
        iterations = result["iterations"]
        assert isinstance(iterations["K_eps"], int)
        assert iterations["K_eps"] >= 1
        assert iterations["K_eps"] == max(math.ceil(iterations["K_eps_real"] - 1e-9), 1)
        assert isinstance(iterations["K_eps_full_precision"], int)
        # the whole count goes back in as the budget and meets the target there
        again = schedule(capsys, "--from", str(report), *GIVEN, "--K", str(iterations["K_eps"]))
        assert again["fixed_stepsize"]["bound"] <= float(epsilon) * (1 + 1e-12)


def test_pl_rows_hidden_without_c(report: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = schedule(capsys, "--from", str(report), *GIVEN)
    assert "pl_schedule" not in result
    assert "T4.sharp" not in result["refined"]
    assert any("no PL constant c is known" in note for note in result["notes"])
    assert main(["schedule", "--from", str(report), *GIVEN]) == 0
    labels = [line.split("  ")[0] for line in capsys.readouterr().out.splitlines()]
    assert not [label for label in labels if label.startswith(("T4", "fp beta"))]
    with_c = schedule(capsys, "--from", str(report), *GIVEN, "--c", "0.1")
    assert with_c["pl_schedule"]["beta"] == pytest.approx(2 / (0.1 * with_c["constants"]["q_min"]))
    assert "T4.sharp" in with_c["refined"]
    assert with_c["constants"]["F1_gap"] == 1.0  # = Delta under PL
    assert with_c["sources"]["F1_gap"] == "= Delta"


def smoothness_file(tmp_path: Path, **values: float) -> Path:
    """A file shaped as stepshrink.torch.Smoothness.to_dict writes it."""
    estimates = {
        name: {"value": v, "low": v, "high": v, "level": 0.999, "method": "test"}
        for name, v in values.items()
    }
    path = tmp_path / "smoothness.json"
    path.write_text(json.dumps({"estimates": estimates, "settings": {"dim": 3}}))
    return path


def test_curvature_weighted_prediction_next_to_the_worst_case(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--from", str(report), "--Delta", "1", "--epsilon", "1e-4"]
    base = schedule(capsys, *argv, "--L", "2")
    q, M, sigma = (base["constants"][n] for n in ("q_min", "M", "sigma_q2"))
    # Lmat = L I: M_L = L M, sigma_qL = L sigma_q2 gives exactly the worst case
    flat = smoothness_file(tmp_path, L=2.0, M_L=2 * M, sigma_qL=2 * sigma)
    same = schedule(capsys, *argv, "--from", str(flat))["curvature_weighted"]
    assert same["K_eps"] == base["iterations"]["K_eps"]
    assert same["mu"] == pytest.approx(base["fixed_stepsize"]["mu"], rel=1e-12)
    # noise in flat directions: deep in the noise regime the slowdown is
    # (M_L + sigma_qL)/(M_L q_min^2), here far below the worst case's S/(M q_min^2)
    curved = smoothness_file(tmp_path, L=2.0, M_L=2 * M, sigma_qL=0.01 * sigma)
    result = schedule(capsys, *argv, "--from", str(curved))
    weighted = result["curvature_weighted"]
    assert result["sources"]["L"] == "smoothness.json"
    expected = (2 * M + 0.01 * sigma) / (2 * M * q * q)
    assert weighted["slowdown"] == pytest.approx(expected, rel=1e-3)
    assert weighted["slowdown"] < result["iterations"]["slowdown"]
    assert weighted["K_eps"] < result["iterations"]["K_eps"]
    assert main(["schedule", *argv, "--from", str(curved)]) == 0
    out = capsys.readouterr().out
    assert "slowdown, curvature" in out
    assert "worst case: K(eps)" in out


def test_per_layer_gradients_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(0)
    points = [
        {
            "w": 1 + 0.1 * rng.standard_normal((32, 4, 3)),
            "b": 0.5 + 0.1 * rng.standard_normal((32, 4)),
        }
        for _ in range(3)
    ]
    npz = tmp_path / "points.npz"
    gradients.save(npz, points)
    path = tmp_path / "layers.json"
    argv = ["--gradients", str(npz), "--layers", "--format", "bf16", "--repeats", "32"]
    assert main(["assumptions", *argv, "-o", str(path), "--json"]) == 0
    payload = json.loads(path.read_text())
    assert set(payload[0]["layers"]) == {"w", "b"}
    result = schedule(capsys, "--from", str(path), *GIVEN)
    overall = payload[0]["estimates"]
    assert result["constants"]["sigma_q2"] == overall["sigma_q2"]["value"]
    assert result["sources"]["M"] == "layers.json bf16/rne"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "is not JSON"),
        ('[{"estimates": {"q_min": {"value": NaN}}}]', "NaN is not strict JSON"),
        ("[1, 2]", "entry 0 is not a JSON object"),
        ("[]", "expected an assumption report"),
        ('"q_min"', "expected an assumption report"),
        ('{"theorem": "T1", "bound": 1.0}', "unknown key(s) bound, theorem"),
        ('{"estimates": {"underflow": {"value": 0.1}}}', "gives none of the constants"),
        ('{"estimates": {"q_min": {"value": "0.5"}}}', "q_min.value must be a number or null"),
        (
            '{"estimates": {"q_min": {"value": "__import__(\'os\').getcwd()"}}}',
            "q_min.value must be a number or null",
        ),
        ('{"estimates": {"q_min": {"value": true}}}', "q_min.value must be a number or null"),
        ('{"estimates": {"q_min": 0.5}}', "estimate 'q_min' must be an object with a 'value'"),
        ('{"estimates": {"q_min": {"value": 0.5, "cov": 1}}}', "unknown key(s) cov"),
        ('{"estimates": {"q_min": {"value": 0.0}}}', "q_min estimate 0 is outside (0, 1]"),
        ('{"estimates": {"M": {"value": 1e999}}}', "M.value is not finite"),
        (
            '[{"format": "a", "estimates": {"M": {"value": 1}}},'
            ' {"format": "b", "estimates": {"M": {"value": 2}}}]',
            "holds 2 reports: choose one with --entry (a/-, b/-)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["schedule", "bound"])
def test_bad_files_exit_2_with_one_line(
    command: str, content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, content)
    argv = [command, *(["T1"] if command == "bound" else []), "--from", str(path), *GIVEN]
    assert exit_status(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert message in err
    assert f"--from {str(path)!r}" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--from", "/nonexistent/report.json"], "No such file"),
        (["--from", "/"], "--from: cannot read '/': Is a directory"),
        (["--entry", "fp8_e4m3"], "--entry needs --from"),
        (["--from", "{report}", "--entry", "bf16"], "--entry 'bf16' matches no report"),
        (["--from", "{report}", "--Delta", "1"], "the report does not give --L"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    argv: list[str], message: str, report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{report}", str(report)) for a in argv]
    assert exit_status(["schedule", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert message in err


def test_entry_picks_one_report_of_several(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "two.json"
    check = ["--format", "bf16", "fp8_e5m2", "--rounding", "rne", "--points", "3"]
    assert main(["assumptions", *check, "--samples", "32", "--repeats", "32", "-o", str(path)]) == 0
    capsys.readouterr()
    payload = json.loads(path.read_text())
    result = schedule(capsys, "--from", str(path), "--entry", "fp8_e5m2/rne", *GIVEN)
    assert result["constants"]["sigma_q2"] == payload[1]["estimates"]["sigma_q2"]["value"]
    assert result["sources"]["sigma_q2"] == "two.json fp8_e5m2/rne"


def test_bound_from_a_report(
    report: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = edited(report, tmp_path, q_min=1.00037)
    argv = ["bound", "T1", "--from", str(path), *GIVEN, "--K", "100", "--mu", "0.1", "--json"]
    assert main(argv) == 0
    result = json.loads(capsys.readouterr().out)
    estimates = json.loads(report.read_text())[0]["estimates"]
    assert result["constants"]["q_min"] == 1.0
    assert result["constants"]["sigma_q2"] == estimates["sigma_q2"]["value"]
    assert "q_min estimate 1.00037 > 1 clipped" in result["notes"][0]
    assert "curvature_weighted" not in result
    # T1's bound written out at the measured numbers: 2 Delta/(K mu q) + L mu S/q
    c = result["constants"]
    S = c["M"] + c["sigma_q2"]
    assert result["bound"] == pytest.approx(2 / (100 * 0.1) + 0.1 * S, rel=1e-12)
    # with curvature-weighted constants, T1.matrix's bound is shown next to it
    flat = smoothness_file(tmp_path, M_L=0.1 * c["M"], sigma_qL=0.1 * c["sigma_q2"])
    assert main([*argv[:-1], "--from", str(flat)]) == 0
    out = capsys.readouterr().out
    assert "(worst case: noise weighted by L)" in out
    assert "curvature-weighted (T1.matrix, M_L and sigma_qL)" in out
    assert "note: q_min estimate 1.00037" in out
    assert main([*argv, "--from", str(flat)]) == 0
    curved = json.loads(capsys.readouterr().out)["curvature_weighted"]
    assert curved["theorem"] == "T1.matrix"
    assert curved["bound"] < result["bound"]


def test_bound_an_explicit_m_v_replaces_the_measured_m_g(
    report: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["bound", "T1", "--from", str(report), *GIVEN, "--mu", "0.1", "--K", "10"]
    assert main([*argv, "--M-V", "0.5", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["constants"]["M_V"] == 0.5
    assert "M_G" not in result["sources"]
