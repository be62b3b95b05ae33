"""The theorem bound that goes over a simulated run: constants from the run, bound from ``bounds``.

This is where theory and experiment meet, so it lives in ``stepshrink``: the problem and noise
models of ``simulate`` know their constants (``L``, ``c``, ``M``, ``M_G``), the synthetic
shrinkage model knows ``q_min`` and ``sigma_q2`` exactly, and the theorems of ``bounds``
turn them into a bound at every iterate. A run on a real format has no proved ``q_min``; the
assumption checker's estimates are used instead (the conservative ends of their intervals),
and the label says so. When a hypothesis fails, no bound is drawn and the note says why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Overlay", "measured_shrinkage", "theory_overlay"]

#: ``(q_min, sigma_q2, note)``: see :func:`measured_shrinkage`.
MeasuredShrinkage = tuple[float, float, str]


@dataclass(frozen=True)
class Overlay:
    """A bound to draw over a trajectory, or the reason there is none.

    Attributes
    ----------
    bound : ndarray, shape (K+1,), or None
        ``E[F(x_k) - F_star]`` bound at ``k = 1 .. K+1``.
    floor : float or None
        Its limit as ``k`` grows (T3), ``None`` when it tends to zero (T4) or is absent.
    label : str
        Legend entry (theorem, and whether its constants are proved or measured).
    constants : dict
        The numbers the bound was evaluated at (JSON-ready).
    note : str
        Why no bound is drawn, or a caveat; empty when there is nothing to say.
    """

    bound: NDArray[np.float64] | None
    floor: float | None
    label: str
    constants: dict[str, float]
    note: str = ""


def _shrinkage(experiment: Any) -> tuple[float, float, str, str]:
    """``(q_min, sigma_q2, provenance, note)`` of the experiment's gradient quantizer."""
    from simulate.quantizer import SyntheticShrinkage

    quantizer = experiment.quantizer
    if quantizer is None:
        return 1.0, 0.0, "full precision", ""
    if isinstance(quantizer, SyntheticShrinkage):
        return float(quantizer.q_min), float(quantizer.sigma_q2), "synthetic model", ""
    from simulate.assumptions import check

    report = check(
        experiment.problem,
        quantizer,
        noise=experiment.noise,
        loss_scale=1.0 if experiment.loss_scale is None else experiment.loss_scale,
        seed=experiment.seed,
    )
    q_min, sigma_q2, note = measured_shrinkage(report)
    return q_min, sigma_q2, "" if note else "measured q_min, sigma_q2", note


def measured_shrinkage(report: Any, assumptions: Sequence[str] = ("A3", "A4")) -> MeasuredShrinkage:
    """``(q_min, sigma_q2, note)`` a bound may use from an assumption checker's report.

    The conservative ends of the intervals: the lower end of ``q_min`` and the upper end of
    ``sigma_q2``. ``note`` says why no bound applies (an assumption among ``assumptions`` is
    refuted, or the ``q_min`` interval leaves ``(0, 1]``) and is empty otherwise.
    """
    failing = [name for name in assumptions if not report[name].holds]
    if failing:
        return 0.0, 0.0, f"{', '.join(failing)} refuted for this format: no bound applies"
    q_min = float(report.estimates["q_min"].low)
    sigma_q2 = float(report.estimates["sigma_q2"].high)
    if not 0.0 < q_min <= 1.0:
        return 0.0, 0.0, f"measured q_min interval reaches {q_min:.3g}: no bound applies"
    return q_min, sigma_q2, ""


def theory_overlay(experiment: Any, trajectory: Any) -> Overlay:
    """The T3 (fixed ``mu``) or T4 (``beta/(gamma + k)``) bound over ``trajectory``.

    Parameters
    ----------
    experiment : stepshrink.experiment.Experiment
        The run's problem, noise, quantizer and schedule.
    trajectory : simulate.trajectory.Trajectory
        Its result; ``gap_mean[0]`` is ``F(x_1) - F_star`` exactly (every replica starts at
        ``x0``).

    Returns
    -------
    Overlay
    """
    from bounds import theorems
    from bounds.plots import floor_value

    problem = experiment.problem
    if problem.c is None or problem.F_star is None:
        return Overlay(None, None, "", {}, "the problem is not PL (A5): no pointwise bound")
    q_min, sigma_q2, provenance, note = _shrinkage(experiment)
    if note:
        return Overlay(None, None, "", {}, note)
    M, M_G = experiment.noise_constants
    constants: dict[str, float] = {
        "L": float(problem.L),
        "c": float(problem.c),
        "M": M,
        "M_G": M_G,
        "q_min": q_min,
        "sigma_q2": sigma_q2,
        "F1_gap": float(trajectory.gap_mean[0]),
        **experiment.schedule,
    }
    statement = theorems.get("T3" if "mu" in experiment.schedule else "T4")
    arguments: dict[str, Any] = {**constants, "k": np.arange(1, trajectory.steps + 2)}
    broken = statement.violated_hypotheses(**arguments)
    if broken:
        return Overlay(
            None,
            None,
            "",
            constants,
            f"{statement.id} hypothesis {', '.join(map(repr, broken))} fails: no bound drawn",
        )
    bound = np.asarray(statement.evaluate(**arguments), dtype=np.float64)
    label = f"{statement.id} bound ({provenance})"
    floor = floor_value(statement, constants)
    # T4's bound tends to zero: no floor line (a log axis cannot show 0)
    return Overlay(bound, floor if floor else None, label, constants)
