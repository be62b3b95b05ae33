"""Mechanical proof checker: chains of exactly certified steps, and counterexamples.

A proof is data (:class:`Proof`, :class:`Step`, citations :class:`Cite`); :func:`check`
verifies it step by step against the premises it is given (a statement's facts, or its own
hypotheses) with the tactics of :mod:`bounds.proof.tactics`; :func:`prove` checks a single
claim of your own. The engine knows nothing of any paper: facts, schemas and declarations
(:class:`Fact`, :class:`Schema`, :class:`Measurable`, :class:`Deterministic`) are how a model
tells it what holds.
"""

from __future__ import annotations

from bounds.proof.chain import Proof, ProofReport, Result, Step, StepResult
from bounds.proof.engine import check
from bounds.proof.expectation import E, Ek
from bounds.proof.facts import Cite, Deterministic, Fact, Measurable, Premises, Schema
from bounds.proof.prove import ProveResult, prove

__all__ = [
    "Cite",
    "Deterministic",
    "E",
    "Ek",
    "Fact",
    "Measurable",
    "Premises",
    "Proof",
    "ProofReport",
    "ProveResult",
    "Result",
    "Schema",
    "Step",
    "StepResult",
    "check",
    "prove",
]
