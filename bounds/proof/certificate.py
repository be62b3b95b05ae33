"""Certificates: every checked step's evidence as strict JSON that another program can re-check.

``write(reports, directory)`` writes one file per proof (``<name>.json``, its lemmas nested)
holding, for every step, the claim, the cited facts as they reached the tactic with their
provenance, the rule and the tactic's certificate, and for the proof its start, target,
premises and the statement's claim. :mod:`bounds.proof.verify` re-checks such files without
SymPy or any code of the tactics.

Expressions are explicit trees, never text to be parsed:

* numbers ``{"int": "3"}``, ``{"rat": "3/4"}``, ``{"const": "pi"}``;
* symbols ``{"sym": "mu", "assumptions": ["positive", "real", ...]}`` (a dummy also carries
  ``"dummy": n``, which tells apart dummies of the same name);
* ``{"add": [...]}``, ``{"mul": [...]}``, ``{"pow": [base, exponent]}``;
* applications ``{"fn": "E", "kind": "expectation" | "undefined" | "builtin", "args": [...]}``
  (an undefined function carries its ``assumptions``);
* ``{"indexed": {"seq": "mu", "assumptions": [...]}, "indices": [...]}``;
* ``{"sum": summand, "index": symbol, "limits": [low, high]}`` (one limit per node);
* anything else ``{"node": "TypeName", "args": [...]}``, which a checker treats as opaque.

Claims are ``{"rel": "=" | "<=" | "<", "lhs": ..., "rhs": ...}`` (``a >= b`` is written
``b <= a``), ``{"declare": "measurable" | "deterministic", "heads": [...]}`` with heads
``{"sym": ...}``, ``{"seq": name}`` or ``{"function": name}``, and ``{"bool": true}``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import sympy as sp
from sympy.core.function import AppliedUndef, UndefinedFunction

from bounds.proof import expectation, lp, region
from bounds.proof.chain import ProofReport, StepResult, relation_of
from bounds.proof.context import Resolved, Used
from bounds.proof.facts import Deterministic, Fact, Measurable, Schema

__all__ = ["FORMAT", "VERSION", "document", "expression", "write"]

FORMAT = "stepshrink proof certificate"
VERSION = 1

#: The assumptions a certificate records on symbols (those a checker may use for signs).
ASSUMPTIONS = ("real", "integer", "positive", "nonnegative", "negative", "nonpositive", "nonzero")

_BUILTIN = (sp.exp, sp.log, sp.Abs, sp.Max, sp.Min, sp.sin, sp.cos)

Tree = Any


class Encoder:
    """Expression and claim trees, each SymPy node encoded once per certificate file."""

    def __init__(self) -> None:
        self._trees: dict[sp.Basic, Tree] = {}

    def expression(self, expr: sp.Basic) -> Tree:
        """The JSON tree of a SymPy expression."""
        tree = self._trees.get(expr)
        if tree is None:
            tree = self._trees[expr] = self._encode(expr)
        return tree

    def _encode(self, expr: sp.Basic) -> Tree:
        if isinstance(expr, sp.Integer):
            return {"int": str(int(expr))}
        if isinstance(expr, sp.Rational):
            return {"rat": f"{int(expr.p)}/{int(expr.q)}"}
        if isinstance(expr, sp.NumberSymbol):
            return {"const": str(expr)}
        if isinstance(expr, sp.Symbol):
            tree: dict[str, Any] = {"sym": expr.name, "assumptions": _assumptions(expr)}
            if isinstance(expr, sp.Dummy):
                tree["dummy"] = int(expr.dummy_index)
            return tree
        if isinstance(expr, sp.Add):
            return {"add": [self.expression(a) for a in expr.args]}
        if isinstance(expr, sp.Mul):
            return {"mul": [self.expression(a) for a in expr.args]}
        if isinstance(expr, sp.Pow):
            return {"pow": [self.expression(expr.base), self.expression(expr.exp)]}
        if isinstance(expr, sp.Sum):
            # The first limit is the innermost sum.
            tree = self.expression(expr.function)
            for index, low, high in expr.limits:
                tree = {
                    "sum": tree,
                    "index": self.expression(index),
                    "limits": [self.expression(low), self.expression(high)],
                }
            return tree
        if isinstance(expr, sp.IndexedBase):
            return {"seq": str(expr.label), "assumptions": _assumptions(expr)}
        if isinstance(expr, sp.Indexed):
            return {
                "indexed": self.expression(expr.base),
                "indices": [self.expression(i) for i in expr.indices],
                "assumptions": _assumptions(expr),
            }
        if isinstance(expr, (expectation.E, expectation.Ek)):
            kind = "expectation"
        elif isinstance(expr, AppliedUndef):
            return {
                "fn": type(expr).__name__,
                "kind": "undefined",
                "args": [self.expression(a) for a in expr.args],
                "assumptions": _assumptions(expr),
            }
        elif isinstance(expr, _BUILTIN):
            kind = "builtin"
        else:
            return {"node": type(expr).__name__, "args": [self.expression(a) for a in expr.args]}
        return {
            "fn": type(expr).__name__,
            "kind": kind,
            "args": [self.expression(a) for a in expr.args],
        }

    def claim(self, claim: object) -> Tree:
        """The JSON tree of a relation or declaration."""
        if claim is sp.true or claim is sp.false:
            return {"bool": claim is sp.true}
        if isinstance(claim, (Measurable, Deterministic)):
            kind = "measurable" if isinstance(claim, Measurable) else "deterministic"
            heads = sorted((self.head(a) for a in claim.atoms), key=json.dumps)
            return {"declare": kind, "heads": heads}
        lhs, rel, rhs = relation_of(claim)
        return {"rel": rel, "lhs": self.expression(lhs), "rhs": self.expression(rhs)}

    def head(self, item: object) -> Tree:
        """A declared head: a symbol, a sequence or a function class."""
        if isinstance(item, (UndefinedFunction, type)):
            return {"function": getattr(item, "__name__", str(item))}
        assert isinstance(item, sp.Basic)
        return self.expression(item)

    def value(self, item: object) -> Tree:
        """Any evidence value: expressions, claims, dataclasses, containers, plain data."""
        if item is None or isinstance(item, (bool, str)):
            return item
        if isinstance(item, int):
            return {"int": str(item)}
        if isinstance(
            item,
            (
                Measurable,
                Deterministic,
                sp.core.relational.Relational,
                sp.logic.boolalg.BooleanAtom,
            ),
        ):
            return self.claim(item)
        if isinstance(item, sp.Basic):
            return self.expression(item)
        if isinstance(item, Resolved):
            return {
                "name": item.name,
                "claim": self.claim(item.claim),
                "source": self.value(item.evidence),
            }
        if isinstance(item, Schema):
            return {
                "name": item.name,
                "index": self.expression(item.index),
                "low": self.expression(item.low),
                "high": None if item.high is None else self.expression(item.high),
                "locals": sorted((self.head(a) for a in item.locals), key=json.dumps),
            }
        if isinstance(item, Used):
            return {
                "name": item.name,
                "claim": self.claim(item.claim),
                "schema": None if item.schema is None else self.value(item.schema),
            }
        if isinstance(item, (lp.Term, lp.Factor, lp.Certificate, region.Bound, region.Basis)):
            return {f.name: self.value(getattr(item, f.name)) for f in dataclasses.fields(item)}
        if isinstance(item, Mapping):
            if all(isinstance(k, str) for k in item):
                return {k: self.value(v) for k, v in item.items()}
            return [[self.value(k), self.value(v)] for k, v in item.items()]
        if isinstance(item, (list, tuple)):
            return [self.value(v) for v in item]
        raise TypeError(f"cannot write {type(item).__name__} into a certificate: {item!r}")


def _assumptions(expr: sp.Basic) -> list[str]:
    return [name for name in ASSUMPTIONS if getattr(expr, f"is_{name}") is True]


def expression(expr: sp.Basic) -> Tree:
    """The JSON tree of one expression (see the module docstring)."""
    return Encoder().expression(expr)


def _step(encoder: Encoder, step: StepResult) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": step.index,
        "rule": step.rule,
        "status": step.status,
        "message": step.message,
    }
    if step.goal is not None:
        lhs, rel, rhs = step.goal
        out.update(lhs=encoder.expression(lhs), rel=rel, rhs=encoder.expression(rhs))
    out["cited"] = [encoder.value(r) for r in step.cited]
    out["certificate"] = encoder.value(step.evidence) if step.status == "proved" else None
    return out


def _fact(encoder: Encoder, name: str, fact: Fact) -> dict[str, Any]:
    return {
        "name": name,
        "claim": encoder.claim(fact.claim),
        "schema": None if fact.schema is None else encoder.value(fact.schema),
        "definition": fact.definition,
    }


def _proof(encoder: Encoder, report: ProofReport) -> dict[str, Any]:
    record = report.record
    if record is None:
        raise ValueError(f"report {report.name!r} carries no proof record (not from check())")
    return {
        "name": report.name,
        "status": report.status,
        "start": encoder.expression(record.start),
        "target": encoder.claim(record.target),
        "claim": None if record.claim is None else encoder.claim(record.claim),
        "premises": [_fact(encoder, n, f) for n, f in record.premises.items()],
        "hypotheses": [
            {"name": n, "claim": encoder.claim(c)} for n, c in record.hypotheses.items()
        ],
        "used": [encoder.value(u) for u in record.used],
        "problems": list(report.problems),
        "lemmas": [_proof(encoder, lemma) for lemma in report.lemmas],
        "steps": [_step(encoder, s) for s in report.steps],
        "chain": {"status": report.chain.status, "message": report.chain.message},
    }


def document(report: ProofReport) -> dict[str, Any]:
    """The certificate of one checked proof (its lemmas nested) as JSON-ready data."""
    return {"format": FORMAT, "version": VERSION, "proof": _proof(Encoder(), report)}


def file_name(name: str) -> str:
    """``T2.sqrt`` -> ``T2.sqrt.json``; characters other than letters, digits, ``.-_`` -> ``_``."""
    safe = "".join(c if c.isalnum() or c in ".-_" else "_" for c in name)
    return f"{safe}.json"


def write(reports: Iterable[ProofReport], directory: Path) -> list[Path]:
    """Write one certificate file per report into ``directory`` (atomically); return the paths."""
    paths = []
    for report in reports:
        path = directory / file_name(report.name)
        text = json.dumps(document(report), allow_nan=False, separators=(",", ":"))
        _write_atomically(path, text)
        paths.append(path)
    return paths


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the certificate from others
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
