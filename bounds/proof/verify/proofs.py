"""Re-checking whole proofs: citations and their provenance, derivations, steps, the chain.

A proof is checked in a :class:`Scope` (its recorded premises, its own hypotheses, its lemmas
once they re-check, and facts granted by construction: the bounds of a fresh summation index,
an induction hypothesis). Every cited fact must be re-derived from the scope by its recorded
provenance; every lemma premise must be discharged where the lemma is used; every step's
certificate must re-check; the chain must start and end at the target's sides with a relation
that implies the target's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import tactics
from .algebra import ATOMS, ONE, Evaluator, Rat, Unusable, head_key, is_integer, symbol_of
from .elementary import FACTS
from .signs import Signs
from .tactics import Failure, Pool, require
from .tactics import field as get

Tree = Any
PLAIN = Evaluator()


# ------------------------------------------------------------------------------ claims
def relation(claim: Tree, ev: Evaluator = PLAIN) -> tuple[str, Rat, Rat]:
    rel = get(claim, "rel")
    require(rel in ("=", "<=", "<"), f"unknown relation {rel!r}")
    return rel, ev.rat(claim["lhs"]), ev.rat(claim["rhs"])


def same_claim(a: Tree, b: Tree) -> bool:
    """The same relation with equal sides, or the same declaration."""
    if a == b:
        return True
    if not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if "rel" in a and "rel" in b:
        ra, la, xa = relation(a)
        rb, lb, xb = relation(b)
        return ra == rb and la.equals(lb) and xa.equals(xb)
    if "declare" in a and "declare" in b:
        return a["declare"] == b["declare"] and heads(a) == heads(b)
    return False


def same_fact(a: Tree, b: Tree) -> bool:
    """The same relation up to orientation and rearrangement (``rhs - lhs`` agree)."""
    if same_claim(a, b):
        return True
    if not ("rel" in a and "rel" in b):
        return False
    ra, la, xa = relation(a)
    rb, lb, xb = relation(b)
    if ra != rb:
        return False
    da, db = xa - la, xb - lb
    return da.equals(db) or (ra == "=" and da.equals(-db))


def heads(declaration: Tree) -> frozenset[str]:
    return frozenset(head_key(h) for h in get(declaration, "heads"))


def instance(claim: Tree, mapping: dict[str, Rat]) -> tuple[str, Rat, Rat]:
    rel, lhs, rhs = relation(claim)
    return rel, PLAIN.substitute(lhs, mapping), PLAIN.substitute(rhs, mapping)


def is_instance(general: Tree, mapping: dict[str, Rat], claim: Tree) -> bool:
    """``claim`` is ``general`` at ``mapping`` (a declaration stays as it is)."""
    if "rel" not in general:
        return same_claim(general, claim)
    rel, lhs, rhs = instance(general, mapping)
    got = relation(claim)
    return rel == got[0] and lhs.equals(got[1]) and rhs.equals(got[2])


def symbol(tree: Tree) -> str:
    key = symbol_of(PLAIN.rat(tree))
    require(key is not None, f"not a symbol: {tree!r}")
    assert key is not None
    return key


def mapping_of(pairs: Tree) -> dict[str, Rat]:
    return {symbol(s): PLAIN.rat(v) for s, v in pairs}


def mentions(rat: Rat, locals_: frozenset[str]) -> bool:
    """Whether ``rat`` involves one of the heads ``locals_`` (symbols, sequences, functions)."""
    for key in rat.atoms():
        for inner in (key, *ATOMS[key].inner):
            atom = ATOMS[inner]
            if inner in locals_ or atom.free & locals_:
                return True
            if atom.kind == "indexed" and f"seq:{atom.name}" in locals_:
                return True
            if atom.kind == "undefined" and f"fn:{atom.name}" in locals_:
                return True
    return False


def claim_mentions(claim: Tree, locals_: frozenset[str]) -> bool:
    if "rel" not in claim:
        return bool(heads(claim) & locals_) if "declare" in claim else False
    _, lhs, rhs = relation(claim)
    return mentions(lhs, locals_) or mentions(rhs, locals_)


# ------------------------------------------------------------------------------ scope
@dataclass
class Lemma:
    """A lemma of the proof being checked: its record and whether it re-checked."""

    proof: Tree
    ok: bool


@dataclass
class Scope:
    """What may be cited: premises by name, own hypotheses, lemmas, granted facts."""

    root: dict[str, Tree]
    own: dict[str, Tree]
    lemmas: dict[str, Lemma]
    extra: list[tuple[str, Tree]] = field(default_factory=list)

    def with_extra(self, items: list[tuple[str, Tree]]) -> Scope:
        return Scope(self.root, self.own, self.lemmas, [*self.extra, *items])

    def closed(self) -> list[tuple[str, Tree, bool]]:
        """``(name, claim, counts as used)`` of the facts usable at face value."""
        out = [(n, c, True) for n, c in self.own.items()]
        out += [(n, p["claim"], True) for n, p in self.root.items() if p.get("schema") is None]
        out += [(n, c, False) for n, c in self.extra]
        return out

    def available(self, name: str, claim: Tree) -> bool | None:
        """``True`` (a premise, so it counts as used) or ``False`` (a granted fact, matched by
        its claim alone: its name is only a label) when ``name: claim`` holds here."""
        for n, c, used in self.closed():
            if (n == name or not used) and same_claim(c, claim):
                return used
        return None


# ------------------------------------------------------------------------------ derivations
def derivation(target: Tree, proof: Tree, scope: Scope) -> set[str]:
    """Check that ``proof`` derives ``target`` in ``scope``; return the premises it used."""
    by = get(proof, "by")
    if by == "true":
        require(target == {"bool": True}, "only 'true' is true by itself")
        return set()
    if by == "fact":
        name = str(get(proof, "fact"))
        used = scope.available(name, get(proof, "claim"))
        require(used is not None, f"{name!r} is not a fact here")
        require(same_fact(proof["claim"], target), f"{name!r} does not state the target")
        return {name} if used else set()
    if by == "schema fact":
        name = str(get(proof, "fact"))
        premise = scope.root.get(name)
        require(premise is not None and premise.get("schema") is not None, f"no schema {name!r}")
        assert premise is not None
        require(same_claim(premise["claim"], get(proof, "claim")), f"{name!r} is not as recorded")
        require(same_fact(premise["claim"], target), f"{name!r} does not state the target")
        schema = premise["schema"]
        index = PLAIN.rat(schema["index"])
        return {name} | in_range(index, schema, get(proof, "range"), scope)
    if by in ("positivity", "identity", "auto"):
        pool, facts_used = _facts(proof, scope)
        _tactic(by, pool, target, get(proof, "certificate"))
        return facts_used
    if by == "difference":
        rel, lhs, rhs = relation(target)
        value = PLAIN.rat(get(proof, "value")).constant
        require(
            rel != "=" and value is not None and (rhs - lhs).constant == value, "bad difference"
        )
        assert value is not None
        require(value > 0 if rel == "<" else value >= 0, "the difference has the wrong sign")
        return set()
    if by == "domains":
        rel, lhs, rhs = relation(target)
        difference = PLAIN.rat(get(proof, "difference"))
        require(rel == "<=" and (rhs - lhs).equals(difference), "bad difference")
        require(by_domains(difference, strict=False), "the declared domains do not decide it")
        return set()
    if by == "integer step":
        rel, lhs, rhs = relation(target)
        step = get(proof, "relation")
        step_rel, step_lhs, step_rhs = relation(step)
        require(rel == "<=" and is_integer(lhs) and is_integer(rhs), "not an integer bound")
        require(
            step_rel == "<" and step_lhs.equals(lhs) and step_rhs.equals(rhs + ONE),
            "the integer step is not a < b + 1",
        )
        return derivation(step, get(proof, "proof"), scope)
    raise Failure(f"unknown derivation {by!r}")


def _facts(proof: Tree, scope: Scope) -> tuple[Pool, set[str]]:
    items = []
    used = set()
    for name, claim in get(proof, "facts"):
        available = scope.available(str(name), claim)
        if available is None:
            try:
                tactics.domain_fact(Pool([]), claim)
            except Failure:
                raise Failure(f"{name!r} is not a fact here") from None
        elif available:
            used.add(str(name))
        items.append((str(name), claim))
    return Pool(items), used


def _tactic(by: str, pool: Pool, target: Tree, cert: Tree) -> None:
    rel, lhs, rhs = pool.relation(target)
    if by == "identity" or (by == "positivity" and rel == "="):
        tactics.identity(pool, lhs, rel, rhs, cert)
    elif by == "positivity":
        _positivity_step(pool, lhs, rel, rhs, cert)
    else:
        _auto(pool, lhs, rel, rhs, cert)


def _auto(pool: Pool, lhs: Rat, rel: str, rhs: Rat, cert: Tree) -> None:
    rule = get(cert, "rule")
    if rule == "both ways":
        require(rel == "=", "'both ways' proves an equation")
        _auto(pool, lhs, "<=", rhs, get(cert, "up"))
        _auto(pool, rhs, "<=", lhs, get(cert, "down"))
        return
    records = list(get(cert, "elementary"))
    if records:
        pool = with_instances(pool, records)
    inner = get(cert, "certificate")
    if rule == "identity":
        tactics.identity(pool, lhs, rel, rhs, inner)
    elif rule == "positivity":
        _positivity_step(pool, lhs, rel, rhs, inner)
    elif rule == "products":
        _products_step(pool, lhs, rel, rhs, inner)
    else:
        raise Failure(f"unknown automatic rule {rule!r}")


def with_instances(pool: Pool, records: list[Tree]) -> Pool:
    """``pool`` with the elementary-fact instances ``records`` added, each re-derived first:
    its variables' values in their domains and its side conditions from ``pool``'s facts, or
    ``E`` applied to a relation of ``pool``."""
    items = list(pool.items)
    for record in records:
        kind = get(record, "kind")
        label, claim = str(get(record, "label")), get(record, "claim")
        if "bool" in claim:
            continue  # SymPy decided the instance while it was built: it states nothing
        if kind == "E of":
            rel, lhs, rhs = pool.relation(claim)
            fact = str(get(record, "fact"))
            wanted = "=" if rel == "=" else "<="
            ok = any(
                (r == "=") == (wanted == "=")
                and lhs.equals(pool.ev.expect("E", a))
                and rhs.equals(pool.ev.expect("E", b))
                for r, a, b in pool.named(fact)
            )
            require(rel == wanted and ok, f"{label!r} is not E applied to {fact!r}")
        elif kind == "elementary":
            _instance(pool, record)
        else:
            raise Failure(f"unknown kind of instance {kind!r}")
        items.append((label, claim))
    extended = Pool(items)
    return extended


def _instance(pool: Pool, record: Tree) -> None:
    name = str(get(record, "name"))
    require(name in FACTS, f"{name!r} is not an elementary fact the verifier knows")
    variables, conditions, claim = FACTS[name]
    require(same_claim(get(record, "general"), claim), f"{name!r} is not the textbook fact")
    keys = [symbol(v) for v in variables]
    require([symbol(v) for v in get(record, "variables")] == keys, f"{name!r}: other variables")
    mapping = mapping_of(get(record, "at"))
    require(sorted(mapping) == sorted(keys), f"{name!r} needs a value for each variable")
    require(is_instance(claim, mapping, record["claim"]), f"the claim is not {name!r} there")
    signs = pool.signs()
    for key in keys:
        value = mapping[key]
        if "integer" in ATOMS[key].assumptions:
            require(is_integer(value), f"{name!r}: the value of {key} is not integer-valued")
        require(signs.rat_real(value), f"{name!r}: the value of {key} is not shown real")
    shown = list(get(record, "conditions"))
    require(len(shown) == len(conditions), f"{name!r}: side conditions missing")
    for condition, side in zip(conditions, shown, strict=True):
        require(same_claim(get(side, "condition"), condition), f"{name!r}: another side condition")
        at = get(side, "instance")
        proof = get(side, "proof")
        if at == {"bool": True}:
            rel, lhs, rhs = instance(condition, mapping)
            difference = rhs - lhs
            decided = signs.rat_positive(difference) or (
                rel == "<=" and signs.rat_nonnegative(difference)
            )
            require(decided, f"{name!r}: a side condition is not true by the signs")
            continue
        require(is_instance(condition, mapping, at), f"{name!r}: a side condition's instance")
        _pool_derivation(pool, at, proof)


def _pool_derivation(pool: Pool, target: Tree, proof: Tree) -> None:
    """``proof`` derives ``target`` from ``pool``'s facts (a side condition's derivation)."""
    by = get(proof, "by")
    if by == "fact":
        name = str(get(proof, "fact"))
        require(
            any(n == name and same_claim(c, get(proof, "claim")) for n, c in pool.items),
            f"{name!r} is not a fact here",
        )
        require(same_fact(proof["claim"], target), f"{name!r} does not state the side condition")
        return
    require(by in ("positivity", "auto"), f"a side condition derived by {by!r}")
    facts = []
    for name, claim in get(proof, "facts"):
        present = any(n == name and same_claim(c, claim) for n, c in pool.items)
        require(present, f"{name!r} is not a fact here")
        facts.append((str(name), claim))
    _tactic(by, Pool(facts), target, get(proof, "certificate"))


def _positivity_step(pool: Pool, lhs: Rat, rel: str, rhs: Rat, cert: Tree) -> None:
    require(rel in ("<=", "<"), "positivity proves <= or <")
    difference = pool.ev.rat(get(cert, "difference"))
    rules = pool.rules(list(get(cert, "rewrites")))
    tactics.same_after_rules(pool, rhs - lhs, difference, rules, "the difference")
    tactics.positivity(pool, difference, cert, rel == "<")


def _products_step(pool: Pool, lhs: Rat, rel: str, rhs: Rat, cert: Tree) -> None:
    require(rel in ("<=", "<"), "products and sums of squares prove <= or <")
    difference = pool.ev.rat(get(cert, "difference"))
    rules = pool.rules(list(get(cert, "rewrites")))
    tactics.same_after_rules(pool, rhs - lhs, difference, rules, "the difference")
    tactics.products(pool, difference, cert, rel == "<")


def by_domains(value: Rat, strict: bool) -> bool:
    """``value >= 0`` from declared domains alone; a positive integer ``k`` counts as ``1 + t``."""
    signs = Signs()
    if signs.poly_nonnegative(value.num, strict) and signs.poly_nonnegative(value.den, True):
        return True
    shift = {}
    for key in value.atoms():
        atom = ATOMS[key]
        if atom.kind == "sym" and {"integer", "positive"} <= atom.assumptions:
            slack = {"sym": f"{atom.name} - 1", "dummy": -1, "assumptions": ["nonnegative"]}
            shift[key] = PLAIN.rat(slack) + ONE
    shifted = PLAIN.substitute(value, shift)
    return signs.poly_nonnegative(shifted.num, strict) and signs.poly_nonnegative(shifted.den, True)


def in_range(value: Rat, schema: Tree, records: Tree, scope: Scope) -> set[str]:
    """``low <= value (<= high)`` for a schema's range, each bound by its recorded proof."""
    require(is_integer(value), "an index must be integer-valued")
    low = PLAIN.rat(get(schema, "low"))
    wanted = [("<=", low, value)]
    if schema.get("high") is not None:
        wanted.append(("<=", value, PLAIN.rat(schema["high"])))
    require(len(records) == len(wanted), "the range proof does not cover the range")
    used: set[str] = set()
    for (rel, lhs, rhs), record in zip(wanted, records, strict=True):
        bound = get(record, "bound")
        got = relation(bound)
        require(got[0] == rel and got[1].equals(lhs) and got[2].equals(rhs), "another bound")
        used |= derivation(bound, get(record, "proof"), scope)
    return used


