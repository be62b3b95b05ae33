"""Probabilistic equalities: linearity, measurable factors, tower, cited conditional moments.

Both sides are normalised by :func:`bounds.proof.expectation.normalize` with the step's
``measurable``/``deterministic`` declarations; then every cited hypothesis of the form
``Ek(X) = value`` or ``E(X) = value`` (e.g. A2's ``Ek(grad_g) = G``, A4's ``Ek(eps_g) = 0``)
rewrites its left side, and the difference must cancel exactly. A rewrite is applicable only
when its hypothesis is cited in ``uses``: that is how "only under A4" is enforced.
"""

from __future__ import annotations

import sympy as sp

from bounds.proof import expectation
from bounds.proof.chain import relation_of
from bounds.proof.tactics import Goal, TacticResult
from bounds.proof.tactics.identity import canonical


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs = rhs`` (or ``<=``) by the expectation rules and cited moment identities."""
    if goal.rel == "<":
        return TacticResult("unknown", None, "expectation rules give equalities")
    rewrites: dict[sp.Expr, sp.Expr] = {}
    used = []
    for name, hyp in goal.hypotheses:
        if hyp is sp.true:
            continue
        lhs, rel, rhs = relation_of(hyp)
        if rel == "=" and isinstance(lhs, (expectation.E, expectation.Ek)):
            rewrites[canonical(lhs, goal.hint)] = rhs
            used.append(name)
        elif rel == "=" and lhs.is_Symbol:
            # Model definitions such as ghat_sq = q**2 g_sq + 2 q eps_g + eps_sq.
            rewrites[lhs] = rhs
            used.append(name)
    diff = canonical(goal.difference, goal.hint)
    for _ in range(4):
        # Definitions may expose new expectation atoms; a few rounds reach the fixed point.
        diff = canonical(diff.xreplace(rewrites), goal.hint)
    if sp.cancel(sp.together(diff)) == 0:
        return TacticResult("proved", {"rewrites": used}, "difference cancels after the rules")
    return TacticResult("unknown", None, f"expectation: difference reduces to {diff}")
