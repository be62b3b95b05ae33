"""Validation of command-line values: argparse ``type=`` callables and output-path checks.

Every value that enters through the command line is checked here, once, and a broken rule
becomes one line naming the option and the rule (argparse prefixes ``argument --L:``; the
:class:`~stepshrink.errors.UsageError` raised by the path checks is printed by
``stepshrink.cli.main``). Numbers are parsed with :func:`float` only: a user string is never
handed to ``eval`` or ``sympify``.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from stepshrink.errors import UsageError

__all__ = [
    "CONSTANT_OPTIONS",
    "COUNTER_OPTIONS",
    "FIGURE_SUFFIXES",
    "add_constant_options",
    "figure_path",
    "nonnegative_int",
    "number",
    "output_dir",
    "output_file",
    "positive_int",
]

#: Image formats every plot can be saved as (chosen by the file's extension).
FIGURE_SUFFIXES = (".png", ".svg", ".pdf")

#: Rules a number can be held to: name -> (test, phrase used in the error message).
_RULES: dict[str, tuple[Callable[[float], bool], str]] = {
    "real": (lambda v: True, "a finite number"),
    "positive": (lambda v: v > 0, "a finite number > 0"),
    "nonnegative": (lambda v: v >= 0, "a finite number >= 0"),
    "at_least_one": (lambda v: v >= 1, "a finite number >= 1"),
    "unit": (lambda v: 0 < v <= 1, "a number in (0, 1]"),
    "open_unit": (lambda v: 0 < v < 1, "a number in (0, 1)"),
}


def number(rule: str) -> Callable[[str], float]:
    """An argparse ``type`` that parses a finite float and holds it to ``rule``.

    Parameters
    ----------
    rule : {"real", "positive", "nonnegative", "at_least_one", "unit", "open_unit"}
        The domain the value must lie in.

    Returns
    -------
    callable
        ``str -> float``; raises :class:`argparse.ArgumentTypeError` (one line, naming the
        rule and the rejected text) on anything else, including ``nan`` and ``inf``.
    """
    if rule not in _RULES:
        raise ValueError(f"rule must be one of {sorted(_RULES)}, got {rule!r}")
    test, phrase = _RULES[rule]

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {phrase}, got {text!r}") from None
        if not math.isfinite(value) or not test(value):
            raise argparse.ArgumentTypeError(f"must be {phrase}, got {text!r}")
        return value

    parse.__name__ = rule
    return parse


def positive_int(text: str) -> int:
    """Parse an integer ``>= 1`` (digits only: ``1e3`` and ``2.0`` are rejected)."""
    stripped = text.strip()
    if not stripped.isdigit() or int(stripped) < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return int(stripped)


def nonnegative_int(text: str) -> int:
    """Parse an integer ``>= 0`` (digits only)."""
    stripped = text.strip()
    if not stripped.isdigit():
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return int(stripped)


def _writable_directory(directory: Path, option: str) -> None:
    if not directory.is_dir():
        raise UsageError(f"{option}: directory {str(directory)!r} does not exist")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"{option}: directory {str(directory)!r} is not writable")


def output_file(path: str | Path, option: str, suffixes: Iterable[str]) -> Path:
    """Check that ``path`` can be written: a known extension in an existing writable directory.

    Parameters
    ----------
    path : str or Path
        The file the command will write (existing files are overwritten).
    option : str
        The option it came from (``"-o"``), for the message.
    suffixes : iterable of str
        Allowed extensions, lower case with the dot (``".png"``).

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    UsageError
        Unknown extension, missing or read-only directory, or ``path`` is a directory.
    """
    target = Path(path)
    allowed = tuple(suffixes)
    if target.suffix.lower() not in allowed:
        raise UsageError(
            f"{option}: file name must end in one of {', '.join(allowed)}, got {str(target)!r}"
        )
    if target.is_dir():
        raise UsageError(f"{option}: {str(target)!r} is a directory, expected a file")
    _writable_directory(target.parent, option)
    return target


def figure_path(path: str | Path, option: str = "-o") -> Path:
    """:func:`output_file` for figures (PNG, SVG or PDF)."""
    return output_file(path, option, FIGURE_SUFFIXES)


def output_dir(path: str | Path, option: str = "-o") -> Path:
    """Check (and create if missing) an output directory whose parent is writable.

    Raises
    ------
    UsageError
        ``path`` is an existing non-directory, or it (or its parent, when it must be
        created) is not writable.
    """
    directory = Path(path)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{option}: {str(directory)!r} exists and is not a directory")
    if not directory.exists():
        _writable_directory(directory.parent if str(directory.parent) else Path("."), option)
        directory.mkdir()
    _writable_directory(directory, option)
    return directory


#: Options named after ``bounds.symbols``: (flag, attribute, rule, help). The rules repeat
#: the domains of docs/spec.md section 1 so that a bad number is refused while parsing; the
#: theorem library checks them again (and the hypotheses) when it evaluates.
CONSTANT_OPTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("--L", "L", "positive", "smoothness constant L > 0"),
    ("--Delta", "Delta", "nonnegative", "initial gap F(x_1) - F_inf >= 0"),
    ("--F1-gap", "F1_gap", "nonnegative", "initial gap F(x_1) - F_star >= 0 (PL theorems)"),
    ("--M", "M", "nonnegative", "gradient-variance floor M >= 0"),
    ("--M-V", "M_V", "nonnegative", "gradient-variance growth M_V >= 0"),
    ("--M-G", "M_G", "at_least_one", "second-moment constant M_G = 1 + M_V >= 1"),
    ("--sigma2", "sigma2", "nonnegative", "variance when M = sigma2, M_V = 0"),
    ("--sigma-q2", "sigma_q2", "nonnegative", "quantization-noise second moment >= 0"),
    ("--q-min", "q_min", "unit", "lower bound on the shrinkage factor, in (0, 1]"),
    ("--c", "c", "positive", "PL / strong-convexity constant c > 0 (c <= L)"),
    ("--mu", "mu", "positive", "fixed nominal stepsize mu > 0"),
    ("--mu0", "mu0", "positive", "first stepsize of mu_k = mu0/sqrt(k)"),
    ("--beta", "beta", "positive", "schedule mu_k = beta/(gamma + k): beta > 0"),
    ("--gamma", "gamma", "positive", "schedule mu_k = beta/(gamma + k): gamma > 0"),
    ("--epsilon", "epsilon", "positive", "target accuracy epsilon > 0"),
    ("--q-k", "q_k", "unit", "shrinkage factor at step k, in (0, 1] (lemmas)"),
    ("--mu-k", "mu_k", "positive", "stepsize at step k (lemmas)"),
    ("--grad-norm2", "grad_norm2", "nonnegative", "||grad F(x_k)||^2 (lemmas)"),
    ("--x-k", "x_k", "real", "one coordinate of x_k (lemma L1)"),
    ("--grad-k", "grad_k", "real", "the same coordinate of grad F(x_k) (lemma L1)"),
)

#: Integer counters: (flag, attribute, help).
COUNTER_OPTIONS: tuple[tuple[str, str, str], ...] = (
    ("--K", "K", "number of iterations K >= 1"),
    ("--k", "k", "iteration index k >= 1"),
)


def add_constant_options(
    parser: argparse._ActionsContainer,
    names: Iterable[str],
    defaults: dict[str, float] | None = None,
) -> None:
    """Register the problem-constant options whose attribute names are in ``names``.

    Parameters
    ----------
    parser : argparse.ArgumentParser or argument group
        Where to register the options.
    names : iterable of str
        Attribute names (``"L"``, ``"q_min"``, ...) of :data:`CONSTANT_OPTIONS` to add.
    defaults : dict, optional
        Default values by attribute name; options without one default to ``None``.
    """
    wanted = set(names)
    counters = {attr for _, attr, _ in COUNTER_OPTIONS}
    unknown = wanted - {attr for _, attr, _, _ in CONSTANT_OPTIONS} - counters
    if unknown:
        raise ValueError(f"names must be known constants, got {sorted(unknown)}")
    defaults = defaults or {}
    for flag, attr, rule, text in CONSTANT_OPTIONS:
        if attr in wanted:
            default = defaults.get(attr)
            shown = f" (default {default:g})" if default is not None else ""
            parser.add_argument(
                flag,
                dest=attr,
                type=number(rule),
                default=default,
                metavar="X",
                help=text + shown,
            )
    for flag, attr, text in COUNTER_OPTIONS:
        if attr in wanted:
            default = defaults.get(attr)
            parser.add_argument(
                flag,
                dest=attr,
                type=positive_int,
                default=default,
                metavar="N",
                help=text + (f" (default {default:g})" if default is not None else ""),
            )
