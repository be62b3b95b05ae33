"""Re-checking the certificates of the tactics, with :mod:`.algebra` and :mod:`.signs` only.

Each function raises :class:`Failure` with the reason when a certificate does not check:

* :func:`identity` -- ``rhs - lhs`` reduces to 0 (the rules of :mod:`.algebra`, and the cited
  equations ``atom = value`` the certificate lists as rewrites);
* :func:`positivity` -- the slack maps are built from cited bounds in one of the allowed
  forms, their alternatives are the full product of the choices, and after each map the
  expression is ``N/D`` with ``D`` and ``N`` term-wise positive and non-negative;
* :func:`products` -- ``scale * N == sum w m prod g + sum w s^2 + R`` exactly, with weights
  ``>= 0``, every ``g`` a cited fact's polynomial over a positive denominator, every ``m``
  non-negative, every ``s`` real and ``R`` term-wise non-negative;
* :func:`monotone` -- ``rhs - lhs == sum f (B - A) + R`` with every factor and the remainder
  certified non-negative by :func:`positivity`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from .algebra import ATOMS, ONE, ZERO, Evaluator, Knowledge, Rat, head_key, number, symbol_of
from .signs import NONNEGATIVE, POSITIVE, Signs

Tree = Any


class Failure(Exception):
    """A certificate that does not re-check; the message says why."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def field(tree: Any, name: str) -> Any:
    if not isinstance(tree, dict) or name not in tree:
        raise Failure(f"the certificate has no {name!r}")
    return tree[name]


# ------------------------------------------------------------------------------ facts
class Pool:
    """The facts in force for one check: ``(name, claim tree)`` pairs, and their evaluator."""

    def __init__(self, items: list[tuple[str, Tree]]) -> None:
        self.items = items
        deterministic: set[str] = set()
        measurable: set[str] = set()
        for _, claim in items:
            if isinstance(claim, dict) and "declare" in claim:
                heads = {head_key(h) for h in claim["heads"]}
                (deterministic if claim["declare"] == "deterministic" else measurable).update(heads)
        self.ev = Evaluator(Knowledge(frozenset(deterministic), frozenset(measurable)))
        self._relations: dict[int, tuple[str, Rat, Rat]] = {}

    def relation(self, claim: Tree) -> tuple[str, Rat, Rat]:
        key = id(claim)
        if key not in self._relations:
            rel = field(claim, "rel")
            require(rel in ("=", "<=", "<"), f"unknown relation {rel!r}")
            self._relations[key] = (rel, self.ev.rat(claim["lhs"]), self.ev.rat(claim["rhs"]))
        return self._relations[key]

    def named(self, name: str) -> list[tuple[str, Rat, Rat]]:
        """Every relation called ``name`` (a name may be cited more than once)."""
        found = [self.relation(c) for n, c in self.items if n == name and "rel" in c]
        require(bool(found), f"{name!r} is not a relation in force here")
        return found

    def relations(self, names: list[str] | None = None) -> list[tuple[str, Rat, Rat]]:
        chosen = [c for n, c in self.items if "rel" in c and (names is None or n in names)]
        return [self.relation(c) for c in chosen]

    def signs(self, names: list[str] | None = None, extra: list[Tree] = ()) -> Signs:  # type: ignore[assignment]
        facts = [(rel, rhs - lhs) for rel, lhs, rhs in self.relations(names)]
        facts += [(r, b - a) for r, a, b in (self.relation(c) for c in extra)]
        return Signs(facts)

    def rules(self, names: list[str]) -> dict[str, Rat]:
        """The cited equations ``atom = value`` among ``names``, as rewrites."""
        out: dict[str, Rat] = {}
        for name in names:
            for rel, lhs, rhs in self.named(name):
                require(rel == "=", f"the rewrite {name!r} is not an equation")
                if lhs.is_polynomial and len(lhs.num) == 1:
                    ((mono, coeff),) = lhs.num.items()
                    if coeff == 1 and len(mono) == 1 and mono[0][1] == 1:
                        out[mono[0][0]] = rhs
        return out

    def reduce(self, rat: Rat, rules: dict[str, Rat]) -> Rat:
        rat = self.ev.merge_sums(self.ev.apply_rules(rat, rules))
        return self.ev.merge_sums(self.ev.apply_rules(rat, rules))


