"""Every command and option, with invalid, hostile and extreme values: the contract holds.

The command line promises (README, ``stepshrink.cli``): a refused value is exit status 2 and
one line on stderr, before any work and with nothing written; an accepted one runs to exit
status 0; no traceback ever; every JSON it prints or writes is standard JSON (no NaN, no
Infinity). This test reads the options from the parser itself, so a new command or option
(``stepshrink sweep``, ``stepshrink tightness``) is fuzzed without editing it; each command
only needs a small, fast valid invocation in :data:`BASES`.

Values per option kind (:func:`hostile_values`): numbers get NaN, infinities, overflowing
literals, the extremes of float64 (``1e308``, ``5e-324``), zero, negatives, text and code;
integers get zero, negatives, fractions, exponents and 20-digit counts (which the memory
guard must refuse); choices get near misses; paths get empty, NUL, over-long names,
``/sys``, ``/proc``, a file used as a directory, a directory used as a file and a missing
directory. Runs are in process (warnings are errors in the suite, so a leaked warning fails
here too), in a fresh working directory each.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from stepshrink.cli import COMMANDS, build_parser, main

#: A small, fast, valid invocation of each command (and plot kind), before the fuzzed option.
BASES: dict[str, list[str]] = {
    "check": ["check", "--only", "L1"],
    "theorems": ["theorems", "T1"],
    "bound": [
        "bound", "T1", "--L", "1", "--Delta", "1", "--M", "0.01", "--M-G", "1",
        "--sigma-q2", "0.01", "--q-min", "0.5", "--mu", "0.1", "--K", "10",
    ],
    "schedule": ["schedule"],
    "assumptions": [
        "assumptions", "--points", "2", "--samples", "4", "--repeats", "4", "--dim", "2",
        "--format", "fp8_e4m3",
    ],
    "simulate": ["simulate", "--K", "5", "--replicas", "4", "--dim", "2", "--no-progress"],
    "plot bound": ["plot", "bound", "--K-max", "20", "--q-mins", "0.5"],
    "plot floor": ["plot", "floor", "--q-mins", "0.5"],
    "plot k-eps": ["plot", "k-eps"],
    "plot trajectory": [
        "plot", "trajectory", "--K", "5", "--replicas", "4", "--dim", "2", "--no-progress",
    ],
    "plot q": ["plot", "q", "--points", "2", "--samples", "4", "--dim", "2"],
    "plot sweep": ["plot", "sweep", "{sweep}", "--x", "format", "--y", "rounding"],
    "report": ["report", "--quick", "--no-progress"],
    "sweep": [
        "sweep", "--format", "fp8_e4m3", "--rounding", "rne", "--mu", "0.1", "--K", "5",
        "--replicas", "4", "--dim", "2", "--points", "2", "--samples", "4", "--repeats", "4",
        "--theorems", "T1", "--scheduler", "inline", "--no-progress",
    ],
    "tightness": [
        "tightness", "--theorems", "T1", "--q", "1", "--mu-L", "1", "--K", "1",
        "--c-over-L", "1",
    ],
}  # fmt: skip

#: Output file extension each command's path options expect (for the otherwise-valid names).
SUFFIXES = {
    "simulate": ".npz",
    "assumptions": ".json",
    "check": ".json",
    "report": "",
    "sweep": "",
    "tightness": ".png",
}

NUMBERS = ["nan", "inf", "-inf", "1e999", "-1", "", "abc", "0x10", "1/2", "__import__('os')"]
EXTREME_NUMBERS = ["1e308", "5e-324", "0"]
INTEGERS = ["0", "-1", "1.5", "1e3", "", "x", "99999999999999999999", "1" + "0" * 5000]
CHOICES = ["", "nope", "RNE", "-1", "fp7_e9"]
# accepted by some commands: a report must never be built in "/" by a fuzz test
PATHS = [
    "",
    "{tmp}/a\x00b{ext}",
    "{tmp}/" + "x" * 300 + "{ext}",
    "/sys/x{ext}",
    "/proc/x{ext}",
    "/etc/passwd/x{ext}",
    "{tmp}/no/such/dir/x{ext}",
    "{tmp}/isdir{ext}",
    "{tmp}/file.txt/x{ext}",
]


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    """``"simulate"``, ``"plot bound"``, ... -> the parser of that (sub-)command."""

    def children(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                return dict(action.choices)
        return {}

    found = {}
    for name, parser in children(build_parser()).items():
        kinds = children(parser)
        if kinds:
            found.update({f"{name} {kind}": sub for kind, sub in kinds.items()})
        else:
            found[name] = parser
    return found


def hostile_values(command: str, action: argparse.Action) -> list[str]:
    """The values tried for one option (see the module docstring)."""
    if action.metavar in ("PATH", "FILE", "DIR"):
        # an existing directory is a valid report directory: use a file in its place there
        return [p.replace("isdir", "file.txt") if command == "report" else p for p in PATHS]
    if action.choices is not None:
        return CHOICES
    kind = getattr(action.type, "__name__", "")
    if kind == "integer":
        return INTEGERS
    if kind in ("real", "positive", "nonnegative", "at_least_one", "unit", "open_unit"):
        return NUMBERS + EXTREME_NUMBERS
    return ["", "nope", "T9", "\x00", "x" * 2000]


@dataclass(frozen=True)
class Case:
    command: str
    argv: tuple[str, ...]

    def __str__(self) -> str:
        return " ".join(repr(a) if not a or " " in a else a[:40] for a in self.argv)


def cases(command: str) -> Iterator[Case]:
    """Every fuzzed invocation of one command: each option with each value, and a few more."""
    base = BASES[command]
    parser = command_parsers()[command]
    yield Case(command, (*base, "--no-such-option"))
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if not action.option_strings:  # a positional: replace it where the base has it
            words = command.count(" ") + 1  # "bound T1 ...", "plot sweep DIR ..."
            for value in hostile_values(command, action):
                yield Case(command, (*base[:words], value, *base[words + 1 :]))
            continue
        flag = action.option_strings[-1]
        if action.nargs == 0:  # a switch: on its own with the base, and doubled
            if command != "report":  # (a valid report takes a minute: not fuzzed)
                yield Case(command, (*base, flag))
            continue
        yield Case(command, (*base, flag))  # the value missing
        for value in hostile_values(command, action):
            yield Case(command, (*base, flag, value))


def strict_json(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


def snapshot(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*")}


def run_case(
    case: Case, tmp: Path, capsys: pytest.CaptureFixture[str], sweep: Path | None = None
) -> tuple[int, list[str]]:
    """Run one case in ``tmp``; return its status and the contract violations found.

    ``sweep`` is a finished sweep's directory, for ``plot sweep`` (``{sweep}`` in its base).
    """
    ext = SUFFIXES.get(case.command.split()[0], ".png")
    (tmp / f"isdir{ext or '.d'}").mkdir(exist_ok=True)
    (tmp / "isdir").mkdir(exist_ok=True)
    (tmp / "file.txt").write_text("not a directory")
    argv = [
        a.replace("{tmp}", str(tmp)).replace("{ext}", ext).replace("{sweep}", str(sweep))
        for a in case.argv
    ]
    outputs = {"simulate": "run.npz", "report": "rep", "sweep": "sweep"}
    if "-o" not in argv and "--output" not in argv and case.command in outputs:
        argv += ["-o", str(tmp / outputs[case.command])]
    if case.command.startswith("plot") and "-o" not in argv:
        argv += ["-o", str(tmp / "figure.png")]
    before = snapshot(tmp)
    problems: list[str] = []
    try:
        status = main(argv)
    except SystemExit as exc:
        status = int(exc.code or 0) if not isinstance(exc.code, str) else 2
    except BaseException as exc:  # a traceback, or a warning turned error
        return -1, [f"raised {type(exc).__name__}: {exc}"]
    out, err = capsys.readouterr()
    if "Traceback" in err:
        problems.append("traceback on stderr")
    if "\r" in err:
        problems.append("progress frames on a non-terminal")
    if status == 2:
        if err.count("\n") != 1 or not err.startswith("stepshrink"):
            problems.append(f"not one line on stderr: {err!r}")
        if snapshot(tmp) != before:
            problems.append(f"left files behind: {sorted(snapshot(tmp) - before)}")
    elif status == 0:
        stray = [line for line in err.splitlines() if not line.startswith(("stepshrink", "report"))]
        if stray:
            problems.append(f"stderr lines that are not messages: {stray[:3]}")
        if "--json" in argv and case.command != "check":
            try:
                strict_json(out)
            except (AssertionError, ValueError) as exc:
                problems.append(f"stdout is not strict JSON: {exc}")
        for written in (p for p in tmp.rglob("*.json") if p.is_file()):
            try:
                strict_json(written.read_text())
            except (AssertionError, ValueError) as exc:
                problems.append(f"{written.name} is not strict JSON: {exc}")
    else:
        problems.append(f"exit status {status}")
    return status, problems


def test_every_command_has_a_base() -> None:
    # a new command (sweep, tightness) must add a fast valid invocation to BASES
    assert set(BASES) == set(command_parsers())
    assert {name.split()[0] for name in BASES} == set(COMMANDS)


@pytest.fixture(scope="module")
def sweep_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished two-by-two checker-only sweep, for ``plot sweep``."""
    directory = tmp_path_factory.mktemp("sweep") / "done"
    argv = [*BASES["sweep"], "--format", "fp8_e4m3", "bf16", "--rounding", "rne", "sr"]
    assert main([*argv, "--checker-only", "-o", str(directory)]) == 0
    return directory


