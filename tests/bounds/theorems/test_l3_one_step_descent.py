"""L3: one-step descent, general form and under the stepsize condition."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.theorems import l3_one_step_descent as l3

L3 = theorems.get("L3")


def test_hand_computed_value() -> None:
    # mu_k = 1/4, q_min = 1/2, ‖∇F‖² = 4, L = 2, M = sigma_q2 = 1, M_G = 2 (cap 1/4):
    # -(1/4 * 1/2 / 2) * 4 + 2 * (1/16)/2 * 2 = -1/4 + 1/8 = -1/8.
    value = L3.evaluate(mu_k=0.25, q_min=0.5, grad_norm2=4.0, L=2.0, M=1.0, sigma_q2=1.0, M_G=2.0)
    assert value == -0.125


def test_stepsize_condition() -> None:
    with pytest.raises(ValueError, match=r"'stepsize condition'.*L, M_G, mu_k"):
        L3.evaluate(mu_k=0.3, q_min=0.5, grad_norm2=4.0, L=2.0, M=1.0, sigma_q2=1.0, M_G=2.0)


def test_general_form_is_lemma_2_in_the_descent_lemma() -> None:
    # F(y) - F(x) <= grad^T (y - x) + L/2 ‖y - x‖² with E_k[y - x] = -mu_k q_k grad (L1) and
    # E_k‖y - x‖² = mu_k² E_k‖ĝ‖² <= mu_k² * (L2's bound).
    l2_bound = theorems.get("L2").bound
    rebuilt = -sy.mu_k * sy.q_k * sy.grad_norm2 + sy.L / 2 * sy.mu_k**2 * l2_bound
    assert sp.simplify(l3.GENERAL - rebuilt) == 0


def test_stated_bound_dominates_general_form_at_the_cap_on_a_grid() -> None:
    # A numeric spot check of the implication (the proof checker certifies it symbolically).
    import numpy as np

    q_k = np.linspace(0.2, 1.0, 9)[:, None]
    g2 = np.linspace(0.0, 5.0, 11)[None, :]
    point = {sy.L: 2, sy.M: 1, sy.sigma_q2: 1, sy.M_G: 2, sy.mu_k: sp.Rational(1, 4)}
    general = sp.lambdify((sy.q_k, sy.grad_norm2), l3.GENERAL.subs(point))(q_k, g2)
    stated = sp.lambdify((sy.q_min, sy.grad_norm2), L3.bound.subs(point))(0.2, g2)
    assert np.all(general <= stated + 1e-12)