def domain_fact(pool: Pool, claim: Tree) -> None:
    """``1 <= k`` for a symbol ``k`` declared a positive integer (its declared domain)."""
    rel, lhs, rhs = pool.relation(claim)
    key = symbol_of(rhs)
    require(
        rel == "<=" and lhs.constant == 1 and key is not None,
        "a domain fact is 1 <= k for a symbol k",
    )
    assert key is not None
    assumptions = ATOMS[key].assumptions
    require({"integer", "positive"} <= assumptions, f"{key} is not a positive integer")


# ------------------------------------------------------------------------------ identity
def identity(pool: Pool, lhs: Rat, rel: str, rhs: Rat, cert: Tree) -> None:
    require(rel in ("=", "<="), "an identity proves = or <=, never <")
    rules = pool.rules(list(field(cert, "rewrites")))
    residue = pool.reduce(rhs - lhs, rules)
    require(residue.is_zero, f"rhs - lhs does not reduce to 0 (left: {residue.key[:200]})")


def same_after_rules(pool: Pool, a: Rat, b: Rat, rules: dict[str, Rat], what: str) -> None:
    require(pool.reduce(a - b, rules).is_zero, f"{what} is not rhs - lhs after the rewrites")


# ------------------------------------------------------------------------------ positivity
def positivity(pool: Pool, expr: Rat, cert: Tree, strict: bool) -> None:
    """``expr >= 0`` (``> 0`` if ``strict``) by the slack substitution certificate ``cert``."""
    ev = pool.ev
    require(bool(field(cert, "strict")) or not strict, "a strict claim needs a strict certificate")
    require(ev.rat(field(cert, "expr")).equals(expr), "the certificate is for another expression")
    names = list(field(cert, "facts"))
    for name in names:
        pool.named(name)
    domain = [(str(n), c) for n, c in field(cert, "domain")]
    for _, claim in domain:
        domain_fact(pool, claim)
    local = Pool([*[(n, c) for n, c in pool.items if n in names], *domain])
    local.ev = ev
    signs = local.signs()
    taken: set[str] = set()
    slacks: set[str] = set()
    choices: list[tuple[str, str, list[Rat]]] = []
    fixed = set(expr.free)
    for _, lhs, rhs in local.relations():
        fixed |= lhs.free | rhs.free
    for basis in field(cert, "bases"):
        symbol = ev.rat(field(basis, "symbol"))
        key = symbol_of(symbol)
        require(
            key is not None and key not in taken and key not in slacks,
            "a slack map maps a symbol, once",
        )
        assert key is not None
        taken.add(key)
        slack_tree = field(basis, "slack")
        slack = ev.rat(slack_tree)
        slack_key = symbol_of(slack)
        require(
            slack_key is not None and "dummy" in slack_tree and slack_key not in fixed,
            f"the slack of {key} is not a fresh variable",
        )
        assert slack_key is not None
        fixed.add(slack_key)
        slacks.add(slack_key)
        values = _choices(local, signs, key, symbol, slack, slack_key, basis)
        choices.append((key, slack_key, values))
    alternatives = list(field(cert, "alternatives"))
    combos = _product([len(v) for _, _, v in choices])
    require(len(alternatives) == len(combos), "the alternatives are not every combination")
    for alternative, combo in zip(alternatives, combos, strict=True):
        mapping = list(field(alternative, "map"))
        require(len(mapping) == len(choices), "an alternative maps other symbols")
        value = expr
        for (key, _, values), (symbol_tree, value_tree), pick in zip(
            choices, mapping, combo, strict=True
        ):
            require(symbol_of(ev.rat(symbol_tree)) == key, "an alternative maps other symbols")
            image = ev.rat(value_tree)
            require(image.equals(values[pick]), f"the map of {key} is not the allowed form")
            value = ev.substitute(value, {key: image})
        numerator = ev.rat(field(alternative, "numerator"))
        denominator = ev.rat(field(alternative, "denominator"))
        require(
            numerator.is_polynomial and denominator.is_polynomial,
            "numerator and denominator must be polynomials",
        )
        require(value.equals(numerator / denominator), "after the map, expr is not N/D")
        require(signs.poly_nonnegative(denominator.num, True), "D is not term-wise positive")
        require(
            signs.poly_nonnegative(numerator.num, strict),
            "N is not term-wise " + ("positive" if strict else "non-negative"),
        )


