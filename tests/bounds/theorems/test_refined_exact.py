"""The refined statements against exact expectations (issue 12): never below, equal where tight.

Every instance is a diagonal quadratic with known noise (:mod:`tests.bounds.theorems._exact`):
the expected quantity each statement bounds is computed exactly in rational arithmetic and
compared with the bound evaluated exactly. Three kinds of check:

* validity: over a grid of problems, ``q_min``, shrinkage sequences ``q_k``, stepsizes and
  horizons, the exact quantity never exceeds the bound;
* tightness: where the derivation loses nothing (isotropic curvature, ``c = L``, ``q_k = q_min``
  and ``M = 0`` or ``q_min = 1``, ``Delta`` read as ``F(x_1) − E F(x_{K+1})``) they are equal;
* teeth: the same checks reject a bound that drops the ``L mu M_G q_min`` term of the descent
  factor (dividing by 2 instead of ``2 − L mu M_G q_min``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction as Fr

import numpy as np
import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.statement import Statement
from tests.bounds.theorems._exact import ExactBound, Quadratic, Run, run

PROBLEMS = {
    "isotropic": Quadratic(
        lam=(Fr(1), Fr(1)), x1=(Fr(1), Fr(-2)), v=(Fr(1, 10), Fr(1, 20)), w=(Fr(1, 20), Fr(1, 40))
    ),
    "flat noise": Quadratic(
        lam=(Fr(1), Fr(1, 2), Fr(1, 8)),
        x1=(Fr(1), Fr(1), Fr(2)),
        v=(Fr(1, 100), Fr(1, 20), Fr(1, 5)),
        w=(Fr(1, 50), Fr(1, 10), Fr(1, 4)),
        s2=Fr(1, 4),
    ),
    "steep noise": Quadratic(
        lam=(Fr(2), Fr(1, 2), Fr(1, 4)),
        x1=(Fr(1, 2), Fr(-1), Fr(3)),
        v=(Fr(1, 5), Fr(1, 100), Fr(0)),
        w=(Fr(1, 4), Fr(0), Fr(1, 100)),
        s2=Fr(1, 2),
    ),
    "noiseless": Quadratic(
        lam=(Fr(1), Fr(1, 3)), x1=(Fr(2), Fr(1)), v=(Fr(0), Fr(0)), w=(Fr(0), Fr(0))
    ),
}
Q_MINS = (Fr(1), Fr(1, 2), Fr(1, 4))
HORIZONS = (1, 3, 10)
STEP_FRACTIONS = (Fr(1), Fr(1, 2), Fr(1, 5))  # mu as a fraction of the cap 1/(L M_G)
BOUNDS = {
    result_id: ExactBound(theorems.get(result_id))
    for result_id in (*theorems.REFINED_IDS, "T1", "T3", "T4")
}


def shrinkage_sequences(q_min: Fr, steps: int) -> dict[str, list[Fr]]:
    """Deterministic ``q_k`` in ``[q_min, 1]``: constant at either end, alternating, scattered."""
    return {
        "q_min": [q_min] * steps,
        "one": [Fr(1)] * steps,
        "alternating": [q_min if k % 2 else Fr(1) for k in range(steps)],
        "scattered": [q_min + (1 - q_min) * Fr((7 * k) % 11, 10) for k in range(steps)],
    }


def cap(problem: Quadratic) -> Fr:
    return 1 / (problem.L * problem.constants()["M_G"])


def cases() -> Iterator[tuple[Quadratic, Fr, list[Fr], Fr, int]]:
    for problem, q_min, fraction, steps in itertools.product(
        PROBLEMS.values(), Q_MINS, STEP_FRACTIONS, HORIZONS
    ):
        for sequence in shrinkage_sequences(q_min, steps).values():
            assert all(q_min <= q <= 1 for q in sequence)
            yield problem, q_min, sequence, fraction * cap(problem), steps


def base_values(problem: Quadratic, trajectory: Run) -> dict[str, Fr]:
    """The instance's constants: A2/A4 and matrix-weighted noise, Delta = F1_gap = F(x_1)."""
    return {
        "L": problem.L,
        "c": problem.c,
        "Delta": trajectory.gap(1),
        "F1_gap": trajectory.gap(1),
        **problem.constants(),
    }


