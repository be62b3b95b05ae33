"""The examples in the theory modules' docstrings run and print what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = (
    "bounds.theorems.t1_nonconvex_fixed",
    "bounds.theorems.t2_nonconvex_diminishing",
    "bounds.theorems.t3_pl_fixed",
    "bounds.theorems.t4_pl_diminishing",
    "bounds.theorems.t1_sharp",
    "bounds.theorems.t2_sharp",
    "bounds.theorems.t3_sharp",
    "bounds.theorems.t4_sharp",
    "bounds.theorems.t3_known_q",
    "bounds.theorems.c3_known_q",
    "bounds.theorems.t1_matrix",
    "bounds.theorems.t3_matrix",
    "bounds.schedules",
    "bounds.derive",
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
