"""``stepshrink check``: the table, JSON and Markdown outputs, exit codes and option errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from bounds import symbols as sy
from bounds import theorems
from bounds.theorems import t1_nonconvex_fixed as t1
from stepshrink.cli import main


def test_check_proves_everything_and_writes_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path, md_path = tmp_path / "proofs.json", tmp_path / "proofs.md"
    status = main(["check", "--json", str(json_path), "--markdown", str(md_path)])
    out = capsys.readouterr().out
    assert status == 0, out
    names = [s.id for s in theorems.with_variants() if s.has_proof]
    for name in names:
        assert name in out
    assert "all proofs check" in out
    document = json.loads(json_path.read_text(encoding="utf-8"))
    assert document["all_proved"] is True
    assert [p["name"] for p in document["proofs"]] == names
    assert all(s["status"] == "proved" for p in document["proofs"] for s in p["steps"])
    markdown = md_path.read_text(encoding="utf-8")
    assert markdown.startswith("# Proof check")
    assert "| T1 |" in markdown


def test_a_false_statement_makes_check_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Planted: T1 with Delta instead of 2 Delta; the proof is rebuilt from the changed statement.
    false = dataclasses.replace(t1.STATEMENT, bound=t1.STATEMENT.bound.subs(sy.Delta, sy.Delta / 2))
    monkeypatch.setattr(t1, "STATEMENT", false)
    assert main(["check", "--only", "T1"]) == 1
    captured = capsys.readouterr()
    assert "SOME PROOFS DO NOT CHECK" in captured.out
    assert "T1 step 5 [positivity] refuted" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--only", "T99"], "--only must name statements"),
        (["check", "--json", "/no/such/dir/out.json"], "--json: directory"),
        # issue 15: these used to check every proof and then fail with a traceback
        (["check", "--json", "/etc/passwd/x.json"], "--json: '/etc/passwd' is not a directory"),
        (["check", "--json", "/sys/x.json"], "--json: cannot write in '/sys'"),
        (["check", "--markdown", "/proc/x.md"], "--markdown: cannot write in '/proc'"),
        (["check", "--json", ""], "--json: path must not be empty"),
        (["check", "--json", "same", "--markdown", "same"], "must name different files"),
    ],
)
def test_bad_options_are_one_line_exit_2(
    argv: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bounds.proof import engine

    def no_work(*args: object) -> None:
        raise AssertionError("a proof was checked before the options were")

    monkeypatch.setattr(engine, "check", no_work)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


def test_markdown_to_a_directory_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--markdown", str(tmp_path)]) == 2
    assert "is a directory, expected a file" in capsys.readouterr().err


def test_only_selects_statements(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--only", "T3"]) == 0
    out = capsys.readouterr().out
    assert "T3" in out
    assert "T1 " not in out


def test_statements_without_proof_are_listed_not_claimed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["check", "--only", "T2.sqrt"]) == 0
    assert "without a checked proof (not claimed proved): T2.sqrt" in capsys.readouterr().out
