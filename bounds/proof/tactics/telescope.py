"""Telescoping: ``sum_{k=a}^{b} (D(k+1) - D(k)) = D(b+1) - D(a)``, an identity for all integers.

Under SymPy's (Karr's) convention for reversed ranges the rule holds for every pair of integer
limits, so no range condition is needed; the canonical form (:mod:`bounds.proof.sums`) applies
it, and this rule is the identity check under its own name. The lemma behind the rule is
:func:`bounds.proof.sums.telescoping_lemma_holds` (induction on the upper limit).
"""

from __future__ import annotations

from bounds.proof.tactics import Goal, TacticResult, identity


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs = rhs`` (or ``<=``) where the difference telescopes to zero."""
    return identity.check(goal)
