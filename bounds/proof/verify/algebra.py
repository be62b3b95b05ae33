"""Exact rational functions over opaque atoms, built from certificate expression trees.

A polynomial is a dict from monomials to ``Fraction`` coefficients; a monomial is a sorted
tuple of ``(atom key, exponent)`` with non-zero integer exponents (negative ones make Laurent
monomials, so that ``x/y`` needs no denominator). A :class:`Rat` is a numerator over a
denominator polynomial, brought to a semi-canonical form (monomial content and the leading
coefficient moved out of the denominator, exact division tried); two rationals are equal when
their cross products are. Atoms are everything that is not ``+``, ``*`` or an integer power:
symbols, ``E(...)``, ``Ek(...)``, sums, applied functions, sequence terms and powers with
symbolic or fractional exponents. An atom's key is the canonical text of its parts, so equal
keys mean equal values; unequal keys are treated as independent variables, which can only
make a check fail, never pass wrongly.

:class:`Evaluator` turns a tree into a :class:`Rat` applying exactly these rules (each an
identity; see the package docstring for what they assume):

* linearity of ``E``/``Ek``; factors whose every head is declared known (deterministic, or
  for ``Ek`` also measurable; any ``E(...)``, and for ``Ek`` any ``Ek(...)``) come out;
  the tower rule ``E(m Ek(X)) = E(m X)`` for ``m`` known given the history;
* sums over integer ranges: linearity, ``Sum(c) = c (b - a + 1)`` for ``c`` free of the
  index, telescoping ``Sum(u(k) - u(k - 1)) = u(b) - u(a - 1)``, and merging sums with equal
  limits (:meth:`Evaluator.merge_sums`);
* ``b**(e + n) = b**e b**n`` for an integer ``n``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

Monomial = tuple[tuple[str, int], ...]
Poly = dict[Monomial, Fraction]
#: The monomial 1 (typed, so that ``{UNIT: c}`` is a :data:`Poly`).
UNIT: Monomial = ()

#: Functions the verifier knows the meaning of (for signs); others are opaque.
BUILTIN = ("exp", "log", "Abs", "Max", "Min", "sin", "cos")
SYMMETRIC = ("Max", "Min")


class Unusable(Exception):
    """A tree that is not a valid certificate expression."""


# ------------------------------------------------------------------------------ polynomials
def mono_mul(a: Monomial, b: Monomial) -> Monomial:
    if not a:
        return b
    if not b:
        return a
    out = dict(a)
    for key, exp in b:
        total = out.get(key, 0) + exp
        if total:
            out[key] = total
        else:
            del out[key]
    return tuple(sorted(out.items()))


def mono_pow(a: Monomial, n: int) -> Monomial:
    return tuple((k, e * n) for k, e in a) if n else ()


def p_add(a: Poly, b: Poly, scale: Fraction = Fraction(1)) -> Poly:
    out = dict(a)
    for m, c in b.items():
        total = out.get(m, Fraction(0)) + scale * c
        if total:
            out[m] = total
        else:
            out.pop(m, None)
    return out


def p_mul(a: Poly, b: Poly) -> Poly:
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            m = mono_mul(ma, mb)
            total = out.get(m, Fraction(0)) + ca * cb
            if total:
                out[m] = total
            else:
                out.pop(m, None)
    return out


def _p_pow(a: Poly, n: int) -> Poly:
    out: Poly = {UNIT: Fraction(1)}
    base = a
    while n:
        if n & 1:
            out = p_mul(out, base)
        base = p_mul(base, base) if n > 1 else base
        n >>= 1
    return out


def p_term(a: Poly, mono: Monomial, coeff: Fraction) -> Poly:
    return {mono_mul(m, mono): c * coeff for m, c in a.items()} if coeff else {}


def p_const(value: Fraction) -> Poly:
    return {UNIT: Fraction(value)} if value else {}


def _lead(p: Poly) -> Monomial:
    return max(p)


def p_divide(a: Poly, b: Poly) -> Poly | None:
    """``a / b`` when ``b`` divides ``a`` exactly, else ``None``.

    Both are first shifted by monomials to ordinary polynomials (no negative exponents); a
    Laurent quotient of two such polynomials is itself a polynomial, so lexicographic division
    with quotient monomials of non-negative exponents decides it: every step's leading term
    must be divisible by ``b``'s, and the loop stops only at a zero remainder.
    """
    if len(b) < 2 or not a:
        return None
    variables = sorted({k for poly in (a, b) for m in poly for k, _ in m})
    low_a = _lowest(a)
    low_b = _lowest(b)
    a = p_term(a, mono_pow(low_a, -1), Fraction(1))
    b = p_term(b, mono_pow(low_b, -1), Fraction(1))

    def order(m: Monomial) -> tuple[int, ...]:
        exponents = dict(m)
        return tuple(exponents.get(v, 0) for v in variables)

    lead_b = max(b, key=order)
    inverse = mono_pow(lead_b, -1)
    coeff_b = b[lead_b]
    quotient: Poly = {}
    remainder = dict(a)
    while remainder:
        lead = max(remainder, key=order)
        mono = mono_mul(lead, inverse)
        if any(e < 0 for _, e in mono):
            return None
        factor = remainder[lead] / coeff_b
        quotient[mono] = quotient.get(mono, Fraction(0)) + factor
        remainder = p_add(remainder, p_term(b, mono, factor), Fraction(-1))
    return p_term(quotient, mono_mul(low_a, mono_pow(low_b, -1)), Fraction(1))


def _lowest(p: Poly) -> Monomial:
    """The monomial of the lowest exponent of every variable over ``p``'s terms."""
    low: dict[str, int] = {}
    for m in p:
        for k, e in m:
            low[k] = min(low.get(k, 0), e)
    keys = {k for m in p for k, _ in m}
    for k in keys:
        if any(k not in dict(m) for m in p):
            low[k] = min(low.get(k, 0), 0)
    return tuple(sorted((k, e) for k, e in low.items() if e))


