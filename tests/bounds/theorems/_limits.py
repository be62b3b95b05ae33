"""Shared check for the theorem tests: a statement's floor and rate, against stated values."""

from __future__ import annotations

import sympy as sp

from bounds.statement import Statement


def assert_floor_and_rate(statement: Statement, floor: sp.Expr) -> None:
    """The floor equals ``floor``; ``(bound - floor)/rate`` has a finite non-zero limit."""
    assert statement.floor is not None
    assert statement.horizon is not None
    assert sp.simplify(statement.floor - floor) == 0
    assert statement.rate is not None
    transient = statement.bound - floor
    if statement.contraction is not None:
        # the rate is exactly the geometric factor; the remaining factor has no horizon in it
        ratio = sp.simplify(transient / statement.rate)
        assert statement.horizon not in ratio.free_symbols
        assert ratio != 0
        return
    ratio = sp.limit(transient / statement.rate, statement.horizon, sp.oo)
    assert ratio.is_finite, ratio
    assert ratio != 0
