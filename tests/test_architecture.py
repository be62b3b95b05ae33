"""The layering of STYLE.md convention 1, checked on the source: theory and experiment stay apart.

``bounds`` never imports ``simulate``; ``simulate`` never imports SymPy or ``bounds``;
``stepshrink`` is the only place that wires them together; ``plumbing`` (atomic files, strict
JSON, figure files, the memory guard) imports none of them, so that both may use it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

FORBIDDEN = {
    "bounds": {"simulate", "stepshrink"},
    "simulate": {"sympy", "bounds", "stepshrink"},
    "plumbing": {"sympy", "bounds", "simulate", "stepshrink"},
}


def imported_top_level_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_respects_layering(package: str) -> None:
    sources = sorted((ROOT / package).rglob("*.py"))
    assert sources, f"no sources found under {package}/"
    offenders = {
        str(path.relative_to(ROOT)): sorted(imported_top_level_names(path) & FORBIDDEN[package])
        for path in sources
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_planted_violation_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text("import sympy\nfrom simulate.formats import get\n", encoding="utf-8")
    assert imported_top_level_names(module) & FORBIDDEN["simulate"] == {"sympy"}


@pytest.mark.parametrize(
    "folder", ["bounds", "simulate", "stepshrink", "plumbing", "benchmarks", "notebooks"]
)
def test_layout_folders_exist(folder: str) -> None:
    assert (ROOT / folder).is_dir()
