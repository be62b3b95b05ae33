"""Measured constants read from an assumption report (``stepshrink schedule/bound --from``).

The files are the JSON that ``stepshrink assumptions --json`` / ``-o PATH`` writes (a list of
``{"format", "rounding", "verdicts", "estimates", "settings", "layers"}`` entries, one per
format and rounding mode, per-layer reports nested under ``layers`` with ``--gradients``), or
one such report object, or :meth:`stepshrink.torch.Smoothness.to_dict` (``{"estimates",
"settings"}``, which adds ``L`` and the curvature-weighted ``M_L``, ``sigma_qL``). They are
parsed as plain JSON and checked strictly: nothing in them is evaluated, ``NaN``/``Infinity``
are refused, and a file of any other shape is refused with one line naming the problem.

Estimates are statistics, so they can fall just outside a theorem's domain (a stochastic-
rounding ``q_min`` of 1.00037, a least-squares ``M`` of -0.002): :func:`clip` moves them to the
nearest admissible value and says so, instead of refusing them as a typed ``--q-min 1.00037``
is refused.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stepshrink.errors import UsageError
from stepshrink.options import input_file

__all__ = [
    "CONSERVATIVE",
    "DOMAINS",
    "Measured",
    "Resolved",
    "add_from_options",
    "clip",
    "read",
    "resolve",
]

#: Constants a report can give: name -> (least admissible value, whether it must be > it,
#: the domain in words). ``q_min`` is also at most 1 (see :func:`clip`).
DOMAINS: dict[str, tuple[float, bool, str]] = {
    "q_min": (0.0, True, "(0, 1]"),
    "sigma_q2": (0.0, False, ">= 0"),
    "M": (0.0, False, ">= 0"),
    "M_G": (1.0, False, ">= 1"),
    "L": (0.0, True, "> 0"),
    "M_L": (0.0, False, ">= 0"),
    "sigma_qL": (0.0, False, ">= 0"),
}

#: The end of each interval that makes the bound larger (``--estimate conservative``).
CONSERVATIVE = {
    "q_min": "low",
    "sigma_q2": "high",
    "M": "high",
    "M_G": "high",
    "L": "high",
    "M_L": "high",
    "sigma_qL": "high",
}

_ENTRY_KEYS = {"format", "rounding", "verdicts", "estimates", "settings", "layers"}
_ESTIMATE_KEYS = {"value", "low", "high", "level", "method"}


@dataclass(frozen=True)
class Measured:
    """Constants taken from report files, clipped to the theorems' domains.

    Attributes
    ----------
    values : dict of str to float
        ``bounds.symbols`` keyword -> value (after :func:`clip`).
    sources : dict of str to str
        Where each value came from (``"REPORT.json fp8_e4m3/sr"``).
    notes : dict of str to str
        Constant -> one sentence, for each clipped or unusable estimate.
    """

    values: dict[str, float] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def clip(name: str, value: float) -> tuple[float, str | None]:
    """``value`` moved into ``name``'s domain, and a note when it had to move.

    Raises
    ------
    ValueError
        The estimate cannot be moved into the domain (``q_min <= 0``, ``L <= 0``): no
        theorem applies.
    """
    least, strict, words = DOMAINS[name]
    if name == "q_min" and value > 1:
        return 1.0, f"q_min estimate {value:.6g} > 1 clipped to q_min = 1 (A3 needs q_k in (0, 1])"
    if strict and value <= least:
        raise ValueError(f"{name} estimate {value:.6g} is outside {words}: no theorem applies")
    if value < least:
        return least, f"{name} estimate {value:.6g} < {least:g} clipped to {name} = {least:g}"
    return value, None


def _fail(path: Path, problem: str) -> UsageError:
    return UsageError(f"--from {str(path)!r}: {problem}")


def _load(path: Path) -> Any:
    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not strict JSON")

    input_file(path, "--from", "a JSON report written by 'stepshrink assumptions -o'")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(path, f"cannot be read as UTF-8 text ({type(exc).__name__})") from None
    try:
        return json.loads(text, parse_constant=refuse)
    except ValueError as exc:
        raise _fail(path, f"is not JSON ({str(exc).splitlines()[0]})") from None


def _entries(path: Path, data: Any) -> list[dict[str, Any]]:
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise _fail(path, "expected an assumption report (a JSON list of reports or one report)")
    for index, entry in enumerate(data):
        if not isinstance(entry, dict):
            raise _fail(path, f"entry {index} is not a JSON object")
        unknown = sorted(set(entry) - _ENTRY_KEYS)
        if unknown:
            raise _fail(path, f"entry {index} has unknown key(s) {', '.join(unknown)}")
        if not isinstance(entry.get("estimates"), dict):
            raise _fail(path, f"entry {index} has no 'estimates' object")
        for key in ("format", "rounding"):
            if key in entry and not isinstance(entry[key], str):
                raise _fail(path, f"entry {index}: {key!r} must be a string")
        if "layers" in entry and not isinstance(entry["layers"], dict):
            raise _fail(path, f"entry {index}: 'layers' must be an object")
    return data


def _label(entry: dict[str, Any]) -> str:
    return f"{entry.get('format', '-')}/{entry.get('rounding', '-')}"


def _pick(path: Path, entries: list[dict[str, Any]], entry: str | None) -> dict[str, Any]:
    labels = [_label(e) for e in entries]
    if entry is None:
        if len(entries) == 1:
            return entries[0]
        raise _fail(
            path, f"holds {len(entries)} reports: choose one with --entry ({', '.join(labels)})"
        )
    matches = [
        e for e, label in zip(entries, labels, strict=True) if entry in (label, label.split("/")[0])
    ]
    if len(matches) != 1:
        found = "no report" if not matches else f"{len(matches)} reports"
        raise _fail(path, f"--entry {entry!r} matches {found} (reports: {', '.join(labels)})")
    return matches[0]


def _number(path: Path, where: str, value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(path, f"{where} must be a number or null, got {json.dumps(value)[:40]}")
    number = float(value)
    if not math.isfinite(number):
        raise _fail(path, f"{where} is not finite")
    return number


def read(
    paths: Sequence[str | Path], *, entry: str | None = None, estimate: str = "value"
) -> Measured:
    """The constants measured in ``paths`` (later files override earlier ones).

    Parameters
    ----------
    paths : sequence of str or Path
        Report files (see the module docstring).
    entry : str, optional
        ``FORMAT/ROUNDING`` (or ``FORMAT``) of the report to use in a file holding several.
    estimate : {"value", "conservative"}
        The point estimate, or the end of its confidence interval that makes every bound
        larger (:data:`CONSERVATIVE`).

    Returns
    -------
    Measured

    Raises
    ------
    UsageError
        A file is missing, not strict JSON, not a report, ambiguous without ``entry``, or
        gives an estimate no theorem can use; the message is one line naming the problem.
    """
    if estimate not in ("value", "conservative"):
        raise ValueError(f"estimate must be 'value' or 'conservative', got {estimate!r}")
    measured = Measured()
    for raw in paths:
        path = Path(raw)
        chosen = _pick(path, _entries(path, _load(path)), entry)
        source = f"{path.name} {_label(chosen)}".replace(" -/-", "")
        found = False
        for name, item in chosen["estimates"].items():
            if not isinstance(item, dict) or "value" not in item:
                raise _fail(path, f"estimate {name!r} must be an object with a 'value'")
            unknown = sorted(set(item) - _ESTIMATE_KEYS)
            if unknown:
                raise _fail(path, f"estimate {name!r} has unknown key(s) {', '.join(unknown)}")
            numbers = {
                k: _number(path, f"{name}.{k}", item.get(k)) for k in ("value", "low", "high")
            }
            if name not in DOMAINS:
                continue
            found = True
            key = "value" if estimate == "value" else CONSERVATIVE[name]
            value = numbers[key]
            measured.notes.pop(name, None)
            if value is None:
                measured.notes[name] = f"{source} gives no finite {name} ({key}); not used"
                measured.values.pop(name, None)
                continue
            try:
                clipped, note = clip(name, value)
            except ValueError as exc:
                raise _fail(path, str(exc)) from None
            measured.values[name] = clipped
            measured.sources[name] = source
            low = numbers["low"]
            if note is not None and name == "q_min" and low is not None:
                note += f"; its interval starts at {low:.6g}, " + (
                    "so 1 is within sampling noise" if low <= 1 else "so A3 itself is in doubt"
                )
            if note is not None:
                measured.notes[name] = note
        if not found:
            raise _fail(path, f"gives none of the constants {', '.join(DOMAINS)}")
    return measured


def add_from_options(parser: argparse.ArgumentParser) -> None:
    """Register ``--from REPORT.json`` (repeatable), ``--entry`` and ``--estimate``."""
    group = parser.add_argument_group("measured constants")
    group.add_argument(
        "--from",
        dest="from_reports",
        action="append",
        metavar="REPORT.json",
        help="take q_min, sigma_q2, M, M_G (and L, M_L, sigma_qL when present) from a report "
        "written by 'stepshrink assumptions -o' or stepshrink.torch.Smoothness.to_dict; "
        "repeat to combine files (later ones win); options given explicitly win over files",
    )
    group.add_argument(
        "--entry",
        metavar="FORMAT[/ROUNDING]",
        help="the report to use when a file holds several (e.g. fp8_e4m3/sr)",
    )
    group.add_argument(
        "--estimate",
        choices=("value", "conservative"),
        default="value",
        help="point estimates (default), or the end of each confidence interval that makes "
        "the bound larger (q_min low; sigma_q2, M, M_G, L, M_L, sigma_qL high)",
    )


@dataclass(frozen=True)
class Resolved:
    """Constants for a command: explicit options over measured values over defaults.

    Attributes
    ----------
    values : dict of str to float
        Every known constant (``None`` never appears).
    sources : dict of str to str
        ``"--L"``, ``"default"`` or the report each value came from.
    notes : list of str
        The clipping notes of the measured values actually used.
    """

    values: dict[str, float]
    sources: dict[str, str]
    notes: list[str]


def resolve(
    args: argparse.Namespace,
    names: Sequence[str],
    flags: dict[str, str],
    defaults: dict[str, float] | None = None,
) -> Resolved:
    """Merge the options in ``names`` given on the command line, ``--from`` and ``defaults``.

    Options left at ``None`` were not given. Without ``--from`` nothing is read.
    """
    explicit = {n: getattr(args, n) for n in names if getattr(args, n, None) is not None}
    values: dict[str, float] = {}
    sources: dict[str, str] = {}
    notes: list[str] = []
    reports = getattr(args, "from_reports", None)
    if reports:
        measured = read(reports, entry=args.entry, estimate=args.estimate)
        for name, value in measured.values.items():
            if name in names and name not in explicit:
                values[name] = value
                sources[name] = measured.sources[name]
        notes = [
            note for name, note in measured.notes.items() if name in names and name not in explicit
        ]
    elif getattr(args, "entry", None) is not None:
        raise UsageError("--entry needs --from")
    for name, value in (defaults or {}).items():
        if name not in values and name not in explicit:
            values[name] = value
            sources[name] = "default"
    for name, value in explicit.items():
        values[name] = value
        sources[name] = flags.get(name, name)
    return Resolved(values, sources, notes)