def poly_key(p: Poly) -> str:
    if not p:
        return "0"
    return " + ".join(
        f"{c}*{'.'.join(f'{k}^{e}' for k, e in m) or '1'}" for m, c in sorted(p.items())
    )


# ------------------------------------------------------------------------------ atoms
class Atom:
    """An opaque quantity: its kind, its parts and the keys of its free symbols."""

    __slots__ = ("args", "assumptions", "free", "inner", "key", "kind", "name")
    inner: frozenset[str]
    free: frozenset[str]

    def __init__(
        self,
        kind: str,
        name: str,
        args: tuple[Rat, ...] = (),
        assumptions: frozenset[str] = frozenset(),
        key: str | None = None,
        bound: str | None = None,
    ) -> None:
        self.kind = kind
        self.name = name
        self.args = args
        self.assumptions = assumptions
        if key is None:
            parts = "; ".join(a.key for a in args)
            key = f"{kind}:{name}{{{','.join(sorted(assumptions))}}}({parts})"
        self.key = key
        free: set[str] = set()
        inner: set[str] = set()
        for arg in args:
            free |= arg.free
            for k in arg.atoms():
                inner.add(k)
                inner |= ATOMS[k].inner
        if kind == "sym":
            free.add(key)
        if bound is not None:
            free.discard(bound)
        self.free = frozenset(free)
        #: Every atom inside this one, at any depth.
        self.inner = frozenset(inner)


#: Every atom ever built, by key (keys are canonical, so one table serves all files).
ATOMS: dict[str, Atom] = {}


#: Keys of the root atoms ``b**(1/q)`` -> ``(q, b)``: ``(b**(1/q))**q = b`` for the principal
#: root of any ``b``, so powers ``>= q`` of a root are reduced (as SymPy writes them).
ROOTS: dict[str, tuple[int, Rat]] = {}


def register(atom: Atom) -> Atom:
    found = ATOMS.setdefault(atom.key, atom)
    if found is atom and atom.kind == "pow":
        exponent = atom.args[1].constant
        if exponent is not None and exponent.numerator == 1 and exponent.denominator > 1:
            ROOTS[atom.key] = (exponent.denominator, atom.args[0])
    return found


