"""``prove(claim, given=[...])``: check a user's own claim with every automatic tactic.

The tactics, in order: identity (equations; an equation is also proved as two inequalities),
positivity (slack substitution), products of hypotheses (exact LP), sums of squares (exact
LP). When they fail on the claim as given, the elementary facts its atoms call for are added
(``exp(u) >= 1 + u`` for each ``exp(u)``, ``Abs(u) >= u``, ``Max(u, v) >= u``, Jensen's
``E[u^2] >= E[u]^2``, ``n^2 >= n`` for integer symbols, expectations of the hypotheses) and the
tactics run again; the certificate lists them. A refutation is a concrete model checked exactly
(:mod:`bounds.proof.refute`). Symbols are real: a symbol declared without assumptions is read
as a real one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from bounds.proof import elementary, refute
from bounds.proof.chain import Relation, Status, make_relational, relation_of
from bounds.proof.facts import Deterministic, Measurable
from bounds.proof.tactics import Goal, TacticResult, identity, positivity, products, shows, sos

__all__ = ["ProveResult", "prove"]

#: Automatic tactics in the order they are tried (equations: identity only, then both ways).
AUTOMATIC = (
    ("positivity", positivity.check),
    ("products", products.check),
    ("sos", sos.check),
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
        Symbol name -> exact value, in a model where every ``given`` holds and the claim does
        not (a tuple of values for a random symbol, one per equally likely outcome).
    explanation
        Which tactics were tried and why each failed (or which one succeeded).
    """

    claim: sp.Basic
    status: Status
    tactic: str | None = None
    certificate: Any = None
    counterexample: dict[str, Any] | None = None
    explanation: str = ""
    seconds: float = 0.0
    attempts: tuple[tuple[str, str], ...] = field(default=())


def _realify(expr: Any, mapping: dict[sp.Symbol, sp.Symbol]) -> Any:
    if isinstance(expr, (Measurable, Deterministic)):
        return type(expr)(*(mapping.get(a, a) for a in expr.atoms))
    # Rebuilt unevaluated: with real symbols SymPy could fold (x - 1)**2 >= 0 to True.
    lhs, rel, rhs = relation_of(expr)
    return make_relational(lhs.xreplace(mapping), rel, rhs.xreplace(mapping))


def _real_symbols(exprs: Sequence[Any]) -> dict[sp.Symbol, sp.Symbol]:
    mapping: dict[sp.Symbol, sp.Symbol] = {}
    for expr in exprs:
        atoms = expr.atoms if isinstance(expr, (Measurable, Deterministic)) else expr.free_symbols
        for sym in atoms:
            if isinstance(sym, sp.Symbol) and sym.is_real is None and not isinstance(sym, sp.Dummy):
                mapping[sym] = sp.Symbol(sym.name, real=True, **_kept(sym))
    return mapping


def _kept(sym: sp.Symbol) -> dict[str, bool]:
    keys = ("integer", "positive", "nonnegative", "negative", "nonpositive")
    return {k: True for k in keys if sym.assumptions0.get(k)}


