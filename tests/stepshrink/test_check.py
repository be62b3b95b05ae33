"""``stepshrink check``: the table, JSON and Markdown outputs, exit codes and option errors."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bounds import symbols as sy
from bounds import theorems
from bounds.theorems import t1_nonconvex_fixed as t1
from stepshrink.cli import main
from tests.bounds.proof import _z3


def test_check_proves_everything_and_writes_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    json_path, md_path = tmp_path / "proofs.json", tmp_path / "proofs.md"
    certificates = tmp_path / "certificates"
    argv = ["--json", str(json_path), "--markdown", str(md_path)]
    status = main(["check", *argv, "--certificates", str(certificates)])
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
    assert sorted(p.stem for p in certificates.glob("*.json")) == sorted(names)
    _every_certificate_re_checks(certificates, names)


def _every_certificate_re_checks(certificates: Path, names: list[str]) -> None:
    """The independent verifier re-checks every certificate, and Z3 re-decides every
    polynomial step of every proof."""
    done = subprocess.run(
        [sys.executable, "-m", "bounds.proof.verify", str(certificates)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "every certificate re-checks" in done.stdout
    decided = []
    for name in names:
        document = json.loads((certificates / f"{name}.json").read_text(encoding="utf-8"))
        for where, step in _z3.steps(document["proof"]):
            verdict = _z3.decide(step)
            if verdict is not None:
                decided.append((where, step["index"], step["rule"], verdict))
    assert all(v == "valid" for *_, v in decided), [d for d in decided if d[-1] != "valid"]
    # Positivity, products and identity steps of L3, T1-T4 and C1-C4 are polynomial.
    assert len(decided) >= 20
    assert {rule for _, _, rule, _ in decided} >= {"positivity", "products", "identity"}


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
        (["check", "--certificates", "/no/such/dir/certs"], "--certificates: directory"),
        (["check", "--certificates", __file__], "exists and is not a directory"),
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
