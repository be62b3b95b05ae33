"""The vectorized simulator: reproducibility, the synthetic model's statistics, Lemma 1 and T3
on simulated runs, divergence handling, interruption, and argument validation.

Statistical checks state their level and seed; multiple comparisons are Bonferroni-corrected.
"""

from __future__ import annotations

from dataclasses import fields
from statistics import NormalDist

import numpy as np
import pytest

import simulate
from simulate import noise, problems
from simulate.quantizer import Quantizer, SyntheticShrinkage
from simulate.trajectory import Trajectory


def z_for(level: float, tests: int = 1) -> float:
    return NormalDist().inv_cdf(1 - (1 - level) / (2 * tests))


def same_bits(a: Trajectory, b: Trajectory) -> bool:
    return all(
        np.asarray(getattr(a, f.name)).tobytes() == np.asarray(getattr(b, f.name)).tobytes()
        for f in fields(Trajectory)
        if f.name != "meta"
    )


QUAD = problems.quadratic(np.linspace(0.2, 1.0, 10), seed=3)


def synthetic_run(seed: int, stepsize: object = 0.3, steps: int = 60) -> Trajectory:
    return simulate.run(
        QUAD,
        steps=steps,
        replicas=64,
        stepsize=stepsize,
        seed=seed,
        noise=noise.GaussianNoise(0.2, 0.5),
        gradient_quantizer=SyntheticShrinkage(0.3, sigma_q2=0.1),
    )


def test_same_seed_same_bits_and_another_seed_differs() -> None:
    assert same_bits(synthetic_run(1), synthetic_run(1))
    assert not same_bits(synthetic_run(1), synthetic_run(2))


def test_float_and_constant_schedule_give_the_same_run() -> None:
    assert same_bits(synthetic_run(4, 0.3), synthetic_run(4, lambda k: np.full(k.shape, 0.3)))
    schedule = synthetic_run(4, lambda k: 1.0 / (2.0 + k))
    assert np.array_equal(schedule.stepsize, 1.0 / (2.0 + np.arange(1, 61)))


def test_synthetic_model_statistics() -> None:
    # seed 8; level 99.9% for 2 tests (Bonferroni). q ~ U[0.25, 1]: mean 0.625, variance
    # 0.75²/12 per draw; ‖eps‖² = (σ²/d) χ²_d: mean σ², variance 2σ⁴/d per draw.
    model = SyntheticShrinkage(0.25, 1.0, sigma_q2=0.4)
    replicas, steps = 256, 40
    run = simulate.run(
        QUAD, steps=steps, replicas=replicas, stepsize=0.1, seed=8, gradient_quantizer=model
    )
    draws = replicas * steps
    z = z_for(0.999, 2)
    assert abs(run.q_mean.mean() - 0.625) <= z * 0.75 / np.sqrt(12 * draws)
    assert abs(run.eps_sq_mean.mean() - 0.4) <= z * 0.4 * np.sqrt(2 / QUAD.dim / draws)
    assert np.all(run.q_min >= 0.25)
    assert np.all(run.q_max <= 1.0)
    assert np.all(run.underflow == 0)
    assert np.all(run.saturated == 0)
    fixed = simulate.run(
        QUAD,
        steps=5,
        replicas=8,
        stepsize=0.1,
        gradient_quantizer=SyntheticShrinkage(0.4, law="fixed"),
    )
    # measured by projection (docs/spec.md section 4), which returns the model's q up to rounding
    assert np.allclose(fixed.q_min, 0.4, rtol=1e-15, atol=0)
    assert np.allclose(fixed.q_max, 0.4, rtol=1e-15, atol=0)
    assert np.all(fixed.eps_sq_mean <= 1e-30 * fixed.grad_sq_mean[:-1])


def test_lemma1_effective_stepsize_and_a_planted_full_step_is_rejected() -> None:
    # seed 9; level 99.9% Bonferroni over d coordinates. One step from a common x_1:
    # E[x_2] = x_1 - mu q ∇F(x_1) (Lemma 1) with q = 0.5 fixed.
    mu, q, replicas = 0.4, 0.5, 20000
    run = simulate.run(
        QUAD,
        steps=1,
        replicas=replicas,
        stepsize=mu,
        seed=9,
        noise=noise.GaussianNoise(0.5),
        gradient_quantizer=SyntheticShrinkage(q, law="fixed", sigma_q2=0.3),
    )
    x1 = QUAD.x0
    grad = QUAD.grad(x1[None])[0]
    mean = run.x_final.mean(axis=0)
    sd = run.x_final.std(axis=0, ddof=1)
    bound = z_for(0.999, QUAD.dim) * sd / np.sqrt(replicas)
    assert np.all(np.abs(mean - (x1 - mu * q * grad)) <= bound)
    assert not np.all(np.abs(mean - (x1 - mu * grad)) <= bound)


