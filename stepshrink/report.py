"""``stepshrink report``: every workflow on built-in defaults, written to one directory.

The report is a sequence of sections (:mod:`stepshrink.report_sections`), each built by one
function from the public APIs of ``bounds`` and ``simulate``. A section whose dependency has
not landed is *not* faked: it becomes a notice naming the missing module or function, and
the report's status says so (``stepshrink report`` then exits non-zero). Everything is linked
from ``DIR/report.md`` and ``DIR/index.html``; figures go to ``DIR/figures``, machine-readable
results to ``DIR/data``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from stepshrink.report_document import Block, Document, Notice, Paragraph

__all__ = ["MissingDependency", "ReportContext", "ReportOutcome", "build_report", "require"]


class MissingDependency(Exception):
    """A module or function a section needs has not landed (or failed to import)."""


def require(module: str, *names: str) -> Any:
    """Import ``module`` and check that it defines ``names``.

    Raises
    ------
    MissingDependency
        The module cannot be imported, or one of ``names`` is missing from it.
    """
    try:
        loaded = importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(f"{module} is not available ({exc})") from exc
    absent = [name for name in names if not hasattr(loaded, name)]
    if absent:
        raise MissingDependency(f"{module} does not define {', '.join(absent)}")
    return loaded


@dataclass
class ReportContext:
    """Where a section writes, and what it shares with later sections.

    Attributes
    ----------
    directory : Path
        The report's root (``report.md`` and ``index.html`` live here).
    quick : bool
        Smaller simulations (tests); the report says so.
    shared : dict
        Results one section hands to another (e.g. measured ``q_k`` samples for a plot).
    """

    directory: Path
    quick: bool = False
    shared: dict[str, Any] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)

    def incomplete(self, reason: str) -> None:
        """Record that the current section was built only in part (the report then fails)."""
        self.gaps.append(reason)

    @property
    def figures(self) -> Path:
        """``DIR/figures`` (created on first use)."""
        path = self.directory / "figures"
        path.mkdir(exist_ok=True)
        return path

    @property
    def data(self) -> Path:
        """``DIR/data`` (created on first use)."""
        path = self.directory / "data"
        path.mkdir(exist_ok=True)
        return path

    def relative(self, path: Path) -> str:
        """``path`` relative to the report's root, with forward slashes (for links)."""
        return path.relative_to(self.directory).as_posix()


#: A section: its title and the function that builds its blocks.
Section = tuple[str, Callable[[ReportContext], list[Block]]]


@dataclass(frozen=True)
class ReportOutcome:
    """What :func:`build_report` wrote and which sections could not be built.

    Attributes
    ----------
    markdown, html : Path
        ``DIR/report.md`` and ``DIR/index.html``.
    missing : list of (str, str)
        ``(section title, reason)`` for every section replaced by a notice or built in part.
    files : list of Path
        Every file the report links to (figures and data), all existing.
    """

    markdown: Path
    html: Path
    missing: list[tuple[str, str]]
    files: list[Path]

    @property
    def complete(self) -> bool:
        """Whether every section was built."""
        return not self.missing


def build_report(
    directory: Path,
    sections: list[Section],
    *,
    quick: bool = False,
    progress: bool = True,
) -> ReportOutcome:
    """Build ``sections`` into ``directory`` and write ``report.md`` and ``index.html``.

    Parameters
    ----------
    directory : Path
        Existing, writable output directory.
    sections : list of (title, builder)
        Built in order; each builder returns its blocks (without its heading).
    quick : bool
        Passed to the builders: smaller simulations.
    progress : bool
        A tqdm bar over sections on stderr.

    Returns
    -------
    ReportOutcome
    """
    from stepshrink.report_document import Heading

    context = ReportContext(directory, quick=quick)
    document = Document("stepshrink report: SGD under stepsize shrinkage in low precision")
    document.add(
        Paragraph(
            "Built by the command stepshrink report on built-in defaults. Bounds are the "
            "proved statements of the theorem library (bounds); measurements are bit-exact "
            "simulations (simulate). Section numbers refer to docs/spec.md, the project's "
            "mathematical contract."
            + (" Quick mode: simulations are smaller than the defaults." if quick else "")
        )
    )
    missing: list[tuple[str, str]] = []
    bar = tqdm(sections, desc="report", unit="section", disable=not progress, file=sys.stderr)
    for title, builder in bar:
        bar.set_postfix_str(title, refresh=True)
        document.add(Heading(title))
        context.gaps.clear()
        try:
            document.add(*builder(context))
            missing.extend((title, reason) for reason in context.gaps)
        except MissingDependency as exc:
            missing.append((title, str(exc)))
            document.add(Notice(f"Section not built: {exc}. Nothing in it is faked."))
    bar.close()
    if missing:
        document.add(
            Heading("Status"),
            Notice("Incomplete: " + "; ".join(f"{title}: {reason}" for title, reason in missing)),
        )
    markdown = directory / "report.md"
    page = directory / "index.html"
    markdown.write_text(document.markdown(), encoding="utf-8")
    page.write_text(document.html(), encoding="utf-8")
    files = [directory / path for path in document.linked_files()]
    absent = [str(path) for path in files if not path.is_file()]
    if absent:
        raise RuntimeError(f"report links files that were not written: {absent}")
    return ReportOutcome(markdown, page, missing, files)
