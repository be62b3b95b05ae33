"""``stepshrink theorems``: every statement with its hypotheses and bound, from the library."""

from __future__ import annotations

import json

import pytest

from bounds import theorems
from stepshrink.cli import main
from tests.stepshrink.console import exit_status


def test_json_lists_every_statement_and_variant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["theorems", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    expected = [s.id for s in theorems.with_variants()]
    assert [entry["id"] for entry in listed] == expected
    assert {"T1.sharp", "T2.sharp.harmonic", "T3.matrix", "C3.known_q"} <= set(expected)
    by_id = {entry["id"]: entry for entry in listed}
    t1 = theorems.get("T1")
    assert by_id["T1"]["bound"] == str(t1.bound)
    assert [h["relation"] for h in by_id["T1"]["hypotheses"]] == [
        str(h.relation) for h in t1.all_hypotheses
    ]
    assert "stepsize condition" in [h["name"] for h in by_id["T1"]["hypotheses"]]
    assert by_id["T1"]["floor"] == str(t1.floor)
    assert by_id["L1"]["floor"] is None  # a per-step lemma has no horizon
    assert by_id["T4"]["assumptions"] == ["A1", "A2", "A3", "A4", "A5"]
    # a statement without a checked proof says so (it is not claimed proved)
    assert [e["has_proof"] for e in listed] == [s.has_proof for s in theorems.with_variants()]
    assert by_id["T1"]["has_proof"]
    assert by_id["T1.sharp"]["has_proof"]  # the refined statements are proved (issue 12)
    assert not by_id["T2.harmonic"]["has_proof"]


def test_text_names_hypotheses_and_bound(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["theorems", "T1", "T3", "--latex"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("T1 (theorem): ")
    assert "proof checked by stepshrink check]" in out.splitlines()[0]
    assert "  if   mu <= 1/(L*M_G)" in out
    assert f"  then {theorems.get('T3').quantity_text} <= " in out
    assert f"LaTeX: {theorems.get('T1').latex()}" in out
    assert "T2" not in out.split("T3 (theorem)")[0].replace("T1", "")


def test_unknown_id_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_status(["theorems", "T9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "ID must be one of L1, L2, L3, T1, T2, T2.harmonic" in err
