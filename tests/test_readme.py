"""README.md stays true: its Python example runs, and every command it shows exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stepshrink.cli import COMMANDS, main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_python_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert blocks, "README.md has no Python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


SHOWN = sorted(set(re.findall(r"^stepshrink (\w[\w-]*)", README, flags=re.MULTILINE)))


def test_readme_shows_every_command() -> None:
    assert set(SHOWN) == set(COMMANDS)


@pytest.mark.parametrize("command", SHOWN)
def test_commands_shown_exist(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    capsys.readouterr()
