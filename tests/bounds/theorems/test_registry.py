"""bounds.theorems: the registry of the eleven results."""

from __future__ import annotations

import pytest

from bounds import theorems

IDS = ("L1", "L2", "L3", "T1", "T2", "T3", "T4", "C1", "C2", "C3", "C4")


def test_all_lists_the_eleven_in_order() -> None:
    assert tuple(s.id for s in theorems.all()) == IDS


def test_unknown_id_lists_the_ids() -> None:
    with pytest.raises(ValueError, match="L1, L2, L3, T1, T2, T3, T4, C1, C2, C3, C4"):
        theorems.get("T5")


@pytest.mark.parametrize("result_id", IDS)
def test_statement_knows_its_module(result_id: str) -> None:
    statement = theorems.get(result_id)
    module = theorems.module_of(statement)
    assert module.STATEMENT is statement
    assert module.__name__ == statement.module == theorems.MODULES[result_id]
    assert theorems.module_of(result_id) is module


@pytest.mark.parametrize("result_id", IDS)
def test_docstring_is_the_statement(result_id: str) -> None:
    statement = theorems.get(result_id)
    doc = statement.docstring
    assert doc.startswith(result_id)
    for section in ("Assumptions", "References"):
        assert section in doc
    assert "arXiv:2508.07142" in doc
    assert "Bottou" in doc
    assert any("2508.07142" in r for r in statement.references)
    assert any("Bottou" in r for r in statement.references)
    assert statement.latex()


@pytest.mark.parametrize(
    ("result_id", "number"), [("T1", "4.8"), ("T2", "4.10"), ("T3", "4.6"), ("T4", "4.7")]
)
def test_bottou_theorem_numbers(result_id: str, number: str) -> None:
    statement = theorems.get(result_id)
    assert f"Theorem {number}" in statement.docstring
    assert any(r.endswith(f"Theorem {number}") for r in statement.references)


def test_variants_are_reachable() -> None:
    assert theorems.get("T2.sqrt") is theorems.get("T2").variants[1]
    with pytest.raises(ValueError, match="no variant"):
        theorems.get("T2.cosine")
