"""A small document model for the report, rendered twice: Markdown and self-contained HTML.

The report is built as a list of blocks (headings, paragraphs, tables, figures, code) so that
``report.md`` and ``index.html`` say exactly the same thing. The HTML has its style sheet
inline and refers to figures by relative path, so the output directory can be moved or zipped
as a whole. Every piece of text is escaped for the target format: the report quotes values
(format names, error messages) that must never be read as markup.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

__all__ = ["Block", "Code", "Document", "Figure", "Heading", "Link", "Notice", "Paragraph", "Table"]


@dataclass(frozen=True)
class Heading:
    """A section heading; ``level`` 1 is the title."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """Plain text (no markup)."""

    text: str


@dataclass(frozen=True)
class Notice:
    """A paragraph that must stand out: a missing dependency or a failed check."""

    text: str


@dataclass(frozen=True)
class Code:
    """Preformatted text (command lines, LaTeX)."""

    text: str


@dataclass(frozen=True)
class Table:
    """A table of text cells; every row has ``len(header)`` cells."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.header):
                raise ValueError(
                    f"rows must have {len(self.header)} cells like the header, got {len(row)}"
                )


@dataclass(frozen=True)
class Figure:
    """An image file, by path relative to the report's directory, with its caption."""

    path: str
    caption: str

    def __post_init__(self) -> None:
        _check_relative(self.path)


def _check_relative(path: str) -> None:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise ValueError(f"path must be relative and inside the report, got {path!r}")


@dataclass(frozen=True)
class Link:
    """A file of the report (JSON, .npz), by relative path, with a description."""

    path: str
    text: str

    def __post_init__(self) -> None:
        _check_relative(self.path)


Block = Heading | Paragraph | Notice | Code | Table | Figure | Link


def _md_text(text: str) -> str:
    # backslash-escape the characters Markdown would read as emphasis, code, links or tables
    return "".join("\\" + ch if ch in "\\`*_[]<>|#" else ch for ch in text)


def _md_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {_md_text(block.text)}"
    if isinstance(block, Paragraph):
        return _md_text(block.text)
    if isinstance(block, Notice):
        return f"> **{_md_text(block.text)}**"
    if isinstance(block, Code):
        fence = "````" if "```" in block.text else "```"
        return f"{fence}\n{block.text}\n{fence}"
    if isinstance(block, Table):
        lines = [
            "| " + " | ".join(_md_text(cell) for cell in block.header) + " |",
            "|" + "---|" * len(block.header),
        ]
        lines += ["| " + " | ".join(_md_text(cell) for cell in row) + " |" for row in block.rows]
        return "\n".join(lines)
    if isinstance(block, Link):
        return f"[{_md_text(block.text)}]({block.path})"
    return f"![{_md_text(block.caption)}]({block.path})\n\n*{_md_text(block.caption)}*"


def _html_block(block: Block) -> str:
    e = html.escape
    if isinstance(block, Heading):
        return f"<h{block.level}>{e(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{e(block.text)}</p>"
    if isinstance(block, Notice):
        return f'<p class="notice">{e(block.text)}</p>'
    if isinstance(block, Code):
        return f"<pre>{e(block.text)}</pre>"
    if isinstance(block, Table):
        head = "".join(f"<th>{e(cell)}</th>" for cell in block.header)
        body = "".join(
            "<tr>" + "".join(f"<td>{e(cell)}</td>" for cell in row) + "</tr>" for row in block.rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, Link):
        return f'<p><a href="{e(block.path, quote=True)}">{e(block.text)}</a></p>'
    src = e(block.path, quote=True)
    return (
        f'<figure><a href="{src}"><img src="{src}" alt="{e(block.caption, quote=True)}"></a>'
        f"<figcaption>{e(block.caption)}</figcaption></figure>"
    )


_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.45; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; }
th { background: #f2f2f2; }
pre { background: #f6f6f6; padding: 0.5rem; overflow-x: auto; }
figure { margin: 1rem 0; } img { max-width: 100%; }
figcaption { font-size: 0.9rem; color: #555; }
.notice { border-left: 4px solid #c62828; padding-left: 0.5rem; font-weight: bold; }
"""


@dataclass
class Document:
    """An ordered list of blocks with a title."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        """Append blocks in order."""
        self.blocks.extend(blocks)

    def figures(self) -> list[str]:
        """Relative paths of every figure, in order."""
        return [block.path for block in self.blocks if isinstance(block, Figure)]

    def linked_files(self) -> list[str]:
        """Relative paths of every figure and linked file, in order."""
        return [block.path for block in self.blocks if isinstance(block, (Figure, Link))]

    def markdown(self) -> str:
        """The document as GitHub-flavoured Markdown."""
        parts = [_md_block(Heading(self.title, 1)), *(_md_block(b) for b in self.blocks)]
        return "\n\n".join(parts) + "\n"

    def html(self) -> str:
        """The document as one self-contained HTML page (inline CSS, relative image links)."""
        body = "\n".join(_html_block(b) for b in self.blocks)
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n<h1>{html.escape(self.title)}</h1>\n{body}\n</body>\n</html>\n"
        )
