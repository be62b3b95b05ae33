"""Signs of atoms and term-wise positivity, from declared domains and stated facts only.

An atom is positive or non-negative when (the only rules):

* it is a symbol, sequence term or undefined function declared so (``positive``,
  ``nonnegative``; a slack of a positivity certificate is a symbol declared so);
* it is ``pi`` or ``exp`` of a real argument (positive), ``Abs`` (non-negative), a ``Max``
  with a positive (non-negative) argument or a ``Min`` of positive (non-negative) ones, or a
  power with a symbolic or fractional exponent of a positive base;
* a fact in force states ``c atom >= 0``, ``c atom > 0`` or ``c atom + d >= 0`` with
  ``c > 0 > d`` (an equation counts both ways).

An atom is real when it is declared real (positive and non-negative imply real), is an
expectation (of a real random variable), a sum of a real summand, or a known function of real
arguments. A polynomial is non-negative term by term when every coefficient is non-negative
and every generator with an odd exponent is non-negative and every one with an even exponent
real (and positive when the exponent is negative); positive when, moreover, some term has
only positive generators.
"""

from __future__ import annotations

from fractions import Fraction

from .algebra import ATOMS, Poly, Rat

POSITIVE, NONNEGATIVE, UNKNOWN = 2, 1, 0


class Signs:
    """Sign judgments under a set of facts ``(rel, rhs - lhs)``."""

    def __init__(self, facts: list[tuple[str, Rat]] = ()) -> None:  # type: ignore[assignment]
        self.stated: dict[str, int] = {}
        for rel, difference in facts:
            for value, strict in _orientations(rel, difference):
                found = _atom_bound(value)
                if found is not None:
                    key, sign = found
                    if strict and sign == NONNEGATIVE:
                        sign = POSITIVE
                    self.stated[key] = max(self.stated.get(key, UNKNOWN), sign)
        self._memo: dict[str, int] = {}
        self._real: dict[str, bool] = {}

    # -- atoms
    def sign(self, key: str) -> int:
        if key not in self._memo:
            self._memo[key] = UNKNOWN  # guards against cycles
            self._memo[key] = max(self._intrinsic(key), self.stated.get(key, UNKNOWN))
        return self._memo[key]

    def _intrinsic(self, key: str) -> int:
        atom = ATOMS[key]
        if atom.kind in ("sym", "indexed", "undefined"):
            if "positive" in atom.assumptions:
                return POSITIVE
            return NONNEGATIVE if "nonnegative" in atom.assumptions else UNKNOWN
        if atom.kind == "const":
            return POSITIVE if atom.name in ("pi", "E") else UNKNOWN
        if atom.kind == "builtin":
            if atom.name == "exp":
                return POSITIVE if self.rat_real(atom.args[0]) else UNKNOWN
            if atom.name == "Abs":
                return POSITIVE if self.rat_positive(atom.args[0]) else NONNEGATIVE
            signs = [self.rat_sign(a) for a in atom.args]
            if atom.name == "Max" and signs:
                return max(signs)
            if atom.name == "Min" and signs:
                return min(signs)
            return UNKNOWN
        if atom.kind == "pow":
            base, exponent = atom.args
            if self.rat_positive(base) and self.rat_real(exponent):
                return POSITIVE
            constant = exponent.constant
            if constant is not None and constant > 0 and self.rat_nonnegative(base):
                return NONNEGATIVE
        return UNKNOWN

    def real(self, key: str) -> bool:
        if key not in self._real:
            self._real[key] = False
            self._real[key] = self.sign(key) > UNKNOWN or self._is_real(key)
        return self._real[key]

    def _is_real(self, key: str) -> bool:
        atom = ATOMS[key]
        if atom.kind in ("sym", "indexed", "undefined"):
            return bool({"real", "integer"} & atom.assumptions)
        if atom.kind in ("E", "Ek", "const"):
            return True
        if atom.kind == "sum":
            return all(self.rat_real(a) for a in atom.args)
        if atom.kind == "builtin":
            if atom.name == "log":
                return self.rat_positive(atom.args[0])
            return all(self.rat_real(a) for a in atom.args)
        if atom.kind == "pow":
            return self.rat_positive(atom.args[0]) and self.rat_real(atom.args[1])
        return False

    # -- polynomials and rationals
    def poly_nonnegative(self, poly: Poly, strict: bool) -> bool:
        """Term-wise non-negative (positive if ``strict``) under these signs."""
        found_positive = False
        for mono, coeff in poly.items():
            if coeff < 0:
                return False
            term_positive = True
            for key, exp in mono:
                sign = self.sign(key)
                if sign == POSITIVE:
                    continue
                term_positive = False
                if exp < 0:
                    return False
                if exp % 2 and sign < NONNEGATIVE:
                    return False
                if sign < NONNEGATIVE and not self.real(key):
                    return False
            found_positive = found_positive or term_positive
        return found_positive or not strict

    def rat_positive(self, rat: Rat) -> bool:
        return self.poly_nonnegative(rat.num, True) and self.poly_nonnegative(rat.den, True)

    def rat_nonnegative(self, rat: Rat) -> bool:
        return self.poly_nonnegative(rat.num, False) and self.poly_nonnegative(rat.den, True)

    def rat_sign(self, rat: Rat) -> int:
        if self.rat_positive(rat):
            return POSITIVE
        return NONNEGATIVE if self.rat_nonnegative(rat) else UNKNOWN

    def rat_real(self, rat: Rat) -> bool:
        return all(self.real(k) for k in rat.atoms())


def _orientations(rel: str, difference: Rat) -> list[tuple[Rat, bool]]:
    if rel == "=":
        return [(difference, False), (-difference, False)]
    return [(difference, rel == "<")]


def _atom_bound(value: Rat) -> tuple[str, int] | None:
    """``c atom >= 0`` (non-negative) or ``c atom + d >= 0`` with ``c > 0 > d`` (positive)."""
    if not value.is_polynomial:
        return None
    terms = dict(value.num)
    constant = terms.pop((), Fraction(0))
    if len(terms) != 1:
        return None
    ((mono, coeff),) = terms.items()
    if coeff <= 0 or len(mono) != 1 or mono[0][1] != 1:
        return None
    if constant == 0:
        return mono[0][0], NONNEGATIVE
    return (mono[0][0], POSITIVE) if constant < 0 else None
