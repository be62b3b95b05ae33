"""bounds.derive: derivations checked against the stated corollaries and brute-force numerics."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given
from hypothesis import strategies as st

from bounds import derive, schedules, theorems
from bounds import symbols as sy
from bounds.derive import compensation, fixed_stepsize, pl_schedule
from bounds.theorems import c2_slowdown as c2

T1 = theorems.get("T1")
NOISY = {"Delta": 3.0, "L": 2.0, "M": 0.5, "sigma_q2": 1.5, "q_min": 0.4, "M_G": 1.5}


# ----------------------------------------------------------------------------- C2
def test_symbolic_optimum_matches_the_statement() -> None:
    derived = fixed_stepsize.symbolic()
    assert sp.simplify(derived.mu_star - c2.MU_STAR) == 0
    assert sp.simplify(derived.bound_noise - theorems.get("C2").bound) == 0
    assert sp.simplify(derived.k_eps_noise - c2.K_EPS) == 0
    assert derived.is_minimum
    assert derived.second_derivative.subs({sy.Delta: 1, sy.M: 1}).is_positive


@pytest.mark.parametrize("K", [1, 3, 10, 100, 10_000])
def test_optimal_stepsize_against_a_dense_grid(K: int) -> None:
    # Brute force: T1's bound on 200001 stepsizes in (0, cap]; the derived optimum must be at
    # least as good as every grid point and within grid resolution of the best one.
    optimum = derive.optimal_fixed_stepsize(**NOISY, K=K)
    cap = 1 / (NOISY["L"] * NOISY["M_G"])
    grid = np.linspace(cap / 200_000, cap, 200_000)
    values = T1.evaluate(**NOISY, K=K, mu=grid)
    assert optimum.bound <= values.min() * (1 + 1e-12)
    assert optimum.bound == pytest.approx(values.min(), rel=1e-6)
    assert optimum.mu == pytest.approx(grid[values.argmin()], rel=1e-3, abs=2 * cap / 200_000)


def test_regimes() -> None:
    # K_switch = 2 Delta L M_G^2/S = 2*3*2*2.25/2 = 13.5
    result = derive.optimal_fixed_stepsize(**NOISY, K=np.array([1, 13, 14, 1000]))
    np.testing.assert_array_equal(result.capped, [True, True, False, False])
    assert result.regime == "mixed"
    deterministic = derive.optimal_fixed_stepsize(**{**NOISY, "M": 0.0, "sigma_q2": 0.0}, K=50)
    assert deterministic.regime == "capped"
    assert deterministic.bound == pytest.approx(2 * 3 * 2 * 1.5 / (50 * 0.4), rel=1e-15)
    with pytest.raises(ValueError, match="Delta must satisfy Delta > 0"):
        derive.optimal_fixed_stepsize(**{**NOISY, "Delta": 0.0}, K=5)


@pytest.mark.parametrize("epsilon", [0.3, 1.0, 3.0, 10.0])
def test_iterations_to_accuracy_against_brute_force(epsilon: float) -> None:
    # Smallest integer K whose optimal bound is <= epsilon, by evaluating every K.
    Ks = np.arange(1, 200_001)
    bounds = derive.optimal_fixed_stepsize(**NOISY, K=Ks).bound
    reached = np.nonzero(bounds <= epsilon * (1 + 1e-12))[0]
    count = derive.iterations_to_accuracy(**NOISY, epsilon=epsilon)
    assert reached.size
    assert max(count.iterations, 1) == Ks[reached[0]]


def test_iteration_count_is_a_budget_optimal_fixed_stepsize_takes() -> None:
    # the integer K(eps) goes straight back into C2 and reaches epsilon there, one less does not
    for epsilon in (0.05, 0.3, 3.0, 100.0):
        count = derive.iterations_to_accuracy(**NOISY, epsilon=epsilon)
        budget = count.iterations
        assert float(budget).is_integer()
        assert budget >= 1
        assert count.K <= budget < count.K + 1
        assert derive.optimal_fixed_stepsize(**NOISY, K=budget).bound <= epsilon * (1 + 1e-12)
        if budget > 1:
            assert derive.optimal_fixed_stepsize(**NOISY, K=budget - 1).bound > epsilon
    # a target the first iteration already meets: 1 iteration, not a fraction of one
    assert derive.iterations_to_accuracy(**NOISY, epsilon=1e6).iterations == 1


def test_k_eps_hand_computed_and_slowdown() -> None:
    # Noise regime: 8 Delta L S/(q^2 eps^2) = 8*3*2*2/(0.16*0.01) = 60000
    count = derive.iterations_to_accuracy(**NOISY, epsilon=0.1)
    assert not count.capped
    assert pytest.approx(60_000, rel=1e-12) == count.K
    # Deep in the noise regime the slowdown is S/(M q^2) = 2/(0.5*0.16) = 25
    assert derive.slowdown(**NOISY, epsilon=1e-4) == pytest.approx(25.0, rel=1e-12)
    # Deterministic (S = 0): 1/q_min
    det = {**NOISY, "M": 0.0, "sigma_q2": 0.0}
    assert derive.slowdown(**det, epsilon=0.01) == pytest.approx(2.5, rel=1e-12)
    expected = 2 * 3 * 2 * 1.5 / (0.4 * 0.01)
    assert (
        pytest.approx(expected, rel=1e-12) == derive.iterations_to_accuracy(**det, epsilon=0.01).K
    )


# ----------------------------------------------------------------------------- T4
def test_beta_star_derived_and_a_minimum() -> None:
    derived = pl_schedule.symbolic()
    assert sp.simplify(derived.beta_star - 2 / (sy.c * sy.q_min)) == 0
    assert sp.simplify(derived.nu_star - 2 * sy.L * sy.S / (sy.c**2 * sy.q_min**2)) == 0
    assert derived.second_derivative.is_nonnegative  # L S; positive whenever S > 0
    assert sp.simplify(derived.gamma_min - (sy.beta * sy.L * sy.M_G - 1)) == 0


def test_beta_star_against_a_grid_and_t4_admissibility() -> None:
    point = {
        "c": 0.5,
        "q_min": 0.25,
        "L": 2.0,
        "M": 1.0,
        "M_G": 1.2,
        "sigma_q2": 0.5,
        "F1_gap": 1e-3,
    }
    best = derive.best_pl_schedule(**point)
    floor = 1 / (0.5 * 0.25)
    betas = np.linspace(floor * (1 + 1e-6), 20 * floor, 400_001)
    noise = betas**2 * 2.0 * 1.5 / (2 * (betas * 0.5 * 0.25 - 1))
    assert best.beta == pytest.approx(betas[noise.argmin()], rel=1e-3)
    assert best.beta == pytest.approx(16.0, rel=1e-15)
    # The recommended (beta, gamma) satisfies all of T4's hypotheses, and gamma is the least one.
    T4 = theorems.get("T4")
    assert T4.violated_hypotheses(**point, beta=best.beta, gamma=best.gamma, k=1) == ()
    smaller = T4.violated_hypotheses(**point, beta=best.beta, gamma=best.gamma * 0.99, k=1)
    assert smaller == ("first stepsize condition",)
    assert T4.evaluate(**point, beta=best.beta, gamma=best.gamma, k=1) == pytest.approx(
        best.nu / (best.gamma + 1), rel=1e-14
    )
    assert not best.full_precision_beta_admissible  # 2/c = 4 < 1/(c q_min) = 8


def test_full_precision_slope_is_compared_without_overflow() -> None:
    # 2/c > 1/(c q_min) exactly when q_min > 1/2; at c = 1e-310 both sides are inf in float64
    # and the naive comparison said False
    point = {"L": 1.0, "M": 0.01, "M_G": 1.0, "sigma_q2": 0.01, "F1_gap": 1.0, "c": 1e-310}
    assert derive.best_pl_schedule(**point, q_min=0.75).full_precision_beta_admissible
    assert not derive.best_pl_schedule(**point, q_min=0.5).full_precision_beta_admissible
    assert not (2.0 / 1e-310 > 1.0 / (1e-310 * 0.75))  # the naive form, shown wrong


# ----------------------------------------------------------------------------- C3
def test_compensation_derived_matches_c3() -> None:
    derived = compensation.symbolic()
    C3 = theorems.get("C3")
    assert sp.simplify(derived.bound - C3.bound) == 0
    assert sp.simplify(derived.cap - sy.q_min / (sy.L * sy.M_G)) == 0
    assert sp.simplify(derived.floor - C3.floor) == 0
    assert derived.floor_ratio == 1 / sy.q_min
    assert derived.transient_ratio == sy.q_min
    assert derived.cap_ratio == sy.q_min


def test_compensated_stepsize_numbers() -> None:
    assert derive.compensated_stepsize(0.25, 0.5, 1.0, 2.0) == 0.5
    with pytest.raises(ValueError, match="compensated stepsize condition"):
        derive.compensated_stepsize(0.3, 0.5, 1.0, 2.0)
    with pytest.raises(ValueError, match="q_min must satisfy 0 < q_min <= 1"):
        derive.compensated_stepsize(0.1, 0.0, 1.0, 2.0)


# ----------------------------------------------------------------------------- T2
@pytest.mark.parametrize(
    ("schedule", "diverges", "squares", "satisfied"),
    [
        (schedules.constant(0.1), True, False, False),
        (schedules.harmonic(1.0, 2.0), True, True, True),
        (schedules.inv_sqrt(0.5), True, False, False),
        (schedules.power(1.0, 0.75), True, True, True),
        (schedules.power(1.0, 1.0), True, True, True),
        (schedules.power(1.0, 0.5), True, False, False),
        (schedules.power(1.0, 1.5), False, True, False),
        (schedules.step_decay(1.0, 0.5, 10), False, True, False),
        (schedules.warmup_then(schedules.harmonic(1.0, 1.0), 100), True, True, True),
        (schedules.warmup_then(schedules.constant(0.1), 100), True, False, False),
        (schedules.join([schedules.harmonic(1.0, 1.0), 0.1], [10]), True, False, False),
    ],
    ids=lambda x: getattr(x, "name", str(x)),
)
def test_robbins_monro_decisions(
    schedule: schedules.Schedule, diverges: bool, squares: bool, satisfied: bool
) -> None:
    decision = derive.robbins_monro(schedule)
    assert (decision.sum_diverges, decision.squares_converge, decision.satisfied) == (
        diverges,
        squares,
        satisfied,
    )


def test_robbins_monro_family_of_powers_is_the_interval() -> None:
    decision = derive.robbins_monro(schedules.power(1.0, 0.5).template)
    assert decision.exponent == schedules.A
    assert decision.satisfied == sp.Interval.Lopen(sp.Rational(1, 2), 1)
    assert decision.sum_diverges == sp.Interval.Lopen(0, 1)
    assert decision.squares_converge == sp.Interval.open(sp.Rational(1, 2), sp.oo)
    step = derive.robbins_monro(schedules.step_decay(1.0, 0.5, 3).template)
    assert step.exponent == sp.oo
    assert step.satisfied is False


def test_robbins_monro_agrees_with_partial_sums() -> None:
    # Numeric sanity on 10^6 terms: the decided-divergent sums keep growing, the convergent
    # square sums settle (increments over the last half are small against the total).
    k = np.arange(1, 10**6 + 1, dtype=np.float64)
    for schedule in (schedules.harmonic(1.0, 2.0), schedules.power(1.0, 0.75)):
        partial = np.cumsum(schedule(k))
        squares = np.cumsum(schedule(k) ** 2)
        half = len(k) // 2
        assert partial[-1] - partial[half] > 0.5  # harmonic: beta ln 2; power: ~20
        assert squares[-1] - squares[half] < 1e-3  # tails ~1e-6 and ~8e-4
    assert derive.robbins_monro(schedules.harmonic(1.0, 2.0)).satisfied


def test_undecidable_edge_is_reported_not_guessed() -> None:
    # 1/(k log(k+1)^2): exponent 1 but k*mu_k -> 0, so the power test cannot decide the sum.
    with pytest.raises(NotImplementedError, match="inconclusive"):
        derive.robbins_monro(1 / (sy.k * sp.log(sy.k + 1) ** 2))


@given(
    K=st.integers(1, 10**6),
    q_min=st.floats(0.05, 1.0),
    S=st.floats(0.0, 4.0),
    fraction=st.floats(1e-4, 1.0),
)
@example(K=1, q_min=1.0, S=0.0, fraction=1.0)
@example(K=13, q_min=0.4, S=2.0, fraction=0.5)  # just below K_switch = 13.5 of NOISY
def test_optimal_stepsize_beats_every_admissible_stepsize(
    K: int, q_min: float, S: float, fraction: float
) -> None:
    constants = {**NOISY, "q_min": q_min, "M": S / 2, "sigma_q2": S / 2}
    optimum = derive.optimal_fixed_stepsize(**constants, K=K)
    mu = fraction / (NOISY["L"] * NOISY["M_G"])
    assert optimum.bound <= T1.evaluate(**constants, K=K, mu=mu) * (1 + 1e-12)
    assert optimum.mu <= optimum.cap[()] * (1 + 1e-15)


def test_a_wrong_optimum_is_caught_by_the_grid() -> None:
    # Planted: docs/spec.md's mu* without the factor 2 (sqrt(Delta/(K L S))) is beaten on the grid.
    K = 1000
    S = NOISY["M"] + NOISY["sigma_q2"]
    wrong = np.sqrt(NOISY["Delta"] / (K * NOISY["L"] * S))
    cap = 1 / (NOISY["L"] * NOISY["M_G"])
    grid = np.linspace(cap / 200_000, cap, 200_000)
    assert T1.evaluate(**NOISY, K=K, mu=wrong) > T1.evaluate(**NOISY, K=K, mu=grid).min() * 1.01


# ------------------------------------------------------------------- refined (issue 12)
T1_SHARP = theorems.get("T1.sharp")


@pytest.mark.parametrize("K", [1, 10, 10_000])
def test_sharp_stepsize_against_a_dense_grid(K: int) -> None:
    from bounds.derive import refined

    optimum = refined.sharp_fixed_stepsize(**NOISY, K=K)
    cap = 1 / (NOISY["L"] * NOISY["M_G"])
    grid = np.linspace(cap / 200_000, cap, 200_000)
    values = T1_SHARP.evaluate(**NOISY, K=K, mu=grid)
    assert optimum.bound <= values.min() * (1 + 1e-12)
    assert optimum.bound == pytest.approx(values.min(), rel=1e-6)
    # never above the paper's optimum, at a step no larger than the paper's
    paper = derive.optimal_fixed_stepsize(**NOISY, K=K)
    assert optimum.bound <= paper.bound
    assert optimum.mu <= paper.mu * (1 + 1e-12)


def test_sharp_stepsize_without_noise_is_the_cap() -> None:
    from bounds.derive import refined

    quiet = {**NOISY, "M": 0.0, "sigma_q2": 0.0}
    optimum = refined.sharp_fixed_stepsize(**quiet, K=100)
    assert optimum.regime == "capped"
    assert optimum.mu == pytest.approx(1 / (NOISY["L"] * NOISY["M_G"]))


def test_sharp_pl_schedule_is_admissible_and_best_at_the_least_offset() -> None:
    from bounds.derive import refined

    point = {"c": 0.5, "q_min": 0.25, "L": 2.0, "M": 1.0, "M_G": 1.2, "sigma_q2": 0.5}
    point["F1_gap"] = 1e-3
    best = refined.sharp_pl_schedule(**point)
    assert best.beta == pytest.approx(2 / (0.5 * 0.25 * (2 - 0.25)), rel=1e-14)
    T4_SHARP = theorems.get("T4.sharp")
    assert T4_SHARP.violated_hypotheses(**point, beta=best.beta, gamma=best.gamma, k=1) == ()
    # on a grid of beta, each at its least gamma, T4.sharp's nu is least at beta*
    betas = np.linspace(best.slope_floor * 0.6, 20 * best.slope_floor, 200_001)
    gammas = betas * 2.0 * 1.2 - 1
    ok = np.ones_like(betas, dtype=bool)
    for mask in T4_SHARP.hypothesis_mask(**point, beta=betas, gamma=gammas, k=1).values():
        ok &= np.broadcast_to(mask, betas.shape)
    nu = T4_SHARP.evaluate_unchecked(**point, beta=betas, gamma=gammas, k=1) * (gammas + 1)
    assert best.nu <= nu[ok].min() * (1 + 1e-9)
    assert best.beta == pytest.approx(betas[ok][nu[ok].argmin()], rel=1e-3)
    assert best.nu <= derive.best_pl_schedule(**point).nu


def test_known_q_compensation_numbers() -> None:
    from bounds.derive import refined

    given = {"L": 2.0, "M_G": 1.25, "Delta": 1.5, "M": 0.3, "sigma_q2": 0.05, "K": 1000}
    result = refined.known_q_compensation(**given, mu=np.array([0.2, 0.5]), q=0.5)
    assert result.nominal.tolist() == pytest.approx([0.4, 1.0])
    assert result.cap.tolist() == pytest.approx([0.4, 0.4])
    assert result.admissible.tolist() == [True, False]
    assert np.isnan(result.bound[1])
    C3K = theorems.get("C3.known_q")
    assert result.bound[0] == pytest.approx(C3K.evaluate(**given, mu=0.2, q=0.5))
