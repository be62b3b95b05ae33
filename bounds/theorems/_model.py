"""The model of SPEC section 2 as named hypotheses over opaque one-step quantities.

The random quantities of step ``k`` are symbols (``F_next = F(x_{k+1})``,
``ghat_sq = ||ĝ_k||²``, ``eps_g = eps_kᵀ g_k``, ...) linked only by the model's definitions and
the assumptions A1-A4, each a named hypothesis a proof step must cite. Total expectations
along the run are the unevaluated functions ``EF(k) = E[F(x_k)]`` and
``EG(k) = E||∇F(x_k)||²``. They are the proof checker's own (:mod:`bounds.proof.library`),
re-exported here for the theorem modules, so every chain speaks of the same objects.
"""

from __future__ import annotations

import sympy as sp

from bounds.proof.library import (
    DETERMINISTIC,
    EF,
    EG,
    MEASURABLE,
    F_k,
    F_next,
    _model,
    eps_g,
    eps_grad,
    eps_sq,
    g_grad,
    g_sq,
    ghat_grad,
    ghat_sq,
)
from bounds.symbols import mu

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

#: A1-A4 at the fixed stepsize ``mu`` (callers restate the descent lemma per stepsize).
MODEL: dict[str, sp.Basic] = _model(mu)