def domain_respected(key: str, value: Rat, record: Tree, scope: Scope) -> set[str]:
    """``value`` meets the declared domain of the symbol ``key`` (integer, positive, >= 0)."""
    assumptions = ATOMS[key].assumptions
    require(symbol(get(record, "symbol")) == key, "the domain record is for another symbol")
    require(PLAIN.rat(get(record, "value")).equals(value), "the domain record has another value")
    if "integer" in assumptions:
        require(is_integer(value), f"{key} is an integer; the value is not integer-valued")
    # A real variable takes only values real by their declared domains (not sqrt(x) for an
    # x of unknown sign); a sign condition below implies it where the domain has one.
    require(
        not ({"real", "integer"} & assumptions) or Signs().rat_real(value),
        f"{key} is real; the value is not real by its declared domains",
    )
    needed = (
        "positive"
        if "positive" in assumptions
        else "nonnegative"
        if "nonnegative" in assumptions
        else None
    )
    conditions = list(get(record, "conditions"))
    if needed is None:
        return set()
    require(len(conditions) == 1, f"the value's sign for {key} is not shown")
    bound, proof = get(conditions[0], "bound"), get(conditions[0], "proof")
    rel, lhs, rhs = relation(bound)
    ok = rhs.equals(value) and (
        (rel == "<" and lhs.is_zero)
        or (rel == "<=" and lhs.is_zero and needed == "nonnegative")
        or (rel == "<=" and lhs.constant == 1 and is_integer(value))
    )
    require(ok, f"the condition shown is not the domain of {key}")
    if get(proof, "by") == "assumptions":
        require(by_domains(rhs - lhs, strict=rel == "<"), "the declared domains do not show it")
        return set()
    return derivation(bound, proof, scope)


