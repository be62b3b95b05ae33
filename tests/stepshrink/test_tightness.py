"""``stepshrink tightness``: the table, strict JSON, the plot, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stepshrink.cli import main
from stepshrink.commands.tightness import EXIT_STOPPED
from tests.stepshrink.console import exit_status, run_console

SMALL = ["--theorems", "T1", "T1.sharp", "--q", "0.5", "--mu-L", "1", "--K", "2"]


def test_json_gives_rows_and_summary_with_the_ratios(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    figure = tmp_path / "ratios.svg"
    assert main(["tightness", *SMALL, "--adversarial", "--json", "--plot", str(figure)]) == 0
    out = capsys.readouterr().out
    payload = json.loads(out, parse_constant=lambda name: pytest.fail(f"non-strict {name}"))
    rows = {(r["theorem"], r["adversarial"]): r for r in payload["rows"]}
    assert set(rows) == {("T1", False), ("T1", True), ("T1.sharp", False), ("T1.sharp", True)}
    # T1 is loose by 2 - L mu q_min = 1.5 here; T1.sharp is the worst case
    assert rows["T1", True]["ratio"] == pytest.approx(1.5, rel=1e-4)
    assert rows["T1.sharp", True]["ratio"] == pytest.approx(1.0, rel=1e-4)
    assert rows["T1.sharp", True]["shrinkage"] == [0.5, 0.5]
    summary = {g["theorem"]: g for g in payload["summary"]}
    assert summary["T1"]["worst"] == pytest.approx(1.5, rel=1e-4)
    assert summary["T1.sharp"]["median"] == pytest.approx(1.0, rel=1e-4)
    assert payload["plot"] == str(figure)
    assert figure.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert not [p for p in tmp_path.iterdir() if p != figure]  # no scratch file left behind


def test_table_prints_the_t1_sharp_ratio_as_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tightness", *SMALL]) == 0
    out = capsys.readouterr().out
    summary = out.split("bound / worst case per theorem")[1]
    lines = {line.split()[0]: line.split() for line in summary.splitlines()[2:] if line.strip()}
    assert lines["T1.sharp"][3:6] == ["1.0000", "1.0000", "1.0000"]
    assert lines["T1"][3] == "1.5000"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--q", "0"], "argument --q: must be a number in (0, 1]"),
        (["--theorems", "T9"], "argument --theorems: invalid choice"),
        (["--adversarial", "--K", "13"], "--K must be <= 12"),
        (["--plot", "ratios.txt"], "--plot: file name must end in one of .png, .svg, .pdf"),
        (["--classes", "pl", "--theorems", "T1"], "--classes pl has no class of the chosen"),
        (["--solver", "MOSEK"], "argument --solver: invalid choice"),
        (["--K", "101"], "--K must be <= 100"),
        (["--q", "0.1", "--mu-L", "0.05"], "--q times --mu-L must be >= 0.01"),
        (["--q", "5e-324"], "--q times --mu-L must be >= 0.01"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv: list[str], message: str) -> None:
    result = run_console("tightness", *argv)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr
    assert result.stdout == ""


def test_help_exits_0() -> None:
    assert exit_status(["tightness", "--help"]) == 0


def test_without_pepit_the_command_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "PEPit", None)  # import PEPit now raises ImportError
    assert exit_status(["tightness", *SMALL]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "pip install 'stepshrink[pep]'" in captured.err
    assert captured.err.count("\n") == 1


@pytest.mark.parametrize("as_json", [True, False])
def test_a_solver_failure_keeps_the_solved_rows_in_the_chosen_form(
    as_json: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bounds import tightness

    solved = tightness.compare
    calls = []

    def fails_second(**point: object) -> object:
        calls.append(point)
        if len(calls) == 2:
            raise RuntimeError("no solver answered accurately")
        return solved(**point)

    monkeypatch.setattr(tightness, "compare", fails_second)
    assert main(["tightness", *SMALL, *(["--json"] if as_json else [])]) == EXIT_STOPPED
    captured = capsys.readouterr()
    assert "no solver answered accurately" in captured.err
    assert captured.err.count("\n") == 1
    if as_json:
        payload = json.loads(captured.out, parse_constant=lambda c: pytest.fail(c))
        assert [r["theorem"] for r in payload["rows"]] == ["T1"]
        assert payload["stopped"].startswith("no solver answered accurately at ")
    else:
        assert captured.out.startswith("theorem")
        assert "bound / worst case per theorem" in captured.out
