"""The ``stepshrink`` console script: one sub-command per workflow.

Every sub-command lives in ``stepshrink/commands/<name>.py`` and exposes ``HELP`` (one line),
``add_arguments(parser)`` and ``run(args) -> int``. Usage errors and invalid values print one
line on stderr and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from stepshrink import __version__
from stepshrink.errors import NotBuiltError, UsageError

#: Sub-commands in the order ``--help`` lists them.
COMMANDS: tuple[str, ...] = (
    "check",
    "bound",
    "schedule",
    "assumptions",
    "simulate",
    "plot",
    "report",
    "sweep",
    "tightness",
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class OneLineParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> OneLineParser:
    """Build the top-level parser with every sub-command registered."""
    parser = OneLineParser(
        prog="stepshrink",
        description=(
            "Convergence bounds for SGD in low precision: proved (bounds), simulated "
            "bit-exactly (simulate), and plotted."
        ),
    )
    parser.add_argument("--version", action="version", version=f"stepshrink {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=OneLineParser
    )
    subparsers.required = True
    for name in COMMANDS:
        module = importlib.import_module(f"stepshrink.commands.{name}")
        sub = subparsers.add_parser(
            name, help=module.HELP, description=module.HELP, allow_abbrev=False
        )
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"stepshrink {args.command}"
    try:
        status: int = args.run(args)
    except NotBuiltError as exc:
        print(f"{prog}: not built yet: {one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
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
    return status


def one_line(exc: BaseException) -> str:
    """The exception's message folded onto one line, as the command line promises."""
    return " ".join(str(exc).split())


if __name__ == "__main__":
    raise SystemExit(main())