# ------------------------------------------------------------------------------ citations
def source(record: Tree, scope: Scope, exempt: str | None = None) -> tuple[Tree, set[str]]:
    """Re-derive a cited fact from its provenance; return its claim and the premises used."""
    kind = get(record, "kind")
    claim = get(record, "claim")
    if kind == "premise":
        name = str(get(record, "name"))
        used = scope.available(name, claim)
        require(used is not None, f"{name!r} is not a premise, hypothesis or granted fact here")
        return claim, ({name} if used else set())
    if kind == "schema":
        return claim, _schema_source(record, scope)
    if kind == "lemma":
        return claim, _lemma_source(record, scope, exempt)
    if kind == "elementary":
        return claim, _elementary_source(record, scope)
    if kind == "sum":
        return claim, _sum_source(record, scope)
    if kind == "wrap":
        inner, inner_used = source(get(record, "of"), scope)
        op = get(record, "op")
        require(op in ("E", "Ek"), f"unknown wrap {op!r}")
        rel, lhs, rhs = relation(inner)
        got = relation(claim)
        expected_rel = "<=" if rel == "<" else rel
        ok = (
            got[0] == expected_rel
            and PLAIN.expect(op, lhs).equals(got[1])
            and PLAIN.expect(op, rhs).equals(got[2])
        )
        require(ok, f"the claim is not the cited fact under {op}")
        return claim, inner_used
    raise Failure(f"unknown provenance {kind!r}")