# ------------------------------------------------------------------------------- validity
@pytest.mark.parametrize("result_id", ["T1", "T1.sharp", "T1.matrix"])
def test_averaged_bounds_hold_on_every_instance(result_id: str) -> None:
    checked = 0
    for problem, q_min, sequence, mu, steps in cases():
        trajectory = run(problem, [mu] * steps, sequence)
        values = {**base_values(problem, trajectory), "q_min": q_min, "mu": mu, "K": steps}
        assert trajectory.average_grad() <= BOUNDS[result_id](values)
        checked += 1
    assert checked == len(PROBLEMS) * len(Q_MINS) * len(STEP_FRACTIONS) * len(HORIZONS) * 4


def test_weighted_sum_bound_holds_on_every_instance() -> None:
    for problem, q_min, sequence, mu, steps in cases():
        # a decreasing schedule mu_k = 2 mu/(1 + k): its largest step is mu_1 = mu = mu_max
        schedule = [mu * 2 / (1 + k) for k in range(1, steps + 1)]
        trajectory = run(problem, schedule, sequence)
        values = {**base_values(problem, trajectory), "q_min": q_min, "mu_max": mu, "K": steps}
        assert trajectory.weighted_grad() <= BOUNDS["T2.sharp"](values, schedule)


@pytest.mark.parametrize("result_id", ["T3", "T3.sharp", "T3.matrix"])
def test_pl_bounds_hold_at_every_iteration(result_id: str) -> None:
    for problem, q_min, sequence, mu, steps in cases():
        trajectory = run(problem, [mu] * steps, sequence)
        values = {**base_values(problem, trajectory), "q_min": q_min, "mu": mu}
        for k in range(1, steps + 2):
            bound = BOUNDS[result_id]({**values, "k": k}, check=k == 1)
            assert trajectory.gap(k) <= bound


def known_shrinkage_cases() -> Iterator[tuple[Quadratic, Fr, Fr, int]]:
    """``q_k = q``; ``mu`` is the effective stepsize, a fraction of the cap."""
    for problem, q, fraction, steps in itertools.product(
        PROBLEMS.values(), Q_MINS, STEP_FRACTIONS, HORIZONS
    ):
        yield problem, q, fraction * cap(problem), steps


def test_known_shrinkage_pl_bound_holds() -> None:
    for problem, q, mu, steps in known_shrinkage_cases():
        # nominal stepsize mu/q: T3.known_q admits it (effective stepsize mu <= 1/(L M_G))
        nominal = mu / q
        trajectory = run(problem, [nominal] * steps, [q] * steps)
        values = {**base_values(problem, trajectory), "q": q, "mu": nominal}
        for k in range(1, steps + 2):
            bound = BOUNDS["T3.known_q"]({**values, "k": k}, check=k == 1)
            assert trajectory.gap(k) <= bound


def test_known_shrinkage_compensated_bound_holds() -> None:
    for problem, q, mu, steps in known_shrinkage_cases():
        trajectory = run(problem, [mu / q] * steps, [q] * steps)
        values = {**base_values(problem, trajectory), "q": q, "mu": mu, "K": steps}
        assert trajectory.average_grad() <= BOUNDS["C3.known_q"](values)


# ------------------------------------------------------------------------------- tightness
TIGHT = Quadratic(
    lam=(Fr(2), Fr(2)),
    x1=(Fr(1), Fr(-1, 2)),
    v=(Fr(0), Fr(0)),
    w=(Fr(1, 8), Fr(1, 16)),
    s2=Fr(1, 3),
)
TIGHT_WITH_M = Quadratic(
    lam=(Fr(2), Fr(2)), x1=(Fr(1), Fr(-1, 2)), v=(Fr(1, 5), Fr(0)), w=(Fr(1, 8), Fr(0)), s2=Fr(1, 3)
)


