"""The report's document model: Markdown and HTML say the same thing, and quoted text stays text."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from stepshrink.report_document import (
    Code,
    Document,
    Figure,
    Heading,
    Link,
    Notice,
    Paragraph,
    Table,
)


class Collector(HTMLParser):
    """Tags, image sources and visible text of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"] or "")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def sample() -> Document:
    document = Document("Report <draft>")
    document.add(
        Heading("Assumptions"),
        Paragraph("q_min * 2 < 1 and <script>alert(1)</script>"),
        Table(["format", "q_min"], [["fp8_e4m3", "0.5"], ["a|b", "1"]]),
        Figure("figures/bound.png", "Bound against K"),
        Notice("Proofs that do not check: T9"),
        Code("stepshrink bound T1 --L 1"),
        Link("data/schedule.json", "schedules as JSON"),
    )
    return document


def test_markdown_blocks() -> None:
    text = sample().markdown()
    assert text.startswith("# Report \\<draft\\>\n")
    assert "## Assumptions" in text
    assert "q\\_min \\* 2 \\< 1" in text
    assert "| a\\|b | 1 |" in text  # a pipe in a cell cannot split the row
    assert "![Bound against K](figures/bound.png)" in text
    assert "> **Proofs that do not check: T9**" in text
    assert "```\nstepshrink bound T1 --L 1\n```" in text
    assert text.endswith("[schedules as JSON](data/schedule.json)\n")


def test_html_escapes_and_links() -> None:
    page = sample().html()
    parser = Collector()
    parser.feed(page)
    assert "script" not in parser.tags
    assert "<script>alert(1)</script>" in "".join(parser.text)
    assert parser.images == ["figures/bound.png"]
    assert '<a href="data/schedule.json">schedules as JSON</a>' in page
    assert parser.tags.count("tr") == 3
    assert "<link" not in page
    assert "http" not in page
    assert page.count("<h1>") == 1


def test_figures_and_validation() -> None:
    assert sample().figures() == ["figures/bound.png"]
    assert sample().linked_files() == ["figures/bound.png", "data/schedule.json"]
    with pytest.raises(ValueError, match="path must be relative"):
        Link("/tmp/x.json", "x")
    with pytest.raises(ValueError, match="path must be relative"):
        Figure("/etc/passwd", "x")
    with pytest.raises(ValueError, match="path must be relative"):
        Figure("../outside.png", "x")
    with pytest.raises(ValueError, match="rows must have 2 cells"):
        Table(["a", "b"], [["1"]])


def test_code_with_a_fence_inside() -> None:
    assert Document("t", [Code("```")]).markdown().count("````") == 2
