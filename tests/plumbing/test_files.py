"""Output files: checked by trying to write them; written atomically, pairs together."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from plumbing.files import OutputPathError, atomic_files, check_directory, check_file, write_text


def listing(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_check_file_leaves_nothing(tmp_path: Path) -> None:
    assert check_file(tmp_path / "a.json") == tmp_path / "a.json"
    assert listing(tmp_path) == []


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/sys/x.json", "cannot write in '/sys'"),
        ("/proc/x.json", "cannot write in '/proc'"),
        ("/etc/passwd/x.json", "'/etc/passwd' is not a directory"),
        ("/no/such/dir/x.json", "directory '/no/such/dir' does not exist"),
        ("", "path must not be empty"),
        ("x\x00.json", "NUL"),
    ],
)
def test_unwritable_places_are_found_by_trying(path: str, message: str) -> None:
    with pytest.raises(OutputPathError, match=message):
        check_file(path)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(OutputPathError, match="is a directory, expected a file"):
        check_file(tmp_path)


def test_check_directory_creates_nothing(tmp_path: Path) -> None:
    assert check_directory(tmp_path / "new") == tmp_path / "new"
    assert listing(tmp_path) == []
    with pytest.raises(OutputPathError, match="cannot create '/proc/new'"):
        check_directory("/proc/new")


def test_atomic_pair_is_written_together(tmp_path: Path) -> None:
    first, second = tmp_path / "a.npz", tmp_path / "a.json"
    with atomic_files(first, second) as (one, two):
        one.write(b"1")
        two.write(b"2")
        # nothing is visible under the final names until the block ends
        assert not first.exists()
        assert not second.exists()
    assert first.read_bytes() == b"1"
    assert second.read_bytes() == b"2"
    assert listing(tmp_path) == ["a.json", "a.npz"]


def test_an_interrupted_write_leaves_the_old_files(tmp_path: Path) -> None:
    target = write_text(tmp_path / "a.json", "old")

    def interrupted() -> None:
        with atomic_files(target, tmp_path / "b.json") as streams:
            streams[0].write(b"new, half")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    assert target.read_text() == "old"
    assert listing(tmp_path) == ["a.json"]


def test_a_failed_rename_leaves_no_half_pair(tmp_path: Path) -> None:
    # the second target is a directory: its rename fails after the first succeeded, and the
    # first is removed again rather than left without its partner
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "inside").write_text("x")

    def write_pair() -> None:
        with atomic_files(tmp_path / "a", tmp_path / "b") as streams:
            for stream in streams:
                stream.write(b"x")

    with pytest.raises(OSError, match=r"Is a directory|Directory not empty"):
        write_pair()
    assert listing(tmp_path) == ["b"]


def test_written_files_keep_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        path = write_text(tmp_path / "a.txt", "x")
    finally:
        os.umask(umask)
    # mkstemp makes 0600 temporaries; the final file is what open() would have made
    assert path.stat().st_mode & 0o777 == 0o644
