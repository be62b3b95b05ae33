"""docs/spec.md is the project's own contract: its sections, statements and tables match the code.

Every citation ``docs/spec.md section N`` in the sources points at one of its five sections,
every statement of the theorem library is stated in section 3, and the format table of
section 5 is the registry's, value for value (exact powers of two and hex literals).
"""

from __future__ import annotations

import re
from pathlib import Path

from bounds import theorems
from simulate import formats, scaling
from simulate.rounding import ROUNDING_MODES

ROOT = Path(__file__).resolve().parent.parent
SPEC = (ROOT / "docs" / "spec.md").read_text(encoding="utf-8")
SECTIONS = re.findall(r"^## (\d)\. (.+)$", SPEC, flags=re.MULTILINE)


def section(number: int) -> str:
    start = SPEC.index(f"## {number}. ")
    end = SPEC.find(f"## {number + 1}. ")
    return SPEC[start : end if end >= 0 else None]


def test_five_numbered_sections() -> None:
    assert [int(n) for n, _ in SECTIONS] == [1, 2, 3, 4, 5]
    assert [title for _, title in SECTIONS] == [
        "Symbols",
        "Model",
        "Theorems",
        "Real formats in the model",
        "Floating-point formats",
    ]


def test_every_statement_is_stated() -> None:
    model, results = section(2), section(3)
    for statement in theorems.all():
        home = model if statement.id.startswith("L") else results
        assert f"**{statement.id} (" in home, statement.id
        for variant in statement.variants:
            assert f"**{variant.id}**" in home, variant.id
    for statement in theorems.refined():  # stated with the paper's, said to be unproved
        assert f"**{statement.id} (" in results, statement.id
        for variant in statement.variants:
            assert f"**{variant.id}**" in results, variant.id
    for name in ("A1", "A2", "A3", "A4", "A5"):
        assert f"**{name} (" in model
    assert 'What "proved" means' in results


def test_format_table_is_the_registry() -> None:
    rows = re.findall(r"^\| `(\w+)` \| (\d)-(\d+)-(\d+) \| (\d+) \| `([0-9a-fx.p+]+)`", SPEC, re.M)
    powers = re.findall(r"^\| `(\w+)` \|[^|]+\|[^|]+\|[^|]+\| 2\^(-?\d+) \| (2\^(-?\d+)|none) \|",
                        SPEC, re.M)  # fmt: skip
    assert [row[0] for row in rows] == list(formats.names())
    for (name, sign, exponent, mantissa, bias, top), (_, normal, _, subnormal) in zip(
        rows, powers, strict=True
    ):
        fmt = formats.get(name)
        assert (int(sign) == 1) == fmt.signed, name
        assert (int(exponent), int(mantissa), int(bias)) == (
            fmt.exponent_bits,
            fmt.mantissa_bits,
            fmt.bias,
        ), name
        assert float.fromhex(top) == fmt.max_finite, name
        assert 2.0 ** int(normal) == fmt.min_normal, name
        if subnormal:
            assert 2.0 ** int(subnormal) == fmt.min_subnormal, name
        else:
            assert not fmt.subnormals, name


def test_block_formats_and_rounding_modes_are_named() -> None:
    text = section(5)
    for name in scaling.block_format_names():
        assert f"`{name}`" in text
    for mode in ROUNDING_MODES:
        assert f"`{mode}`" in text


def sources() -> list[Path]:
    folders = ("bounds", "simulate", "stepshrink", "plumbing", "tests", "notebooks", "benchmarks")
    found = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    for folder in folders:
        found += [p for kind in ("*.py", "*.md", "*.ipynb") for p in (ROOT / folder).rglob(kind)]
    return [p for p in found if p != Path(__file__)]


def test_citations_point_at_docs_spec() -> None:
    # the old, external contract is gone from everything, and every section cited exists
    offenders = []
    for path in sources():
        text = path.read_text(encoding="utf-8")
        if re.search(r"\bSPEC\b(?!TRUM)|SPEC\.md", text):
            offenders.append(f"{path.relative_to(ROOT)} cites SPEC")
        for number in re.findall(r"docs/spec\.md sections? (\d)", text):
            if not 1 <= int(number) <= 5:
                offenders.append(f"{path.relative_to(ROOT)} cites section {number}")
    assert not offenders


def test_the_citation_check_has_teeth(tmp_path: Path) -> None:
    planted = "see SPEC section 3 and SPEC.md"
    assert re.search(r"\bSPEC\b(?!TRUM)|SPEC\.md", planted)
    assert not re.search(r"\bSPEC\b(?!TRUM)|SPEC\.md", "SPECTRUM spread; docs/spec.md section 3")
