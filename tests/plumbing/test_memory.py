"""The memory guard: an estimate beyond what is available is refused with both figures."""

from __future__ import annotations

import pytest

from plumbing import memory


def test_available_memory_is_a_positive_figure() -> None:
    assert memory.available_bytes() > 0


def test_a_fitting_estimate_passes_and_a_huge_one_is_refused() -> None:
    memory.check_fits(1024.0, "a tiny array")
    with pytest.raises(ValueError, match=r"^replicas x dim = 1e10 x 16 needs about 1\.28 TB"):
        memory.check_fits(1e10 * 16 * 8, "replicas x dim = 1e10 x 16")


def test_the_figure_is_the_available_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "available_bytes", lambda: 2_000_000_000)
    memory.check_fits(1.9e9, "just fits")
    with pytest.raises(ValueError, match=r"needs about 2\.1 GB of memory; 2 GB is available"):
        memory.check_fits(2.1e9, "x")


@pytest.mark.parametrize(
    ("count", "text"),
    [(512, "512 bytes"), (2.5e6, "2.5 MB"), (8e20, "8.00e+08 TB"), (float("inf"), "unbounded")],
)
def test_format_bytes(count: float, text: str) -> None:
    assert text in memory.format_bytes(count)
