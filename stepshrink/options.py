"""Validation of command-line values, and the option blocks several commands share.

Every value that enters through the command line is checked here, once, and a broken rule
becomes one line naming the option and the rule (argparse prefixes ``argument --L:``; the
:class:`~stepshrink.errors.UsageError` raised by the path checks is printed by
``stepshrink.cli.main``). Numbers are parsed with :func:`float` only: a user string is never
handed to ``eval`` or ``sympify``. Output paths are checked by trying to write there
(:mod:`plumbing.files`), before any work.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from plumbing.figures import FIGURE_SUFFIXES
from plumbing.files import OutputPathError, check_directory, check_file
from stepshrink.errors import UsageError

__all__ = [
    "CONSTANT_OPTIONS",
    "COUNTER_OPTIONS",
    "add_constant_options",
    "add_json_option",
    "add_output_option",
    "add_progress_option",
    "add_sampling_options",
    "check_pl_constant",
    "figure_path",
    "input_file",
    "integer_in",
    "nonnegative_int",
    "number",
    "output_dir",
    "output_file",
    "positive_int",
    "show_progress",
    "shown",
]

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


def integer_in(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` for an integer in ``[low, high]`` (digits only: no ``1e3``)."""
    span = f">= {low}" if high is None else f"in [{low}, {high}]"

    def parse(text: str) -> int:
        stripped = text.strip()
        if not (stripped.isascii() and stripped.isdigit()) or len(stripped) > 1000:
            raise argparse.ArgumentTypeError(f"must be an integer {span}, got {text[:40]!r}")
        value = int(stripped)
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be an integer {span}, got {text!r}")
        return value

    parse.__name__ = "integer"
    return parse


#: An integer ``>= 1``.
positive_int = integer_in(1)
#: An integer ``>= 0``.
nonnegative_int = integer_in(0)


