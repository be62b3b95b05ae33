"""``prove(claim, given=[...])``: check a user's own claim with every automatic tactic."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from bounds.proof import refute
from bounds.proof.chain import Status, relation_of
from bounds.proof.tactics import Goal, identity, positivity, products
from bounds.proof.tactics.identity import canonical

#: Automatic tactics in the order they are tried.
AUTOMATIC = (
    ("identity", identity.check),
    ("positivity", positivity.check),
    ("products", products.check),
)


@dataclass(frozen=True)
class ProveResult:
    """Verdict on one claim.

    Attributes
    ----------
    status
        ``"proved"``, ``"refuted"`` or ``"unknown"``.
    certificate
        The proving tactic's evidence (``None`` unless proved).
    counterexample
        Symbol name -> exact ``Rational`` satisfying every ``given`` and violating the claim.
    explanation
        Which tactics were tried and why each failed (or which one succeeded).
    """

    claim: sp.Basic
    status: Status
    tactic: str | None = None
    certificate: Any = None
    counterexample: dict[str, sp.Rational] | None = None
    explanation: str = ""
    seconds: float = 0.0
    attempts: tuple[tuple[str, str], ...] = field(default=())


def prove(claim: sp.Basic, given: Sequence[sp.Basic] = (), degree: int = 2) -> ProveResult:
    """Prove or refute ``claim`` (``lhs <= rhs``, ``<``, ``>=``, ``>``, ``Eq``) from ``given``.

    Parameters
    ----------
    claim
        A SymPy relational over any symbols (e.g. those of :mod:`bounds.symbols`).
    given
        SymPy relations assumed to hold; symbol assumptions (``positive=True``) count too.
    degree
        Largest number of hypotheses multiplied together by the products tactic.

    Returns
    -------
    ProveResult

    Raises
    ------
    ValueError
        If ``claim`` or an element of ``given`` is not a SymPy relation, or ``degree < 1``.

    Examples
    --------
    >>> import sympy as sp
    >>> x = sp.Symbol("x", positive=True)
    >>> prove(x**2 + 1 >= 2 * x).status
    'unknown'
    >>> prove(x <= x**2, given=[x >= 1]).status
    'proved'
    >>> prove(x**2 <= x, given=[x >= 1]).counterexample
    {'x': 11/10}
    """
    if isinstance(claim, str) or not isinstance(claim, sp.Basic):
        raise ValueError(f"claim must be a SymPy relation, got {type(claim).__name__}")
    lhs, rel, rhs = relation_of(claim)
    if isinstance(given, (str, sp.Basic)):
        raise ValueError("given must be a list of SymPy relations, not a single object")
    named = []
    for i, hyp in enumerate(given):
        if hyp is sp.true:
            continue
        if isinstance(hyp, str) or not isinstance(hyp, sp.Basic):
            raise ValueError(f"given[{i}] must be a SymPy relation, got {type(hyp).__name__}")
        if hyp is sp.false:
            raise ValueError(f"given[{i}] is False: the hypotheses are contradictory")
        try:
            relation_of(hyp)
        except ValueError as exc:
            raise ValueError(f"given[{i}]: {exc}") from None
        named.append((f"given[{i}]", hyp))
    if not isinstance(degree, int) or degree < 1:
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}")
    started = time.perf_counter()
    goal = Goal(lhs, rel, rhs, tuple(named), {"degree": degree})
    attempts: list[tuple[str, str]] = []
    for name, tactic in AUTOMATIC:
        if name == "products":
            # Search first: false claims are common and the exact LP is the slow tactic.
            counterexample = refute.search(canonical(lhs), rel, canonical(rhs), goal.hypotheses)
            if counterexample is not None:
                return _refuted(claim, counterexample, started, attempts)
        result = tactic(goal)
        attempts.append((name, result.message))
        if result.status == "proved":
            return ProveResult(
                claim,
                "proved",
                name,
                result.evidence,
                None,
                f"proved by {name}",
                time.perf_counter() - started,
                tuple(attempts),
            )
    attempts.append(("refute", "no counterexample among boundary and random points"))
    explanation = "; ".join(f"{name}: {why}" for name, why in attempts)
    return ProveResult(
        claim,
        "unknown",
        None,
        None,
        None,
        explanation,
        time.perf_counter() - started,
        tuple(attempts),
    )


def _refuted(
    claim: sp.Basic,
    counterexample: dict[str, sp.Rational],
    started: float,
    attempts: list[tuple[str, str]],
) -> ProveResult:
    return ProveResult(
        claim,
        "refuted",
        None,
        None,
        counterexample,
        "counterexample found and re-checked in exact rationals",
        time.perf_counter() - started,
        tuple(attempts),
    )