def _schema_source(record: Tree, scope: Scope) -> set[str]:
    name = str(get(record, "name"))
    premise = scope.root.get(name)
    require(premise is not None and premise.get("schema") is not None, f"no schema fact {name!r}")
    assert premise is not None
    schema = premise["schema"]
    require(get(record, "schema") == schema, f"{name!r} belongs to another schema")
    require(same_claim(get(record, "general"), premise["claim"]), f"{name!r} is not as stated")
    index_key = symbol(schema["index"])
    value = PLAIN.rat(get(record, "index"))
    if symbol_of(value) != index_key:
        locals_ = frozenset(head_key(h) for h in schema.get("locals", []))
        require(
            not claim_mentions(premise["claim"], locals_),
            f"{name!r} speaks of one step's quantities; it cannot move to another index",
        )
    require(
        is_instance(premise["claim"], {index_key: value}, record["claim"]),
        f"the claim is not {name!r} at the recorded index",
    )
    return {name} | in_range(value, schema, get(record, "range"), scope)


def _lemma_source(record: Tree, scope: Scope, exempt: str | None) -> set[str]:
    name = str(get(record, "name"))
    lemma = scope.lemmas.get(name)
    require(lemma is not None, f"{name!r} is not a lemma of this proof")
    assert lemma is not None
    require(lemma.ok, f"the lemma {name!r} does not re-check")
    proof = lemma.proof
    require(same_claim(get(record, "conclusion"), proof["target"]), f"{name!r} concludes otherwise")
    pairs = list(get(record, "at"))
    mapping = mapping_of(pairs)
    require(len(mapping) == len(pairs), "a symbol is instantiated twice")
    used: set[str] = set()
    schemas = [u["schema"] for u in proof["used"] if u.get("schema") is not None]
    locals_ = frozenset(head_key(h) for s in schemas for h in s.get("locals", []))
    domains = {symbol(d["symbol"]): d for d in get(record, "domains")}
    for key, value in mapping.items():
        require(key not in locals_, f"{key} is a quantity of one step, not a variable")
        require(key in domains, f"the domain of {key} is not shown")
        used |= domain_respected(key, value, domains[key], scope)
    for schema in schemas:
        index_key = symbol(schema["index"])
        if index_key in mapping and symbol_of(mapping[index_key]) != index_key:
            require(
                not claim_mentions(proof["target"], locals_),
                f"{name!r} speaks of one step's quantities; it cannot move to another index",
            )
    discharged = {str(d["premise"]): d for d in get(record, "discharged")}
    for premise in proof["used"]:
        premise_name = str(premise["name"])
        if premise_name == exempt:
            continue
        found = discharged.get(premise_name)
        require(found is not None, f"premise {premise_name!r} of {name!r} is not discharged")
        assert found is not None
        require(same_claim(found["claim"], premise["claim"]), f"{premise_name!r} changed")
        used |= _discharge(premise, found, mapping, scope)
    require(
        is_instance(proof["target"], mapping, record["claim"]),
        f"the claim is not {name!r} at the recorded values",
    )
    return used