def shown(value: float) -> str:
    """A number as the user typed it, to the last digit (``1.0000001``, never ``1``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def check_pl_constant(c: float, L: float, *, c_given: bool, L_given: bool) -> None:
    """Refuse ``c > L`` (A5), naming the options the user gave and the defaults they did not.

    ``--L 0.05`` alone must not be answered with "--c must be <= --L, got 0.1": the user
    never gave ``--c``; the message says ``c = 0.1 (the default)`` instead.
    """
    if c <= L:
        return
    said_c = f"--c {shown(c)}" if c_given else f"c = {shown(c)} (the default)"
    said_l = f"--L {shown(L)}" if L_given else f"L = {shown(L)} (the default)"
    raise UsageError(
        f"{said_c} exceeds {said_l}: A5 needs the PL constant c <= the smoothness L; "
        "raise --L or lower --c"
    )


def output_file(path: str | Path, option: str, suffixes: Iterable[str]) -> Path:
    """Check that ``path`` can be written (by trying): a known extension, a writable place.

    Parameters
    ----------
    path : str or Path
        The file the command will write (an existing file is replaced).
    option : str
        The option it came from (``"-o"``), for the message.
    suffixes : iterable of str
        Allowed extensions, lower case with the dot (``".png"``); empty: any.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    UsageError
        Unknown extension, empty path, a directory, a missing or read-only directory, or a
        place where creating a file fails (``/sys``, ``/proc``, a file used as a directory).
    """
    allowed = tuple(suffixes)
    if not str(path):
        raise UsageError(f"{option}: path must not be empty")
    if allowed and Path(path).suffix.lower() not in allowed:
        raise UsageError(
            f"{option}: file name must end in one of {', '.join(allowed)}, got {str(path)!r}"
        )
    try:
        return check_file(path)
    except OutputPathError as error:
        raise UsageError(f"{option}: {error}") from None


def input_file(path: str | Path, option: str, hint: str = "") -> Path:
    """Check that ``path`` is a file that can be read (by opening it), before any work.

    Raises
    ------
    UsageError
        Naming ``option``, the path and why it cannot be read, then ``hint`` (what makes one).
    """
    text = str(path)
    shown_path = repr(text if len(text) <= 120 else text[:60] + "..." + text[-40:])
    try:
        if "\x00" in text:
            raise ValueError("a NUL character")
        with open(path, "rb"):
            pass
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UsageError(
            f"{option}: cannot read {shown_path}: {reason}" + (f" ({hint})" if hint else "")
        ) from None
    return Path(path)


def figure_path(path: str | Path, option: str = "-o") -> Path:
    """:func:`output_file` for figures (PNG, SVG or PDF)."""
    return output_file(path, option, FIGURE_SUFFIXES)


def output_dir(path: str | Path, option: str = "-o") -> Path:
    """Check that an output directory (existing, or to be created) can hold new files.

    Nothing is created: a missing directory is made (and removed again) only to prove it can
    be; the command creates it when its work starts.

    Raises
    ------
    UsageError
        Empty path, an existing non-directory, or a directory that cannot be created or
        written.
    """
    try:
        return check_directory(path)
    except OutputPathError as error:
        raise UsageError(f"{option}: {error}") from None


# ------------------------------------------------------------------ shared option blocks
def add_output_option(
    parser: argparse._ActionsContainer, default: str | None, what: str, metavar: str = "PATH"
) -> None:
    """``-o/--output``: where the command writes ``what``."""
    text = what + (f" (default {default})" if default is not None else "")
    parser.add_argument("-o", "--output", default=default, metavar=metavar, help=text)


def add_json_option(parser: argparse._ActionsContainer, what: str = "print JSON") -> None:
    """``--json``: print strict JSON (no NaN) instead of the text output."""
    parser.add_argument("--json", action="store_true", help=f"{what} instead of the text output")


def add_progress_option(parser: argparse._ActionsContainer) -> None:
    """``--no-progress``; bars are drawn only when stderr is a terminal anyway."""
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="hide the progress bar (shown only when stderr is a terminal)",
    )


def show_progress(args: argparse.Namespace) -> bool:
    """Whether to draw a progress bar: asked for, and stderr is a terminal (never in logs)."""
    return not getattr(args, "no_progress", False) and sys.stderr.isatty()


def add_sampling_options(
    parser: argparse._ActionsContainer, *, points: int, repeats: bool = False
) -> None:
    """``--points``, ``--samples`` (and ``--repeats``): how many gradients are measured."""
    parser.add_argument(
        "--points", type=positive_int, default=points, metavar="P", help=f"points ({points})"
    )
    parser.add_argument(
        "--samples",
        type=integer_in(2),
        default=256,
        metavar="N",
        help="stochastic gradients per point, >= 2 (256)",
    )
    if repeats:
        parser.add_argument(
            "--repeats",
            type=integer_in(2),
            default=256,
            metavar="N",
            help="re-quantizations of one gradient per point, for A4, >= 2 (256)",
        )


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
    ("--q", "q", "unit", "known constant shrinkage q_k = q, in (0, 1] (T3.known_q, C3.known_q)"),
    ("--M-L", "M_L", "nonnegative", "Lmat-weighted gradient-variance floor M_L >= 0 (.matrix)"),
    ("--sigma-qL", "sigma_qL", "nonnegative", "E_k[eps^T Lmat eps] <= sigma_qL, >= 0 (.matrix)"),
    ("--c", "c", "positive", "PL / strong-convexity constant c > 0 (c <= L)"),
    ("--mu", "mu", "positive", "fixed nominal stepsize mu > 0"),
    ("--mu0", "mu0", "positive", "first stepsize of mu_k = mu0/sqrt(k)"),
    ("--mu-max", "mu_max", "positive", "upper bound on every stepsize mu_k (T2.sharp)"),
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
    *,
    shown_defaults: dict[str, float] | None = None,
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
    shown_defaults : dict, optional
        Defaults the help names while the option itself defaults to ``None``, so that the
        command can tell a value the user gave from the default (for its messages).
    """
    wanted = set(names)
    counters = {attr for _, attr, _ in COUNTER_OPTIONS}
    unknown = wanted - {attr for _, attr, _, _ in CONSTANT_OPTIONS} - counters
    if unknown:
        raise ValueError(f"names must be known constants, got {sorted(unknown)}")
    defaults = defaults or {}
    shown_defaults = shown_defaults or {}
    for flag, attr, rule, text in CONSTANT_OPTIONS:
        if attr in wanted:
            default = defaults.get(attr)
            told = shown_defaults.get(attr, default)
            note = f" (default {told:g})" if told is not None else ""
            parser.add_argument(
                flag, dest=attr, type=number(rule), default=default, metavar="X", help=text + note
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
