"""Induction on an integer index: base case and inductive step, both checked.

Goal ``a(k) <= B(k)`` for all integers ``k >= start``. Hint: ``index`` (the symbol ``k``),
``start``, ``sequence`` (a ``Lambda`` ``k -> a(k)``), ``bound`` (``Lambda`` ``k -> B(k)``),
``base`` and ``step`` (names of the hypotheses each part may use; the inductive step also gets
the induction hypothesis ``a(k) <= B(k)``). Each part is a goal for the positivity tactic, then
the products tactic (LP), so the certificates are the same kind as elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping

import sympy as sp

from bounds.proof.tactics import Goal, TacticResult, positivity, products


def _prove(goal: Goal) -> TacticResult:
    result = positivity.check(goal)
    if result.status == "proved":
        return result
    return products.check(goal)


def check(goal: Goal) -> TacticResult:
    """Prove ``a(k) <= B(k)`` for all ``k >= start`` by induction."""
    hint = goal.hint
    if goal.rel != "<=" or not isinstance(hint, Mapping) or "sequence" not in hint:
        return TacticResult("unknown", None, "induction needs '<=' and a hint with 'sequence'")
    k, start = hint["index"], hint["start"]
    seq, bound = hint["sequence"], hint["bound"]
    if sp.expand(goal.lhs - seq(k)) != 0 or sp.expand(goal.rhs - bound(k)) != 0:
        return TacticResult("unknown", None, "induction: goal is not sequence(k) <= bound(k)")
    named = dict(goal.hypotheses)
    base_hyps = tuple((n, named[n]) for n in hint.get("base", ()))
    step_hyps = tuple((n, named[n]) for n in hint.get("step", ()))
    base = _prove(Goal(seq(start), "<=", bound(start), base_hyps, hint.get("hint")))
    if base.status != "proved":
        return TacticResult("unknown", None, f"induction: base case not proved ({base.message})")
    hypothesis = ("induction hypothesis", sp.Le(seq(k), bound(k)))
    at_start = ("k >= start", sp.Ge(k, start))
    step = _prove(
        Goal(seq(k + 1), "<=", bound(k + 1), (*step_hyps, hypothesis, at_start), hint.get("hint"))
    )
    if step.status != "proved":
        return TacticResult("unknown", None, f"induction: step not proved ({step.message})")
    return TacticResult("proved", {"base": base.evidence, "step": step.evidence}, "")