def _reduce_roots(poly: Poly) -> Poly:
    """``poly`` with every power ``(b**(1/q))**e``, ``e >= q``, written ``b**(e // q)`` times
    ``(b**(1/q))**(e % q)`` (polynomial arithmetic only)."""
    if not ROOTS or not any(k in ROOTS and e >= ROOTS[k][0] for m in poly for k, e in m):
        return poly
    out: Poly = {}
    for mono, coeff in poly.items():
        term: Poly = {UNIT: coeff}
        kept = []
        for key, exp in mono:
            root = ROOTS.get(key)
            if root is not None and exp >= root[0] and root[1].is_polynomial:
                q, base = root
                term = p_mul(term, _reduce_roots(_p_pow(base.num, exp // q)))
                if exp % q:
                    kept.append((key, exp % q))
            else:
                kept.append((key, exp))
        out = p_add(out, p_mul(term, {tuple(kept): Fraction(1)}))
    return _reduce_roots(out)


# ------------------------------------------------------------------------------ rationals
class Rat:
    """``num / den`` in semi-canonical form (see the module docstring)."""

    __slots__ = ("_free", "_key", "den", "num")

    def __init__(self, num: Poly, den: Poly | None = None) -> None:
        num = _reduce_roots(num)
        if den is not None:
            den = _reduce_roots(den)
        if den is None or den == {UNIT: Fraction(1)}:
            self.num, self.den = num, {UNIT: Fraction(1)}
        else:
            self.num, self.den = _normalize(num, den)
        self._key: str | None = None
        self._free: frozenset[str] | None = None

    # -- construction
    @staticmethod
    def number(value: Fraction | int) -> Rat:
        return Rat(p_const(Fraction(value)))

    @staticmethod
    def atom(atom: Atom) -> Rat:
        return Rat({((register(atom).key, 1),): Fraction(1)})

    # -- views
    @property
    def key(self) -> str:
        if self._key is None:
            self._key = (
                poly_key(self.num)
                if self.is_polynomial
                else f"({poly_key(self.num)})/({poly_key(self.den)})"
            )
        return self._key

    @property
    def is_polynomial(self) -> bool:
        return self.den == {UNIT: Fraction(1)}

    @property
    def is_zero(self) -> bool:
        return not self.num

    @property
    def constant(self) -> Fraction | None:
        """The value when ``self`` is a number, else ``None``."""
        if not self.is_polynomial:
            return None
        if not self.num:
            return Fraction(0)
        if len(self.num) == 1 and () in self.num:
            return self.num[()]
        return None

    @property
    def free(self) -> frozenset[str]:
        if self._free is None:
            out: set[str] = set()
            for poly in (self.num, self.den):
                for m in poly:
                    for k, _ in m:
                        out |= ATOMS[k].free
            self._free = frozenset(out)
        return self._free

    def atoms(self) -> set[str]:
        return {k for poly in (self.num, self.den) for m in poly for k, _ in m}

    # -- arithmetic
    def __add__(self, other: Rat) -> Rat:
        if self.is_polynomial and other.is_polynomial:
            return Rat(p_add(self.num, other.num))
        if self.den == other.den:
            return Rat(p_add(self.num, other.num), self.den)
        num = p_add(p_mul(self.num, other.den), p_mul(other.num, self.den))
        return Rat(num, p_mul(self.den, other.den))

    def __neg__(self) -> Rat:
        return Rat({m: -c for m, c in self.num.items()}, self.den)

    def __sub__(self, other: Rat) -> Rat:
        return self + (-other)

    def __mul__(self, other: Rat) -> Rat:
        if self.is_polynomial and other.is_polynomial:
            return Rat(p_mul(self.num, other.num))
        return Rat(p_mul(self.num, other.num), p_mul(self.den, other.den))

    def inverse(self) -> Rat:
        if self.is_zero:
            raise ZeroDivisionError("division by zero in a certificate")
        return Rat(self.den, self.num)

    def __truediv__(self, other: Rat) -> Rat:
        return self * other.inverse()

    def __pow__(self, n: int) -> Rat:
        if n < 0:
            return self.inverse() ** (-n)
        out = Rat.number(1)
        base = self
        while n:
            if n & 1:
                out = out * base
            base = base * base
            n >>= 1
        return out

    def equals(self, other: Rat) -> bool:
        if self.is_polynomial and other.is_polynomial and self.num == other.num:
            return True
        left = p_mul(self.num, other.den)
        right = p_mul(other.num, self.den)
        if ROOTS:
            # Clear negative powers of roots by a multiple of q (an invertible monomial factor
            # on both sides), so that every root power >= q reduces to its base.
            lowest: dict[str, int] = {}
            for poly in (left, right):
                for m in poly:
                    for k, e in m:
                        if k in ROOTS and e < lowest.get(k, 0):
                            lowest[k] = e
            shift = tuple(sorted((k, -(e // ROOTS[k][0]) * ROOTS[k][0]) for k, e in lowest.items()))
            if shift:
                left, right = p_term(left, shift, Fraction(1)), p_term(right, shift, Fraction(1))
            left, right = _reduce_roots(left), _reduce_roots(right)
        return left == right


def _normalize(num: Poly, den: Poly) -> tuple[Poly, Poly]:
    if not den:
        raise ZeroDivisionError("division by zero in a certificate")
    if not num:
        return {}, {UNIT: Fraction(1)}
    if len(den) == 1:
        ((mono, coeff),) = den.items()
        return p_term(num, mono_pow(mono, -1), 1 / coeff), {UNIT: Fraction(1)}
    # Move the monomial content and the leading coefficient of the denominator out.
    keys = set.intersection(*({k for k, _ in m} for m in den))
    content = tuple(sorted((k, min(dict(m)[k] for m in den)) for k in keys))
    inverse = mono_pow(content, -1)
    coeff = den[_lead(den)]
    if content or coeff != 1:
        num = p_term(num, inverse, 1 / coeff)
        den = p_term(den, inverse, 1 / coeff)
    quotient = p_divide(num, den)
    if quotient is not None:
        return quotient, {UNIT: Fraction(1)}
    return num, den


ZERO = Rat({})
ONE = Rat.number(1)


# ------------------------------------------------------------------------------ knowledge
class Knowledge:
    """Declared heads: ``deterministic`` (for ``E`` and ``Ek``) and ``measurable`` (``Ek``)."""

    def __init__(self, deterministic: frozenset[str], measurable: frozenset[str]) -> None:
        self.deterministic = deterministic
        self.measurable = measurable

    def known(self, key: str, conditional: bool) -> bool:
        """Whether the atom ``key`` is a function of known quantities only."""
        heads = self.deterministic | (self.measurable if conditional else frozenset())
        return _known(ATOMS[key], heads, conditional)


NOTHING = Knowledge(frozenset(), frozenset())


def _known(atom: Atom, heads: frozenset[str], conditional: bool) -> bool:
    kind = atom.kind
    if kind == "const":
        return True
    if kind == "sym":
        return atom.key in heads
    if kind == "E":
        return True
    if kind == "Ek":
        return conditional
    if kind == "indexed" and f"seq:{atom.name}" not in heads:
        return False
    if kind == "undefined" and f"fn:{atom.name}" not in heads:
        return False
    if kind == "sum":
        summand, index, low, high = atom.args
        inner = heads | {next(iter(index.atoms()))}
        return all(_rat_known(a, heads, conditional) for a in (low, high)) and _rat_known(
            summand, inner, conditional
        )
    return all(_rat_known(a, heads, conditional) for a in atom.args)


def _rat_known(rat: Rat, heads: frozenset[str], conditional: bool) -> bool:
    return all(_known(ATOMS[k], heads, conditional) for k in rat.atoms())


# ------------------------------------------------------------------------------ evaluation
def symbol_key(tree: dict[str, Any]) -> str:
    assumptions = ",".join(sorted(tree.get("assumptions", [])))
    dummy = f"#{tree['dummy']}" if "dummy" in tree else ""
    return f"sym:{tree['sym']}{dummy}{{{assumptions}}}"


def head_key(tree: dict[str, Any]) -> str:
    """The key of a declared head: a symbol, a sequence or a function class."""
    if "sym" in tree:
        return symbol_key(tree)
    if "seq" in tree:
        return f"seq:{tree['seq']}"
    if "function" in tree:
        return f"fn:{tree['function']}"
    raise Unusable(f"not a declarable head: {tree!r}")


def number(text: str) -> Fraction:
    try:
        return Fraction(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise Unusable(f"not an exact number: {text!r}") from exc


class Evaluator:
    """Trees to :class:`Rat` under a :class:`Knowledge`, memoized per tree object."""

    def __init__(self, knowledge: Knowledge = NOTHING) -> None:
        self.knowledge = knowledge
        self._memo: dict[int, tuple[Any, Rat]] = {}

    # -- trees
    def rat(self, tree: Any) -> Rat:
        found = self._memo.get(id(tree))
        if found is not None and found[0] is tree:
            return found[1]
        value = self._rat(tree)
        self._memo[id(tree)] = (tree, value)
        return value

    def _rat(self, tree: Any) -> Rat:
        if not isinstance(tree, dict):
            raise Unusable(f"an expression is a JSON object, got {tree!r}")
        if "int" in tree:
            return Rat.number(number(tree["int"]))
        if "rat" in tree:
            return Rat.number(number(tree["rat"]))
        if "sym" in tree:
            key = symbol_key(tree)
            if key not in ATOMS:
                register(Atom("sym", tree["sym"], (), frozenset(tree.get("assumptions", [])), key))
            return Rat.atom(ATOMS[key])
        if "const" in tree:
            return Rat.atom(Atom("const", str(tree["const"])))
        if "add" in tree:
            total = ZERO
            for arg in tree["add"]:
                total = total + self.rat(arg)
            return total
        if "mul" in tree:
            product = ONE
            for arg in tree["mul"]:
                product = product * self.rat(arg)
            return product
        if "pow" in tree:
            base, exponent = tree["pow"]
            return self.power(self.rat(base), self.rat(exponent))
        if "sum" in tree:
            index = self.rat(tree["index"])
            low, high = (self.rat(v) for v in tree["limits"])
            return self.sum(self.rat(tree["sum"]), index, low, high)
        if "indexed" in tree:
            base = tree["indexed"]
            indices = tuple(self.rat(i) for i in tree["indices"])
            assumptions = frozenset(tree.get("assumptions", []))
            return Rat.atom(Atom("indexed", str(base["seq"]), indices, assumptions))
        if "fn" in tree:
            args = tuple(self.rat(a) for a in tree["args"])
            return self.function(str(tree["fn"]), tree.get("kind"), args, tree)
        if "node" in tree:
            args = tuple(self.rat(a) for a in tree.get("args", []))
            return Rat.atom(Atom("node", str(tree["node"]), args))
        raise Unusable(f"unknown expression node {sorted(tree)}")

    def function(self, name: str, kind: Any, args: tuple[Rat, ...], tree: dict[str, Any]) -> Rat:
        if kind == "expectation":
            if name not in ("E", "Ek") or len(args) != 1:
                raise Unusable(f"an expectation is E(x) or Ek(x), got {name} of {len(args)}")
            return self.expect(name, args[0])
        if kind == "undefined":
            assumptions = frozenset(tree.get("assumptions", []))
            return Rat.atom(Atom("undefined", name, args, assumptions))
        if kind == "builtin" and name in BUILTIN:
            if name in SYMMETRIC:
                args = tuple(sorted(args, key=lambda a: a.key))
            return Rat.atom(Atom("builtin", name, args))
        return Rat.atom(Atom("node", f"{kind}:{name}", args))

    # -- rules
    def power(self, base: Rat, exponent: Rat) -> Rat:
        value = exponent.constant
        if value is not None:
            if value.denominator == 1:
                return base ** int(value)
            whole = value.numerator // value.denominator
            return base**whole * Rat.atom(Atom("pow", "", (base, Rat.number(value - whole))))
        shift = exponent.num.get((), Fraction(0)) if exponent.is_polynomial else Fraction(0)
        if shift.denominator != 1:
            shift = Fraction(int(shift))
        if base.constant == 1:
            return ONE
        rest = exponent - Rat.number(shift) if shift else exponent
        return base ** int(shift) * Rat.atom(Atom("pow", "", (base, rest)))

    def expect(self, op: str, arg: Rat) -> Rat:
        """``E(arg)`` or ``Ek(arg)`` by linearity, known factors and the tower rule."""
        if arg.is_zero:
            return ZERO
        knowledge = self.knowledge
        if op == "E":
            folded = self._tower(arg)
            if folded is not None:
                return self.expect("E", folded)
        conditional = op == "Ek"
        if not arg.is_polynomial and all(
            knowledge.known(k, conditional) for m in arg.den for k, _ in m
        ):
            return self.expect(op, Rat(arg.num)) / Rat(arg.den)
        total: Poly = {}
        for mono, coeff in arg.num.items():
            known = tuple((k, e) for k, e in mono if knowledge.known(k, conditional))
            unknown = tuple((k, e) for k, e in mono if not knowledge.known(k, conditional))
            if not unknown and arg.is_polynomial:
                total = p_add(total, {known: coeff})
                continue
            inner = Rat({unknown: Fraction(1)}, arg.den)
            atom = register(Atom(op, "", (inner,)))
            total = p_add(total, {mono_mul(known, ((atom.key, 1),)): coeff})
        return Rat(total)

    def _tower(self, arg: Rat) -> Rat | None:
        """``E(m Ek(X)) = E(m X)`` term by term, for ``m`` known given the history."""
        if not arg.is_polynomial:
            return None
        knowledge = self.knowledge
        changed = False
        total = ZERO
        for mono, coeff in arg.num.items():
            inner = [k for k, e in mono if ATOMS[k].kind == "Ek" and e == 1]
            powers = [k for k, e in mono if ATOMS[k].kind == "Ek" and e != 1]
            rest = tuple((k, e) for k, e in mono if ATOMS[k].kind != "Ek")
            if len(inner) == 1 and not powers and all(knowledge.known(k, True) for k, _ in rest):
                total = total + Rat({rest: coeff}) * ATOMS[inner[0]].args[0]
                changed = True
            else:
                total = total + Rat({mono: coeff})
        return total if changed else None

    def sum(self, summand: Rat, index: Rat, low: Rat, high: Rat) -> Rat:
        """``Sum(summand, (index, low, high))`` split by linearity, constants, telescoping."""
        index_key = _symbol_of(index)
        if index_key is None:
            raise Unusable("a sum's index must be a symbol")
        if not ("integer" in ATOMS[index_key].assumptions and is_integer(low) and is_integer(high)):
            return Rat.atom(Atom("sum", "", (summand, index, low, high), bound=index_key))
        den_has_index = index_key in Rat(summand.den).free if not summand.is_polynomial else False
        constant = ZERO
        insides: dict[str, tuple[Rat, Rat]] = {}
        for mono, coeff in summand.num.items():
            outside = tuple((k, e) for k, e in mono if index_key not in ATOMS[k].free)
            inside = tuple((k, e) for k, e in mono if index_key in ATOMS[k].free)
            outer = Rat({outside: coeff})
            if not inside and not den_has_index:
                constant = constant + outer
                continue
            term = Rat({inside: Fraction(1)}, summand.den if den_has_index else None)
            previous = insides.get(term.key)
            insides[term.key] = (term, outer if previous is None else previous[1] + outer)
        total = constant * (high - low + ONE)
        total = total + self._telescope(insides, index, index_key, low, high)
        return total if den_has_index or summand.is_polynomial else total / Rat(summand.den)

    def _telescope(
        self, insides: dict[str, tuple[Rat, Rat]], index: Rat, index_key: str, low: Rat, high: Rat
    ) -> Rat:
        remaining = {k: v for k, v in insides.items() if not v[1].is_zero}
        total = ZERO
        down = {index_key: index - ONE}
        for key in sorted(remaining):
            if key not in remaining:
                continue
            term, coeff = remaining[key]
            shifted = self.substitute(term, down)
            partner = remaining.get(shifted.key)
            if partner is None or shifted.key == key or not (coeff + partner[1]).is_zero:
                continue
            at_high = self.substitute(term, {index_key: high})
            at_low = self.substitute(term, {index_key: low - ONE})
            total = total + coeff * (at_high - at_low)
            del remaining[key], remaining[shifted.key]
        for term, coeff in remaining.values():
            atom = Atom("sum", "", (term, index, low, high), bound=index_key)
            total = total + coeff * Rat.atom(atom)
        return total

    def merge_sums(self, rat: Rat) -> Rat:
        """Sums with equal limits in ``rat``'s numerator merged into one and split again."""
        groups: dict[tuple[str, ...], tuple[tuple[Rat, Rat, Rat, str], Rat]] = {}
        rest: Poly = {}
        for mono, coeff in rat.num.items():
            sums = [(k, e) for k, e in mono if ATOMS[k].kind == "sum"]
            if len(sums) == 1 and sums[0][1] == 1:
                atom = ATOMS[sums[0][0]]
                summand, index, low, high = atom.args
                index_key = _symbol_of(index)
                others = tuple((k, e) for k, e in mono if k != atom.key)
                if index_key is not None and all(index_key not in ATOMS[k].free for k, _ in others):
                    group = (index.key, low.key, high.key)
                    moved = Rat({others: coeff}) * summand
                    limits = (index, low, high, index_key)
                    previous = groups.get(group)
                    groups[group] = (limits, moved if previous is None else previous[1] + moved)
                    continue
            rest = p_add(rest, {mono: coeff})
        if not groups:
            return rat
        total = Rat(rest)
        for (index, low, high, _), summand in groups.values():
            total = total + self.sum(summand, index, low, high)
        return total / Rat(rat.den) if not rat.is_polynomial else total

    # -- substitution
    def substitute(self, rat: Rat, mapping: dict[str, Rat]) -> Rat:
        """``rat`` with atoms replaced (by key), inside other atoms too, renormalized."""
        if not mapping or not _touches(rat, mapping):
            return rat
        cache: dict[str, Rat] = {}
        return Rat(*self._sub_polys(rat, mapping, cache))

    def _sub_polys(
        self, rat: Rat, mapping: dict[str, Rat], cache: dict[str, Rat]
    ) -> tuple[Poly, Poly]:
        top, top_den = self._compose(rat.num, mapping, cache)
        bottom, bottom_den = self._compose(rat.den, mapping, cache)
        value = Rat(p_mul(top, bottom_den), p_mul(top_den, bottom))
        return value.num, value.den

    def _compose(
        self, poly: Poly, mapping: dict[str, Rat], cache: dict[str, Rat]
    ) -> tuple[Poly, Poly]:
        """``poly`` at the images of its atoms as ``N / M`` over one common denominator.

        With an atom's image ``p/q``, its highest power ``P`` and its most negative ``-L``
        in ``poly``, every term is multiplied by ``M = prod q**P p**L``: ``(p/q)**e M`` is the
        polynomial ``p**(e + L) q**(P - e)`` (for ``e < 0`` too), so the sum needs no division.
        """
        images: dict[str, Rat] = {}
        highest: dict[str, int] = {}
        lowest: dict[str, int] = {}
        for mono in poly:
            for key, exp in mono:
                if key not in images:
                    images[key] = self._sub_atom(key, mapping, cache)
                if exp > 0:
                    highest[key] = max(highest.get(key, 0), exp)
                else:
                    lowest[key] = max(lowest.get(key, 0), -exp)
        powers: dict[tuple[str, bool, int], Poly] = {}

        def power(key: str, of_num: bool, n: int) -> Poly:
            found = powers.get((key, of_num, n))
            if found is None:
                image = images[key]
                base = image.num if of_num else image.den
                found = _p_pow(base, n)
                powers[(key, of_num, n)] = found
            return found

        total: Poly = {}
        for mono, coeff in poly.items():
            exponents = dict(mono)
            term: Poly = {UNIT: coeff}
            for key, image in images.items():
                e, high, low = exponents.get(key, 0), highest.get(key, 0), lowest.get(key, 0)
                if e + low:
                    term = p_mul(term, power(key, True, e + low))
                if high - e and not image.is_polynomial:
                    term = p_mul(term, power(key, False, high - e))
            total = p_add(total, term)
        multiplier: Poly = {UNIT: Fraction(1)}
        for key, image in images.items():
            if lowest.get(key, 0):
                multiplier = p_mul(multiplier, power(key, True, lowest[key]))
            if highest.get(key, 0) and not image.is_polynomial:
                multiplier = p_mul(multiplier, power(key, False, highest[key]))
        return total, multiplier

    def _sub_atom(self, key: str, mapping: dict[str, Rat], cache: dict[str, Rat]) -> Rat:
        if key in mapping:
            return mapping[key]
        if key in cache:
            return cache[key]
        atom = ATOMS[key]
        if not (atom.free & mapping.keys() or atom.inner & mapping.keys()):
            cache[key] = Rat.atom(atom)
            return cache[key]
        if atom.kind == "sum":
            summand, index, low, high = atom.args
            bound = _symbol_of(index)
            inner = {k: v for k, v in mapping.items() if bound not in ATOMS[k].free}
            if any(bound in v.free for v in inner.values()):
                inner = {}  # a value mentioning the bound index would be captured
            value = self.sum(
                self.substitute(summand, inner),
                index,
                self.substitute(low, mapping),
                self.substitute(high, mapping),
            )
        else:
            args = tuple(self.substitute(a, mapping) for a in atom.args)
            value = self.rebuild(atom, args)
        cache[key] = value
        return value

    def rebuild(self, atom: Atom, args: tuple[Rat, ...]) -> Rat:
        """The atom ``atom`` with new parts, renormalized."""
        if atom.kind in ("E", "Ek"):
            return self.expect(atom.kind, args[0])
        if atom.kind == "pow":
            return self.power(*args)
        if atom.kind == "builtin" and atom.name in SYMMETRIC:
            args = tuple(sorted(args, key=lambda a: a.key))
        return Rat.atom(Atom(atom.kind, atom.name, args, atom.assumptions))

    def apply_rules(self, rat: Rat, rules: dict[str, Rat]) -> Rat:
        """Rewrite with ``rules`` (atom key -> value) until nothing changes (a few rounds)."""
        for _ in range(8):
            new = self.substitute(rat, rules)
            if new.key == rat.key:
                return new
            rat = new
        return rat


def _touches(rat: Rat, mapping: dict[str, Rat]) -> bool:
    keys = mapping.keys()
    return any(k in keys or ATOMS[k].free & keys or ATOMS[k].inner & keys for k in rat.atoms())


def _symbol_of(rat: Rat) -> str | None:
    if rat.is_polynomial and len(rat.num) == 1:
        ((mono, coeff),) = rat.num.items()
        if coeff == 1 and len(mono) == 1 and mono[0][1] == 1 and ATOMS[mono[0][0]].kind == "sym":
            return mono[0][0]
    return None


def symbol_of(rat: Rat) -> str | None:
    """The key of the symbol ``rat`` is, or ``None``."""
    return _symbol_of(rat)


def is_integer(rat: Rat) -> bool:
    """Integer-valued: a polynomial with integer coefficients in integer symbols."""
    if not rat.is_polynomial:
        return False
    for mono, coeff in rat.num.items():
        if coeff.denominator != 1:
            return False
        for key, exp in mono:
            atom = ATOMS[key]
            if exp < 0 or atom.kind not in ("sym", "indexed") or "integer" not in atom.assumptions:
                return False
    return True
