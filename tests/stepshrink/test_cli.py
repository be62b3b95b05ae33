"""The command line's contract: ``--help`` everywhere, one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stepshrink.cli import COMMANDS, main


def run_cli(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stepshrink", *argv], capture_output=True, text=True, check=False
    )


def test_top_level_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: stepshrink {command}" in capsys.readouterr().out


@pytest.mark.parametrize("command", COMMANDS)
def test_unknown_option_is_one_line_and_exit_2(command: str) -> None:
    result = run_cli(command, "--no-such-option")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "--no-such-option" in result.stderr


def test_unknown_command_is_one_line_and_exit_2() -> None:
    result = run_cli("no-such-command")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "invalid choice" in result.stderr


def test_missing_command_is_an_error() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("stepshrink ")


def test_multi_line_error_messages_are_folded_to_one_line() -> None:
    from stepshrink.cli import one_line

    assert one_line(ValueError("first line\n  second line\n")) == "first line second line"
