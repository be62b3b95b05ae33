"""Derivations from the theorems: optimal stepsizes, iteration counts, schedule decisions.

* :mod:`~bounds.derive.fixed_stepsize` — C2: the T1-optimal fixed stepsize for a horizon,
  its bound, ``K(eps)`` in both regimes, and the slowdown against full precision;
* :mod:`~bounds.derive.pl_schedule` — T4: admissible ``(beta, gamma)`` and the ``beta``
  minimising ``nu``;
* :mod:`~bounds.derive.compensation` — C3: the compensated stepsize ``mu/q_min``;
* :mod:`~bounds.derive.robbins_monro` — T2: Robbins-Monro conditions, decided symbolically;
* :mod:`~bounds.derive.refined` — the refined statements (issue 12): the T1.sharp-optimal fixed
  stepsize, T4.sharp's ``beta``, and C3.known_q's nominal stepsize for a known ``q``.

Each derivation is done once in SymPy (cached) and then evaluated on NumPy arrays.

Example
-------
>>> from bounds import derive, schedules
>>> derive.robbins_monro(schedules.power(1.0, 0.5).template).satisfied
Interval.Lopen(1/2, 1)
>>> count = derive.iterations_to_accuracy(
...     Delta=3, L=2, M=0.5, sigma_q2=1.5, q_min=0.4, M_G=1.5, epsilon=0.1)
>>> round(float(count.K), 6)  # 8 Delta L S/(q_min eps)**2
60000.0
"""

from __future__ import annotations

from bounds.derive.compensation import Compensation, compensated_stepsize
from bounds.derive.fixed_stepsize import (
    IterationCount,
    OptimalStepsize,
    iterations_to_accuracy,
    optimal_fixed_stepsize,
    slowdown,
)
from bounds.derive.pl_schedule import PLSchedule, best_pl_schedule
from bounds.derive.refined import (
    KnownQCompensation,
    known_q_compensation,
    sharp_fixed_stepsize,
    sharp_pl_schedule,
)
from bounds.derive.robbins_monro import RobbinsMonro, robbins_monro

__all__ = [
    "Compensation",
    "IterationCount",
    "KnownQCompensation",
    "OptimalStepsize",
    "PLSchedule",
    "RobbinsMonro",
    "best_pl_schedule",
    "compensated_stepsize",
    "iterations_to_accuracy",
    "known_q_compensation",
    "optimal_fixed_stepsize",
    "robbins_monro",
    "sharp_fixed_stepsize",
    "sharp_pl_schedule",
    "slowdown",
]
