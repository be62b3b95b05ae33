"""``stepshrink report``: sections, honest gaps, and a report whose every link resolves."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stepshrink.cli import main
from stepshrink.report import (
    MissingDependency,
    ReportContext,
    Section,
    build_report,
    require,
)
from stepshrink.report_document import Block, Figure, Link, Paragraph
from tests.stepshrink.console import exit_status


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for key in ("src", "href"):
            if values.get(key):
                self.targets.append(str(values[key]))


def html_links(page: str) -> list[str]:
    parser = Links()
    parser.feed(page)
    return parser.targets


def markdown_links(text: str) -> list[str]:
    return re.findall(r"\]\(([^)]+)\)", text)


def good(context: ReportContext) -> list[Block]:
    path = context.data / "numbers.json"
    path.write_text("{}\n", encoding="utf-8")
    return [Paragraph("fine"), Link(context.relative(path), "numbers")]


def missing(context: ReportContext) -> list[Block]:
    require("simulate.no_such_module")
    return [Paragraph("never reached")]


def partial(context: ReportContext) -> list[Block]:
    context.incomplete("one of two parts")
    return [Paragraph("half")]


def test_missing_dependency_becomes_a_notice(tmp_path: Path) -> None:
    sections: list[Section] = [("Good", good), ("Missing", missing), ("Partial", partial)]
    outcome = build_report(tmp_path, sections, progress=False)
    assert not outcome.complete
    assert [title for title, _ in outcome.missing] == ["Missing", "Partial"]
    assert "simulate.no_such_module is not available" in outcome.missing[0][1]
    text = outcome.markdown.read_text()
    assert "never reached" not in text
    assert "Section not built: simulate.no\\_such\\_module is not available" in text
    assert "Incomplete: Missing:" in text
    assert outcome.files == [tmp_path / "data" / "numbers.json"]
    assert html_links(outcome.html.read_text()) == ["data/numbers.json"]


def test_complete_report(tmp_path: Path) -> None:
    outcome = build_report(tmp_path, [("Good", good)], progress=False)
    assert outcome.complete
    assert "Incomplete" not in outcome.markdown.read_text()


def test_a_link_to_a_file_not_written_is_a_bug(tmp_path: Path) -> None:
    def dangling(context: ReportContext) -> list[Block]:
        return [Figure("figures/never.png", "never drawn")]

    with pytest.raises(RuntimeError, match="report links files that were not written"):
        build_report(tmp_path, [("Dangling", dangling)], progress=False)


def test_require() -> None:
    assert require("json", "dumps").dumps([]) == "[]"
    with pytest.raises(MissingDependency, match="json does not define no_such_function"):
        require("json", "no_such_function")


@pytest.mark.slow
def test_report_on_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report"
    status = main(["report", "-o", str(target), "--quick", "--no-progress"])
    captured = capsys.readouterr()
    markdown = (target / "report.md").read_text()
    page = (target / "index.html").read_text()
    assert captured.out.splitlines() == [str(target / "report.md"), str(target / "index.html")]
    # every link of both documents resolves to a file inside the report, and they agree
    links = markdown_links(markdown)
    assert links == list(dict.fromkeys(html_links(page)))  # an image is also its own link
    assert all((target / link).is_file() for link in links)
    pngs = [link for link in links if link.endswith(".png")]
    assert len(pngs) >= 5  # bound T1, bound T3, floor, K(eps), a simulated run
    for png in pngs:
        assert (target / png).read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # an incomplete report says so, section by section, and fails; a complete one passes
    incomplete = [line for line in captured.err.splitlines() if "incomplete:" in line]
    assert (status == 0) == (not incomplete)
    assert (status == 0) == ("Incomplete:" not in markdown)
    assert status in (0, 1)
    for line in incomplete:
        title = line.split("incomplete: ", 1)[1].split(":", 1)[0]
        assert f"## {title}" in markdown


def test_bad_output_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "file").write_text("x")
    assert exit_status(["report", "-o", str(tmp_path / "file")]) == 2
    assert "exists and is not a directory" in capsys.readouterr().err