#: Each command's cases are split into this many tests (every PARTS-th case in each), so that
#: pytest-xdist spreads a command's figures over the workers instead of queueing them on one.
PARTS = 4


@pytest.mark.parametrize("part", range(PARTS))
@pytest.mark.parametrize("command", sorted(BASES))
def test_fuzz(
    command: str,
    part: int,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    counts = {"invocations": 0, "refused": 0, "accepted": 0}
    failures = []
    sweep = request.getfixturevalue("sweep_directory") if command == "plot sweep" else None
    capsys.readouterr()
    if command != "report" and part == 0:  # the fuzz compares against this: it must run cleanly
        tmp = tmp_path_factory.mktemp("base")
        monkeypatch.chdir(tmp)
        assert run_case(Case(command, tuple(BASES[command])), tmp, capsys, sweep) == (0, [])
    for case in list(cases(command))[part::PARTS]:
        tmp = tmp_path_factory.mktemp("fuzz")
        monkeypatch.chdir(tmp)
        status, problems = run_case(case, tmp, capsys, sweep)
        counts["invocations"] += 1
        counts["refused" if status == 2 else "accepted"] += status in (0, 2)
        failures += [f"{case}: {problem}" for problem in problems]
    with capsys.disabled():
        print(f"\nfuzz {command} part {part + 1}/{PARTS}: {counts}, {len(failures)} violations")
    assert not failures, "\n".join(failures[:20])


def test_fuzz_finds_a_planted_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # teeth: a command that prints NaN in its JSON and one that crashes are both caught
    import stepshrink.commands.schedule as schedule

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(schedule.strict_json, "dumps", lambda value: '{"x": NaN}')
    status, problems = run_case(Case("schedule", ("schedule", "--json")), tmp_path, capsys)
    assert status == 0
    assert any("strict JSON" in p for p in problems)
    monkeypatch.setattr(schedule, "derive_schedules", lambda args: 1 / 0)
    status, problems = run_case(Case("schedule", ("schedule",)), tmp_path, capsys)
    assert problems == ["raised ZeroDivisionError: division by zero"]


def test_cases_cover_every_option(capsys: pytest.CaptureFixture[str]) -> None:
    parsers = command_parsers()
    assert set(parsers) == set(BASES)  # every command and plot kind is fuzzed
    options = sum(
        not isinstance(a, argparse._HelpAction | argparse._SubParsersAction)
        for parser in parsers.values()
        for a in parser._actions
    )
    total = sum(len(list(cases(command))) for command in BASES)
    with capsys.disabled():
        print(f"\nfuzz: {total} cases, {len(BASES)} commands, {options} options and positionals")
    for command in BASES:
        flags = {a for case in cases(command) for a in case.argv if re.match(r"^--?[A-Za-z]", a)}
        for action in parsers[command]._actions:
            if action.option_strings and not isinstance(action, argparse._HelpAction):
                if command == "report" and action.nargs == 0:
                    continue
                assert action.option_strings[-1] in flags, (command, action.option_strings)
