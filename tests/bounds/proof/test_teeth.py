"""Teeth: plausible wrong steps of the paper's proofs, each refuted with an exact counterexample.

Each wrong step is stated as the claim that it follows from the previous step under the stated
hypotheses (docs/spec.md sections 2-3); its correct twin is proved, so the test shows the
checker can tell them apart rather than refusing everything.
"""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import prove
from bounds.proof.chain import relation_of
from bounds.symbols import M_G, L, M, beta, c, gamma, k, mu, q_k, q_min, sigma_q2
from bounds.symbols import grad_norm2 as G

S = M + sigma_q2
D_k, D_next, nu = sp.symbols("D_k D_next nu", nonnegative=True)

# Lemma 3, first form -> simplified form (docs/spec.md section 2).
L3_LHS = -mu * q_k * G + L * mu**2 / 2 * (q_k**2 * (M + M_G * G) + sigma_q2)
L3_RHS = -(mu * q_min / 2) * G + L * mu**2 / 2 * S
Q_RANGE = [M_G >= 1, q_min <= q_k, q_k <= 1, q_min <= 1]
L3_GIVEN = [mu <= 1 / (L * M_G), *Q_RANGE]

# T3: Lemma 3 + PL give the one-step recursion on D_k = E[F(x_k) - F_star].
T3_GIVEN = [
    D_next <= D_k - (mu * q_min / 2) * G + L * mu**2 / 2 * S,
    2 * c * D_k <= G,
    mu <= 1 / (L * M_G),
    M_G >= 1,
    q_min <= 1,
    c <= L,
]
T3_RHS = (1 - mu * c * q_min) * D_k + L * mu**2 / 2 * S

# T4's inductive step: recursion with mu_k = beta/(gamma + k) and the induction hypothesis.
K_HAT = gamma + k
MU_K = beta / K_HAT
T4_COMMON = [
    D_next <= (1 - MU_K * c * q_min) * D_k + L * MU_K**2 / 2 * S,
    D_k <= nu / K_HAT,
    MU_K * c * q_min <= 1,
]

WRONG_STEPS = {
    "Lemma 3 simplified with q_min replaced by 1": (
        -(mu / 2) * G + L * mu**2 / 2 * S >= L3_LHS,
        L3_GIVEN,
    ),
    "Lemma 3 simplified under mu <= 2/(L M_G)": (
        L3_LHS <= L3_RHS,
        [mu <= 2 / (L * M_G), *Q_RANGE],
    ),
    "T3 recursion with the full-precision contraction 1 - mu c": (
        D_next <= (1 - mu * c) * D_k + L * mu**2 / 2 * S,
        T3_GIVEN,
    ),
    "T3 recursion without sigma_q2": (
        D_next <= (1 - mu * c * q_min) * D_k + L * mu**2 / 2 * M,
        T3_GIVEN,
    ),
    "T4 induction step with beta > 1/c instead of beta > 1/(c q_min)": (
        D_next <= nu / (K_HAT + 1),
        [*T4_COMMON, beta > 1 / c, nu >= beta**2 * L * S / (2 * (beta * c - 1))],
    ),
}


@pytest.mark.parametrize("name", sorted(WRONG_STEPS))
def test_wrong_step_is_refuted_with_exact_counterexample(name: str) -> None:
    claim, given = WRONG_STEPS[name]
    result = prove(claim, given=given)
    assert result.status == "refuted", result.explanation
    point = result.counterexample
    assert point is not None
    assert all(isinstance(v, sp.Rational) for v in point.values())
    # Re-check independently of the searcher: every hypothesis holds, the claim fails.
    for hyp in given:
        symbols = {s: point[s.name] for s in hyp.free_symbols}
        assert bool(hyp.xreplace(symbols)), (hyp, point)
    lhs, rel, rhs = relation_of(claim)
    subs = {s: point[s.name] for s in claim.free_symbols}
    difference = sp.Rational((rhs - lhs).xreplace(subs))
    assert difference < 0 if rel == "<=" else difference <= 0


@pytest.mark.parametrize(
    ("name", "claim", "given"),
    [
        ("Lemma 3 simplified", L3_LHS <= L3_RHS, L3_GIVEN),
        ("T3 recursion", D_next <= T3_RHS, T3_GIVEN),
    ],
)
def test_correct_twin_is_proved(name: str, claim: sp.Basic, given: list[sp.Basic]) -> None:
    result = prove(claim, given=given)
    assert result.status == "proved", (name, result.explanation)


@pytest.mark.slow
def test_t4_step_with_the_low_precision_condition_is_proved() -> None:
    # The LP certificate found: 2 k^2 (nu - (k+1) D_next) = (k+1)*rec + 2(k+1)*IH*cond
    # + (k+1)*nu_hyp + 2 nu, with k standing for gamma + k (10-25 s of exact simplex).
    given = [
        *T4_COMMON,
        beta > 1 / (c * q_min),
        nu >= beta**2 * L * S / (2 * (beta * c * q_min - 1)),
    ]
    result = prove(D_next <= nu / (K_HAT + 1), given=given)
    assert result.status == "proved", result.explanation