def tight_cases() -> Iterator[tuple[Quadratic, Fr, Fr, int]]:
    """Isotropic problems where every step of the derivation is an equality."""
    for fraction, steps in itertools.product(STEP_FRACTIONS, (1, 4)):
        for problem, q_mins in ((TIGHT, Q_MINS), (TIGHT_WITH_M, (Fr(1),))):
            for q_min in q_mins:
                yield problem, q_min, fraction * cap(problem), steps


@pytest.mark.parametrize("result_id", ["T1.sharp", "T1.matrix"])
def test_averaged_sharp_bound_is_attained(result_id: str) -> None:
    for problem, q_min, mu, steps in tight_cases():
        trajectory = run(problem, [mu] * steps, [q_min] * steps)
        values = {**base_values(problem, trajectory), "Delta": trajectory.descent()}
        values.update(q_min=q_min, mu=mu, K=steps)
        assert trajectory.average_grad() == BOUNDS[result_id](values)


def test_weighted_sharp_bound_is_attained_at_a_fixed_stepsize() -> None:
    for problem, q_min, mu, steps in tight_cases():
        trajectory = run(problem, [mu] * steps, [q_min] * steps)
        values = {**base_values(problem, trajectory), "Delta": trajectory.descent()}
        values.update(q_min=q_min, mu_max=mu, K=steps)
        assert trajectory.weighted_grad() == BOUNDS["T2.sharp"](values, [mu] * steps)


@pytest.mark.parametrize("result_id", ["T3.sharp", "T3.matrix"])
def test_pl_sharp_bound_is_attained_at_every_iteration(result_id: str) -> None:
    for problem, q_min, mu, steps in tight_cases():
        trajectory = run(problem, [mu] * steps, [q_min] * steps)
        values = {**base_values(problem, trajectory), "q_min": q_min, "mu": mu}
        for k in range(1, steps + 2):
            assert trajectory.gap(k) == BOUNDS[result_id]({**values, "k": k})


def test_known_shrinkage_bounds_are_attained_for_every_q() -> None:
    # gradient noise M > 0 and q < 1: only the known-q statements are exact here
    for problem, q, fraction, steps in itertools.product(
        (TIGHT, TIGHT_WITH_M), Q_MINS, STEP_FRACTIONS, (1, 4)
    ):
        mu = fraction * cap(problem)
        plain = run(problem, [mu] * steps, [q] * steps)
        values = {**base_values(problem, plain), "q": q, "mu": mu}
        for k in range(1, steps + 2):
            assert plain.gap(k) == BOUNDS["T3.known_q"]({**values, "k": k})
        scaled = run(problem, [mu / q] * steps, [q] * steps)
        values = {**base_values(problem, scaled), "Delta": scaled.descent()}
        values.update(q=q, mu=mu, K=steps)
        assert scaled.average_grad() == BOUNDS["C3.known_q"](values)


def test_paper_bound_is_looser_by_exactly_the_descent_factor_where_sharp_is_exact() -> None:
    problem, q_min, steps = TIGHT, Fr(1, 2), 4
    mu = cap(problem)
    trajectory = run(problem, [mu] * steps, [q_min] * steps)
    values = {**base_values(problem, trajectory), "Delta": trajectory.descent()}
    values.update(q_min=q_min, mu=mu, K=steps)
    paper, sharp = BOUNDS["T1"](values), BOUNDS["T1.sharp"](values)
    assert sharp == trajectory.average_grad() < paper
    assert paper / sharp == 2 - problem.L * mu * values["M_G"] * q_min


# ----------------------------------------------------------------------------------- teeth
def naive(statement: Statement, factor: sp.Expr) -> ExactBound:
    """``statement`` with its descent factor ``factor`` replaced by 2 (a wrong sharpening)."""
    wrong = replace(statement, bound=statement.bound.subs(factor, 2), variants=())
    assert wrong.bound != statement.bound
    return ExactBound(wrong)