def _discharge(premise: Tree, found: Tree, mapping: dict[str, Rat], scope: Scope) -> set[str]:
    name = str(premise["name"])
    claim = premise["claim"]
    if premise.get("schema") is not None:
        here = scope.root.get(str(get(found, "schema fact")))
        require(
            here is not None and str(found["schema fact"]) == name,
            f"the model fact {name!r} is not declared here",
        )
        assert here is not None
        schema = premise["schema"]
        require(here.get("schema") is not None, f"{name!r} is not a schema fact here")
        require(
            symbol(here["schema"]["index"]) == symbol(schema["index"])
            and heads({"heads": here["schema"].get("locals", [])})
            == heads({"heads": schema.get("locals", [])}),
            f"{name!r} belongs to another model here",
        )
        index_key = symbol(schema["index"])
        shifted = {k: v for k, v in mapping.items() if k != index_key}
        require(
            is_instance(claim, shifted, here["claim"]),
            f"{name!r} is needed as another claim than the one here",
        )
        value = mapping.get(index_key, PLAIN.rat(schema["index"]))
        require(PLAIN.rat(get(found, "index")).equals(value), "discharged at another index")
        return {name} | in_range(value, here["schema"], get(found, "range"), scope)
    if "declare" in claim:
        return _declared(claim, mapping, get(found, "by"), scope)
    target = get(found, "target")
    require(is_instance(claim, mapping, target), f"{name!r} is discharged as another claim")
    return derivation(target, get(found, "proof"), scope)


def _declared(claim: Tree, mapping: dict[str, Rat], by: Tree, scope: Scope) -> set[str]:
    """A declaration at the substitution: every head of the values declared here."""
    needed: set[str] = set()
    for head in claim["heads"]:
        key = head_key(head)
        if key in mapping:
            value = mapping[key]
            for atom_key in value.atoms():
                for inner in (atom_key, *ATOMS[atom_key].inner):
                    atom = ATOMS[inner]
                    if atom.kind == "sym" and inner in value.free:
                        needed.add(inner)
                    elif atom.kind == "indexed":
                        needed.add(f"seq:{atom.name}")
                    elif atom.kind == "undefined":
                        needed.add(f"fn:{atom.name}")
        else:
            needed.add(key)
    kinds = (
        ("deterministic",)
        if claim["declare"] == "deterministic"
        else ("deterministic", "measurable")
    )
    pool: list[tuple[str, Tree, bool]] = [*scope.closed()]
    pool += [(n, p["claim"], True) for n, p in scope.root.items() if p.get("schema") is not None]
    used: set[str] = set()
    for name, fact_claim in by:
        match = [u for n, c, u in pool if n == name and same_claim(c, fact_claim)]
        require(bool(match), f"{name!r} is not a declaration here")
        if fact_claim.get("declare") in kinds:
            needed -= heads(fact_claim)
        if match[0]:
            used.add(str(name))
    for _, fact_claim in scope.extra:
        if fact_claim.get("declare") in kinds:
            needed -= heads(fact_claim)
    require(not needed, f"not declared here: {sorted(needed)}")
    return used


