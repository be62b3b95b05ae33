"""The model of docs/spec.md section 2 as facts the proof engine can use.

Quantized SGD runs ``x_{k+1} = x_k - m_k ĝ_k`` with ``ĝ_k = q_k g_k + eps_k`` for a nominal
stepsize ``m_k`` (a statement's :attr:`~bounds.statement.Statement.stepsize`). The random
quantities of step ``k`` are opaque symbols, the *locals* of the schema :data:`STEP` ("at every
step ``k >= 1`` there are such quantities"):

* ``F_k = F(x_k)``, ``F_next = F(x_{k+1})``, ``grad_norm2 = ‖∇F(x_k)‖²``, ``q_k``;
* inner products with the gradient, ``ghat_grad = ∇F(x_k)ᵀĝ_k``, ``g_grad``, ``eps_grad``;
* squared norms ``ghat_sq = ‖ĝ_k‖²``, ``g_sq``, ``eps_sq`` and ``eps_g = eps_kᵀ g_k``;
* one coordinate ``x_k, grad_k, x_next, ghat_c, g_c, eps_c`` (Lemma 1 is linear in the iterate);
* the conditional expectation ``Ek`` given the history up to ``x_k``.

The run is seen through ``EF(k) = E[F(x_k)]`` and ``EG(k) = E‖∇F(x_k)‖²``, functions of the
step. Every fact is named; each comes from the algorithm (``model: ...``) or from one of the
assumptions A1-A5 (:func:`facts`), so a statement that does not declare an assumption cannot use
its facts.
"""

from __future__ import annotations

import sympy as sp

from bounds import symbols as sy
from bounds.proof import Deterministic, E, Ek, Fact, Measurable, Schema

__all__ = [
    "CONSTANTS",
    "EF",
    "EG",
    "EVERY_STEP",
    "LOCALS",
    "STEP",
    "F_k",
    "F_next",
    "eps_c",
    "eps_g",
    "eps_grad",
    "eps_sq",
    "facts",
    "g_c",
    "g_grad",
    "g_sq",
    "ghat_c",
    "ghat_grad",
    "ghat_sq",
    "x_next",
]

# Random quantities of one step (real; their signs come only from declarations and facts).
F_k, F_next = sp.symbols("F_k F_next", real=True)
ghat_grad, g_grad, eps_grad, eps_g = sp.symbols("ghat_grad g_grad eps_grad eps_g", real=True)
ghat_sq, g_sq, eps_sq = sp.symbols("ghat_sq g_sq eps_sq", nonnegative=True)
x_next, ghat_c, g_c, eps_c = sp.symbols("x_next ghat_c g_c eps_c", real=True)
G = sy.grad_norm2

#: ``EF(k) = E[F(x_k)]`` and ``EG(k) = E‖∇F(x_k)‖²`` along the run.
EF = sp.Function("EF", real=True)
EG = sp.Function("EG", nonnegative=True)

LOCALS: tuple[object, ...] = (
    F_k,
    F_next,
    G,
    sy.q_k,
    ghat_grad,
    g_grad,
    eps_grad,
    eps_g,
    ghat_sq,
    g_sq,
    eps_sq,
    sy.x_k,
    sy.grad_k,
    x_next,
    ghat_c,
    g_c,
    eps_c,
    Ek,
)

STEP = Schema(sy.k, sp.Integer(1), None, LOCALS, "step k of the run")
"""At every step ``k >= 1`` the step's quantities satisfy the facts of this schema."""

EVERY_STEP = Schema(sy.k, sp.Integer(1), None, (), "every step k >= 1")
"""Facts about the run's expectations at every step (no local quantities)."""

#: Constants and deterministic sequences: not random, so ``E`` and ``Ek`` treat them as numbers.
CONSTANTS = Deterministic(
    sy.L,
    sy.Delta,
    sy.M,
    sy.M_V,
    sy.M_G,
    sy.sigma2,
    sy.q_min,
    sy.sigma_q2,
    sy.c,
    sy.F1_gap,
    sy.F_inf,
    sy.F_star,
    sy.mu,
    sy.mu0,
    sy.beta,
    sy.gamma,
    sy.K,
    sy.k,
    sy.epsilon,
    sy.mu_k,
    sy.mu_seq,
    EF,
    EG,
)


def _le(a: sp.Expr, b: sp.Expr) -> sp.Basic:
    return sp.Le(a, b, evaluate=False)


