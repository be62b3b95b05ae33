"""Relations compose as in arithmetic: any '<' makes the chain strict, '=' keeps."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds.proof.chain import RELATIONS, compose, implies, relation_of


@pytest.mark.parametrize("first", RELATIONS)
@pytest.mark.parametrize("second", RELATIONS)
def test_compose_against_numbers(first: str, second: str) -> None:
    # Witness triples a ? b ? c for each relation; the composition must hold for all of them.
    pairs = {"=": [(1, 1)], "<=": [(1, 1), (1, 2)], "<": [(1, 2)]}
    result = compose(first, second)  # type: ignore[arg-type]
    check = {"=": lambda a, c: a == c, "<=": lambda a, c: a <= c, "<": lambda a, c: a < c}
    for a, b in pairs[first]:
        for b2, c in pairs[second]:
            shift = b - b2
            assert check[result](a, c + shift)


def test_implies() -> None:
    assert implies("<", "<=")
    assert implies("=", "<=")
    assert implies("<", "<")
    assert not implies("<=", "<")
    assert not implies("<", "=")
    # A chain of equalities never gives a strict claim: x = x does not prove x < x.
    assert not implies("=", "<")


def test_relation_of_turns_around_and_rejects() -> None:
    x, y = sp.symbols("x y")
    assert relation_of(x >= y) == (y, "<=", x)
    assert relation_of(x > y) == (y, "<", x)
    with pytest.raises(ValueError, match="claim must be a SymPy relation"):
        relation_of(x + y)