def test_T3_bound_holds_on_a_simulated_PL_run() -> None:
    # T3: E[F - F*] ≤ L mu S/(2 c q_min) + (1 - mu c q_min)^(k-1) (F(x_1) - F* - floor);
    # the lower end of the 99.9% interval (seed 10) must not exceed it at any k.
    M, q_min, sigma_q2, mu = 0.5, 0.3, 0.2, 0.5
    assert mu <= 1 / QUAD.L
    run = simulate.run(
        QUAD,
        steps=300,
        replicas=256,
        stepsize=mu,
        seed=10,
        noise=noise.GaussianNoise(M),
        gradient_quantizer=SyntheticShrinkage(q_min, sigma_q2=sigma_q2),
    )
    c, L, S = QUAD.c, QUAD.L, M + sigma_q2
    assert c is not None
    floor = L * mu * S / (2 * c * q_min)
    k = np.arange(1, 302)
    bound = floor + (1 - mu * c * q_min) ** (k - 1) * (run.gap_mean[0] - floor)
    assert np.all(run.gap_low <= bound)
    # the run does reach a floor of the predicted order (the bound is loose by ~L/c = 5 and
    # E[q²]/q_min; it is not vacuous): within 50x
    assert run.gap_mean[-1] >= floor / 50


def test_divergent_replicas_are_counted_frozen_and_the_run_completes() -> None:
    replicas = 12
    start = np.repeat(QUAD.x0[None], replicas, axis=0)
    assert QUAD.x_star is not None
    start[:5] = QUAD.x_star  # ∇F = 0 exactly: these never move
    run = simulate.run(QUAD, steps=2000, replicas=replicas, stepsize=50.0, x0=start)
    assert run.steps == 2000
    assert not run.interrupted
    assert run.diverged[0] == 0
    assert run.diverged[-1] == 7
    assert np.all(np.diff(run.diverged) >= 0)
    assert run.alive.tolist() == [True] * 5 + [False] * 7
    assert np.all(np.isfinite(run.x_final))  # frozen at the last finite iterate
    assert run.gap_mean[-1] == 0.0
    assert np.isfinite(run.grad_sq_high[-1])


def test_keyboard_interrupt_keeps_the_partial_trajectory() -> None:
    calls = {"n": 0}

    def grad(x: np.ndarray) -> np.ndarray:
        calls["n"] += 1
        if calls["n"] == 8:  # 1 shape probe + the start + 5 steps, then Ctrl-C
            raise KeyboardInterrupt
        return x

    problem = problems.from_callables(
        lambda x: 0.5 * np.sum(x * x, axis=1), grad, dim=3, L=1.0, F_inf=0.0, x0=np.ones(3)
    )
    run = simulate.run(problem, steps=100, replicas=4, stepsize=0.5)
    assert run.interrupted
    assert run.steps == 5
    assert run.gap_mean.shape == (6,)
    assert run.q_mean.shape == (5,)
    assert run.gap_mean.tolist() == [1.5 * 0.25**k for k in range(6)]
    assert np.array_equal(run.x_final, np.full((4, 3), 0.5**5))


