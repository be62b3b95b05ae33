"""The ``stepshrink bound`` sub-command.

A broken hypothesis is an input error, not a result: the numbers lie outside the theorem, so
there is no bound to print. It is reported like any other invalid value (one line naming the
hypothesis and the constants it involves, exit status 2). So is a bound whose true value lies
beyond float64's range: it is computed exactly (:mod:`bounds.numeric`), and refused only when
no float can hold it.

With ``--from REPORT.json`` the constants a measured assumption report gives (``q_min``,
``sigma_q2``, ``M``, ``M_G``; ``L``, ``M_L``, ``sigma_qL`` from a smoothness file) fill the
options not given, clipped to the theorems' domains with a note (:mod:`stepshrink.measured`).
The paper's bounds weigh the noise by ``L`` (the worst case); when ``M_L`` and ``sigma_qL`` are
known, the matrix-smoothness statement's bound is shown next to T1's or T3's.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from plumbing import strict_json
from stepshrink.errors import UsageError
from stepshrink.measured import add_from_options, resolve
from stepshrink.options import (
    CONSTANT_OPTIONS,
    COUNTER_OPTIONS,
    add_constant_options,
    add_json_option,
    shown,
)

HELP = "Evaluate a theorem's bound, show its LaTeX, and name any hypothesis the numbers break."

_NAMES = [attr for _, attr, _, _ in CONSTANT_OPTIONS] + [attr for _, attr, _ in COUNTER_OPTIONS]
_FLAGS = {attr: flag for flag, attr, *_ in (*CONSTANT_OPTIONS, *COUNTER_OPTIONS)}
#: The matrix-smoothness statement whose bound uses the curvature-weighted constants instead.
_CURVED = {"T1": "T1.matrix", "T1.sharp": "T1.matrix", "T3": "T3.matrix", "T3.sharp": "T3.matrix"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink bound``."""
    # optional for argparse so that an unknown option is reported before a missing THEOREM
    parser.add_argument(
        "theorem",
        nargs="?",
        metavar="THEOREM",
        help="statement id: L1-L3, T1-T4, C1-C4, a refined statement (T1.sharp, ...) or a "
        "variant (T2.harmonic, ...); stepshrink theorems lists them all",
    )
    add_constant_options(parser.add_argument_group("constants (as in bounds.symbols)"), _NAMES)
    add_from_options(parser)
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--latex", action="store_true", help="also print the statement in LaTeX")
    add_json_option(output, "print one JSON object")


def statement_ids() -> list[str]:
    """Every id ``THEOREM`` accepts: the paper's statements and the refined ones, each
    followed by its variants (:func:`bounds.theorems.with_variants`)."""
    from bounds import theorems

    return [s.id for s in theorems.with_variants()]


def _statement(name: str | None) -> Any:
    from bounds import theorems

    known = statement_ids()
    if name is None:
        raise UsageError(f"THEOREM is required: one of {', '.join(known)}")
    if name not in known:
        raise UsageError(f"THEOREM must be one of {', '.join(known)}, got {name!r}")
    return theorems.get(name)


