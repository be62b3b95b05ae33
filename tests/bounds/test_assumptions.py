"""bounds.assumptions: A1-A5 as objects with relations that stay relations."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import assumptions
from bounds import symbols as sy


def test_registry_lists_a1_to_a5() -> None:
    assert [a.name for a in assumptions.all()] == ["A1", "A2", "A3", "A4", "A5"]
    assert assumptions.get("A3") is assumptions.A3
    with pytest.raises(ValueError, match="A1, A2, A3, A4, A5"):
        assumptions.get("A6")


@pytest.mark.parametrize("assumption", assumptions.all(), ids=lambda a: a.name)
def test_relations_are_unevaluated_relations_with_meaning(
    assumption: assumptions.Assumption,
) -> None:
    assert assumption.meaning.endswith(".")
    for hypothesis in assumption.relations:
        # ``L > 0`` would fold to True from the symbol's assumptions if evaluated.
        assert isinstance(hypothesis.relation, sp.core.relational.Relational)
        assert hypothesis.name.startswith(assumption.name + ":")
        assert hypothesis.latex()


def test_relation_contents() -> None:
    relations = {h.name: h.relation for a in assumptions.all() for h in a.relations}
    assert relations["A3: q_min <= 1"] == sp.LessThan(sy.q_min, 1, evaluate=False)
    assert relations["A5: c <= L"] == sp.LessThan(sy.c, sy.L, evaluate=False)
    a2 = relations["A2: M_G = 1 + M_V"]
    assert sp.simplify(a2.lhs - a2.rhs - (sy.M_G - 1 - sy.M_V)) == 0


def test_unevaluated_helpers_keep_trivial_relations() -> None:
    assert sp.StrictGreaterThan(sy.mu, 0) is sp.true  # why the helpers exist
    assert isinstance(assumptions.gt(sy.mu, 0), sp.StrictGreaterThan)
    assert isinstance(assumptions.ge(sy.Delta, 0), sp.GreaterThan)
    assert isinstance(assumptions.lt(sy.mu, 1), sp.StrictLessThan)
    assert isinstance(assumptions.eq(sy.M_G, sy.M_G), sp.Equality)