def _choices(
    pool: Pool, signs: Signs, key: str, symbol: Rat, slack: Rat, slack_key: str, basis: Tree
) -> list[Rat]:
    """The allowed maps of one symbol, built from the cited bounds its basis names."""
    form = field(basis, "form")
    bounds = list(field(basis, "bounds"))
    slack_positive = "positive" in ATOMS[slack_key].assumptions
    require(
        "nonnegative" in ATOMS[slack_key].assumptions, f"the slack of {key} is not declared >= 0"
    )
    roles = {"equal": ("equal",), "interval": ("lower", "upper"), "lower": ("lower",)}
    shape = roles.get(form, ("upper",))
    require(form in (*roles, "upper-positive", "upper-nonnegative", "upper"), f"form {form!r}")
    require(len(bounds) == len(shape), f"the {form} map of {key} needs {len(shape)} bounds")
    values = [
        _bound(pool, signs, key, symbol, role, b) for role, b in zip(shape, bounds, strict=True)
    ]
    strict_ok = False
    one = ONE
    if form == "equal":
        out = [values[0]]
    elif form == "interval":
        lo, hi = values
        out = [(lo + hi * slack) / (one + slack), (lo * slack + hi) / (one + slack)]
    elif form == "lower":
        out = [values[0] + slack]
        strict_ok = bool(bounds[0]["strict"])
    elif form == "upper-positive":
        require(signs.sign(key) == POSITIVE, f"{key} is not shown positive")
        out = [values[0] / (one + slack)]
        strict_ok = bool(bounds[0]["strict"])
    elif form == "upper-nonnegative":
        require(signs.sign(key) >= NONNEGATIVE, f"{key} is not shown non-negative")
        out = [values[0] / (one + slack), values[0] * slack / (one + slack)]
    else:
        out = [values[0] - slack]
    require(not slack_positive or strict_ok, f"the slack of {key} may be 0, not > 0")
    return out


def _bound(pool: Pool, signs: Signs, key: str, symbol: Rat, role: str, bound: Tree) -> Rat:
    """The bound's value, after checking that the named fact states it."""
    ev = pool.ev
    value = ev.rat(field(bound, "expr"))
    coefficient = ev.rat(field(bound, "coefficient"))
    require(signs.rat_positive(coefficient), f"the coefficient isolating {key} is not positive")
    require(key not in value.free, f"a bound of {key} mentions {key}")
    strict = bool(field(bound, "strict"))
    for rel, lhs, rhs in pool.named(str(field(bound, "fact"))):
        difference = rhs - lhs
        if role == "equal":
            wanted = coefficient * (symbol - value)
            if rel == "=" and (difference.equals(wanted) or difference.equals(-wanted)):
                return value
            continue
        wanted = coefficient * ((symbol - value) if role == "lower" else (value - symbol))
        if rel != "=" and (rel == "<" or not strict) and difference.equals(wanted):
            return value
    raise Failure(f"{field(bound, 'fact')!r} does not state the {role} bound of {key}")


def _product(sizes: list[int]) -> list[tuple[int, ...]]:
    """Every index combination, the first position varying slowest (itertools.product)."""
    out: list[tuple[int, ...]] = [()]
    for size in sizes:
        out = [(*combo, i) for combo in out for i in range(size)]
    return out


# ------------------------------------------------------------------------------ products
def positive_proof(pool: Pool, value: Rat, proof: Tree, signs: Signs) -> None:
    """``value > 0`` by a recorded proof: a number, term-wise, or a nested certificate."""
    by = field(proof, "by")
    if by == "number":
        constant = value.constant
        require(constant is not None and constant > 0, "not a positive number")
    elif by == "terms":
        require(signs.rat_positive(value), "not term-wise positive")
    elif by == "certificate":
        inner = field(proof, "certificate")
        kind = field(inner, "by")
        if kind == "positivity":
            positivity(pool, value, field(inner, "certificate"), True)
        elif kind == "products":
            products(pool, value, field(inner, "certificate"), True)
        else:
            raise Failure(f"unknown positivity proof {kind!r}")
    else:
        raise Failure(f"unknown positivity proof {by!r}")