def broken_hypotheses_message(statement: Any, broken: Any, given: dict[str, Any]) -> str:
    """One line naming each broken hypothesis, its relation and the numbers it was given."""
    parts = []
    for name in broken:
        relation = statement.hypothesis(name).relation
        involved = sorted(s.name for s in relation.free_symbols if s.name in given)
        numbers = ", ".join(f"{n} = {shown(given[n])}" for n in involved)
        parts.append(f"{name!r} ({relation}) fails" + (f" with {numbers}" if numbers else ""))
    return f"{statement.id}: the numbers break hypothesis " + "; ".join(parts)


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink bound``; return the exit status."""
    statement = _statement(args.theorem)
    resolved = resolve(args, _NAMES, _FLAGS)
    given = resolved.values
    for typed, measured in (("M_V", "M_G"), ("sigma2", "M")):  # another way to give the same
        if typed in given and not resolved.sources.get(measured, "--").startswith("--"):
            del given[measured], resolved.sources[measured]
    needed = [name for name in statement.constants if name not in given]
    if statement.uses_sequence and {"beta", "gamma"} <= set(given):
        needed = [name for name in needed if name != "mu"]
    needed = [name for name in needed if not (name == "M_G" and "M_V" in given)]
    if needed:
        flags = ", ".join(_FLAGS.get(name, name) for name in needed)
        raise UsageError(f"{statement.id} needs {flags}")
    broken = statement.violated_hypotheses(**given)
    if broken:
        raise UsageError(broken_hypotheses_message(statement, broken, given))
    value = float(statement.evaluate(**given))
    if math.isnan(value):
        raise UsageError(f"{statement.id}: the bound is undefined at these numbers")
    if math.isinf(value):
        raise UsageError(
            f"{statement.id}: the bound's true value exceeds float64's largest finite number "
            f"({sys.float_info.max:.6g}); no float can hold it"
        )
    from bounds.plots import floor_value

    floor = floor_value(statement, given)
    result: dict[str, Any] = {
        "theorem": statement.id,
        "title": statement.title,
        "quantity": statement.quantity_text,
        "relation": statement.relation,
        "bound": value,
        "floor": floor if floor is None or math.isfinite(floor) else None,
        "horizon": None if statement.horizon is None else str(statement.horizon),
        "constants": given,
        "hypotheses": [h.name for h in statement.all_hypotheses],
        "latex": statement.latex(),
        "sources": resolved.sources,
        "notes": resolved.notes,
    }
    curved = _curvature_weighted(statement.id, given)
    if curved is not None:
        result["curvature_weighted"] = curved
    if result["floor"] is None and statement.horizon is not None:
        if floor is not None:
            reason = "the floor's true value exceeds float64's range"
        elif statement.uses_sequence:
            reason = "the floor is a series over the stepsize sequence"
        else:
            reason = "the constants given do not fix the floor"
        result["floor_reason"] = reason
    if args.json:
        print(strict_json.dumps(result))
        return 0
    op = "=" if statement.relation == "==" else "<="
    print(f"{statement.id} ({statement.title})")
    kind = " (worst case: noise weighted by L)" if statement.id in _CURVED else ""
    print(f"  {statement.quantity_text} {op} {value:.6g}{kind}")
    if curved is not None:
        number = curved["note"] if curved["bound"] is None else f"{curved['bound']:.6g}"
        print(f"  curvature-weighted ({curved['theorem']}, M_L and sigma_qL): {number}")
    if result["floor"] is not None:
        print(f"  floor as {statement.horizon} -> infinity: {floor:.6g}")
    elif "floor_reason" in result:
        print(f"  floor as {statement.horizon} -> infinity: none ({result['floor_reason']})")
    print(f"  hypotheses hold: {', '.join(result['hypotheses']) or 'none'}")
    if args.latex:
        print(f"  LaTeX: {result['latex']}")
    reports = sorted({s for s in resolved.sources.values() if not s.startswith("-")})
    if reports:
        print(f"  measured constants from {', '.join(reports)}")
    for note in resolved.notes:
        print(f"  note: {note}")
    return 0


def _curvature_weighted(theorem: str, given: dict[str, Any]) -> dict[str, Any] | None:
    """The matrix statement's bound next to ``theorem``'s, when its constants are known."""
    from bounds import theorems

    if theorem not in _CURVED or not {"M_L", "sigma_qL"} <= set(given):
        return None
    statement = theorems.get(_CURVED[theorem])
    try:
        bound = float(statement.evaluate(**given))
    except ValueError as exc:  # e.g. a hypothesis only the matrix statement has
        return {"theorem": statement.id, "bound": None, "note": str(exc)}
    if not math.isfinite(bound):
        return {"theorem": statement.id, "bound": None, "note": "beyond float64's range"}
    return {"theorem": statement.id, "bound": bound, "note": ""}
