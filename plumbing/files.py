"""Output files: checked by trying to write them, then written atomically.

:func:`check_file` and :func:`check_directory` answer "can this output be written?" before any
work starts, by creating (and removing) a probe file where the output will go. ``os.access``
is not used: it answers for the real user id and says yes to root even on ``/sys`` or a
read-only mount. :func:`atomic_files` writes every output to a temporary file in the target's
directory and renames the lot into place only when all of them were written, so an interrupted
or failing write leaves the previous files (or nothing), never a truncated file or half a pair.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "OutputPathError",
    "atomic_files",
    "check_directory",
    "check_file",
    "write_bytes",
    "write_text",
]

#: Suffix of the temporary files: ``.NAME.<random>.part`` next to ``NAME``.
_PART = ".part"


class OutputPathError(ValueError):
    """An output path that cannot be written; the message says why (not which option)."""


def _quoted(path: Path) -> str:
    """``path`` quoted for a message, shortened when it is very long."""
    text = str(path)
    return repr(text) if len(text) <= 120 else repr(text[:60] + "..." + text[-40:])


def _reason(error: OSError) -> str:
    return error.strerror or type(error).__name__


def _as_path(path: str | os.PathLike[str]) -> Path:
    text = os.fspath(path)
    if not text:
        raise OutputPathError("path must not be empty")
    if "\x00" in text:
        raise OutputPathError("path must not contain a NUL character")
    return Path(text)


def _name_fits(directory: Path, name: str) -> None:
    try:
        limit = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    if len(os.fsencode(name)) > limit:
        raise OutputPathError(f"file name {name[:40]!r}... is longer than {limit} bytes")


def _probe(directory: Path, name: str) -> None:
    """Create and remove a file in ``directory`` named like the temporaries of ``name``."""
    try:
        handle, probe = tempfile.mkstemp(dir=directory, prefix=_prefix(name), suffix=_PART)
    except OSError as error:
        raise OutputPathError(f"cannot write in {_quoted(directory)}: {_reason(error)}") from None
    os.close(handle)
    os.unlink(probe)


def _prefix(name: str) -> str:
    # the temporary's name stays within NAME_MAX even when ``name`` is near it
    return f".{name[:120]}."


def check_file(path: str | os.PathLike[str]) -> Path:
    """Check that a file can be written at ``path`` (created or replaced); nothing is left.

    Parameters
    ----------
    path : str or path-like
        The file a command will write.

    Returns
    -------
    Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    OutputPathError
        Empty path, a directory, a missing or non-directory parent, a name too long, or a
        directory where creating a file fails (permissions, read-only or virtual file system).
    """
    target = _as_path(path)
    directory = target.parent
    try:
        if not directory.exists():
            raise OutputPathError(f"directory {_quoted(directory)} does not exist")
        if not directory.is_dir():
            raise OutputPathError(f"{_quoted(directory)} is not a directory")
        _name_fits(directory, target.name)
        if target.is_dir():
            raise OutputPathError(f"{_quoted(target)} is a directory, expected a file")
        _probe(directory, target.name)
        if target.exists():
            # replacing needs only the directory; a file its owner made read-only is a "no"
            with open(target, "r+b"):
                pass
    except OutputPathError:
        raise
    except OSError as error:
        raise OutputPathError(f"cannot write {_quoted(target)}: {_reason(error)}") from None
    return target


def check_directory(path: str | os.PathLike[str]) -> Path:
    """Check that files can be written inside directory ``path`` (existing or to be created).

    A missing directory is created and removed again to prove that it can be; nothing is left.

    Raises
    ------
    OutputPathError
        Empty path, an existing non-directory, a missing or read-only parent, or a directory
        where creating a file fails.
    """
    target = _as_path(path)
    try:
        if target.exists():
            if not target.is_dir():
                raise OutputPathError(f"{_quoted(target)} exists and is not a directory")
            _probe(target, "probe")
            return target
        parent = target.parent
        if not parent.is_dir():
            raise OutputPathError(f"directory {_quoted(parent)} does not exist")
        target.mkdir()
        try:
            _probe(target, "probe")
        finally:
            target.rmdir()
    except OutputPathError:
        raise
    except OSError as error:
        raise OutputPathError(f"cannot create {_quoted(target)}: {_reason(error)}") from None
    return target


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_files(*paths: str | os.PathLike[str]) -> Iterator[list[BinaryIO]]:
    """Open temporaries for ``paths``; rename them all into place when the block succeeds.

    Parameters
    ----------
    *paths : str or path-like
        The files to write (a pair, such as a trajectory and its summary, goes in one call).

    Yields
    ------
    list of binary file objects
        One per path, in order, opened for writing.

    Notes
    -----
    If the block raises (KeyboardInterrupt included), every temporary is removed and no
    target is touched. If a rename fails after others succeeded, the targets already renamed
    are removed too, so that no half of a pair is left; the error is raised.
    """
    targets = [_as_path(p) for p in paths]
    handles: list[BinaryIO] = []
    temporaries: list[Path] = []
    try:
        for target in targets:
            handle, name = tempfile.mkstemp(
                dir=target.parent, prefix=_prefix(target.name), suffix=_PART
            )
            temporaries.append(Path(name))
            os.chmod(name, _mode_for(target))
            handles.append(os.fdopen(handle, "wb"))
        yield handles
        for stream in handles:
            stream.flush()
            os.fsync(stream.fileno())
            stream.close()
        renamed: list[Path] = []
        try:
            for temporary, target in zip(temporaries, targets, strict=True):
                os.replace(temporary, target)
                renamed.append(target)
        except BaseException:
            for target in renamed:
                with contextlib.suppress(OSError):
                    target.unlink()
            raise
    finally:
        for stream in handles:
            stream.close()
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                temporary.unlink()


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically; returns the path."""
    with atomic_files(path) as (stream,):
        stream.write(data)
    return Path(path)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path."""
    return write_bytes(path, text.encode("utf-8"))
