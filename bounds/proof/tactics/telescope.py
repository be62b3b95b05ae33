"""Telescoping: ``sum_{k=a}^{b} (D(k+1) - D(k)) = D(b+1) - D(a)`` as a checked lemma.

The hint gives ``term`` (a ``Lambda`` ``k -> D(k)``) and ``limits`` ``(k, a, b)``. The lemma
for that ``D`` is proved by induction on ``b`` (:func:`bounds.proof.sums.telescoping_lemma_holds`),
``b - a + 1 >= 0`` is certified from the hypotheses, and the step must then be an exact
identity once the lemma's instance is used as a rewrite.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from bounds.proof import sums
from bounds.proof.tactics import Goal, TacticResult, positivity
from bounds.proof.tactics.identity import canonical, is_zero


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs = rhs`` (or ``<=``) using one telescoping instance."""
    if goal.rel == "<" or not isinstance(goal.hint, Mapping) or "term" not in goal.hint:
        return TacticResult("unknown", None, "telescope needs '=' or '<=' and a hint with 'term'")
    term: sp.Lambda = goal.hint["term"]
    index, low, high = goal.hint["limits"]
    if not sums.telescoping_lemma_holds(term, index, low):
        return TacticResult("unknown", None, "telescope: lemma induction failed for this term")
    ok, _, _reason = positivity.certify(high - low + 1, goal.hypotheses, strict=False)
    if not ok:
        return TacticResult("unknown", None, f"telescope: range {low}..{high} not shown valid")
    total = canonical(sp.Sum(term(index + 1) - term(index), (index, low, high)))
    closed = term(high + 1) - term(low)
    # Use the lemma as a rewrite: solve it for one of its sums and substitute that sum.
    pivot = sorted(total.atoms(sp.Sum), key=sp.default_sort_key)
    solved = sp.solve(total - closed, pivot[0]) if pivot else []
    if len(solved) == 1 and is_zero(
        canonical(goal.difference, goal.hint).xreplace({pivot[0]: solved[0]}), goal.hint
    ):
        return TacticResult(
            "proved", {"lemma": f"{total} = {closed}", "induction": "base and step exact"}, ""
        )
    return TacticResult("unknown", None, "telescope: step is not the lemma's instance")