def _eq(a: sp.Expr, b: sp.Expr) -> sp.Basic:
    return sp.Eq(a, b, evaluate=False)


def facts(source: str, stepsize: sp.Expr) -> dict[str, Fact]:
    """The named facts ``source`` (``"model"``, ``"A1"`` ... ``"A5"``) contributes to a run with
    nominal stepsize ``stepsize`` at step ``k``.

    The relations of the assumptions on the constants (``L > 0``, ``q_min <= 1``, ...) are
    not here: they are :attr:`bounds.assumptions.Assumption.relations`.
    """
    m = stepsize
    q = sy.q_k
    table: dict[str, dict[str, Fact]] = {
        "model": {
            "model: constants are deterministic": Fact(CONSTANTS),
            "model: x_k is determined by the history": Fact(
                Measurable(F_k, G, sy.x_k, sy.grad_k), STEP
            ),
            "model: ∇Fᵀĝ_k = q_k ∇Fᵀg_k + ∇Fᵀeps_k": Fact(
                _eq(ghat_grad, q * g_grad + eps_grad), STEP
            ),
            "model: ‖ĝ_k‖² = q_k²‖g_k‖² + 2 q_k eps_kᵀg_k + ‖eps_k‖²": Fact(
                _eq(ghat_sq, q**2 * g_sq + 2 * q * eps_g + eps_sq), STEP
            ),
            "model: x_{k+1} = x_k - mu_k ĝ_k (one coordinate)": Fact(
                _eq(x_next, sy.x_k - m * ghat_c), STEP
            ),
            "model: ĝ_k = q_k g_k + eps_k (one coordinate)": Fact(
                _eq(ghat_c, q * g_c + eps_c), STEP
            ),
            "model: E F(x_k) = EF(k)": Fact(_eq(E(F_k), EF(sy.k)), STEP),
            "model: E F(x_{k+1}) = EF(k+1)": Fact(_eq(E(F_next), EF(sy.k + 1)), STEP),
            "model: E‖∇F(x_k)‖² = EG(k)": Fact(_eq(E(G), EG(sy.k)), STEP),
        },
        "A1": {
            "A1: descent lemma at x_{k+1}": Fact(
                _le(F_next, F_k - m * ghat_grad + sy.L * m**2 / 2 * ghat_sq), STEP
            ),
            "A1: E F(x_k) >= F_inf": Fact(_le(sy.F_inf, EF(sy.k)), EVERY_STEP),
            "A1: F(x_1) - F_inf <= Delta": Fact(_le(EF(1) - sy.F_inf, sy.Delta)),
        },
        "A2": {
            "A2: E_k[∇Fᵀg_k] = ‖∇F‖²": Fact(_eq(Ek(g_grad), G), STEP),
            "A2: E_k[g_k] = ∇F(x_k) (one coordinate)": Fact(_eq(Ek(g_c), sy.grad_k), STEP),
            "A2: E_k‖g_k‖² <= M + M_G‖∇F‖²": Fact(_le(Ek(g_sq), sy.M + sy.M_G * G), STEP),
        },
        "A3": {
            "A3: q_k is determined by the history": Fact(Measurable(q), STEP),
        },
        "A4": {
            "A4: E_k[eps_kᵀ∇F] = 0": Fact(_eq(Ek(eps_grad), 0), STEP),
            "A4: E_k[eps_kᵀg_k] = 0": Fact(_eq(Ek(eps_g), 0), STEP),
            "A4: E_k[eps_k] = 0 (one coordinate)": Fact(_eq(Ek(eps_c), 0), STEP),
            "A4: E_k‖eps_k‖² <= sigma_q2": Fact(_le(Ek(eps_sq), sy.sigma_q2), STEP),
        },
        "A5": {
            "A5: PL at x_k": Fact(_le(2 * sy.c * (F_k - sy.F_star), G), STEP),
            "A5: F(x_1) - F_star <= F1_gap": Fact(_le(EF(1) - sy.F_star, sy.F1_gap)),
        },
    }
    if source not in table:
        raise ValueError(f"unknown source of model facts {source!r}; known: {sorted(table)}")
    return table[source]


def mentions_locals(expr: sp.Basic) -> bool:
    """Whether ``expr`` involves a quantity of one step."""
    return STEP.mentions_locals(expr)