def _elementary_source(record: Tree, scope: Scope) -> set[str]:
    name = str(get(record, "name"))
    require(name in FACTS, f"{name!r} is not an elementary fact the verifier knows")
    variables, conditions, claim = FACTS[name]
    general = get(record, "general")
    rel, lhs, rhs = relation(general)
    trivial = rel in ("=", "<=") and lhs.equals(rhs)
    require(same_claim(general, claim) or trivial, f"{name!r} is not the textbook fact")
    keys = [symbol(v) for v in variables]
    require([symbol(v) for v in get(record, "variables")] == keys, f"{name!r}: other variables")
    mapping = mapping_of(get(record, "at"))
    require(sorted(mapping) == sorted(keys), f"{name!r} needs a value for each variable")
    require(is_instance(general, mapping, record["claim"]), f"the claim is not {name!r} there")
    used: set[str] = set()
    domains = {symbol(d["symbol"]): d for d in get(record, "domains")}
    for key in keys:
        require(key in domains, f"the domain of {key} is not shown")
        used |= domain_respected(key, mapping[key], domains[key], scope)
    shown = list(get(record, "conditions"))
    require(len(shown) == len(conditions), f"{name!r}: side conditions missing")
    for condition, side in zip(conditions, shown, strict=True):
        require(same_claim(get(side, "condition"), condition), f"{name!r}: another side condition")
        instance_claim = get(side, "instance")
        require(is_instance(condition, mapping, instance_claim), "a side condition's instance")
        used |= derivation(instance_claim, get(side, "proof"), scope)
    return used


def _sum_source(record: Tree, scope: Scope) -> set[str]:
    index_key = symbol(get(record, "index"))
    fresh_tree = get(record, "fresh")
    fresh_key = symbol(fresh_tree)
    require("dummy" in fresh_tree, "the summation index must be fresh")
    require("integer" in ATOMS[index_key].assumptions, "a sum runs over an integer index")
    require("integer" in ATOMS[fresh_key].assumptions, "a sum runs over an integer index")
    low, high = PLAIN.rat(get(record, "low")), PLAIN.rat(get(record, "high"))
    require(is_integer(low) and is_integer(high), "a sum runs between integer limits")
    granted = [
        ("fresh index >= low", {"rel": "<=", "lhs": get(record, "low"), "rhs": fresh_tree}),
        ("fresh index <= high", {"rel": "<=", "lhs": fresh_tree, "rhs": get(record, "high")}),
        ("fresh index is known", {"declare": "deterministic", "heads": [fresh_tree]}),
    ]
    inner, used = source(get(record, "of"), scope.with_extra(granted))
    rel, lhs, rhs = relation(inner)
    index = PLAIN.rat(get(record, "index"))
    back = {fresh_key: index}
    got = relation(get(record, "claim"))
    summed = [PLAIN.sum(PLAIN.substitute(side, back), index, low, high) for side in (lhs, rhs)]
    ok = got[0] == ("<=" if rel == "<" else rel) and summed[0].equals(got[1])
    require(ok and summed[1].equals(got[2]), "the claim is not the cited fact summed")
    require(fresh_key not in got[1].free | got[2].free, "the fresh index escapes the sum")
    if rel != "=":
        count = get(record, "range")
        require(count is not None, "summing an inequality needs high >= low - 1")
        bound = get(count, "bound")
        b_rel, b_lhs, b_rhs = relation(bound)
        require(
            b_rel == "<=" and b_lhs.equals(low - ONE) and b_rhs.equals(high),
            "the range proof is not high >= low - 1",
        )
        used |= derivation(bound, get(count, "proof"), scope)
    return used


