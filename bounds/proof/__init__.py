"""Mechanical proof checker: chains of exactly certified steps, and counterexamples.

A proof is data (:class:`Proof`, :class:`Step`); :func:`check` verifies it step by step with
the tactics of :mod:`bounds.proof.tactics`; :func:`prove` checks a single claim of your own.
"""

from __future__ import annotations

from bounds.proof.chain import Proof, ProofReport, Step, StepResult
from bounds.proof.engine import check
from bounds.proof.expectation import E, Ek
from bounds.proof.prove import ProveResult, prove

__all__ = ["E", "Ek", "Proof", "ProofReport", "ProveResult", "Step", "StepResult", "check", "prove"]
