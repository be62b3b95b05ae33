"""What a step may cite, and how a citation becomes a claim a tactic can use.

A proof is checked in a :class:`Context`: the root premises (a statement's facts, or a proof's
own hypotheses when it is checked alone), the proof's own hypotheses, its checked lemmas and the
elementary facts of :mod:`bounds.proof.elementary`. Citing something produces a claim and the
list of premises the claim rests on (:class:`Used`), so that a lemma's premises can be
discharged wherever it is used:

* a root or own fact is used as it is (a schema fact at its own index, after checking that the
  index lies in the schema's range);
* a schema fact can be moved to another index ``e`` (``Cite(name, at={k: e})``) when it does not
  mention the schema's locals;
* a lemma can be instantiated at any values of its free symbols that respect their declared
  domains; every premise its proof used is then discharged at those values: a schema fact by
  the same schema fact of the citing context (the index must lie in range, and a conclusion
  that mentions the step's locals must stay at the same index), anything else by an equal fact
  of the citing context or by an automatic proof from its facts;
* ``Cite(name, over=(k, a, b))`` instantiates ``k`` at a fresh integer ``j`` with ``a <= j <= b``
  and sums the claim over ``j``; an inequality is summed only when ``b >= a - 1`` is proved.

Nothing else is available: an unknown name is an error naming the step and the fact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from bounds.proof import elementary, region
from bounds.proof.canonical import canonical, replace_free
from bounds.proof.chain import make_relational, relation_of
from bounds.proof.expectation import E, Ek, Knowledge, is_known
from bounds.proof.facts import Cite, Claim, Deterministic, Fact, Measurable, Schema, is_relation
from bounds.proof.tactics import Goal, identity, positivity


class CitationError(Exception):
    """A citation that cannot be resolved or instantiated; the message says why."""


@dataclass(frozen=True)
class Used:
    """A premise a checked proof relied on: its name, its claim, and its schema (if any)."""

    name: str
    claim: Claim
    schema: Schema | None = None


@dataclass
class Checked:
    """A checked proof as a lemma: its conclusion, the premises it used, whether it is proved."""

    name: str
    conclusion: sp.Basic
    used: tuple[Used, ...]
    proved: bool
    #: The root premises it was checked in (a cited statement's own; else the citing root).
    root: Mapping[str, Fact]


@dataclass(frozen=True)
class Resolved:
    """A citation turned into a claim, with the premises it rests on and how it was obtained."""

    name: str
    claim: Claim
    used: tuple[Used, ...]
    evidence: dict[str, Any] = field(default_factory=dict)


def _same_claim(a: Claim, b: Claim) -> bool:
    """The same fact up to orientation and expansion (a cheap, exact comparison)."""
    if a == b:
        return True
    if not (isinstance(a, sp.Basic) and isinstance(b, sp.Basic)):
        return False
    if not (is_relation(a) and is_relation(b)):
        return False
    la, ra_rel, ra = relation_of(a)
    lb, rb_rel, rb = relation_of(b)
    if ra_rel != rb_rel or (a.free_symbols != b.free_symbols):
        return False
    if ra_rel == "=":
        # a = b and b = a are the same fact.
        return sp.expand((ra - la) - (rb - lb)) == 0 or sp.expand((ra - la) + (rb - lb)) == 0
    return sp.expand((ra - la) - (rb - lb)) == 0


def _substitute_claim(claim: Claim, sigma: Mapping[sp.Basic, sp.Basic]) -> Claim:
    if isinstance(claim, (Measurable, Deterministic)):
        # A declaration moves with its symbols; a compound value is checked head by head.
        return claim
    if not sigma:
        return claim
    lhs, rel, rhs = relation_of(claim)
    return make_relational(replace_free(lhs, sigma), rel, replace_free(rhs, sigma))


def _fresh_index(index: sp.Symbol) -> sp.Dummy:
    return sp.Dummy(index.name, integer=True)


@dataclass
class Context:
    """Everything a proof may cite.

    Parameters
    ----------
    root
        The root premises (shared by a proof and its inner lemmas).
    own
        The proof's own hypotheses (discharged wherever the proof is used as a lemma).
    lemmas
        Checked lemmas by name.
    extra
        Temporary facts that hold by construction during a discharge (``a <= j <= b`` for a
        fresh index ``j``); never recorded as used.
    prover
        ``prover(target, facts) -> evidence or None``: the automatic proof used to discharge a
        premise that no fact states verbatim.
    """

    root: Mapping[str, Fact]
    own: Mapping[str, Claim]
    lemmas: Mapping[str, Checked]
    prover: Callable[[sp.Basic, tuple[tuple[str, Claim], ...]], Any]
    extra: Mapping[str, Claim] = field(default_factory=dict)
    _proved: dict[Any, Any] = field(default_factory=dict, repr=False)

    def with_extra(self, facts: Mapping[str, Claim]) -> Context:
        return Context(self.root, self.own, self.lemmas, self.prover, {**self.extra, **facts})

    # ------------------------------------------------------------------ plain facts
    def closed_relations(self) -> list[tuple[str, Claim, Used | None]]:
        """Facts usable at face value: own, root without schema, and the extra facts."""
        out: list[tuple[str, Claim, Used | None]] = []
        for name, claim in self.own.items():
            out.append((name, claim, Used(name, claim)))
        for name, fact in self.root.items():
            if fact.schema is None:
                out.append((name, fact.claim, Used(name, fact.claim)))
        for name, claim in self.extra.items():
            out.append((name, claim, None))
        return out

    def knowledge(self) -> Knowledge:
        """Every declaration available (own, root closed and root schema facts, at identity)."""
        claims = [c for _, c, _ in self.closed_relations()]
        claims += [f.claim for f in self.root.values() if f.schema is not None]
        return Knowledge.of(claims)

    def prove_relation(
        self, target: sp.Basic, light: bool = False
    ) -> tuple[Any, tuple[Used, ...]] | None:
        """Evidence that ``target`` follows from the closed facts, and the facts it used.

        ``light`` tries only an equal fact and the positivity tactic (for index ranges).
        """
        key = (target, light)
        if key not in self._proved:
            self._proved[key] = self._prove_relation(target, light)
        return self._proved[key]

    def _prove_relation(self, target: sp.Basic, light: bool) -> tuple[Any, tuple[Used, ...]] | None:
        if target is sp.true:
            return "true", ()
        facts = self.closed_relations()
        for name, claim, used in facts:
            if _same_claim(claim, target):
                return {"equal to": name}, ((used,) if used else ())
        for name, fact in self.root.items():
            # A schema fact at its own index, once the index is shown to lie in its range.
            if fact.schema is not None and _same_claim(fact.claim, target):
                found = self.in_range(fact.schema.index, fact.schema)
                if found is not None:
                    return {"equal to": name}, (Used(name, fact.claim, fact.schema), *found[1])
        symbols = target.free_symbols
        relevant = [
            (name, claim, used)
            for name, claim, used in facts
            if isinstance(claim, sp.Basic)
            and is_relation(claim)
            and (claim.free_symbols & symbols or not claim.free_symbols)
        ]
        # A positive integer symbol is at least 1: its declared domain, checked wherever the
        # symbol is instantiated, so not a premise to record.
        relevant += [(n, c, None) for n, c in region.domain_facts(symbols)]
        if light:
            lhs, rel, rhs = relation_of(target)
            goal = Goal(lhs, rel, rhs, tuple((n, c) for n, c, _ in relevant))
            result = positivity.check(goal) if rel != "=" else identity.check(goal)
            evidence = result.evidence if result.status == "proved" else None
        else:
            evidence = self.prover(target, tuple((n, c) for n, c, _ in relevant))
        if evidence is None:
            return None
        return evidence, tuple(u for _, _, u in relevant if u is not None)

    def declared(self, claim: Measurable | Deterministic) -> tuple[Used, ...] | None:
        """The facts declaring every head of ``claim`` (``Deterministic`` also counts for
        ``Measurable``), or ``None`` if some head is not declared."""
        needed = set(claim.atoms)
        kinds = (
            (Deterministic,) if isinstance(claim, Deterministic) else (Measurable, Deterministic)
        )
        used: list[Used] = []
        pool = [(n, c, u) for n, c, u in self.closed_relations()]
        pool += [(n, f.claim, Used(n, f.claim, f.schema)) for n, f in self.root.items() if f.schema]
        for _, fact_claim, u in pool:
            if isinstance(fact_claim, kinds) and fact_claim.atoms & needed:
                needed -= fact_claim.atoms
                if u is not None:
                    used.append(u)
        return tuple(used) if not needed else None

    # ------------------------------------------------------------------ ranges and domains
    def in_range(self, value: sp.Expr, schema: Schema) -> tuple[Any, tuple[Used, ...]] | None:
        """Evidence that the integer ``value`` lies in ``[schema.low, schema.high]``."""
        if value.is_integer is not True:
            return None
        evidence: list[Any] = []
        used: list[Used] = []
        bounds = [sp.Ge(value, schema.low, evaluate=False)]
        if schema.high is not None:
            bounds.append(sp.Le(value, schema.high, evaluate=False))
        for bound in bounds:
            found = self.prove_integer_bound(bound)
            if found is None:
                return None
            evidence.append(found[0])
            used += found[1]
        return evidence, tuple(used)

    def prove_integer_bound(self, bound: sp.Basic) -> tuple[Any, tuple[Used, ...]] | None:
        """Prove ``a <= b`` between integer-valued sides, also as ``a < b + 1``."""
        lhs, _, rhs = relation_of(bound)
        difference = sp.expand(rhs - lhs)
        if difference.is_number and difference >= 0:
            return {"difference": difference}, ()
        if difference.is_nonnegative:
            # The declared domains decide it (k - 1 >= 0 for a positive integer k).
            return {"domains": str(difference)}, ()
        found = self.prove_relation(bound, light=True)
        if found is None and difference.is_integer:
            found = self.prove_relation(sp.Lt(lhs, rhs + 1, evaluate=False), light=True)
        if found is None:
            found = self.prove_relation(bound)
        return found

    def respects_domain(self, symbol: sp.Symbol, value: sp.Expr) -> tuple[Used, ...] | None:
        """The facts showing ``value`` meets the assumptions declared on ``symbol``."""
        used: list[Used] = []
        if symbol.is_integer and value.is_integer is not True:
            return None
        signed = symbol.is_positive or symbol.is_nonnegative
        if symbol.is_extended_real and not signed and value.is_extended_real is not True:
            # sqrt(x) for an x that may be negative is not a value of a real variable. (A sign
            # condition, when the domain has one, is proved below and implies a real value.)
            real = self._real_quotient(value)
            if real is None:
                return None
            used += real
        conditions = []
        if symbol.is_positive:
            conditions.append(sp.Gt(value, 0, evaluate=False))
        elif symbol.is_nonnegative:
            conditions.append(sp.Ge(value, 0, evaluate=False))
        for condition in conditions:
            if (symbol.is_positive and value.is_positive) or (
                symbol.is_nonnegative and value.is_nonnegative
            ):
                continue
            found = self.prove_relation(condition)
            if found is None and value.is_integer and symbol.is_positive:
                found = self.prove_relation(sp.Ge(value, 1, evaluate=False))
            if found is None:
                return None
            used += found[1]
        return tuple(used)

    def _real_quotient(self, value: sp.Expr) -> tuple[Used, ...] | None:
        """Facts showing ``value`` is real: a quotient of real expressions whose denominator is
        shown positive or negative here."""
        num, den = sp.together(value).as_numer_denom()
        if num.is_extended_real is not True or den.is_extended_real is not True:
            return None
        for side in (sp.Gt(den, 0, evaluate=False), sp.Lt(den, 0, evaluate=False)):
            found = self.prove_relation(side)
            if found is not None:
                return found[1]
        return None

    # ------------------------------------------------------------------ resolution
    def resolve(self, citation: str | Cite) -> Resolved:
        """The claim a citation stands for, or :class:`CitationError`."""
        cite = citation if isinstance(citation, Cite) else Cite(citation)
        sigma = dict(cite.at)
        extra: dict[str, Claim] = {}
        over_index: sp.Symbol | None = None
        fresh: sp.Dummy | None = None
        if cite.over is not None:
            over_index, low, high = cite.over
            if not (isinstance(over_index, sp.Symbol) and low.is_integer and high.is_integer):
                raise CitationError(
                    f"{cite}: a sum runs over an integer symbol between integer limits"
                )
            fresh = _fresh_index(over_index)
            sigma[over_index] = fresh
            extra = {
                f"{fresh} >= {low}": sp.Ge(fresh, low, evaluate=False),
                f"{fresh} <= {high}": sp.Le(fresh, high, evaluate=False),
                f"{fresh} is an index": Deterministic(fresh),
            }
        ctx = self.with_extra(extra) if extra else self
        resolved = ctx._resolve_plain(cite.name, sigma, cite)
        claim = resolved.claim
        if cite.over is not None:
            assert over_index is not None
            assert fresh is not None
            claim = self._summed(claim, fresh, over_index, cite)
        if cite.wrap is not None:
            if not is_relation(claim):
                raise CitationError(f"{cite}: only a relation can be put under {cite.wrap}")
            op = E if cite.wrap == "E" else Ek
            lhs, rel, rhs = relation_of(claim)
            claim = make_relational(op(lhs), "<=" if rel == "<" else rel, op(rhs))
        return Resolved(str(cite), claim, resolved.used, resolved.evidence)

    def _summed(self, claim: Claim, fresh: sp.Dummy, index: sp.Symbol, cite: Cite) -> Claim:
        assert cite.over is not None
        _, low, high = cite.over
        if not is_relation(claim):
            raise CitationError(f"{cite}: only a relation can be summed")
        lhs, rel, rhs = relation_of(claim)
        if rel != "=":
            count = self.prove_integer_bound(sp.Ge(high, low - 1, evaluate=False))
            if count is None:
                raise CitationError(
                    f"{cite}: summing an inequality needs {high} >= {low} - 1 (a reversed range "
                    "flips the sign of a sum), which the facts do not show"
                )
        back = {fresh: index}
        limits = (index, low, high)
        return make_relational(
            sp.Sum(replace_free(lhs, back), limits),
            "<=" if rel == "<" else rel,
            sp.Sum(replace_free(rhs, back), limits),
        )

    def resolve_lemma(self, name: str, sigma: Mapping[sp.Basic, sp.Basic]) -> Resolved:
        """The lemma ``name`` at ``sigma``, its premises discharged here (for rules such as
        induction that instantiate lemmas themselves)."""
        return self._lemma(self.lemmas[name], dict(sigma), Cite(name, at=sigma))

    def _resolve_plain(self, name: str, sigma: dict[sp.Basic, sp.Basic], cite: Cite) -> Resolved:
        if name in self.own:
            return self._closed(name, self.own[name], sigma, cite)
        if name in self.root:
            fact = self.root[name]
            if fact.schema is None:
                return self._closed(name, fact.claim, sigma, cite)
            return self._schematic(name, fact, sigma, cite)
        if name in self.lemmas:
            return self._lemma(self.lemmas[name], sigma, cite)
        if name in elementary.FACTS:
            return self._elementary(elementary.FACTS[name], sigma, cite)
        raise CitationError(
            f"cites {name!r}, which is not a hypothesis, assumption or definition of the "
            "statement, not a lemma of the proof and not an elementary fact"
        )

    def _closed(self, name: str, claim: Claim, sigma: Mapping, cite: Cite) -> Resolved:
        moved = [k for k, v in sigma.items() if k != v]
        if isinstance(claim, sp.Basic) and any(k in claim.free_symbols for k in moved):
            raise CitationError(
                f"{cite}: {name!r} is a fact about the given {', '.join(map(str, moved))}, "
                "not a statement for all of them; it cannot be instantiated or summed"
            )
        return Resolved(name, claim, (Used(name, claim),))

    def _schematic(self, name: str, fact: Fact, sigma: Mapping, cite: Cite) -> Resolved:
        schema = fact.schema
        assert schema is not None
        others = [k for k in sigma if k != schema.index]
        if others:
            raise CitationError(
                f"{cite}: a schema fact can only be moved along its index {schema.index}"
            )
        value = sigma.get(schema.index, schema.index)
        if value != schema.index and schema.mentions_locals(fact.claim):
            raise CitationError(
                f"{cite}: {name!r} speaks of the quantities of one step ({schema.name}); it "
                "holds at another index only through a lemma whose conclusion does not"
            )
        found = self.in_range(value, schema)
        if found is None:
            raise CitationError(
                f"{cite}: the index {value} is not shown to lie in {schema.name}'s range "
                f"[{schema.low}, {schema.high if schema.high is not None else 'oo'}]"
            )
        claim = _substitute_claim(fact.claim, {schema.index: value})
        used = (Used(name, fact.claim, schema), *found[1])
        return Resolved(name, claim, used, {"index": value})

    def _elementary(self, fact: elementary.Elementary, sigma: Mapping, cite: Cite) -> Resolved:
        missing = [v for v in fact.variables if v not in sigma]
        if missing or set(sigma) - set(fact.variables):
            raise CitationError(
                f"{cite}: the elementary fact {fact.name!r} needs values for exactly "
                f"{', '.join(map(str, fact.variables))}"
            )
        used: list[Used] = []
        for variable in fact.variables:
            domain = self.respects_domain(variable, sigma[variable])
            if domain is None:
                raise CitationError(
                    f"{cite}: {sigma[variable]} does not meet the domain of {variable}"
                )
            used += domain
        for condition in fact.conditions:
            found = self.prove_relation(_substitute_claim(condition, sigma))
            if found is None:
                raise CitationError(
                    f"{cite}: side condition {_substitute_claim(condition, sigma)} of "
                    f"{fact.name!r} is not shown"
                )
            used += found[1]
        claim = _substitute_claim(fact.claim, sigma)
        return Resolved(fact.name, claim, tuple(used), {"elementary": fact.name})

    # ------------------------------------------------------------------ lemmas
    def _lemma(self, lemma: Checked, sigma: Mapping, cite: Cite) -> Resolved:
        if not lemma.proved:
            raise CitationError(f"cites the lemma {lemma.name!r}, which is not proved")
        schemas = {u.schema for u in lemma.used if u.schema is not None}
        local_items = {item for s in schemas for item in s.locals}
        used: list[Used] = []
        for symbol, value in sigma.items():
            if not isinstance(symbol, sp.Symbol):
                raise CitationError(f"{cite}: only symbols can be instantiated, not {symbol}")
            if symbol in local_items:
                raise CitationError(f"{cite}: {symbol} is a quantity of one step, not a variable")
            domain = self.respects_domain(symbol, value)
            if domain is None:
                raise CitationError(f"{cite}: {value} does not meet the domain of {symbol}")
            used += domain
        for schema in schemas:
            moved = sigma.get(schema.index, schema.index)
            if moved != schema.index and schema.mentions_locals(lemma.conclusion):
                raise CitationError(
                    f"{cite}: the conclusion of {lemma.name!r} speaks of the quantities of one "
                    f"step; it cannot be moved to {schema.index} = {moved}"
                )
        for premise in lemma.used:
            used += self._discharge(premise, sigma, lemma, cite)
        claim = _substitute_claim(lemma.conclusion, sigma)
        return Resolved(lemma.name, claim, tuple(used), {"lemma": lemma.name, "at": dict(sigma)})

    def _discharge(
        self, premise: Used, sigma: Mapping, lemma: Checked, cite: Cite
    ) -> tuple[Used, ...]:
        if premise.schema is not None:
            return self._discharge_schematic(premise, sigma, lemma, cite)
        claim = premise.claim
        if isinstance(claim, (Measurable, Deterministic)):
            heads: set[object] = set()
            for atom in claim.atoms:
                value = sigma.get(atom, atom) if isinstance(atom, sp.Symbol) else atom
                if isinstance(value, sp.Basic) and not isinstance(value, sp.Symbol):
                    heads |= _heads_of(value)
                else:
                    heads.add(value)
            wanted = type(claim)(*heads) if heads else claim
            found_decl = self.declared(wanted)
            if found_decl is None:
                raise CitationError(
                    f"{cite}: premise {premise.name!r} of {lemma.name!r} ({wanted}) is not "
                    "declared here"
                )
            return found_decl
        target = _substitute_claim(claim, sigma)
        found = self.prove_relation(target)
        if found is None:
            raise CitationError(
                f"{cite}: premise {premise.name!r} of {lemma.name!r}, {target}, is not shown "
                "by the facts here"
            )
        return found[1]

    def _discharge_schematic(
        self, premise: Used, sigma: Mapping, lemma: Checked, cite: Cite
    ) -> tuple[Used, ...]:
        schema = premise.schema
        assert schema is not None
        fact = self.root.get(premise.name)
        if fact is None or fact.schema is None or fact.schema.index != schema.index:
            raise CitationError(
                f"{cite}: {lemma.name!r} needs the model fact {premise.name!r}, which this "
                "statement does not declare"
            )
        if set(fact.schema.locals) != set(schema.locals):
            raise CitationError(
                f"{cite}: {premise.name!r} belongs to another model than {lemma.name!r}'s"
            )
        shifted = {k: v for k, v in sigma.items() if k != schema.index}
        expected = _substitute_claim(premise.claim, shifted)
        if not _same_claim(expected, fact.claim):
            raise CitationError(
                f"{cite}: {lemma.name!r} needs {premise.name!r} as {expected}; here it is "
                f"{fact.claim}"
            )
        value = sigma.get(schema.index, schema.index)
        found = self.in_range(value, fact.schema)
        if found is None:
            raise CitationError(
                f"{cite}: {lemma.name!r} is used at {schema.index} = {value}, not shown to lie "
                f"in the range of {fact.schema.name}"
            )
        return (Used(premise.name, fact.claim, fact.schema), *found[1])


def _heads_of(expr: sp.Basic) -> set[object]:
    """The symbols, sequences and function classes ``expr`` is built from."""
    heads: set[object] = set()
    for atom in sp.preorder_traversal(expr):
        if isinstance(atom, sp.Indexed):
            heads.add(atom.base)
        elif isinstance(atom, sp.core.function.AppliedUndef):
            heads.add(atom.func)
        elif isinstance(atom, sp.Symbol):
            heads.add(atom)
    return heads


def known_in(expr: sp.Basic, knowledge: Knowledge) -> bool:
    """Whether every head of ``expr`` is declared deterministic."""
    return is_known(expr, knowledge.deterministic, False)


def merge_used(groups: Iterable[Iterable[Used]]) -> tuple[Used, ...]:
    """Union of used premises, first occurrence kept, by name."""
    seen: dict[str, Used] = {}
    for group in groups:
        for used in group:
            seen.setdefault(used.name, used)
    return tuple(seen.values())


def canonical_claim(claim: sp.Basic) -> sp.Expr:
    """``rhs - lhs`` of a relation in canonical form (for comparing conclusions)."""
    lhs, _, rhs = relation_of(claim)
    return canonical(rhs - lhs)