def prove(claim: sp.Basic, given: Sequence[Any] = (), degree: int = 2) -> ProveResult:
    """Prove or refute ``claim`` (``lhs <= rhs``, ``<``, ``>=``, ``>``, ``Eq``) from ``given``.

    Parameters
    ----------
    claim
        A SymPy relational over any symbols (e.g. those of :mod:`bounds.symbols`); a claim
        SymPy already evaluated to ``True`` is proved by that evaluation.
    given
        SymPy relations assumed to hold (symbol assumptions such as ``positive=True`` count
        too), and :class:`~bounds.proof.facts.Measurable` /
        :class:`~bounds.proof.facts.Deterministic` declarations for the expectation rules.
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
    'proved'
    >>> prove(x <= x**2, given=[x >= 1]).status
    'proved'
    >>> prove(x**2 <= x, given=[x >= 1]).counterexample
    {'x': 11/10}
    """
    started = time.perf_counter()
    if isinstance(given, (str, sp.Basic)):
        raise ValueError("given must be a list of SymPy relations, not a single object")
    named: list[tuple[str, Any]] = []
    for i, hyp in enumerate(given):
        if hyp is sp.true:
            continue
        if isinstance(hyp, (Measurable, Deterministic)):
            named.append((f"given[{i}]", hyp))
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
    if not isinstance(degree, int) or isinstance(degree, bool) or degree < 1:
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}")
    if claim is sp.true:
        return ProveResult(
            claim,
            "proved",
            "evaluation",
            "SymPy evaluated the claim to True",
            None,
            "SymPy decided the claim when it was built",
            time.perf_counter() - started,
        )
    if isinstance(claim, str) or not isinstance(claim, sp.Basic):
        raise ValueError(f"claim must be a SymPy relation, got {type(claim).__name__}")
    if claim is sp.false:
        point = refute.counterexample(sp.Integer(0), "<", sp.Integer(0), named)
        status: Status = "refuted" if point is not None else "unknown"
        return ProveResult(
            claim,
            status,
            None,
            None,
            point,
            "SymPy evaluated the claim to False"
            + (
                ""
                if point
                else "; no point of the hypotheses was found, so they may be contradictory"
            ),
            time.perf_counter() - started,
        )
    relation_of(claim)
    mapping = _real_symbols([claim, *(h for _, h in named)])
    claim_r = _realify(claim, mapping)
    named_r = [(n, _realify(h, mapping)) for n, h in named]
    lhs, rel, rhs = relation_of(claim_r)
    attempts: list[tuple[str, str]] = []
    # Cheap tactics, then the search (false claims are common and the exact LPs are the slow
    # tactics), then the LPs.
    found = _attempt(lhs, rel, rhs, tuple(named_r), degree, attempts, cheap=True)
    if found is not None:
        return _proved(claim, *found, started, attempts)
    point = refute.counterexample(lhs, rel, rhs, named_r)
    if point is not None:
        return ProveResult(
            claim,
            "refuted",
            None,
            None,
            point,
            "counterexample found and checked exactly on the original expressions",
            time.perf_counter() - started,
            tuple(attempts),
        )
    found = _attempt(lhs, rel, rhs, tuple(named_r), degree, attempts)
    if found is not None:
        return _proved(claim, *found, started, attempts)
    extra = elementary.instances_for([lhs, rhs], named_r, shows)
    if extra:
        found = _attempt(
            lhs, rel, rhs, (*named_r, *extra), degree, attempts, "with elementary facts"
        )
        if found is not None:
            name, evidence = found
            evidence = {"elementary facts": [n for n, _ in extra], "certificate": evidence}
            return _proved(claim, name, evidence, started, attempts)
    attempts.append(("refute", "no counterexample among boundary, random and two-outcome models"))
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


def _attempt(
    lhs: sp.Expr,
    rel: Relation,
    rhs: sp.Expr,
    hypotheses: tuple[tuple[str, Any], ...],
    degree: int,
    attempts: list[tuple[str, str]],
    label: str = "",
    cheap: bool = False,
) -> tuple[str, Any] | None:
    suffix = f" ({label})" if label else ""
    if rel == "=":
        result = identity.check(Goal(lhs, "=", rhs, hypotheses))
        attempts.append((f"identity{suffix}", result.message))
        if result.status == "proved":
            return "identity", result.evidence
        up = _attempt(
            lhs, "<=", rhs, hypotheses, degree, attempts, f"{label} lhs <= rhs".strip(), cheap
        )
        if up is None:
            return None
        down = _attempt(
            rhs, "<=", lhs, hypotheses, degree, attempts, f"{label} rhs <= lhs".strip(), cheap
        )
        if down is None:
            return None
        return "both inequalities", {"lhs <= rhs": up, "rhs <= lhs": down}
    goal = Goal(lhs, rel, rhs, hypotheses, {"degree": degree})
    for name, tactic in AUTOMATIC[:1] if cheap else AUTOMATIC[1:]:
        verdict: TacticResult = tactic(goal)
        attempts.append((f"{name}{suffix}", verdict.message))
        if verdict.status == "proved":
            return name, verdict.evidence
    return None


def _proved(
    claim: sp.Basic, tactic: str, evidence: Any, started: float, attempts: list[tuple[str, str]]
) -> ProveResult:
    return ProveResult(
        claim,
        "proved",
        tactic,
        evidence,
        None,
        f"proved by {tactic}",
        time.perf_counter() - started,
        tuple(attempts),
    )
