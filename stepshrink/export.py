"""The derived stepsizes of ``stepshrink schedule`` as schedules for the training frameworks.

:func:`derived_schedules` turns the JSON object of ``stepshrink schedule --json`` (or
:func:`stepshrink.commands.schedule.derive_schedules`) into :class:`bounds.schedules.Schedule`
objects, counted from ``k = 1`` as the theorems count steps. From there:

- PyTorch: :func:`stepshrink.torch.lambda_lr` ``(optimizer, schedule)`` gives a
  ``torch.optim.lr_scheduler.LambdaLR`` (extra ``torch``);
- optax: :func:`optax_schedule` gives a plain callable ``count -> lr``, which is all an optax
  schedule is (``optax.Schedule = Callable[[ArrayLike], ArrayLike]``); optax's ``count`` starts
  at 0 for the first update, so ``count`` is step ``k = count + 1``. No optax import needed.

Example
-------
>>> from bounds import schedules
>>> lr = optax_schedule(schedules.harmonic(2.0, 3.0))
>>> float(lr(0)), float(lr(1))  # steps k = 1, 2: 2/(3 + 1), 2/(3 + 2)
(0.5, 0.4)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from bounds import schedules

__all__ = ["derived_schedules", "optax_schedule"]


def optax_schedule(schedule: schedules.Schedule | float) -> Callable[[Any], Any]:
    """An optax-style schedule: ``count -> mu_{count + 1}`` (optax counts updates from 0).

    Parameters
    ----------
    schedule : Schedule or float
        A schedule of :mod:`bounds.schedules` (``k = 1, 2, ...``) or a constant stepsize.

    Returns
    -------
    callable
        ``count -> lr`` for ``optax.sgd(learning_rate=...)`` and the like. It applies the
        family's closed form to ``count + 1`` with array arithmetic only, so for the constant
        and harmonic families (T1's and T4's advice) it can be traced by ``jax.jit``.

    Raises
    ------
    ValueError
        ``schedule`` is neither a schedule nor a positive float.
    """
    resolved = schedules.as_schedule(schedule)
    function = resolved.function

    def lr(count: Any) -> Any:
        if isinstance(count, list | tuple):
            count = np.asarray(count)
        # only arithmetic on count: a jax tracer stays a tracer for the traceable families
        return function(count + 1)

    return lr


def derived_schedules(result: Mapping[str, Any]) -> dict[str, schedules.Schedule]:
    """The schedules ``stepshrink schedule`` recommends, by the statement they come from.

    Parameters
    ----------
    result : mapping
        The JSON object of ``stepshrink schedule --json``.

    Returns
    -------
    dict of str to Schedule
        ``"T1"`` (C2's worst-case ``mu*``), ``"T1.sharp"``, ``"T1.matrix"`` (the
        curvature-weighted ``mu``, when the constants had ``M_L``, ``sigma_qL``), and with a
        known PL constant ``"T4"`` and ``"T4.sharp"`` (``beta/(gamma + k)``).

    Raises
    ------
    ValueError
        ``result`` does not have the shape ``stepshrink schedule --json`` prints.
    """
    if not isinstance(result, Mapping) or "fixed_stepsize" not in result:
        raise ValueError("result must be the JSON object of 'stepshrink schedule --json'")
    found: dict[str, schedules.Schedule] = {
        "T1": schedules.constant(result["fixed_stepsize"]["mu"])
    }
    refined = result.get("refined", {})
    if "T1.sharp" in refined:
        found["T1.sharp"] = schedules.constant(refined["T1.sharp"]["mu"])
    if "curvature_weighted" in result:
        found["T1.matrix"] = schedules.constant(result["curvature_weighted"]["mu"])
    if "pl_schedule" in result:
        pl = result["pl_schedule"]
        found["T4"] = schedules.harmonic(pl["beta"], pl["gamma"])
    if "T4.sharp" in refined:
        sharp = refined["T4.sharp"]
        found["T4.sharp"] = schedules.harmonic(sharp["beta"], sharp["gamma"])
    return found