def test_progress_bar_can_be_shown(capsys: pytest.CaptureFixture[str]) -> None:
    simulate.run(QUAD, steps=3, replicas=2, stepsize=0.1, progress=True)
    assert "sgd" in capsys.readouterr().err
    simulate.run(QUAD, steps=3, replicas=2, stepsize=0.1, progress=False)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"steps": 0}, "steps must be an integer >= 1"),
        ({"replicas": 2.5}, "replicas must be an integer >= 1"),
        ({"stepsize": -1.0}, "stepsize must be a finite real number with stepsize > 0"),
        ({"stepsize": "0.1"}, "stepsize must be a finite real number"),
        ({"stepsize": True}, "stepsize must be a finite real number"),
        ({"seed": "x"}, "seed must be an integer >= 0"),
        ({"seed": -1}, "seed must be an integer >= 0"),
        ({"replicas": 10**10}, "needs about .* of memory; .* is available"),
        ({"steps": 10**12}, "needs about .* of memory; .* is available"),
        ({"stepsize": lambda k: np.ones(3)}, "stepsize must be a float or a vectorized"),
        ({"x0": np.zeros(3)}, "x0 must have shape"),
        ({"loss_scale": -2.0}, "loss_scale must be a finite real number with 0 < loss_scale"),
        ({"loss_scale": "2"}, "loss_scale must be a positive float or a loss scaler"),
        ({"level": 1.5}, "level must be a finite real number with 0 < level"),
    ],
)
def test_bad_arguments_are_rejected(kwargs: dict, message: str) -> None:
    arguments = {"steps": 5, "replicas": 2, "stepsize": 0.1, **kwargs}
    with pytest.raises(ValueError, match=message):
        simulate.run(QUAD, **arguments)


# --- real formats ----------------------------------------------------------------------


def test_low_precision_weights_stall_under_rne_and_move_under_sr() -> None:
    # F = 0.005‖x‖² from x = 1: the update mu ∇F = 0.0015 is below half of bf16's spacing
    # 2^-8 just below 1, so round-to-nearest weights never move; stochastic rounding moves
    # them with probability 0.0015/2^-8 per step, unbiased
    problem = problems.from_callables(
        lambda x: 0.005 * np.sum(x * x, axis=1),
        lambda x: 0.01 * x,
        dim=16,
        L=0.01,
        F_inf=0.0,
        x0=np.ones(16),
        c=0.01,
    )
    arguments = {"steps": 400, "replicas": 32, "stepsize": 0.15, "seed": 11}
    rne = simulate.run(problem, weight_quantizer=Quantizer("bf16", "rne"), **arguments)
    assert np.all(rne.stalled == 1.0)
    assert np.all(rne.gap_mean == rne.gap_mean[0])
    sr = simulate.run(problem, weight_quantizer=Quantizer("bf16", "sr"), **arguments)
    assert sr.stalled.mean() < 0.95
    assert sr.gap_high[-1] < sr.gap_low[0]  # progress, at 99.9% on both ends
    master = simulate.run(problem, update_quantizer=Quantizer("bf16", "rne"), **arguments)
    assert master.gap_high[-1] < sr.gap_low[-1] * 1.5  # fp32-style master weights keep moving
    assert np.all(master.stalled == 0.0)


def test_fp8_sr_run_is_reproducible_and_measures_q_near_1() -> None:
    arguments = {
        "steps": 30,
        "replicas": 32,
        "stepsize": 0.3,
        "noise": noise.GaussianNoise(0.05),
        "gradient_quantizer": Quantizer("fp8_e4m3", "sr"),
    }
    a = simulate.run(QUAD, seed=13, **arguments)
    assert same_bits(a, simulate.run(QUAD, seed=13, **arguments))
    assert not same_bits(a, simulate.run(QUAD, seed=14, **arguments))
    # per-step mean of q over 32 replicas: unbiased rounding keeps it near 1
    assert abs(a.q_mean.mean() - 1) < 0.01
    assert np.all(a.eps_sq_mean > 0)


def test_saturation_is_counted() -> None:
    steep = problems.quadratic(np.full(8, 1000.0), rotate=False, seed=15)
    run = simulate.run(
        steep, steps=3, replicas=4, stepsize=1e-4, gradient_quantizer=Quantizer("fp8_e4m3", "rne")
    )
    assert run.saturated[0] > 0.5
    assert run.steps == 3


def test_T3_holds_with_minibatch_noise_and_its_proved_constants() -> None:
    # logistic regression, minibatches of 4: (M, M_V) from MinibatchNoise.variance_constants
    # (proved in simulate.noise); seed 18, lower end of the 99.9% interval against T3
    problem = problems.logistic_regression(200, 5, l2=0.05, seed=18)
    model = noise.MinibatchNoise(4)
    M, M_V = model.variance_constants(problem)
    mu = 1 / (problem.L * (1 + M_V))
    run = simulate.run(problem, steps=200, replicas=128, stepsize=mu, seed=18, noise=model)
    assert problem.c is not None
    floor = problem.L * mu * M / (2 * problem.c)
    k = np.arange(1, 202)
    bound = floor + (1 - mu * problem.c) ** (k - 1) * (run.gap_mean[0] - floor)
    assert np.all(run.gap_low <= bound)
    assert run.diverged[-1] == 0


