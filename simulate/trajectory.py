"""The record of a simulated SGD run: per-step replica statistics, saved as .npz plus JSON.

Indexing follows the SPEC: ``x_1`` is the start, step ``k`` (1-based) maps ``x_k`` to
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
        """JSON-ready digest: final values, totals and the run's description."""

        def last(a: FloatArray) -> float | None:
            return float(a[-1]) if a.size else None

        return {
            "steps": self.steps,
            "interrupted": self.interrupted,
            "level": self.level,
            "replicas": int(self.alive.size),
            "diverged": int(self.diverged[-1]),
            "final_gap": {
                "mean": last(self.gap_mean),
                "low": last(self.gap_low),
                "high": last(self.gap_high),
            },
            "final_grad_sq": {
                "mean": last(self.grad_sq_mean),
                "low": last(self.grad_sq_low),
                "high": last(self.grad_sq_high),
            },
            "q_min_observed": float(np.nanmin(self.q_min)) if self.steps else None,
            "q_max_observed": float(np.nanmax(self.q_max)) if self.steps else None,
            "underflow_mean": float(np.nanmean(self.underflow)) if self.steps else None,
            "saturated_mean": float(np.nanmean(self.saturated)) if self.steps else None,
            "skipped_total": int(self.skipped.sum()),
            "meta": self.meta,
        }

    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``path`` (.npz, arrays only, no pickles) and ``path`` with suffix .json.

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
        arrays["header"] = np.array(json.dumps(header))
        np.savez(target, **arrays)  # type: ignore[arg-type]
        summary_path = target.with_suffix(".json")
        summary_path.write_text(json.dumps(self.summary(), indent=2) + "\n", encoding="utf-8")
        return target, summary_path


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
