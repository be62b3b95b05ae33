"""Command-line value validation: every domain rule accepts its edge and refuses its neighbour."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from stepshrink.errors import UsageError
from stepshrink.options import (
    add_constant_options,
    figure_path,
    nonnegative_int,
    number,
    output_dir,
    positive_int,
    shown,
)


@pytest.mark.parametrize(
    ("rule", "accepted", "refused"),
    [
        ("real", ["-3", "0", "1e300"], ["nan", "inf", "-inf", "x", "1/2", "1e400"]),
        ("positive", ["1e-300", "5"], ["0", "-0.0", "-1", "nan"]),
        ("nonnegative", ["0", "2.5"], ["-1e-300", "inf"]),
        ("at_least_one", ["1", "1.5"], ["0.999", "nan"]),
        ("unit", ["1", "0.5", "1e-9"], ["0", "1.0000001", "-0.5"]),
        ("open_unit", ["0.5"], ["0", "1"]),
    ],
)
def test_number_rules(rule: str, accepted: list[str], refused: list[str]) -> None:
    parse = number(rule)
    for text in accepted:
        assert parse(text) == float(text)
    for text in refused:
        with pytest.raises(argparse.ArgumentTypeError, match="must be"):
            parse(text)


def test_number_never_evaluates_expressions() -> None:
    # a string that eval/sympify would accept is refused as text
    with pytest.raises(argparse.ArgumentTypeError, match="__import__"):
        number("real")("__import__('os').getcwd()")


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="rule must be one of"):
        number("even")


def test_integers() -> None:
    assert positive_int("12") == 12
    assert nonnegative_int("0") == 0
    for text in ["0", "-1", "1e3", "2.0", "", "x"]:
        with pytest.raises(argparse.ArgumentTypeError, match="integer >= 1"):
            positive_int(text)
    with pytest.raises(argparse.ArgumentTypeError, match="integer >= 0"):
        nonnegative_int("-1")


def test_constant_options_parse_and_refuse() -> None:
    parser = argparse.ArgumentParser(exit_on_error=False)
    add_constant_options(parser, ["L", "q_min", "M_G"], defaults={"L": 1.0})
    args = parser.parse_args(["--q-min", "0.25", "--M-G", "2"])
    assert (args.L, args.q_min, args.M_G) == (1.0, 0.25, 2.0)
    with pytest.raises(argparse.ArgumentError, match="must be a number in"):
        parser.parse_args(["--q-min", "1.5"])
    add_constant_options(parser, ["K", "k"], defaults={"K": 100})
    args = parser.parse_args(["--k", "7"])
    assert (args.K, args.k) == (100, 7)
    with pytest.raises(argparse.ArgumentError, match="argument --K: must be an integer >= 1"):
        parser.parse_args(["--K", "1.5"])
    with pytest.raises(ValueError, match="names must be known constants"):
        add_constant_options(parser, ["Lipschitz"])


def test_figure_path(tmp_path: Path) -> None:
    assert figure_path(tmp_path / "a.svg") == tmp_path / "a.svg"
    with pytest.raises(UsageError, match=r"-o: file name must end in one of \.png"):
        figure_path(tmp_path / "a.gif")
    with pytest.raises(UsageError, match="does not exist"):
        figure_path(tmp_path / "missing" / "a.png")
    (tmp_path / "d.png").mkdir()
    with pytest.raises(UsageError, match="is a directory"):
        figure_path(tmp_path / "d.png")


def test_output_dir(tmp_path: Path) -> None:
    # checked by creating it (and removing it again): nothing is left before the work starts
    assert output_dir(tmp_path / "new") == tmp_path / "new"
    assert not (tmp_path / "new").exists()
    (tmp_path / "old").mkdir()
    assert output_dir(tmp_path / "old") == tmp_path / "old"
    assert list((tmp_path / "old").iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="exists and is not a directory"):
        output_dir(tmp_path / "file")
    with pytest.raises(UsageError, match="does not exist"):
        output_dir(tmp_path / "a" / "b")
    with pytest.raises(UsageError, match="path must not be empty"):
        output_dir("")
    with pytest.raises(UsageError, match="cannot create '/sys/report'"):
        output_dir("/sys/report")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/sys/x.png", "cannot write in '/sys': Permission denied"),
        ("/proc/x.png", "cannot write in '/proc'"),
        ("/etc/passwd/x.png", "'/etc/passwd' is not a directory"),
        ("", "path must not be empty"),
        ("a\x00b.png", "must not contain a NUL character"),
        ("x" * 300 + ".png", "is longer than"),
    ],
)
def test_output_paths_are_tried_not_asked(path: str, message: str) -> None:
    # os.access says yes to root everywhere; creating a file is the only honest answer
    with pytest.raises(UsageError, match=message):
        figure_path(path)


def test_os_access_is_not_consulted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a planted os.access that says "no" everywhere changes nothing: the probe decides
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    assert figure_path(tmp_path / "a.png") == tmp_path / "a.png"
    assert list(tmp_path.iterdir()) == []


def test_shown_keeps_every_digit() -> None:
    assert shown(1.0000001) == "1.0000001"
    assert shown(1.0) == "1"
    assert shown(1e308) == "1e+308"
    assert shown(1234567.0) == "1234567"
