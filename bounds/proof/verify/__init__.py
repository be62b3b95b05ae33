"""An independent re-checker of ``stepshrink check --certificates DIR`` files.

Run ``python -m bounds.proof.verify DIR``. It exits 0 and prints a summary when every
certificate re-checks, 1 naming each one that does not, and 2 with one line on stderr when the
input is unusable (no such directory, no certificate in it, a file that is not JSON or not a
certificate). The package imports nothing from the rest of ``bounds`` and nothing outside the
standard library (``json``, ``fractions``, ``sys``, ``pathlib``, ``dataclasses``): its exact
arithmetic is its own (:mod:`.algebra`, rational functions with ``Fraction`` coefficients over
opaque atoms), so it shares no code, and no bug, with SymPy or the tactics.

What it re-checks, per proof (lemmas first, each in its own recorded premises):

* every cited fact, from its recorded provenance: a premise or hypothesis by name and claim;
  a schema fact moved only along its index, never when it speaks of one step's quantities,
  with the index proved in range; a lemma instance, the lemma itself re-checked, its claim the
  lemma's conclusion at the substitution, each value inside its symbol's declared domain, and
  every premise the lemma rests on discharged here (by an equal fact, a schema fact in range,
  a declaration, or a re-checked derivation); an elementary fact, compared with the verifier's
  own table (:mod:`.elementary`), with its side conditions derived; a sum over a range, with
  ``high >= low - 1`` derived for an inequality; a fact under ``E``/``Ek`` (monotonicity);
* every step's certificate (:mod:`.tactics`): identities (``rhs - lhs`` reduces to 0 by the
  rules below and the cited equations the certificate lists), slack-substitution positivity
  (every map one of the allowed forms built from a cited bound, the alternatives the full
  product, ``N/D`` recomputed, every coefficient's sign with generator signs from declared
  domains and cited facts), products and sums of squares (``scale * N`` equal to the weighted
  products of the cited facts' polynomials plus squares plus remainder, exactly), monotone
  combinations (the identity and each factor's positivity certificate) and induction (base at
  the start, step at a fresh index with only the hypothesis granted, index >= start derived);
* the chain: each step starts where the previous ended, the ends are the target's sides, the
  composed relation implies the target's (a strict target needs a strict link), the target is
  the statement's claim, definitions are conservative, and every premise a step rests on is one
  the proof declares (so that citing it as a lemma discharges it).

What it trusts:

* the recorded premises and claim are the statement's (compare them with the theorem module:
  the certificate says "these premises imply this claim");
* the rewriting rules of :mod:`.algebra` as identities: linearity of ``E``/``Ek`` and pulling
  out factors declared deterministic or measurable, the tower property, ``E`` and ``Ek`` of
  real random variables being real, linearity/constants/telescoping of sums over integer
  ranges (Karr's convention, as SymPy's), ``b**(e + n) = b**e * b**n`` for an integer ``n``,
  and identities of rational functions holding wherever both sides are defined;
* the sign rules of :mod:`.signs` (``exp > 0``, ``|x| >= 0``, ``Max``/``Min`` of signed
  arguments, powers of positive bases) and that every ``sym`` with the same name, dummy index
  and assumptions is one quantity;
* the textbook elementary facts of :mod:`.elementary`.

Anything else it cannot re-derive fails, naming the proof, the step and the reason.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .proofs import Outcome, check_proof

__all__ = ["FORMAT", "main", "verify_directory", "verify_document"]

FORMAT = "stepshrink proof certificate"
VERSION = 1


class UnusableInput(Exception):
    """Input that is not a directory of certificates; the message is one line."""


def _not_strict(token: str) -> None:
    raise ValueError(f"{token} is not strict JSON")


def load(path: Path) -> dict:
    try:
        document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_not_strict)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UnusableInput(f"{path}: not a JSON file ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise UnusableInput(f"{path}: not a {FORMAT}")
    if document.get("version") != VERSION:
        raise UnusableInput(f"{path}: version {document.get('version')!r}, expected {VERSION}")
    if not isinstance(document.get("proof"), dict):
        raise UnusableInput(f"{path}: no proof in it")
    return document


def verify_document(document: dict, outcome: Outcome) -> bool:
    """Re-check one certificate document; record failures in ``outcome``."""
    return check_proof(document["proof"], outcome, "", {})


def verify_directory(directory: Path) -> tuple[list[tuple[str, bool]], Outcome]:
    """Re-check every ``*.json`` certificate in ``directory``.

    Raises
    ------
    UnusableInput
        If ``directory`` is not a directory of certificates.
    """
    if not directory.is_dir():
        raise UnusableInput(f"DIR must be a directory of certificates, got {directory}")
    paths = sorted(directory.glob("*.json"))
    if not paths:
        raise UnusableInput(f"DIR {directory} holds no certificate (*.json)")
    documents = [(path.name, load(path)) for path in paths]
    outcome = Outcome()
    results = []
    for name, document in documents:
        results.append((name, verify_document(document, outcome)))
    return results, outcome


def main(argv: list[str]) -> int:
    """Command line: ``DIR`` -> exit 0 (all re-check), 1 (some do not) or 2 (unusable)."""
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        if argv and argv[0] in ("-h", "--help"):
            print(__doc__.split("\n\n")[1])
            return 0
        print("usage: python -m bounds.proof.verify DIR", file=sys.stderr)
        return 2
    try:
        results, outcome = verify_directory(Path(argv[0]))
    except UnusableInput as exc:
        print(f"verify: {exc}", file=sys.stderr)
        return 2
    for name, ok in results:
        print(f"{name}: {'re-checked' if ok else 'DOES NOT RE-CHECK'}")
    steps = sum(outcome.steps.values())
    rules = ", ".join(f"{rule} {n}" for rule, n in sorted(outcome.steps.items()))
    print(f"\n{outcome.proofs} proofs, {steps} steps re-checked ({rules})")
    if outcome.failures:
        for failure in outcome.failures:
            print(f"FAILED {failure}")
        print(f"\n{len(outcome.failures)} certificates do not re-check")
        return 1
    print("every certificate re-checks")
    return 0
