"""L2: E_k‖ĝ_k‖² <= q_k²(M + M_G‖∇F‖²) + sigma_q2."""

from __future__ import annotations

import numpy as np

from bounds import theorems

L2 = theorems.get("L2")


def test_hand_computed_value() -> None:
    # q_k = 1/2, M = 1, M_G = 2, ‖∇F‖² = 3, sigma_q2 = 1: (1/4)(1 + 6) + 1 = 11/4.
    assert L2.evaluate(q_k=0.5, M=1.0, M_G=2.0, grad_norm2=3.0, sigma_q2=1.0) == 2.75


def test_monotone_in_q_k_and_vectorized() -> None:
    q = np.linspace(0.1, 1.0, 10)
    values = L2.evaluate(q_k=q, M=1.0, M_G=2.0, grad_norm2=3.0, sigma_q2=1.0)
    assert values.shape == (10,)
    assert np.all(np.diff(values) > 0)
    violated = L2.violated_hypotheses(q_k=1.2, M=1.0, M_G=2.0, grad_norm2=3.0, sigma_q2=-1.0)
    assert violated == ("A3: q_k <= 1", "A4: sigma_q2 >= 0")
