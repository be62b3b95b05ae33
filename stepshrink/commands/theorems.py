"""The ``stepshrink theorems`` sub-command: every statement, its hypotheses and its bound.

Everything printed comes from the theorem library (:func:`bounds.theorems.with_variants`: the
paper's statements, the refined ones, each followed by its variants): the assumptions it rests
on, the hypotheses the numbers must meet (inherited domain rules, then its own conditions),
the bounded quantity, the bound, where the statement has a horizon its floor, and whether its
proof is checked. The mathematics is written out in docs/spec.md section 3.
"""

from __future__ import annotations

import argparse
from typing import Any

from plumbing import strict_json
from stepshrink.errors import UsageError
from stepshrink.options import add_json_option

HELP = "List every lemma, theorem and corollary with its hypotheses and bound."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink theorems``."""
    parser.add_argument(
        "ids", nargs="*", metavar="ID", help="only these statements (default: all), e.g. T1 C2"
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--latex", action="store_true", help="also print each statement as one LaTeX line"
    )
    add_json_option(output, "print a JSON list")


def _statements(ids: list[str]) -> list[Any]:
    from bounds import theorems
    from stepshrink.commands.bound import statement_ids

    known = statement_ids()
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(f"ID must be one of {', '.join(known)}, got {', '.join(unknown)}")
    return [theorems.get(i) for i in (ids or known)]


def describe(statement: Any) -> dict[str, Any]:
    """One statement as a JSON-ready dict (text forms from SymPy's printer)."""
    floor = statement.floor
    return {
        "id": statement.id,
        "kind": statement.kind,
        "title": statement.title,
        "assumptions": [a.name for a in statement.assumptions],
        "hypotheses": [
            {"name": h.name, "kind": h.kind, "relation": str(h.relation)}
            for h in statement.all_hypotheses
        ],
        "quantity": statement.quantity_text,
        "relation": statement.relation,
        "bound": str(statement.bound),
        "horizon": None if statement.horizon is None else str(statement.horizon),
        "floor": None if floor is None else str(floor),
        "latex": statement.latex(),
        "references": list(statement.references),
        "has_proof": bool(statement.has_proof),
    }


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink theorems``; return the exit status."""
    described = [describe(s) for s in _statements(args.ids)]
    if args.json:
        print(strict_json.dumps(described))
        return 0
    for index, entry in enumerate(described):
        if index:
            print()
        op = "=" if entry["relation"] == "==" else "<="
        assumptions = ", ".join(entry["assumptions"]) or "none"
        proof = "proof checked by stepshrink check" if entry["has_proof"] else "no checked proof"
        print(
            f"{entry['id']} ({entry['kind']}): {entry['title']}  [assumes {assumptions}; {proof}]"
        )
        for hypothesis in entry["hypotheses"]:
            print(f"  if   {hypothesis['relation']:<40}  ({hypothesis['name']})")
        print(f"  then {entry['quantity']} {op} {entry['bound']}")
        if entry["floor"] is not None:
            print(f"  floor as {entry['horizon']} -> infinity: {entry['floor']}")
        if args.latex:
            print(f"  LaTeX: {entry['latex']}")
    return 0
