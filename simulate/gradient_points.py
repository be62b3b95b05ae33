"""Recorded stochastic gradients: one point of a run, its array conversion, and ``.npz`` files.

A *point* is a mapping ``layer name -> array (samples, *layer_shape)``: ``samples``
independent stochastic gradients of the model at one place of a run, one array per parameter
tensor. A plain dict is a point; a :class:`GradientPoint` is one that also carries what the
A2 test needs: the exact gradient ``∇F`` at the point (the full-batch gradient of a finite
sum) and, optionally, the support of one stochastic gradient per coordinate (for a minibatch
mean, the smallest and largest per-example gradient over the data set), which makes the test
distribution-free.

Arrays may be anything NumPy takes through DLPack or ``__array__``: NumPy arrays of any
float dtype (ml_dtypes' bfloat16 and FP8 included), torch CPU tensors (also ones that require
grad, and bfloat16), JAX arrays. :func:`as_array` does the conversion without copying where
the producer allows it.

:func:`save` writes points to an ``.npz`` file one array at a time, and :func:`load` reads
them back one point at a time; neither ever pickles (``allow_pickle=False``).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["GradientPoint", "as_array", "load", "save"]

#: Written into every file; :func:`load` refuses other versions.
FILE_FORMAT = "stepshrink-gradients/1"


@dataclass(frozen=True, eq=False)
class GradientPoint(Mapping[str, Any]):
    """Stochastic gradients recorded at one point, with the references the A2 test uses.

    Parameters
    ----------
    samples : mapping
        ``layer -> array (samples, *shape)``: the stochastic gradients (same ``samples`` for
        every layer). The point is this mapping (``point[name]``, ``len``, iteration).
    exact : mapping, optional
        ``layer -> array shape``: the gradient ``∇F`` at the point, which ``E[g]`` must equal.
    low, high : mapping, optional
        ``layer -> array shape``: every stochastic gradient lies in ``[low, high]`` entry by
        entry (given together, only with ``exact``).
    """

    samples: Mapping[str, Any]
    exact: Mapping[str, Any] | None = None
    low: Mapping[str, Any] | None = None
    high: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if (self.low is None) != (self.high is None):
            raise ValueError("low and high must be given together")
        if self.low is not None and self.exact is None:
            raise ValueError("low and high need exact (the support is for the A2 test)")
        for name in ("exact", "low", "high"):
            reference = getattr(self, name)
            if reference is not None and set(reference) != set(self.samples):
                raise ValueError(f"{name} must have the layers of samples, {sorted(self.samples)}")

    def __getitem__(self, name: str) -> Any:
        return self.samples[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.samples)

    def __len__(self) -> int:
        return len(self.samples)


def as_array(value: Any, name: str = "gradient") -> NDArray[Any]:
    """A NumPy view (or copy) of an array from any library.

    Tries, in order: a NumPy array as it is; ``detach()`` (torch tensors that require grad);
    DLPack (zero-copy for CPU tensors and JAX); ``__array__``; ``float()`` (torch bfloat16,
    which NumPy has no dtype for, widened exactly to float32).

    Raises
    ------
    ValueError
        ``name`` is not an array NumPy can take, or not of a real floating type.
    """
    if isinstance(value, np.ndarray):
        array = value
    else:
        detach = getattr(value, "detach", None)
        if callable(detach):
            value = detach()
        array = _convert(value, name)
    if array.dtype.kind == "V":
        # ml_dtypes' types (bfloat16, float8_*) are NumPy dtypes of kind "V" that cast exactly
        try:
            array = array.astype(np.float32)
        except (TypeError, ValueError):
            raise ValueError(
                f"{name} must be a floating-point array, got dtype {array.dtype}"
            ) from None
    if array.dtype.kind not in "f":
        raise ValueError(f"{name} must be a floating-point array, got dtype {array.dtype}")
    return array


def _convert(value: Any, name: str) -> NDArray[Any]:
    try:
        return np.from_dlpack(value)
    except (TypeError, BufferError, RuntimeError, AttributeError, ValueError):
        pass
    try:
        return np.asarray(value)
    except (TypeError, RuntimeError, ValueError):
        pass
    widen = getattr(value, "float", None)
    if callable(widen):
        return np.asarray(widen())
    raise ValueError(f"{name} must be an array NumPy can read, got {type(value).__name__}")


def save(path: str | Path, points: Iterable[Mapping[str, Any]]) -> int:
    """Write points to an ``.npz`` file, one array at a time (never more than one in memory).

    Arrays are stored in their own dtype (bfloat16 and narrower as float32, exactly). The
    file is written next to ``path`` and renamed into place when complete, so an interrupted
    save leaves no partial file.

    Parameters
    ----------
    path : str or Path
        Target file (``.npz``).
    points : iterable of mappings
        Points as :func:`simulate.gradients.check` takes them (consumed once).

    Returns
    -------
    int
        The number of points written.
    """
    target = Path(path)
    if target.suffix != ".npz":
        raise ValueError(f"path must end in .npz, got {str(target)!r}")
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".gradients-", suffix=".npz")
    os.close(handle)
    count = 0
    layers: list[str] = []
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for count, point in enumerate(points, start=1):
                names = list(point)
                if count == 1:
                    layers = names
                elif names != layers:
                    raise ValueError(f"point {count} has layers {names}, the first {layers}")
                _write_point(archive, count - 1, point, layers)
            meta = {"format": FILE_FORMAT, "points": count, "layers": layers}
            _write_array(archive, "meta", np.array(json.dumps(meta)))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def _write_point(
    archive: zipfile.ZipFile, index: int, point: Mapping[str, Any], layers: list[str]
) -> None:
    parts: dict[str, Mapping[str, Any] | None] = {"samples": point}
    if isinstance(point, GradientPoint):
        parts.update(exact=point.exact, low=point.low, high=point.high)
    for part, arrays in parts.items():
        if arrays is None:
            continue
        for position, layer in enumerate(layers):
            array = as_array(arrays[layer], f"{part}[{layer!r}]")
            _write_array(archive, f"{index}/{part}/{position}", array)


def _write_array(archive: zipfile.ZipFile, key: str, array: NDArray[Any]) -> None:
    with archive.open(f"{key}.npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)


def load(path: str | Path) -> Iterator[GradientPoint]:
    """Read the points of a file written by :func:`save`, one point at a time.

    Raises
    ------
    ValueError
        The file is not a gradients file of this version (checked before the first point).
    """
    source = Path(path)
    count, layers = _meta(source)
    return _points(source, count, layers)


def _meta(source: Path) -> tuple[int, list[str]]:
    try:
        archive = np.load(source, allow_pickle=False)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"{str(source)!r} is not a readable .npz file: {exc}") from None
    with archive:
        try:
            stored = archive["meta"]
            if stored.dtype.kind != "U" or stored.size != 1:
                raise ValueError
            meta = json.loads(str(stored.reshape(-1)[0]))
            if not isinstance(meta, dict) or meta.get("format") != FILE_FORMAT:
                raise ValueError
            return int(meta["points"]), [str(name) for name in meta["layers"]]
        except (KeyError, ValueError, TypeError):
            raise ValueError(f"{str(source)!r} is not a gradients file ({FILE_FORMAT})") from None


def _points(source: Path, count: int, layers: list[str]) -> Iterator[GradientPoint]:
    # opened when the first point is asked for, closed when the last is read (or the
    # generator is closed): a load that is never iterated holds no file
    with np.load(source, allow_pickle=False) as archive:
        keys = set(archive.files)
        for index in range(count):
            parts: dict[str, dict[str, Any] | None] = {}
            for part in ("samples", "exact", "low", "high"):
                if f"{index}/{part}/0" in keys:
                    parts[part] = {
                        layer: archive[f"{index}/{part}/{position}"]
                        for position, layer in enumerate(layers)
                    }
                else:
                    parts[part] = None
            samples = parts.pop("samples")
            assert samples is not None
            yield GradientPoint(samples, **parts)
