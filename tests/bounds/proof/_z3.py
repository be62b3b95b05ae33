"""Z3 as an independent oracle for certificate steps (shares nothing with SymPy or bounds).

A step's goal ``lhs REL rhs`` and its cited facts are read from the certificate's expression
trees into Z3's real arithmetic: symbols are reals with their declared signs (integers are
``IsInt``), anything that is not ``+``, ``*`` or an integer power (``E(...)``, sums, applied
functions, roots) is an opaque real named by its tree, and every divisor is assumed non-zero
(a claim is about the points where it is defined). A step is *polynomial* when its goal has no
opaque part; Z3 then decides whether the facts imply the goal (``facts and not goal`` unsat).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import z3

SIGNS = {
    "positive": lambda v: v > 0,
    "nonnegative": lambda v: v >= 0,
    "negative": lambda v: v < 0,
    "nonpositive": lambda v: v <= 0,
    "nonzero": lambda v: v != 0,
}


class Translation:
    """Trees to Z3 terms, collecting the side constraints (signs, non-zero divisors)."""

    def __init__(self) -> None:
        self.variables: dict[str, z3.ArithRef] = {}
        self.constraints: list[z3.BoolRef] = []
        self.opaque = 0

    def real(self, key: str, assumptions: list[str]) -> z3.ArithRef:
        if key not in self.variables:
            var = z3.Real(key)
            self.variables[key] = var
            for name in assumptions:
                if name in SIGNS:
                    self.constraints.append(SIGNS[name](var))
            if "integer" in assumptions:
                self.constraints.append(z3.IsInt(var))
        return self.variables[key]

    def term(self, tree: dict[str, Any]) -> z3.ArithRef:
        if "int" in tree or "rat" in tree:
            value = Fraction(tree.get("int", tree.get("rat")))
            return z3.RealVal(value.numerator) / z3.RealVal(value.denominator)
        if "sym" in tree:
            key = f"{tree['sym']}#{tree.get('dummy', '')}"
            return self.real(key, list(tree.get("assumptions", [])))
        if "add" in tree:
            return z3.Sum([self.term(a) for a in tree["add"]])
        if "mul" in tree:
            out = self.term(tree["mul"][0])
            for a in tree["mul"][1:]:
                out = out * self.term(a)
            return out
        if "pow" in tree:
            base, exponent = tree["pow"]
            if "int" in exponent:
                n = int(exponent["int"])
                b = self.term(base)
                power = z3.RealVal(1)
                for _ in range(abs(n)):
                    power = power * b
                if n >= 0:
                    return power
                self.constraints.append(b != 0)
                return 1 / power
        # Not polynomial: an opaque real quantity, the same for the same tree.
        self.opaque += 1
        key = "opaque:" + json.dumps(tree, sort_keys=True)
        return self.real(key, list(tree.get("assumptions", [])))

    def relation(self, claim: dict[str, Any]) -> z3.BoolRef | None:
        if "rel" not in claim:
            return None
        lhs, rhs = self.term(claim["lhs"]), self.term(claim["rhs"])
        return {"=": lhs == rhs, "<=": lhs <= rhs, "<": lhs < rhs}[claim["rel"]]


def steps(proof: dict[str, Any], where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every step of ``proof`` and of its lemmas, with the proof's path."""
    here = f"{where} > {proof['name']}" if where else proof["name"]
    for lemma in proof["lemmas"]:
        yield from steps(lemma, here)
    for step in proof["steps"]:
        yield here, step


def decide(step: dict[str, Any], timeout_ms: int = 20_000) -> str | None:
    """``"valid"``, ``"invalid"`` or ``"unknown"`` for a polynomial step; ``None`` otherwise."""
    if "lhs" not in step:
        return None
    t = Translation()
    goal = t.relation({"rel": step["rel"], "lhs": step["lhs"], "rhs": step["rhs"]})
    if t.opaque:
        return None
    facts = [t.relation(c["claim"]) for c in step["cited"]]
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    solver.add(*t.constraints, *(f for f in facts if f is not None), z3.Not(goal))
    verdict = solver.check()
    if verdict == z3.unsat:
        return "valid"
    return "invalid" if verdict == z3.sat else "unknown"