def test_T1_holds_on_the_non_convex_problem_with_synthetic_shrinkage() -> None:
    # T1: (1/K) Σ E‖∇F(x_k)‖² ≤ 2Δ/(K mu q_min) + L mu S/q_min, Geman-McClure (A1 only);
    # seed 19, the lower end of the 99.9% interval of the average must not exceed it
    problem = problems.geman_mcclure(np.linspace(0.5, 2.0, 12), seed=19)
    M, q_min, sigma_q2, steps = 0.3, 0.4, 0.1, 300
    mu = 1 / problem.L
    run = simulate.run(
        problem,
        steps=steps,
        replicas=256,
        stepsize=mu,
        seed=19,
        noise=noise.GaussianNoise(M),
        gradient_quantizer=SyntheticShrinkage(q_min, sigma_q2=sigma_q2),
    )
    delta = run.gap_mean[0]  # F_inf = 0 and every replica starts at x0
    bound = 2 * delta / (steps * mu * q_min) + problem.L * mu * (M + sigma_q2) / q_min
    assert run.grad_sq_low[:steps].mean() <= bound
    assert run.grad_sq_mean[:steps].mean() >= bound / 100  # not vacuous


def test_fp16_gradient_underflow_is_measured_and_loss_scaling_removes_it() -> None:
    tiny = problems.quadratic(1.5e-8 * np.linspace(0.05, 1.0, 64), seed=12)
    arguments = {"steps": 20, "replicas": 16, "stepsize": 1e6, "seed": 12}
    plain = simulate.run(tiny, gradient_quantizer=Quantizer("fp16", "rne"), **arguments)
    assert np.all(plain.underflow > 0.5)
    assert np.all(plain.q_mean < 1.0)
    scaled = simulate.run(
        tiny, gradient_quantizer=Quantizer("fp16", "rne"), loss_scale=2.0**24, **arguments
    )
    assert np.all(scaled.underflow == 0.0)
    assert np.all(np.abs(scaled.q_mean - 1) <= 2.0**-11)
    assert np.all(scaled.loss_scale == 2.0**24)
    assert scaled.gap_mean[-1] < plain.gap_mean[-1]


def test_dynamic_loss_scaling_backs_off_skips_and_recovers() -> None:
    from simulate.loss_scaling import DynamicLossScaler

    # gradients up to 5.1 in fp16: s * 5.1 overflows 65504 for s >= 2^14, so the first three
    # steps are skipped while the scale halves to 2^13, then every step goes through
    problem = problems.quadratic(np.linspace(1.0, 4.0, 8), rotate=False, seed=20)
    replicas = 8
    scaler = DynamicLossScaler(init_scale=2.0**16, replicas=replicas)
    run = simulate.run(
        problem,
        steps=40,
        replicas=replicas,
        stepsize=0.1,
        seed=20,
        gradient_quantizer=Quantizer("fp16", "rne"),
        loss_scale=scaler,
    )
    assert run.skipped[:3].tolist() == [replicas] * 3
    assert run.skipped[3:].sum() == 0
    assert run.loss_scale[:4].tolist() == [2.0**16, 2.0**15, 2.0**14, 2.0**13]
    assert run.diverged[-1] == 0  # skipped steps are not divergence
    assert run.gap_mean[-1] < run.gap_mean[0] / 10
    assert np.all(run.underflow == 0)


@pytest.mark.parametrize("name", ["mxfp8_e4m3", "mxfp4", "nvfp4"])
def test_block_format_gradients_in_a_run(name: str) -> None:
    run = simulate.run(
        QUAD,
        steps=50,
        replicas=16,
        stepsize=0.5,
        seed=21,
        gradient_quantizer=Quantizer(name, "sr"),
    )
    assert run.meta["gradient_quantizer"]["format"] == name
    assert run.diverged[-1] == 0
    assert run.gap_mean[-1] < run.gap_mean[0] / 100
    assert np.all(np.abs(run.q_mean - 1) < 0.2)
