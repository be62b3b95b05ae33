"""The record of a simulated SGD run: per-step replica statistics, saved as .npz plus JSON.

Indexing follows docs/spec.md: ``x_1`` is the start, step ``k`` (1-based) maps ``x_k`` to
``x_{k+1}``. Arrays over iterates have length ``steps + 1`` (``x_1 .. x_{K+1}``); arrays over
steps have length ``steps``. With ``interrupted=True`` the run stopped early (Ctrl-C) and
``steps`` counts the steps completed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plumbing import strict_json
from plumbing.files import atomic_files

__all__ = ["ITERATE_FIELDS", "STEP_FIELDS", "Trajectory", "load"]

FloatArray = NDArray[np.float64]

ITERATE_FIELDS = (
    "gap_mean",
    "gap_low",
    "gap_high",
    "grad_sq_mean",
    "grad_sq_low",
    "grad_sq_high",
    "diverged",
)
STEP_FIELDS = (
    "stepsize",
    "q_mean",
    "q_min",
    "q_max",
    "eps_sq_mean",
    "eps_mean",
    "underflow",
    "saturated",
    "stalled",
    "skipped",
    "loss_scale",
)


@dataclass(frozen=True, eq=False)
class Trajectory:
    """Per-step statistics of ``R`` replicas of SGD.

    Attributes (``K = steps``; over iterates: shape (K+1,); over steps: shape (K,))
    ----------
    gap_mean, gap_low, gap_high : ndarray (K+1,)
        Replica mean of ``F(x_k) - F_ref`` and its confidence interval at ``level``
        (normal approximation, see :func:`simulate.measure.mean_ci`), over live replicas.
    grad_sq_mean, grad_sq_low, grad_sq_high : ndarray (K+1,)
        The same for ``‖∇F(x_k)‖²`` (exact gradient).
    diverged : ndarray of int (K+1,)
        Replicas frozen so far because an iterate became non-finite.
    stepsize : ndarray (K,)
        Nominal ``mu_k``.
    q_mean, q_min, q_max : ndarray (K,)
        Mean / min / max over live replicas of the measured projection coefficient ``q_k``
        (1 without a gradient quantizer).
    eps_sq_mean : ndarray (K,)
        Replica mean of ``‖eps_k‖²`` (squared gradient units).
    eps_mean : ndarray (K,)
        Mean of ``eps_k`` over live replicas and coordinates (a bias indicator).
    underflow : ndarray (K,)
        Fraction of gradient entries (live replicas) that were nonzero and quantized to zero.
    saturated : ndarray (K,)
        Fraction of gradient entries that overflowed or hit the format's largest magnitude.
    stalled : ndarray (K,)
        Fraction of weight entries whose update was nonzero but left the weight unchanged
        (low-precision weights under round-to-nearest).
    skipped : ndarray of int (K,)
        Replicas whose step was skipped by dynamic loss scaling (non-finite gradient).
    loss_scale : ndarray (K,)
        Replica mean of the loss scale used at step ``k`` (1 without loss scaling).
    x_final : ndarray (R, d)
        Last iterates (frozen values for diverged replicas).
    alive : ndarray of bool (R,)
        Replicas that never diverged.
    level : float
        Confidence level of the intervals.
    steps : int
        Steps completed.
    interrupted : bool
        Whether the run was stopped by KeyboardInterrupt.
    meta : dict
        JSON-ready description of the run (problem, constants, quantizers, seed, ...).
    """

    gap_mean: FloatArray
    gap_low: FloatArray
    gap_high: FloatArray
    grad_sq_mean: FloatArray
    grad_sq_low: FloatArray
    grad_sq_high: FloatArray
    diverged: NDArray[np.int64]
    stepsize: FloatArray
    q_mean: FloatArray
    q_min: FloatArray
    q_max: FloatArray
    eps_sq_mean: FloatArray
    eps_mean: FloatArray
    underflow: FloatArray
    saturated: FloatArray
    stalled: FloatArray
    skipped: NDArray[np.int64]
    loss_scale: FloatArray
    x_final: FloatArray
    alive: NDArray[np.bool_]
    level: float
    steps: int
    interrupted: bool
    meta: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """JSON-ready digest: final values, totals and the run's description.

        Values that do not exist are ``None`` with a ``*_reason`` beside them (every replica
        diverged, or no step was taken), never NaN: the digest is strict JSON.
        """
        replicas = int(self.alive.size)
        diverged = int(self.diverged[-1])
        if self.steps == 0:
            missing = "no step was completed"
        elif diverged == replicas:
            missing = f"all {replicas} replicas diverged: no live replica to average"
        else:
            missing = "no finite value was recorded"

        def final(prefix: str) -> dict[str, Any]:
            values: dict[str, Any] = {
                part: _finite_last(getattr(self, f"{prefix}_{part}"))
                for part in ("mean", "low", "high")
            }
            if values["mean"] is None:
                values["reason"] = missing
            return values

        step_stats = {
            "q_min_observed": _finite_reduce(self.q_min, np.min),
            "q_max_observed": _finite_reduce(self.q_max, np.max),
            "underflow_mean": _finite_reduce(self.underflow, np.mean),
            "saturated_mean": _finite_reduce(self.saturated, np.mean),
        }
        digest: dict[str, Any] = {
            "steps": self.steps,
            "interrupted": self.interrupted,
            "level": self.level,
            "replicas": replicas,
            "diverged": diverged,
            "final_gap": final("gap"),
            "final_grad_sq": final("grad_sq"),
        }
        for name, value in step_stats.items():
            digest[name] = value
            if value is None:
                digest[f"{name}_reason"] = missing
        digest["skipped_total"] = int(self.skipped.sum())
        digest["meta"] = self.meta
        return digest

    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``path`` (.npz, arrays only, no pickles) and ``path`` with suffix .json.

        Both files are written to temporaries and renamed into place together
        (:func:`plumbing.files.atomic_files`): an interrupted or failing save leaves neither
        half. The JSON is strict (no NaN).

        Returns the two paths written.
        """
        target = Path(path).with_suffix(".npz")
        arrays = {
            f.name: np.asarray(getattr(self, f.name))
            for f in fields(self)
            if f.name not in ("meta", "level", "steps", "interrupted")
        }
        header: dict[str, Any] = {
            "level": self.level,
            "steps": self.steps,
            "interrupted": self.interrupted,
            "meta": self.meta,
        }
        arrays["header"] = np.array(strict_json.dumps(header, indent=None))
        summary_path = target.with_suffix(".json")
        summary = strict_json.dumps(self.summary()) + "\n"
        with atomic_files(target, summary_path) as (npz, json_file):
            np.savez(npz, **arrays)  # type: ignore[arg-type]
            json_file.write(summary.encode("utf-8"))
        return target, summary_path


def _finite_last(values: FloatArray) -> float | None:
    """The last entry if it is finite, else ``None``."""
    if not values.size or not np.isfinite(values[-1]):
        return None
    return float(values[-1])


def _finite_reduce(values: FloatArray, reduce: Any) -> float | None:
    """``reduce`` over the finite entries (``None`` when there are none; no NaN warning)."""
    finite = values[np.isfinite(values)]
    return float(reduce(finite)) if finite.size else None


def load(path: str | Path) -> Trajectory:
    """Read a trajectory written by :meth:`Trajectory.save` (``allow_pickle=False``)."""
    with np.load(Path(path).with_suffix(".npz"), allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    header = json.loads(str(arrays.pop("header")))
    expected = {f.name for f in fields(Trajectory)} - {"meta", "level", "steps", "interrupted"}
    if set(arrays) != expected:
        raise ValueError(f"path is not a saved trajectory: fields {sorted(arrays)}")
    return Trajectory(
        **arrays,
        level=float(header["level"]),
        steps=int(header["steps"]),
        interrupted=bool(header["interrupted"]),
        meta=header["meta"],
    )