# ------------------------------------------------------------------------------ steps
def step(record: Tree, scope: Scope) -> set[str]:
    """Re-check one proved step; return the premises it used."""
    require(record.get("status") == "proved", f"the step is {record.get('status')}")
    rule = get(record, "rule")
    cert = get(record, "certificate")
    if rule == "induction":
        return _induction(record, cert, scope)
    items: list[tuple[str, Tree]] = []
    used: set[str] = set()
    for cited in get(record, "cited"):
        claim, cited_used = source(get(cited, "source"), scope)
        require(same_claim(claim, get(cited, "claim")), f"{cited.get('name')!r} is not as derived")
        items.append((str(cited["name"]), cited["claim"]))
        used |= cited_used
    pool = Pool(items)
    rel = get(record, "rel")
    lhs, rhs = pool.ev.rat(get(record, "lhs")), pool.ev.rat(get(record, "rhs"))
    if rule in ("identity", "expectation", "telescope"):
        tactics.identity(pool, lhs, rel, rhs, cert)
    elif rule == "positivity":
        _positivity_step(pool, lhs, rel, rhs, cert)
    elif rule in ("products", "sos"):
        _products_step(pool, lhs, rel, rhs, cert)
    elif rule == "monotone":
        tactics.monotone(pool, lhs, rel, rhs, cert)
    else:
        raise Failure(f"unknown rule {rule!r}")
    return used


def _induction(record: Tree, cert: Tree, scope: Scope) -> set[str]:
    require(get(record, "rel") == "<=", "induction proves <=")
    index_tree, start_tree = get(cert, "index"), get(cert, "start")
    index_key = symbol(index_tree)
    index, start = PLAIN.rat(index_tree), PLAIN.rat(start_tree)
    require("integer" in ATOMS[index_key].assumptions, "the induction index is an integer")
    require(is_integer(start), "the induction starts at an integer")
    sequence, bound = PLAIN.rat(get(cert, "sequence")), PLAIN.rat(get(cert, "bound"))
    require(PLAIN.rat(record["lhs"]).equals(sequence), "the step is not sequence(k) <= bound(k)")
    require(PLAIN.rat(record["rhs"]).equals(bound), "the step is not sequence(k) <= bound(k)")

    def claim_at(value: Rat) -> tuple[Rat, Rat]:
        return (
            PLAIN.substitute(sequence, {index_key: value}),
            PLAIN.substitute(bound, {index_key: value}),
        )

    def states(claim: Tree, value: Rat) -> bool:
        rel, lhs, rhs = relation(claim)
        wanted = claim_at(value)
        return rel == "<=" and lhs.equals(wanted[0]) and rhs.equals(wanted[1])

    covered = get(cert, "covered")
    c_rel, c_lhs, c_rhs = relation(get(covered, "bound"))
    require(c_rel == "<=" and c_lhs.equals(start) and c_rhs.equals(index), "k >= start not shown")
    used = derivation(covered["bound"], get(covered, "proof"), scope)
    base = get(cert, "base citation")
    require(get(base, "name") == get(cert, "base") and not base.get("at"), "the base lemma")
    base_claim, base_used = source(base, scope)
    require(states(base_claim, start), "the base lemma is not the claim at the start")
    step_name = str(get(cert, "step"))
    lemma = scope.lemmas.get(step_name)
    require(lemma is not None, "the step lemma is not a lemma of this proof")
    assert lemma is not None
    hypothesis = str(get(cert, "hypothesis"))
    assumed = [u for u in lemma.proof["used"] if u["name"] == hypothesis]
    require(len(assumed) == 1 and states(assumed[0]["claim"], index), "no induction hypothesis")
    require(states(lemma.proof["target"], index + ONE), "the step lemma does not reach k + 1")
    fresh_tree = get(cert, "fresh")
    fresh_key = symbol(fresh_tree)
    fresh = PLAIN.rat(fresh_tree)
    require("dummy" in fresh_tree and "integer" in ATOMS[fresh_key].assumptions, "fresh index")
    granted = [(str(n), c) for n, c in get(cert, "granted")]
    require(len(granted) == 3, "induction grants j >= start, the hypothesis at j, j known")
    first = relation(granted[0][1])
    require(first[0] == "<=" and first[1].equals(start) and first[2].equals(fresh), "j >= start")
    require(states(granted[1][1], fresh), "the granted hypothesis is not the claim at j")
    require(
        granted[2][1].get("declare") == "deterministic" and heads(granted[2][1]) == {fresh_key},
        "only the fresh index is declared known",
    )
    citation = get(cert, "step citation")
    require(get(citation, "name") == step_name, "the step citation cites another lemma")
    at = mapping_of(get(citation, "at"))
    require(set(at) == {index_key} and at[index_key].equals(fresh), "the step is not at j")
    step_claim, step_used = source(citation, scope.with_extra(granted), exempt=hypothesis)
    require(states(step_claim, fresh + ONE), "the step lemma at j does not give the claim at j + 1")
    return used | base_used | step_used


# ------------------------------------------------------------------------------ proofs
@dataclass
class Outcome:
    """Failures (``where: why``) and counts of what re-checked."""

    failures: list[str] = field(default_factory=list)
    steps: dict[str, int] = field(default_factory=dict)
    proofs: int = 0


