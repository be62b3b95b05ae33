"""The ``stepshrink`` console script: one sub-command per workflow.

Every sub-command lives in ``stepshrink/commands/<name>.py`` and exposes ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``; adding a command is that module plus its
name in :data:`COMMANDS`. Usage errors and invalid values print one line on stderr and exit
with status 2, before any work and never with a traceback; a failure of the machine while
writing (a full disk) is one line and exit status 1.
"""

from __future__ import annotations

import argparse
import functools
import importlib
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

from stepshrink import __version__
from stepshrink.errors import UsageError

#: Sub-commands in the order ``--help`` lists them: module names in ``stepshrink.commands``.
COMMANDS: tuple[str, ...] = (
    "check",
    "theorems",
    "bound",
    "schedule",
    "assumptions",
    "simulate",
    "plot",
    "report",
    "sweep",
    "tightness",
)

EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {one_line(message)}\n")


@functools.lru_cache(maxsize=1)
def build_parser() -> OneLineParser:
    """The top-level parser with every sub-command registered (built once per process).

    Parsing never changes a parser, so one instance serves every call of :func:`main` (the
    report parses a dozen command lines; the suite's fuzz test, two thousand).
    """
    parser = OneLineParser(
        prog="stepshrink",
        description=(
            "Convergence bounds for SGD in low precision: proved (bounds), simulated "
            "bit-exactly (simulate), and plotted."
        ),
    )
    parser.add_argument("--version", action="version", version=f"stepshrink {__version__}")
    # not required for argparse: an unknown option before the command is then reported as
    # such ("unrecognized arguments: --bogus") instead of as a missing command
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineParser
    )
    for name in COMMANDS:
        module = importlib.import_module(f"stepshrink.commands.{name}")
        sub = subparsers.add_parser(
            name, help=module.HELP, description=module.HELP, allow_abbrev=False
        )
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def _warning_line(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    # a warning that escapes the commands' own handling still keeps the one-line contract
    print(f"stepshrink: warning: {one_line(str(message))}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.error(f"COMMAND is required: one of {', '.join(COMMANDS)}")
    prog = f"stepshrink {args.command}"
    shown_before = warnings.showwarning
    warnings.showwarning = _warning_line
    try:
        status: int = args.run(args)
    except (UsageError, ValueError) as exc:
        print(f"{prog}: error: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``stepshrink ... | head``): not an error of ours. Point stdout
        # at /dev/null so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except (OSError, MemoryError) as exc:
        # the inputs were fine (they are checked first); the machine failed us mid-way
        reason = "out of memory" if isinstance(exc, MemoryError) else one_line(exc)
        print(f"{prog}: failed: {reason}", file=sys.stderr)
        return EXIT_FAILURE
    finally:
        warnings.showwarning = shown_before
    return status


def one_line(exc: BaseException | str) -> str:
    """The exception's message folded onto one line, as the command line promises."""
    return " ".join(str(exc).split())


if __name__ == "__main__":
    raise SystemExit(main())