@pytest.mark.parametrize("result_id", ["T1.sharp", "T3.sharp"])
def test_dropping_the_curvature_term_is_caught(result_id: str) -> None:
    wrong = naive(theorems.get(result_id), 2 - sy.L * sy.mu * sy.M_G * sy.q_min)
    problem, q_min, steps = TIGHT, Fr(1), 4
    mu = cap(problem) / 2
    trajectory = run(problem, [mu] * steps, [q_min] * steps)
    values = {**base_values(problem, trajectory), "Delta": trajectory.descent()}
    values.update(q_min=q_min, mu=mu, K=steps, k=steps + 1)
    exact = trajectory.average_grad() if result_id == "T1.sharp" else trajectory.gap(steps + 1)
    assert exact > wrong(values)
    assert exact <= BOUNDS[result_id](values)


# ---------------------------------------------------------------------------- T4.sharp
def harmonic(beta: Fr, gamma: Fr, steps: int) -> list[Fr]:
    return [beta / (gamma + k) for k in range(1, steps + 1)]


def relaxed_slopes() -> Iterator[tuple[Quadratic, Fr, Fr, Fr]]:
    """Schedules T4.sharp admits, most of which T4 rejects: ``beta`` from just above
    ``1/(c q_min t_1)`` up to T4's threshold ``1/(c q_min)``, with ``mu_1`` at or below the cap."""
    for problem, q_min in itertools.product(PROBLEMS.values(), (Fr(1), Fr(1, 2))):
        M_G, c, L = problem.constants()["M_G"], problem.c, problem.L
        for first in (Fr(1), Fr(3, 4), Fr(1, 2)):
            mu_1 = first * cap(problem)
            t_1 = 2 - L * M_G * q_min * mu_1
            if t_1 == 1:  # mu_1 = 1/(L M_G) with q_min = 1: nothing to relax
                continue
            for share in (Fr(1, 20), Fr(1, 2), Fr(1)):
                beta = (1 + share * (t_1 - 1)) / (c * q_min * t_1)
                gamma = beta / mu_1 - 1
                if gamma > 0:
                    yield problem, q_min, beta, gamma


def t4_values(problem: Quadratic, trajectory: Run, q_min: Fr, beta: Fr, gamma: Fr) -> dict:
    return {**base_values(problem, trajectory), "q_min": q_min, "beta": beta, "gamma": gamma}


def test_t4_sharp_admits_schedules_t4_rejects_and_they_converge_as_claimed() -> None:
    paper = theorems.get("T4")
    rejected_by_t4 = 0
    for problem, q_min, beta, gamma in relaxed_slopes():
        steps = 30
        trajectory = run(problem, harmonic(beta, gamma, steps), [q_min] * steps)
        values = t4_values(problem, trajectory, q_min, beta, gamma)
        floats = {name: float(values[name]) for name in paper.constants if name != "k"}
        if "slope condition" in paper.violated_hypotheses(**floats, k=1):
            rejected_by_t4 += 1
        for k in range(1, steps + 2):
            bound = BOUNDS["T4.sharp"]({**values, "k": k}, check=k == 1)
            assert trajectory.gap(k) <= bound
    assert rejected_by_t4 >= 20


def test_t4_sharp_holds_with_scattered_shrinkage() -> None:
    for problem, q_min, beta, gamma in relaxed_slopes():
        steps = 12
        sequence = shrinkage_sequences(q_min, steps)["scattered"]
        trajectory = run(problem, harmonic(beta, gamma, steps), sequence)
        values = t4_values(problem, trajectory, q_min, beta, gamma)
        for k in range(1, steps + 2):
            assert trajectory.gap(k) <= BOUNDS["T4.sharp"]({**values, "k": k}, check=k == 1)