def products(pool: Pool, difference: Rat, cert: Tree, strict: bool) -> None:
    """``difference >= 0`` (``> 0``) by a products / sums-of-squares certificate."""
    ev = pool.ev
    signs = pool.signs()
    numerator = ev.rat(field(cert, "numerator"))
    denominator = ev.rat(field(cert, "denominator"))
    require(numerator.is_polynomial and denominator.is_polynomial, "N and D must be polynomials")
    require(difference.equals(numerator / denominator), "the difference is not N/D")
    positive_proof(pool, denominator, field(cert, "denominator_proof"), signs)
    lp = cert.get("certificate")
    if lp is None:
        constant = numerator.constant
        require(constant is not None, "without multipliers N must be a number")
        assert constant is not None
        require(constant > 0 if strict else constant >= 0, "the number N has the wrong sign")
        return
    scale = ev.rat(field(cert, "scale"))
    positive_proof(pool, scale, field(cert, "scale_proof"), signs)
    combination = ZERO
    strict_term = False
    for term in field(lp, "terms"):
        weight = constant_of(field(term, "weight"))
        require(weight >= 0, "a negative multiplier")
        monomial = ev.rat(field(term, "monomial"))
        base_tree = term.get("square")
        product = monomial
        if base_tree is not None:
            base = ev.rat(base_tree)
            require(monomial.equals(base * base), "a square term is not the square of its base")
            require(signs.rat_real(base), "the base of a square is not real")
            require(not term.get("sources"), "a square term has no factors")
        else:
            require(
                monomial.is_polynomial and signs.poly_nonnegative(monomial.num, False),
                "a multiplier monomial is not non-negative",
            )
            all_strict = True
            for source in field(term, "sources"):
                product = product * _factor(pool, signs, source)
                all_strict = all_strict and bool(source["strict"])
            positive = monomial.is_polynomial and signs.poly_nonnegative(monomial.num, True)
            strict_term = strict_term or (weight > 0 and all_strict and positive)
        combination = combination + Rat.number(weight) * product
    remainder = ev.rat(field(lp, "remainder"))
    require(remainder.is_polynomial, "the remainder must be a polynomial")
    require(
        (scale * numerator - combination - remainder).is_zero,
        "scale * N != combination + remainder",
    )
    require(
        signs.poly_nonnegative(remainder.num, strict and not strict_term),
        "the remainder is not term-wise non-negative (or positive where needed)",
    )


def _factor(pool: Pool, signs: Signs, source: Tree) -> Rat:
    """A factor's polynomial, after checking it is a cited fact over a positive denominator."""
    ev = pool.ev
    polynomial = ev.rat(field(source, "polynomial"))
    constraint = ev.rat(field(source, "constraint"))
    denominator = ev.rat(field(source, "denominator"))
    strict = bool(field(source, "strict"))
    ok = False
    for rel, lhs, rhs in pool.named(str(field(source, "fact"))):
        difference = rhs - lhs
        same = constraint.equals(difference) and (rel == "<" or not strict)
        if same or (rel == "=" and not strict and constraint.equals(-difference)):
            ok = True
    require(ok, f"factor {field(source, 'label')!r} is not what its fact states")
    require(constraint.equals(polynomial / denominator), "a factor is not constraint * denominator")
    positive_proof(pool, denominator, field(source, "denominator_proof"), signs)
    return polynomial


# ------------------------------------------------------------------------------ monotone
def monotone(pool: Pool, lhs: Rat, rel: str, rhs: Rat, cert: Tree) -> None:
    require(rel in ("<=", "<"), "monotone proves <= or <")
    ev = pool.ev
    rules = pool.rules(list(field(cert, "rewrites")))
    combination = ZERO
    strict_used = False
    for item in field(cert, "combination"):
        name = str(field(item, "fact"))
        small, big = ev.rat(field(item, "small")), ev.rat(field(item, "big"))
        matches = [
            r
            for r, a, b in pool.named(name)
            if r != "=" and r == item.get("rel") and a.equals(small) and b.equals(big)
        ]
        require(bool(matches), f"{name!r} does not state {item.get('rel')} between its sides")
        factor = ev.rat(field(item, "factor"))
        value = ev.rat(field(item, "value"))
        same_after_rules(pool, factor, value, rules, f"the factor of {name!r}")
        positivity(pool, value, field(item, "nonnegative"), False)
        if item.get("positive") is not None:
            positivity(pool, value, item["positive"], True)
            strict_used = strict_used or matches[0] == "<"
        combination = combination + factor * (big - small)
    remainder = ev.rat(field(cert, "remainder"))
    residue = pool.reduce(rhs - lhs - combination - remainder, rules)
    require(residue.is_zero, "rhs - lhs is not the combination plus the remainder")
    needs_strict = rel == "<" and not strict_used
    if remainder.is_zero and cert.get("positivity") is None:
        require(not needs_strict, "a strict claim needs a strict fact with a positive factor")
        return
    positivity(pool, remainder, field(cert, "positivity"), needs_strict)


def constant_of(tree: Tree) -> Fraction:
    """A recorded number (``{"int": ...}`` or ``{"rat": ...}``)."""
    if isinstance(tree, dict) and ("int" in tree or "rat" in tree):
        return number(str(tree["int"] if "int" in tree else tree["rat"]))
    raise Failure(f"not a number: {tree!r}")
