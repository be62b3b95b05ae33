"""C2: optimal fixed stepsize, its bound, K(eps) and the slowdown (the statement as stated)."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.theorems import c2_slowdown as c2
from tests.bounds.theorems._limits import assert_floor_and_rate

C2 = theorems.get("C2")


def test_hand_computed_value() -> None:
    # Delta = L = M = sigma_q2 = 1 (S = 2), K = 100: mu* = sqrt(2/200) = 1/10 <= 1;
    # bound 2 sqrt(4/100)/(1/2) = 4/5.
    value = C2.evaluate(Delta=1, L=1, M=1, sigma_q2=1, K=100, q_min=0.5, M_G=1)
    assert value == pytest.approx(0.8, rel=1e-15)


def test_bound_is_t1_at_mu_star_and_k_eps_inverts_it() -> None:
    t1 = theorems.get("T1").bound
    assert sp.simplify(t1.subs(sy.mu, c2.MU_STAR) - C2.bound) == 0
    assert sp.simplify(C2.bound.subs(sy.K, c2.K_EPS) - sy.epsilon) == 0
    assert sp.simplify(c2.K_EPS / c2.K_EPS_FULL - c2.SLOWDOWN) == 0
    deterministic = t1.subs({sy.M: 0, sy.sigma_q2: 0, sy.mu: 1 / (sy.L * sy.M_G)})
    assert sp.simplify(deterministic.subs(sy.K, c2.K_EPS_DETERMINISTIC) - sy.epsilon) == 0
    full = c2.K_EPS_DETERMINISTIC.subs(sy.q_min, 1)
    assert sp.simplify(c2.K_EPS_DETERMINISTIC / full - c2.SLOWDOWN_DETERMINISTIC) == 0


def test_floor_rate_and_regime() -> None:
    assert_floor_and_rate(C2, sp.Integer(0))
    # K = 1, Delta = 8, S = 1, L = 1: mu* = 4 > 1/(L M_G) = 1 -> outside the regime
    assert C2.violated_hypotheses(Delta=8, L=1, M=1, sigma_q2=0, K=1, q_min=1, M_G=1) == (
        "noise-dominated regime",
    )