def test_t4_sharp_holds_over_a_long_horizon_in_floating_point() -> None:
    # The same recursion in float64 over 5000 steps, every instance at once (coordinates padded
    # with zero curvature and noise), against the vectorized evaluate().
    sharp = theorems.get("T4.sharp")
    instances = list(relaxed_slopes())
    width = max(len(problem.lam) for problem, *_ in instances)

    def padded(rows: list[tuple[Fr, ...]]) -> np.ndarray:
        return np.array([[float(x) for x in row] + [0.0] * (width - len(row)) for row in rows])

    lam = padded([p.lam for p, *_ in instances])
    v, w = padded([p.v for p, *_ in instances]), padded([p.w for p, *_ in instances])
    moments = padded([p.x1 for p, *_ in instances]) ** 2
    s2 = np.array([[float(p.s2)] for p, *_ in instances])
    q = np.array([[float(q_min)] for _, q_min, _, _ in instances])
    beta = np.array([[float(b)] for *_, b, _ in instances])
    gamma = np.array([[float(g)] for *_, g in instances])
    steps = 5000
    gaps = np.empty((len(instances), steps + 1))
    gaps[:, 0] = 0.5 * np.sum(lam * moments, axis=1)
    for k in range(1, steps + 1):
        mu = beta / (gamma + k)
        h = mu * q
        moments = (1 - h * lam) ** 2 * moments + h**2 * (s2 * lam**2 * moments + v) + mu**2 * w
        gaps[:, k] = 0.5 * np.sum(lam * moments, axis=1)
    for row, (problem, q_min, b, g) in enumerate(instances):
        values = t4_values(problem, run(problem, [], []), q_min, b, g)
        floats = {name: float(values[name]) for name in sharp.constants if name != "k"}
        bound = sharp.evaluate(**floats, k=np.arange(1, steps + 2))
        assert np.all(gaps[row] <= bound * (1 + 1e-12))


def test_t4_with_the_descent_factor_dropped_is_caught() -> None:
    # isotropic, c = L = 1, q = 1, mu_1 = 1/L, no initial gap: D_2 = S/2 exceeds the wrong nu/3.
    sharp = theorems.get("T4.sharp")
    wrong = naive(sharp, sharp.extra("first descent factor"))
    problem = Quadratic(lam=(Fr(1),), x1=(Fr(0),), v=(Fr(1, 2),), w=(Fr(1, 2),))
    beta, gamma = Fr(2), Fr(1)
    trajectory = run(problem, harmonic(beta, gamma, 2), [1, 1])
    values = {**t4_values(problem, trajectory, Fr(1), beta, gamma), "k": 2}
    assert trajectory.gap(2) > wrong(values, check=False)
    assert trajectory.gap(2) <= BOUNDS["T4.sharp"](values)


# ------------------------------------------------------------------ T2.sharp's min bounds
def test_min_bounds_of_t2_sharp_hold() -> None:
    # The "min bound" extra exactly; the two variants (logs and square roots) in float64.
    sharp = theorems.get("T2.sharp")
    min_bound = ExactBound(replace(sharp, bound=sharp.extra("min bound"), variants=()))
    harmonic_variant, sqrt_variant = (theorems.get(f"T2.sharp.{v}") for v in ("harmonic", "sqrt"))
    for index, (problem, q_min, sequence, mu, steps) in enumerate(cases()):
        if index % 5:  # every fifth case, so that the four laws of q_k take turns
            continue
        values = {"q_min": q_min, "mu_max": mu, "K": steps}
        gamma = Fr(3)
        beta = mu * (gamma + 1)  # mu_1 = mu
        schedule = harmonic(beta, gamma, steps)
        trajectory = run(problem, schedule, sequence)
        values.update(base_values(problem, trajectory))
        assert trajectory.min_grad() <= min_bound(values, schedule)
        floats = {n: float(values[n]) for n in harmonic_variant.constants if n in values}
        bound = harmonic_variant.evaluate(**floats, beta=float(beta), gamma=float(gamma))
        assert float(trajectory.min_grad()) <= bound * (1 + 1e-12)
        root_steps = [float(mu) / np.sqrt(k) for k in range(1, steps + 1)]
        moments = np.array([float(x * x) for x in problem.x1])
        lam, v, w = (
            np.array([float(a) for a in arr]) for arr in (problem.lam, problem.v, problem.w)
        )
        grads = []
        for step, q in zip(root_steps, sequence, strict=True):
            grads.append(float(lam**2 @ moments))
            h = step * float(q)
            moments = (1 - h * lam) ** 2 * moments + h**2 * float(problem.s2) * lam**2 * moments
            moments = moments + h**2 * v + step**2 * w
        floats = {n: float(values[n]) for n in sqrt_variant.constants if n in values}
        bound = sqrt_variant.evaluate(**floats, mu0=float(mu))
        assert min(grads) <= bound * (1 + 1e-12)
