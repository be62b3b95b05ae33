"""Which bound a cell is compared with, and the simulated number it bounds.

A statement of ``bounds.theorems`` enters a sweep by its id. What the sweep needs to know
about it is read from the statement itself: its bounded quantity (``statement.quantity``)
picks the simulated number in :data:`MEASURES`, its constants are filled from the cell (the
problem's ``L`` and ``c``, the noise model's ``M`` and ``M_G``, the checker's conservative
``q_min`` and ``sigma_q2``, the stepsize and the horizon), its assumptions say which checker
verdicts it rests on and whether it needs a PL problem (A5). So a new statement about one of
these quantities, say a sharper T1 registered as ``"T1.sharp"``, plugs in by id with no change
here; a new quantity is one entry in :data:`MEASURES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["MEASURES", "Comparison", "Measure", "check_statements", "column_id", "compare"]

#: Constants a cell can supply to a statement.
AVAILABLE = frozenset(
    {"L", "c", "M", "M_V", "M_G", "q_min", "sigma_q2", "mu", "Delta", "F1_gap", "K", "k"}
)

#: Assumptions the checker tests (the others hold for the built-in problems and noise by
#: construction, or are A5, which is a property of the problem).
CHECKED = ("A2", "A3", "A4")


@dataclass(frozen=True)
class Measure:
    """A bounded quantity the simulator measures.

    Attributes
    ----------
    horizon : callable
        ``K -> {name: value}``: the statement's horizon for a run of ``K`` steps.
    simulated : callable
        ``(trajectory, K) -> float``: the replica estimate of the quantity.
    """

    horizon: Callable[[int], dict[str, int]]
    simulated: Callable[[Any, int], float]


def _average_grad_norm2(trajectory: Any, K: int) -> float:
    # (1/K) sum_{k=1..K} E||grad F(x_k)||^2: iterates x_1 .. x_K are entries 0 .. K-1
    return float(np.mean(trajectory.grad_sq_mean[:K]))


def _final_gap(trajectory: Any, K: int) -> float:
    return float(trajectory.gap_mean[K])


#: Bounded quantity (``statement.quantity.name``) -> how to measure it.
MEASURES: dict[str, Measure] = {
    # T1: the average over the K iterates x_1 .. x_K
    "avg_grad_norm2": Measure(lambda K: {"K": K}, _average_grad_norm2),
    # T3: the gap at the last iterate x_{K+1}
    "optimality_gap": Measure(lambda K: {"k": K + 1}, _final_gap),
}


@dataclass(frozen=True)
class Comparison:
    """A statement's bound for one cell against the simulated value.

    ``bound``, ``simulated`` and ``ratio = bound / simulated`` are ``None`` where they do not
    exist; ``note`` then says why (empty when the bound applies).
    """

    bound: float | None
    simulated: float | None
    ratio: float | None
    note: str


def column_id(statement_id: str) -> str:
    """The statement id as it appears in column names (``"T1.sharp"`` -> ``"T1_sharp"``)."""
    return statement_id.replace(".", "_")


def check_statements(ids: Sequence[str]) -> None:
    """Refuse ids a sweep cannot compare with (unknown, or a quantity it does not measure).

    Raises
    ------
    ValueError
        Naming the id and the reason.
    """
    if not ids:
        return
    from bounds import theorems

    for statement_id in ids:
        try:
            statement = theorems.get(statement_id)
        except ValueError as exc:
            raise ValueError(f"theorems: {exc}") from None
        if statement.quantity.name not in MEASURES or statement.uses_sequence:
            raise ValueError(
                f"theorems: {statement_id} bounds {statement.quantity_text}, which a "
                f"fixed-stepsize sweep does not measure (it measures: {', '.join(MEASURES)})"
            )
        missing = sorted(set(statement.constants) - AVAILABLE)
        if missing:
            raise ValueError(
                f"theorems: {statement_id} needs {', '.join(missing)}, which a sweep cell "
                f"does not supply (it supplies: {', '.join(sorted(AVAILABLE))})"
            )


def _none_if_nonfinite(value: float) -> float | None:
    return value if np.isfinite(value) else None


def compare(
    ids: Sequence[str],
    *,
    problem: Any,
    noise: Any,
    report: Any,
    trajectory: Any,
    mu: float,
    K: int,
) -> dict[str, Comparison]:
    """Every statement in ``ids`` against one cell's run.

    Parameters
    ----------
    ids : sequence of str
        Statement ids (checked by :func:`check_statements`).
    problem, noise : simulate problem and noise model
        The cell's objective and gradient noise (their constants are exact).
    report : simulate.assumptions.AssumptionReport
        The checker's verdicts and estimates for the cell's quantizer.
    trajectory : simulate.trajectory.Trajectory or None
        The run (``None``: bounds only, no simulated values).
    mu : float
        The fixed stepsize.
    K : int
        Steps of the run.

    Returns
    -------
    dict of str to Comparison
        By statement id.
    """
    from bounds import theorems
    from stepshrink.overlay import measured_shrinkage

    M, M_V = noise.variance_constants(problem)
    start, _ = problem.value_and_grad(problem.x0[None])
    constants: dict[str, float] = {
        "L": float(problem.L),
        "M": float(M),
        "M_G": 1.0 + float(M_V),
        "mu": float(mu),
        "Delta": float(start[0] - problem.F_inf),
    }
    if problem.c is not None and problem.F_star is not None:
        constants["c"] = float(problem.c)
        constants["F1_gap"] = float(start[0] - problem.F_star)
    results: dict[str, Comparison] = {}
    for statement_id in ids:
        statement = theorems.get(statement_id)
        rests_on = [a.name for a in statement.assumptions]
        if "A5" in rests_on and "c" not in constants:
            results[statement_id] = Comparison(None, None, None, "the problem is not PL (A5)")
            continue
        q_min, sigma_q2, note = measured_shrinkage(report, [a for a in CHECKED if a in rests_on])
        if note:
            results[statement_id] = Comparison(None, None, None, note)
            continue
        measure = MEASURES[statement.quantity.name]
        arguments = {**constants, "q_min": q_min, "sigma_q2": sigma_q2, **measure.horizon(K)}
        broken = statement.violated_hypotheses(**arguments)
        if broken:
            names = ", ".join(map(repr, broken))
            results[statement_id] = Comparison(None, None, None, f"hypothesis {names} fails")
            continue
        bound = float(statement.evaluate(**arguments))
        if trajectory is None:
            results[statement_id] = Comparison(bound, None, None, "")
            continue
        simulated = _none_if_nonfinite(measure.simulated(trajectory, K))
        ratio = None if not simulated else _none_if_nonfinite(bound / simulated)
        diverged = int(trajectory.diverged[-1])
        note = f"{diverged} replicas diverged (excluded)" if diverged else ""
        results[statement_id] = Comparison(bound, simulated, ratio, note)
    return results
