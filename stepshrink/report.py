"""``stepshrink report``: every workflow on built-in defaults, written to one directory.

The report is a sequence of sections (:mod:`stepshrink.report_sections`), each built by one
function from the public APIs of ``bounds`` and ``simulate``. A part that could not be built
honestly (a proof that does not check) is recorded with :meth:`ReportContext.incomplete`: the
report says so and ``stepshrink report`` exits non-zero. Everything is linked from
``DIR/report.md`` and ``DIR/index.html``; figures go to ``DIR/figures``, machine-readable
results to ``DIR/data``. Every file is written atomically, the two documents together, and a
report that fails (or is interrupted) removes the files it had created, so the directory
holds either the previous report or the new one, never half of it.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from plumbing import strict_json
from plumbing.files import atomic_files, write_text
from stepshrink.report_document import Block, Document, Notice, Paragraph

__all__ = ["ReportContext", "ReportOutcome", "Section", "build_report"]


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

    def write_json(self, name: str, value: Any) -> Path:
        """Write ``value`` as strict JSON to ``DIR/data/name`` (atomically); returns the path."""
        return write_text(self.data / name, strict_json.dumps(value) + "\n")


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
        ``(section title, reason)`` for every section built only in part.
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
        Output directory; created (its parent must exist) when missing.
    sections : list of (title, builder)
        Built in order; each builder returns its blocks (without its heading).
    quick : bool
        Passed to the builders: smaller simulations.
    progress : bool
        A tqdm bar over sections on stderr.

    Returns
    -------
    ReportOutcome

    Raises
    ------
    Exception
        Whatever a section raised; the files this call created are removed first.
    """
    created_directory = not directory.exists()
    directory.mkdir(exist_ok=True)
    before = _report_paths(directory)
    try:
        return _build(directory, sections, quick=quick, progress=progress)
    except BaseException:
        _remove_new(directory, before, created_directory)
        raise


def _report_paths(directory: Path) -> set[Path]:
    """Every path a report writes or may write (the user's other files are never looked at)."""
    paths = {directory / "report.md", directory / "index.html"}
    for folder in ("figures", "data"):
        paths.add(directory / folder)
        paths.update((directory / folder).rglob("*"))
    return {path for path in paths if path.exists()}


def _remove_new(directory: Path, before: set[Path], created_directory: bool) -> None:
    """Remove what a failed build added: new files, then new (now empty) folders."""
    added = sorted(_report_paths(directory) - before, key=lambda p: len(p.parts), reverse=True)
    for path in added:
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink()
    if created_directory:
        with contextlib.suppress(OSError):
            directory.rmdir()


def _build(
    directory: Path, sections: list[Section], *, quick: bool, progress: bool
) -> ReportOutcome:
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
        document.add(*builder(context))
        missing.extend((title, reason) for reason in context.gaps)
    bar.close()
    if missing:
        document.add(
            Heading("Status"),
            Notice("Incomplete: " + "; ".join(f"{title}: {reason}" for title, reason in missing)),
        )
    files = [directory / path for path in document.linked_files()]
    absent = [str(path) for path in files if not path.is_file()]
    if absent:
        raise RuntimeError(f"report links files that were not written: {absent}")
    markdown = directory / "report.md"
    page = directory / "index.html"
    with atomic_files(markdown, page) as (markdown_file, page_file):
        markdown_file.write(document.markdown().encode("utf-8"))
        page_file.write(document.html().encode("utf-8"))
    return ReportOutcome(markdown, page, missing, files)
