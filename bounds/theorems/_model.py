"""The model of SPEC section 2 as named hypotheses over opaque one-step quantities.

The random quantities of step ``k`` are symbols (``F_next = F(x_{k+1})``,
``ghat_sq = ||ĝ_k||²``, ``eps_g = eps_kᵀ g_k``, ...) linked only by the model's definitions and
the assumptions A1-A4, each a named hypothesis a proof step must cite. Total expectations
along the run are the unevaluated functions ``EF(k) = E[F(x_k)]`` and
``EG(k) = E||∇F(x_k)||²``. The names agree with those of the proof checker's own library, so
chains built on either compare equal.
"""

from __future__ import annotations

import sympy as sp

from bounds.proof.expectation import Ek
from bounds.symbols import M_G, Delta, F_inf, K, L, M, c, mu, q_k, q_min, sigma_q2
from bounds.symbols import grad_norm2 as G

__all__ = [
    "DETERMINISTIC",
    "EF",
    "EG",
    "MEASURABLE",
    "MODEL",
    "F_k",
    "F_next",
    "eps_g",
    "eps_grad",
    "eps_sq",
    "g_grad",
    "g_sq",
    "ghat_grad",
    "ghat_sq",
]

# Random quantities of one step (real-valued; their signs come only from hypotheses).
F_k, F_next = sp.symbols("F_k F_next", real=True)
ghat_grad, g_grad, eps_grad, eps_g = sp.symbols("ghat_grad g_grad eps_grad eps_g", real=True)
ghat_sq, g_sq, eps_sq = sp.symbols("ghat_sq g_sq eps_sq", nonnegative=True)
EF = sp.Function("EF", real=True)
EG = sp.Function("EG", nonnegative=True)

#: Symbols fixed by the history up to x_k (E_k pulls them out).
MEASURABLE = (F_k, G, mu, q_k, q_min, L, M, M_G, sigma_q2, c)
#: Symbols that are not random at all (E pulls them out).
DETERMINISTIC = (mu, q_min, L, M, M_G, sigma_q2, c, K, Delta, F_inf)

MODEL: dict[str, sp.Basic] = {
    # A1, the descent lemma at y = x_{k+1} = x_k - mu ĝ_k (restated per stepsize by callers).
    "A1: descent lemma": F_next <= F_k - mu * ghat_grad + L * mu**2 / 2 * ghat_sq,
    # ĝ_k = q_k g_k + eps_k, expanded by bilinearity of the inner product.
    "model: <grad, ĝ>": sp.Eq(ghat_grad, q_k * g_grad + eps_grad),
    "model: ||ĝ||²": sp.Eq(ghat_sq, q_k**2 * g_sq + 2 * q_k * eps_g + eps_sq),
    "A2: unbiased": sp.Eq(Ek(g_grad), G),
    "A2: second moment": Ek(g_sq) <= M + M_G * G,
    # E_k[eps | g] = 0 gives, by the tower rule, zero correlation with g_k and with ∇F(x_k).
    "A4: E_k[eps_kᵀ ∇F] = 0": sp.Eq(Ek(eps_grad), 0),
    "A4: E_k[eps_kᵀ g_k] = 0": sp.Eq(Ek(eps_g), 0),
    "A4: second moment": Ek(eps_sq) <= sigma_q2,
}
