"""``stepshrink report``: sections, honest gaps, and a report whose every link resolves."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from stepshrink.cli import main
from stepshrink.report import ReportContext, Section, build_report
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


def partial(context: ReportContext) -> list[Block]:
    context.incomplete("one of two parts")
    return [Paragraph("half")]


def failing(context: ReportContext) -> list[Block]:
    context.write_json("half.json", {"written": True})
    raise RuntimeError("a section failed")


def test_a_part_not_built_is_reported(tmp_path: Path) -> None:
    sections: list[Section] = [("Good", good), ("Partial", partial)]
    outcome = build_report(tmp_path, sections, progress=False)
    assert not outcome.complete
    assert [title for title, _ in outcome.missing] == ["Partial"]
    text = outcome.markdown.read_text()
    assert "Incomplete: Partial: one of two parts" in text
    assert outcome.files == [tmp_path / "data" / "numbers.json"]
    assert html_links(outcome.html.read_text()) == ["data/numbers.json"]


def test_a_failing_report_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "report"
    with pytest.raises(RuntimeError, match="a section failed"):
        build_report(target, [("Good", good), ("Failing", failing)], progress=False)
    # neither the first section's file, the half-written one, nor the directory it made
    assert not target.exists()


def test_a_failing_report_keeps_the_previous_one(tmp_path: Path) -> None:
    build_report(tmp_path, [("Good", good)], progress=False)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    previous = (tmp_path / "report.md").read_text()
    with pytest.raises(RuntimeError, match="a section failed"):
        build_report(tmp_path, [("Good", good), ("Failing", failing)], progress=False)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "report.md").read_text() == previous


def test_report_data_is_strict_json(tmp_path: Path) -> None:
    context = ReportContext(tmp_path)
    path = context.write_json("x.json", {"mean": float("nan"), "top": float("inf")})
    text = path.read_text()
    assert "NaN" not in text
    assert "Infinity" not in text
    assert json.loads(text)["mean"] is None


def test_complete_report(tmp_path: Path) -> None:
    outcome = build_report(tmp_path, [("Good", good)], progress=False)
    assert outcome.complete
    assert "Incomplete" not in outcome.markdown.read_text()


def test_a_link_to_a_file_not_written_is_a_bug(tmp_path: Path) -> None:
    def dangling(context: ReportContext) -> list[Block]:
        return [Figure("figures/never.png", "never drawn")]

    with pytest.raises(RuntimeError, match="report links files that were not written"):
        build_report(tmp_path, [("Dangling", dangling)], progress=False)


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


@pytest.mark.parametrize(
    ("directory", "message"),
    [
        ("file", "exists and is not a directory"),
        ("", "-o: path must not be empty"),
        ("/sys/rep", "cannot create '/sys/rep'"),
        ("missing/rep", "does not exist"),
    ],
)
def test_bad_output_directory(
    directory: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("x")
    target = directory if directory.startswith("/") or not directory else str(tmp_path / directory)
    assert exit_status(["report", "--quick", "-o", target]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
