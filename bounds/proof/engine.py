"""The checker: every step from the facts it cites, every lemma where it is used, the chaining.

``check(proof)`` proves ``proof.hypotheses => proof.target``. ``check(proof, premises, claim)``
checks a statement's proof: the proof's hypotheses must be among the ``premises`` (same name,
same claim), its definitions must be conservative, and its target must be exactly ``claim``.
Soundness rests on four rules, each a regression test:

* a strict target needs a strict link (``x < x`` is never proved by ``=`` steps);
* a step sees only what it cites, resolved by :mod:`bounds.proof.context` (premises,
  definitions, checked lemmas whose premises are discharged where they are used, elementary
  facts); a name that is none of these fails the step with the name;
* sums of inequalities need ``b >= a - 1``; induction needs an integer index known to be at
  least its start, a base case at the start and a step proved at a fresh index;
* a failed step is reported "refuted" only with a point, checked exactly, at which every cited
  fact holds and the step does not (:mod:`bounds.proof.refute`).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from typing import Any

import sympy as sp

from bounds.proof import elementary, refute
from bounds.proof.canonical import is_zero, replace_free
from bounds.proof.chain import (
    Proof,
    ProofRecord,
    ProofReport,
    Relation,
    Result,
    Status,
    Step,
    StepResult,
    compose,
    implies,
    make_relational,
    relation_of,
)
from bounds.proof.context import Checked, CitationError, Context, Resolved, Used, merge_used
from bounds.proof.facts import Claim, Deterministic, Fact, Premises, is_relation
from bounds.proof.tactics import (
    Goal,
    TacticResult,
    identity,
    positivity,
    products,
    registry,
    shows,
)

__all__ = ["auto_prove", "check", "check_result"]


def auto_prove(target: sp.Basic, facts: tuple[tuple[str, Claim], ...]) -> Any:
    """Evidence that ``target`` follows from ``facts`` by identity, positivity or products.

    The evidence names its rule: ``{"rule": "identity" | "positivity" | "products",
    "certificate": ..., "elementary": [record, ...]}`` (the elementary-fact instances added to
    the facts, if any, as :func:`bounds.proof.elementary.instances_for` records them) or
    ``{"rule": "both ways", "up": ..., "down": ...}``.
    """
    lhs, rel, rhs = relation_of(target)
    if rel == "=":
        result = identity.check(Goal(lhs, "=", rhs, facts))
        if result.status == "proved":
            return {"rule": "identity", "certificate": result.evidence, "elementary": []}
        up = auto_prove(make_relational(lhs, "<=", rhs), facts)
        down = auto_prove(make_relational(rhs, "<=", lhs), facts) if up is not None else None
        return {"rule": "both ways", "up": up, "down": down} if down is not None else None
    # Cheap attempts first: positivity, products of single facts, then with the elementary
    # facts the atoms call for, and products of pairs last.
    extra: tuple[tuple[str, Claim], ...] | None = None
    records: list[dict[str, Any]] = []
    for degree in (1, 2):
        if degree == 2 and _refuted(lhs, rel, rhs, facts):
            return None
        for with_elementary in (False, True):
            if with_elementary and extra is None:
                extra = tuple(elementary.instances_for([lhs, rhs], facts, shows, records))
            if with_elementary and not extra:
                continue
            pool = (*facts, *extra) if with_elementary and extra else facts
            goal = Goal(lhs, rel, rhs, pool, {"degree": degree})
            tactics = (positivity, products) if degree == 1 else (products,)
            for tactic in tactics:
                result = tactic.check(goal)
                if result.status == "proved":
                    return {
                        "rule": tactic.__name__.rsplit(".", 1)[-1],
                        "certificate": result.evidence,
                        "elementary": records if with_elementary and extra else [],
                    }
    return None


#: Candidate models tried before the search over products of pairs: a false target (a lemma
#: premise a mutated hypothesis no longer gives) fails there in about a second instead of
#: exhausting the LP over every pair of facts (46 s for T4.sharp with its stepsize cap doubled).
QUICK_REFUTATION_CANDIDATES = 1500


def _refuted(
    lhs: sp.Expr, rel: Relation, rhs: sp.Expr, facts: tuple[tuple[str, Claim], ...]
) -> bool:
    """Whether an exact model of ``facts`` breaks ``lhs rel rhs`` (then no certificate exists).

    Only a shortcut to "not proved": a model is reported only if it satisfies every fact and
    breaks the target exactly, so no true target is ever given up (and none is ever proved).
    """
    found = refute.counterexample(
        lhs, rel, rhs, facts, candidates=QUICK_REFUTATION_CANDIDATES, random_models=0
    )
    return found is not None


def _defined_symbol(claim: Claim) -> sp.Symbol | None:
    if isinstance(claim, sp.Equality) and isinstance(claim.lhs, sp.Symbol):
        return claim.lhs
    return None


#: A defined symbol may be real (or plain): anything more (positive, integer) is content.
_PLAIN = (sp.Symbol("plain").assumptions0, sp.Symbol("plain", real=True).assumptions0)


def _definition_problems(root: Mapping[str, Fact], target: sp.Basic | None) -> list[str]:
    """Definitions must introduce fresh, assumption-free names (a conservative extension)."""
    problems = []
    for name, fact in root.items():
        if not fact.definition:
            continue
        symbol = _defined_symbol(fact.claim)
        if symbol is None:
            problems.append(f"definition {name!r} is not of the form symbol = expression")
            continue
        if symbol.assumptions0 not in _PLAIN:
            problems.append(
                f"definition {name!r}: the defined symbol {symbol} carries assumptions beyond "
                "being real, which would add content; derive them instead"
            )
        assert isinstance(fact.claim, sp.Equality)
        if symbol in fact.claim.rhs.free_symbols:
            problems.append(f"definition {name!r} is circular")
        for other, other_fact in root.items():
            claim = other_fact.claim
            if other == name or not isinstance(claim, sp.Basic):
                continue
            # Another definition may use the name on its right-hand side (acyclic, checked there).
            used_in_definition = other_fact.definition and _defined_symbol(claim) != symbol
            if symbol in claim.free_symbols and not used_in_definition:
                problems.append(
                    f"definition {name!r}: {symbol} also occurs in {other!r}, so it is not "
                    "a new name"
                )
        if target is not None and symbol in target.free_symbols:
            problems.append(f"definition {name!r}: {symbol} occurs in the claim to be proved")
    return problems


def _claims_match(a: sp.Basic, b: sp.Basic) -> bool:
    la, ra_rel, ra = relation_of(a)
    lb, rb_rel, rb = relation_of(b)
    return ra_rel == rb_rel and is_zero(la - lb) and is_zero(ra - rb)


def check(
    proof: Proof, premises: Premises | None = None, claim: sp.Basic | None = None
) -> ProofReport:
    """Check ``proof``: its lemmas, each step under the facts it cites, and the chaining.

    Parameters
    ----------
    proof
        The proof.
    premises
        A statement's premises. Without them, ``proof.hypotheses`` are the premises.
    claim
        The relation the proof must conclude (a statement's ``quantity <= bound``).

    Returns
    -------
    ProofReport
        ``report.status == "proved"`` only if every step, lemma and the chaining is proved and
        the proof concludes ``claim`` from the premises.
    """
    return _check_root(proof, premises, claim)[0]


#: Cited statements already checked, by identity (the result is kept so its id stays unique).
_RESULTS: dict[int, tuple[Result, ProofReport, Checked]] = {}


def check_result(result: Result) -> tuple[ProofReport, Checked]:
    """Check a cited statement once (its proof against its own premises and claim)."""
    key = id(result)
    if key not in _RESULTS:
        report, checked = _check_root(result.proof, result.premises, result.claim)
        proved = Checked(
            result.name, result.claim, checked.used, report.status == "proved", checked.root
        )
        _RESULTS[key] = (result, report, proved)
    return _RESULTS[key][1], _RESULTS[key][2]


def _check_root(
    proof: Proof,
    premises: Premises | None,
    claim: sp.Basic | None,
) -> tuple[ProofReport, Checked]:
    problems: list[str] = []
    if premises is None:
        root = {name: Fact(c) for name, c in proof.hypotheses.items()}
    else:
        root = dict(premises.facts)
        for name, hyp in proof.hypotheses.items():
            if name not in root:
                problems.append(f"the proof assumes {name!r}, which the statement does not declare")
            elif not _same(root[name].claim, hyp):
                problems.append(
                    f"the proof assumes {name!r} as {hyp}, but the statement says "
                    f"{root[name].claim}"
                )
    problems += _definition_problems(root, claim)
    if claim is not None and not _claims_match(proof.target, claim):
        problems.append(f"the proof concludes {proof.target}, but the statement claims {claim}")
    report, checked = _check(proof, root, {})
    assert report.record is not None
    report = dataclasses.replace(report, record=dataclasses.replace(report.record, claim=claim))
    if problems:
        report = _with_problems(report, problems)
        checked = Checked(checked.name, checked.conclusion, checked.used, False, root)
    return report, checked


def _same(a: Claim, b: Claim) -> bool:
    if a == b:
        return True
    return is_relation(a) and is_relation(b) and _claims_match(a, b)


def _with_problems(report: ProofReport, problems: list[str]) -> ProofReport:
    return dataclasses.replace(report, problems=tuple(problems) + report.problems)


def _check(
    proof: Proof,
    root: Mapping[str, Fact],
    own: Mapping[str, Claim],
) -> tuple[ProofReport, Checked]:
    started = time.perf_counter()
    lemma_reports: list[ProofReport] = []
    lemmas: dict[str, Checked] = {}
    for lemma in proof.lemmas:
        if isinstance(lemma, Result):
            lemma_report, checked = check_result(lemma)
        else:
            lemma_report, checked = _check(lemma, root, dict(lemma.hypotheses))
        lemma_reports.append(lemma_report)
        lemmas[checked.name] = checked
    ctx = Context(root, dict(own), lemmas, auto_prove)
    results = []
    used: list[tuple[Used, ...]] = []
    previous = proof.start
    relation: Relation = "="
    for index, step in enumerate(proof.steps, start=1):
        t0 = time.perf_counter()
        claim_text = str(make_relational(previous, step.rel, step.expr))
        verdict, step_used, cited = _check_step(ctx, previous, step)
        if verdict.status == "proved":
            used.append(step_used)
        results.append(
            StepResult(
                index,
                claim_text,
                step.rule,
                verdict.status,
                verdict.evidence,
                verdict.message or step.note,
                time.perf_counter() - t0,
                (previous, step.rel, step.expr),
                cited,
            )
        )
        relation = compose(relation, step.rel)
        previous = step.expr
    chain_result = _check_chain(proof, previous, relation)
    all_used = merge_used(used)
    record = ProofRecord(proof.start, proof.target, None, dict(own), dict(root), all_used)
    report = ProofReport(
        proof.name,
        str(proof.target),
        tuple(results),
        tuple(lemma_reports),
        chain_result,
        time.perf_counter() - started,
        (),
        tuple(u.name for u in all_used),
        record,
    )
    checked = Checked(proof.name, proof.target, all_used, report.status == "proved", root)
    return report, checked


def _check_step(
    ctx: Context, previous: sp.Expr, step: Step
) -> tuple[TacticResult, tuple[Used, ...], tuple[Resolved, ...]]:
    """The verdict, the premises it used and the citations as they reached the tactic."""
    if step.rule == "induction":
        return (*_induction(ctx, previous, step), ())
    tactics = registry()
    if step.rule not in tactics:
        return (
            TacticResult("unknown", None, f"unknown rule {step.rule!r}; known: {sorted(tactics)}"),
            (),
            (),
        )
    resolved: list[Resolved] = []
    for citation in step.uses:
        try:
            resolved.append(ctx.resolve(citation))
        except CitationError as exc:
            return TacticResult("unknown", None, str(exc)), (), tuple(resolved)
    cited = tuple((r.name, r.claim) for r in resolved)
    goal = Goal(previous, step.rel, step.expr, cited, step.hint)
    result = tactics[step.rule](goal)
    if result.status == "proved":
        return result, merge_used(r.used for r in resolved), tuple(resolved)
    counterexample = refute.counterexample(previous, step.rel, step.expr, cited)
    if counterexample is not None:
        return (
            TacticResult("refuted", counterexample, "counterexample, checked exactly"),
            (),
            tuple(resolved),
        )
    return result, (), tuple(resolved)


def _induction(
    ctx: Context, previous: sp.Expr, step: Step
) -> tuple[TacticResult, tuple[Used, ...]]:
    """``a(k) <= b(k)`` from a base lemma at ``start`` and a step lemma at a fresh index."""
    hint = step.hint
    fail = lambda why: (TacticResult("unknown", None, f"induction: {why}"), ())  # noqa: E731
    if step.rel != "<=" or not isinstance(hint, Mapping) or "sequence" not in hint:
        return fail("needs '<=' and a hint with index, start, sequence, bound, base, step")
    index, start = hint.get("index"), sp.sympify(hint.get("start"))
    sequence, bound = hint.get("sequence"), hint.get("bound")
    base_name, step_name = str(hint.get("base")), str(hint.get("step"))
    if not (isinstance(index, sp.Symbol) and index.is_integer):
        return fail(f"the index {index!r} must be an integer symbol")
    if not start.is_integer:
        return fail(f"the start {start} must be an integer")
    if not isinstance(sequence, sp.Lambda) or not isinstance(bound, sp.Lambda):
        return fail("sequence and bound must be Lambdas in the index")
    if not (is_zero(previous - sequence(index)) and is_zero(step.expr - bound(index))):
        return fail("the step is not sequence(k) <= bound(k)")
    if base_name not in ctx.lemmas or step_name not in ctx.lemmas:
        return fail("base and step must name lemmas of this proof")
    if set(step.uses) != {base_name, step_name}:
        return fail("the step must cite exactly its base and step lemmas")
    used: list[Used] = []
    covered = sp.Ge(index, start, evaluate=False)
    at_start = ctx.prove_integer_bound(covered)
    if at_start is None:
        return fail(f"{index} >= {start} is not shown, so the claim is not covered")
    used += at_start[1]
    base, inductive = ctx.lemmas[base_name], ctx.lemmas[step_name]
    if not (base.proved and inductive.proved):
        return fail("base or step lemma not proved")
    claim_at = lambda n: make_relational(sequence(n), "<=", bound(n))  # noqa: E731
    if not _claims_match(base.conclusion, claim_at(start)):
        return fail(f"the base lemma concludes {base.conclusion}, not the claim at {start}")
    try:
        base_resolved = ctx.resolve_lemma(base_name, {})
    except CitationError as exc:
        return fail(str(exc))
    used += base_resolved.used
    # The step lemma at a fresh j >= start with the induction hypothesis at j granted.
    fresh = sp.Dummy(index.name, integer=True)
    hypothesis = next(
        (
            u
            for u in inductive.used
            if is_relation(u.claim) and _claims_match(u.claim, claim_at(index))
        ),
        None,
    )
    if hypothesis is None:
        return fail("the step lemma does not assume the claim at k (the induction hypothesis)")
    if not _claims_match(inductive.conclusion, claim_at(index + 1)):
        return fail(f"the step lemma concludes {inductive.conclusion}, not the claim at k + 1")
    granted = {
        f"{fresh} >= {start}": sp.Ge(fresh, start, evaluate=False),
        "induction hypothesis": replace_free(hypothesis.claim, {index: fresh}),
        f"{fresh} is an index": Deterministic(fresh),
    }
    stepped = Checked(
        inductive.name,
        inductive.conclusion,
        tuple(u for u in inductive.used if u is not hypothesis),
        True,
        inductive.root,
    )
    step_ctx = Context(
        ctx.root, ctx.own, {**ctx.lemmas, step_name: stepped}, ctx.prover, {**ctx.extra, **granted}
    )
    try:
        step_resolved = step_ctx.resolve_lemma(step_name, {index: fresh})
    except CitationError as exc:
        return fail(f"step lemma at a fresh index: {exc}")
    used += step_resolved.used
    evidence = {
        "index": index,
        "start": start,
        "sequence": sequence(index),
        "bound": bound(index),
        "covered": {"bound": covered, "proof": at_start[0]},
        "base": base_name,
        "base citation": base_resolved.evidence,
        "step": step_name,
        "hypothesis": hypothesis.name,
        "fresh": fresh,
        "granted": list(granted.items()),
        "step citation": step_resolved.evidence,
    }
    return TacticResult("proved", evidence, "base case and inductive step"), merge_used([used])


def _check_chain(proof: Proof, final: sp.Expr, relation: Relation) -> StepResult:
    t0 = time.perf_counter()
    problems = []
    try:
        lhs, rel, rhs = relation_of(proof.target)
    except ValueError as exc:
        lhs = rhs = sp.nan
        rel = "="
        problems.append(str(exc))
    if not problems:
        if not is_zero(proof.start - lhs):
            problems.append(f"chain starts at {proof.start}, target's left side is {lhs}")
        if not is_zero(final - rhs):
            problems.append(f"chain ends at {final}, target's right side is {rhs}")
        if not implies(relation, rel):
            problems.append(f"chain gives '{relation}', target needs '{rel}'")
    status: Status = "unknown" if problems else "proved"
    message = "; ".join(problems) or f"e_0 {relation} e_n is the target {proof.target}"
    return StepResult(
        len(proof.steps) + 1,
        f"chain => {proof.target}",
        "chain",
        status,
        None,
        message,
        time.perf_counter() - t0,
    )
