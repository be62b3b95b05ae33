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
    assert "COMMAND is required" in result.stderr


def test_unknown_option_before_the_command_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 15: "stepshrink --bogus" said "COMMAND is required"
    with pytest.raises(SystemExit) as exit_info:
        main(["--bogus"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err == "stepshrink: error: unrecognized arguments: --bogus\n"


def test_a_leaked_warning_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # the commands turn warnings into messages; one that slips through keeps the contract
    import warnings

    from stepshrink.cli import _warning_line

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        _warning_line(RuntimeWarning("overflow\nencountered"), RuntimeWarning, "f.py", 1)
    assert capsys.readouterr().err == "stepshrink: warning: overflow encountered\n"


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("stepshrink ")


def test_multi_line_error_messages_are_folded_to_one_line() -> None:
    from stepshrink.cli import one_line

    assert one_line(ValueError("first line\n  second line\n")) == "first line second line"
