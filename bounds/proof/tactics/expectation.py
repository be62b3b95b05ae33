"""Probabilistic equalities: linearity, known factors, tower, cited conditional moments.

The same check as :mod:`bounds.proof.tactics.identity` (the expectation rules are part of the
canonical form); kept as its own rule name so that proofs say which kind of step they take.
A rewrite such as A4's ``Ek(eps_g) = 0`` applies only when its fact is cited: that is how "only
under A4" is enforced.
"""

from __future__ import annotations

from bounds.proof.tactics import Goal, TacticResult, identity


def check(goal: Goal) -> TacticResult:
    """Prove ``lhs = rhs`` (or ``<=``) by the expectation rules and cited moment identities."""
    return identity.check(goal)
