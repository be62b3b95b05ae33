"""Per-replica values of a simulated run, recorded through the problem the run accepts.

``simulate.run`` reports replica means and normal-approximation intervals only; the
distribution-free bounds of :mod:`tests.stats` need the replica values themselves. The run
calls ``problem.value_and_grad`` exactly once per iterate (``x_1 .. x_{K+1}``), so a copy of
the problem whose fused evaluation also stores ``F(x) - F_ref`` and ``‖∇F(x)‖²`` per replica
records them without touching the simulator. :func:`record_run` checks that the recording
reproduces the trajectory's own means, so a change in the calling pattern fails loudly
instead of silently testing the wrong iterates.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from simulate.problems import Problem
from simulate.sgd import run
from simulate.trajectory import Trajectory

__all__ = ["Recorded", "record_run"]

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Recorded:
    """A run with its per-replica values.

    Attributes
    ----------
    trajectory : Trajectory
        What ``simulate.run`` returned.
    gap : ndarray, shape (R, K+1)
        ``F(x_k) - F_ref`` per replica, iterates ``k = 1 .. K+1`` along axis 1.
    grad_sq : ndarray, shape (R, K+1)
        ``‖∇F(x_k)‖²`` per replica.
    stepsize : ndarray, shape (K,)
        ``mu_k`` as the run used them.
    """

    trajectory: Trajectory
    gap: FloatArray
    grad_sq: FloatArray
    stepsize: FloatArray


def record_run(problem: Problem, *, replicas: int, **run_kwargs: Any) -> Recorded:
    """Run ``simulate.run(problem, replicas=replicas, **run_kwargs)`` and record every replica.

    Parameters
    ----------
    problem : Problem
        The objective (its ``value_and_grad`` is wrapped, not changed).
    replicas : int
        ``R``.
    **run_kwargs
        Passed to :func:`simulate.run` (``steps``, ``stepsize``, ``seed``, ``noise``, ...).

    Returns
    -------
    Recorded
        Raises AssertionError if any replica diverged or the recording disagrees with the
        trajectory's means (then the recorded values would not be the run's iterates).
    """
    gaps: list[FloatArray] = []
    grad_sqs: list[FloatArray] = []
    F_ref = problem.F_ref

    def recording(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        values, grads = problem.value_and_grad(x)
        gaps.append(values - F_ref)
        grad_sqs.append(np.einsum("rd,rd->r", grads, grads))
        return values, grads

    wrapped = dataclasses.replace(problem, fused=recording)
    trajectory = run(wrapped, replicas=replicas, **run_kwargs)
    gap = np.stack(gaps, axis=1)
    grad_sq = np.stack(grad_sqs, axis=1)
    assert gap.shape == (replicas, trajectory.steps + 1), gap.shape
    assert int(trajectory.diverged[-1]) == 0, "a replica diverged; its values are not iterates"
    # Means over the same numbers in the same order as simulate.measure.mean_ci: equal up to
    # the rounding of a differently shaped sum.
    np.testing.assert_allclose(gap.mean(axis=0), trajectory.gap_mean, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(
        grad_sq.mean(axis=0), trajectory.grad_sq_mean, rtol=1e-12, atol=1e-300
    )
    return Recorded(trajectory, gap, grad_sq, np.asarray(trajectory.stepsize))