def check_proof(proof: Tree, outcome: Outcome, where: str, memo: dict[str, bool]) -> bool:
    """Re-check ``proof`` and its lemmas; record failures in ``outcome``; return whether ok."""
    key = json.dumps(proof, sort_keys=True)
    if key in memo:
        return memo[key]
    name = str(get(proof, "name"))
    here = f"{where} > {name}" if where else name
    before = len(outcome.failures)
    lemmas: dict[str, Lemma] = {}
    for lemma in get(proof, "lemmas"):
        ok = check_proof(lemma, outcome, here, memo)
        lemmas[str(lemma["name"])] = Lemma(lemma, ok)
    root = {str(p["name"]): p for p in get(proof, "premises")}
    own = {str(h["name"]): h["claim"] for h in get(proof, "hypotheses")}
    scope = Scope(root, own, lemmas)
    outcome.proofs += 1

    def attempt(label: str, check: Any) -> Any:
        try:
            return check()
        except Failure as exc:
            outcome.failures.append(f"{here} {label}: {exc}")
        except (Unusable, ZeroDivisionError, KeyError, TypeError, ValueError) as exc:
            outcome.failures.append(f"{here} {label}: malformed ({type(exc).__name__}: {exc})")
        return None

    attempt("status", lambda: _status(proof))
    attempt("definitions", lambda: _definitions(root, proof.get("claim")))
    used: set[str] = set()
    for record in get(proof, "steps"):
        label = f"step {record.get('index')} [{record.get('rule')}]"
        found = attempt(label, lambda record=record: step(record, scope))
        if found is not None:
            used |= found
            outcome.steps[str(record["rule"])] = outcome.steps.get(str(record["rule"]), 0) + 1
    attempt("chain", lambda: _chain(proof))
    attempt("premises used", lambda: _used(proof, used, scope))
    ok = len(outcome.failures) == before
    memo[key] = ok
    return ok


def _status(proof: Tree) -> None:
    require(proof.get("status") == "proved", f"the engine did not prove it ({proof.get('status')})")
    require(not proof.get("problems"), f"the engine reported problems: {proof.get('problems')}")


def _chain(proof: Tree) -> None:
    steps = list(get(proof, "steps"))
    previous = get(proof, "start")
    composed = "="
    for record in steps:
        require(
            PLAIN.rat(get(record, "lhs")).equals(PLAIN.rat(previous)),
            f"step {record.get('index')} does not start where the previous one ended",
        )
        rel = get(record, "rel")
        require(rel in ("=", "<=", "<"), f"unknown relation {rel!r}")
        composed = "<" if "<" in (composed, rel) else ("<=" if "<=" in (composed, rel) else "=")
        previous = record["rhs"]
    rel, lhs, rhs = relation(get(proof, "target"))
    require(PLAIN.rat(proof["start"]).equals(lhs), "the chain does not start at the target's lhs")
    require(PLAIN.rat(previous).equals(rhs), "the chain does not end at the target's rhs")
    implied = composed == rel or rel == "<="
    require(implied, f"the chain gives {composed!r}, the target needs {rel!r}")
    claim = proof.get("claim")
    if claim is not None:
        require(same_claim(proof["target"], claim), "the target is not the statement's claim")


def _used(proof: Tree, used: set[str], scope: Scope) -> None:
    recorded = {str(u["name"]): u for u in get(proof, "used")}
    missing = sorted(used - set(recorded))
    require(not missing, f"the steps rest on premises the proof does not declare used: {missing}")
    for name, premise in recorded.items():
        if name in scope.own:
            require(same_claim(scope.own[name], premise["claim"]), f"{name!r} is not as assumed")
        elif name in scope.root:
            require(same_claim(scope.root[name]["claim"], premise["claim"]), f"{name!r} differs")
        else:
            raise Failure(f"the proof declares it used {name!r}, which is not one of its premises")


def _definitions(root: dict[str, Tree], claim: Tree | None) -> None:
    """Definitions are ``symbol = expression`` with a fresh symbol (a conservative extension)."""
    for name, premise in root.items():
        if not premise.get("definition"):
            continue
        rel, lhs, rhs = relation(premise["claim"])
        key = symbol_of(lhs)
        require(rel == "=" and key is not None, f"definition {name!r} is not symbol = expression")
        assert key is not None
        require(
            ATOMS[key].assumptions <= {"real"},
            f"definition {name!r}: the defined symbol carries assumptions beyond being real",
        )
        require(key not in rhs.free, f"definition {name!r} is circular")
        for other, fact in root.items():
            if other == name:
                continue
            if fact.get("definition"):
                _, other_lhs, _ = relation(fact["claim"])
                require(symbol_of(other_lhs) != key, f"{key} is defined twice")
                continue
            require(not _free_in(fact["claim"], key), f"definition {name!r}: {key} is not new")
        require(claim is None or not _free_in(claim, key), f"{key} occurs in the claim")


def _free_in(claim: Tree, key: str) -> bool:
    if "rel" in claim:
        _, lhs, rhs = relation(claim)
        return key in lhs.free | rhs.free
    if "declare" in claim:
        return key in heads(claim)
    return False
