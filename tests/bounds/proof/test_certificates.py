"""Certificates: strict JSON trees, re-checked by the independent verifier and by Z3.

Every certificate of the theorem library is re-checked in tests/stepshrink/test_check.py
(written by ``stepshrink check --certificates``); here, small proofs show the format, the
verifier's exit codes and that a planted false step is rejected by the engine, the verifier
and Z3 alike.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from bounds.proof import Proof, Step, certificate, check
from bounds.proof.verify import main as verify
from tests.bounds.proof import _z3

VERIFY = Path(__file__).parents[3] / "bounds" / "proof" / "verify"

x = sp.Symbol("x", positive=True)
y = sp.Symbol("y", real=True)


def demo(fact: sp.Basic) -> Proof:
    """``x <= x**2 < x**2 + 1`` given ``fact`` (true for ``x >= 1``)."""
    return Proof(
        "demo",
        x,
        (Step("<=", x**2, "positivity", ("fact",)), Step("<", x**2 + 1, "positivity")),
        x < x**2 + 1,
        {"fact": fact},
    )


def written(tmp_path: Path, proof: Proof) -> tuple[Path, dict[str, Any]]:
    report = check(proof)
    assert report.status == "proved"
    directory = tmp_path / "certs"
    directory.mkdir()
    (path,) = certificate.write([report], directory)
    return directory, json.loads(path.read_text(encoding="utf-8"))


def _no_nan(token: str) -> float:
    raise AssertionError(f"non-strict JSON constant {token}")


def test_certificate_is_strict_json_of_expression_trees(tmp_path: Path) -> None:
    directory, document = written(tmp_path, demo(x >= 1))
    text = (directory / "demo.json").read_text(encoding="utf-8")
    json.loads(text, parse_constant=_no_nan)
    assert document["format"] == "stepshrink proof certificate"
    step = document["proof"]["steps"][0]
    # x**2 as a tree, never as text to parse back.
    assert step["rhs"] == {"pow": [document["proof"]["start"], {"int": "2"}]}
    assert step["cited"][0]["claim"]["rel"] == "<="
    assert step["certificate"]["bases"][0]["form"] == "lower"
    assert not list(directory.glob(".*.tmp"))  # written atomically, nothing left behind


def test_verifier_accepts_a_true_proof_and_z3_agrees(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, document = written(tmp_path, demo(x >= 1))
    assert verify([str(directory)]) == 0
    assert "every certificate re-checks" in capsys.readouterr().out
    assert [_z3.decide(s) for _, s in _z3.steps(document["proof"])] == ["valid", "valid"]


def plant(document: dict[str, Any], bound: str) -> dict[str, Any]:
    """The certificate with the fact ``x >= 1`` stated as ``x >= bound`` wherever it appears
    (premises, hypotheses, citations); the step's certificate is left as it was."""
    fact = document["proof"]["premises"][0]["claim"]
    weaker = {**fact, "lhs": {"rat": bound}}
    return json.loads(json.dumps(document).replace(json.dumps(fact), json.dumps(weaker)))


def test_planted_false_step_is_rejected_by_engine_verifier_and_z3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # x <= x**2 is false on x >= 1/2 (at x = 3/4).
    report = check(demo(x >= sp.Rational(1, 2)))
    assert report.steps[0].status == "refuted"
    assert report.status != "proved"
    directory, document = written(tmp_path, demo(x >= 1))
    planted = plant(document, "1/2")
    step = planted["proof"]["steps"][0]
    assert step["cited"][0]["claim"]["lhs"] == {"rat": "1/2"}
    (directory / "demo.json").write_text(json.dumps(planted), encoding="utf-8")
    assert verify([str(directory)]) == 1
    out = capsys.readouterr().out
    assert "FAILED demo step 1 [positivity]" in out
    assert _z3.decide(step) == "invalid"


def test_a_changed_multiplier_is_rejected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # 2 x y <= x**2 + y**2 by sums of squares; doubling a weight breaks the identity.
    proof = Proof("am-gm", 2 * x * y, (Step("<=", x**2 + y**2, "sos"),), 2 * x * y <= x**2 + y**2)
    directory, document = written(tmp_path, proof)
    assert verify([str(directory)]) == 0
    terms = document["proof"]["steps"][0]["certificate"]["certificate"]["terms"]
    weight = Fraction(terms[0]["weight"].get("rat") or terms[0]["weight"]["int"])
    terms[0]["weight"] = {"rat": str(2 * weight)}
    (directory / "am-gm.json").write_text(json.dumps(document), encoding="utf-8")
    capsys.readouterr()
    assert verify([str(directory)]) == 1
    assert "FAILED am-gm step 1 [sos]" in capsys.readouterr().out


def test_verifier_command_line(tmp_path: Path) -> None:
    directory, _ = written(tmp_path, demo(x >= 1))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bounds.proof.verify", *args]
        return subprocess.run(command, capture_output=True, text=True, check=False)

    ok = run(str(directory))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert run("--help").returncode == 0
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.json").write_text("{", encoding="utf-8")
    (tmp_path / "nan").mkdir()
    (tmp_path / "nan" / "x.json").write_text('{"format": NaN}', encoding="utf-8")
    for args in (
        (str(tmp_path / "missing"),),
        (str(tmp_path / "bad"),),
        (str(tmp_path / "nan"),),
        (),
    ):
        bad = run(*args)
        assert bad.returncode == 2, (args, bad.stdout, bad.stderr)
        assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
        assert "Traceback" not in bad.stderr


def test_verifier_imports_only_the_standard_library() -> None:
    for path in VERIFY.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert node.module in (
                    "__future__",
                    "fractions",
                    "typing",
                    "pathlib",
                    "json",
                    "dataclasses",
                ), (path, node.module)
            elif isinstance(node, ast.Import):
                assert all(a.name in ("json", "sys") for a in node.names), (path, ast.dump(node))


def test_verifier_runs_without_sympy_or_bounds(tmp_path: Path) -> None:
    # A copy of the package next to a sympy and a bounds that refuse to import.
    directory, _ = written(tmp_path, demo(x >= 1))
    shutil.copytree(VERIFY, tmp_path / "verify")
    for blocked in ("sympy", "bounds"):
        (tmp_path / blocked).mkdir()
        (tmp_path / blocked / "__init__.py").write_text(f"raise ImportError('{blocked} blocked')")
    done = subprocess.run(
        [sys.executable, "-m", "verify", str(directory)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
