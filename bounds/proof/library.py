"""Checked proofs of the paper's results, as chains over :mod:`bounds.symbols` (SPEC 2-3).

The model enters through named hypotheses; the random quantities of step ``k`` are opaque
symbols (``F_next = F(x_{k+1})``, ``ghat_sq = ||ĝ_k||²``, ``eps_g = eps_kᵀ g_k``, ...) whose only
links are the model's definitions and the assumptions A1-A4, each cited where it is used.
Total expectations along the run are the unevaluated functions ``EF(k) = E[F(x_k)]`` and
``EG(k) = E||∇F(x_k)||²``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp

from bounds.proof.chain import Proof, Step
from bounds.proof.expectation import E, Ek
from bounds.symbols import (
    M_G,
    Delta,
    F_inf,
    K,
    L,
    M,
    c,
    k,
    mu,
    mu_seq,
    q_k,
    q_min,
    sigma_q2,
)
from bounds.symbols import grad_norm2 as G

S = M + sigma_q2

# Random quantities of one step (real-valued; their signs come only from hypotheses).
F_k, F_next = sp.symbols("F_k F_next", real=True)
ghat_grad, g_grad, eps_grad, eps_g = sp.symbols("ghat_grad g_grad eps_grad eps_g", real=True)
ghat_sq, g_sq, eps_sq = sp.symbols("ghat_sq g_sq eps_sq", nonnegative=True)
EF = sp.Function("EF", real=True)
EG = sp.Function("EG", nonnegative=True)
D = sp.Function("D", real=True)

#: Symbols fixed by the history up to x_k (E_k pulls them out).
MEASURABLE = (F_k, G, mu, q_k, q_min, L, M, M_G, sigma_q2, c)
#: Symbols that are not random at all (E pulls them out).
DETERMINISTIC = (mu, q_min, L, M, M_G, sigma_q2, c, K, Delta, F_inf)
EXPECT = {"measurable": MEASURABLE, "deterministic": DETERMINISTIC}


def _expect(step: sp.Expr) -> dict[str, tuple[sp.Expr, ...]]:
    # An indexed stepsize mu[k] brings its index and label: all deterministic.
    extra = (step, *sorted(step.free_symbols, key=str))
    return {"measurable": (*MEASURABLE, *extra), "deterministic": (*DETERMINISTIC, *extra)}


def _stepsize(step: sp.Symbol) -> dict[str, sp.Basic]:
    return {"stepsize: mu <= 1/(L M_G)": step <= 1 / (L * M_G), "A2: M_G >= 1": M_G >= 1}


STEPSIZE = _stepsize(mu)
SHRINKAGE = {"A3: q_min <= q_k": q_min <= q_k, "A3: q_k <= 1": q_k <= 1, "q_min <= 1": q_min <= 1}


def _model(mu: sp.Symbol) -> dict[str, sp.Basic]:
    return {
        # A1, descent lemma at y = x_{k+1} = x_k - mu ĝ_k.
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


def lemma1(mu: sp.Symbol = mu) -> Proof:
    """Lemma 1 (one coordinate): ``E_k[x_{k+1}] = x_k - mu q_k ∇F(x_k)``."""
    x_k, grad_k, x_next, ghat_c = sp.symbols("x_k grad_k x_next ghat_c", real=True)
    g_c, eps_c = sp.symbols("g_c eps_c", real=True)
    hint = {"measurable": (x_k, grad_k, mu, q_k), "deterministic": (mu,)}
    hypotheses = {
        "model: x_{k+1} = x_k - mu ĝ_k": sp.Eq(x_next, x_k - mu * ghat_c),
        "model: ĝ_k = q_k g_k + eps_k": sp.Eq(ghat_c, q_k * g_c + eps_c),
        "A2: unbiased": sp.Eq(Ek(g_c), grad_k),
        "A4: zero mean": sp.Eq(Ek(eps_c), 0),
    }
    rhs = x_k - mu * q_k * grad_k
    steps = (
        Step(
            "=",
            x_k - mu * q_k * Ek(g_c) - mu * Ek(eps_c),
            "expectation",
            tuple(hypotheses)[:2],
            hint,
            "the update; linearity; q_k, mu measurable (A3)",
        ),
        Step("=", rhs, "expectation", tuple(hypotheses)[2:], hint, "A2 and A4 means"),
    )
    return Proof("L1", Ek(x_next), steps, sp.Eq(Ek(x_next), rhs), hypotheses)


def lemma2() -> Proof:
    """Lemma 2: ``E_k||ĝ_k||² <= q_k²(M + M_G||∇F_k||²) + sigma_q2``."""
    model = _model(mu)
    names = ("model: ||ĝ||²", "A4: E_k[eps_kᵀ g_k] = 0", "A2: second moment", "A4: second moment")
    hypotheses = {name: model[name] for name in names}
    rhs = q_k**2 * (M + M_G * G) + sigma_q2
    steps = (
        Step(
            "=",
            q_k**2 * Ek(g_sq) + Ek(eps_sq),
            "expectation",
            names[:2],
            EXPECT,
            "expand ||q g + eps||²; the cross term vanishes (A4)",
        ),
        Step(
            "<=",
            rhs,
            "monotone",
            names[2:],
            {"terms": [(q_k**2, names[2]), (1, names[3])], **EXPECT},
            "A2 and A4 moments",
        ),
    )
    return Proof("L2", Ek(ghat_sq), steps, Ek(ghat_sq) <= rhs, hypotheses)


def descent_steps(step: sp.Expr, expect: Mapping[str, Any]) -> tuple[Step, ...]:
    """Lemma 3's chain at stepsize ``step`` from the descent lemma to Lemma 2's bound.

    ``E_k F(x_{k+1}) - F(x_k) <= ... <= -step q_k G + (L step²/2)(q_k²(M + M_G G) + sigma_q2)``;
    callers finish it with their own use of the stepsize condition. ``expect`` is the hint
    naming the measurable and deterministic symbols.
    """
    return (
        Step(
            "<=",
            Ek(F_k - step * ghat_grad + L * step**2 / 2 * ghat_sq) - F_k,
            "monotone",
            ("A1: descent lemma",),
            {"terms": [(1, "A1: descent lemma", "Ek")], **expect},
            "E_k is monotone",
        ),
        Step(
            "=",
            -step * Ek(ghat_grad) + L * step**2 / 2 * Ek(ghat_sq),
            "expectation",
            (),
            expect,
            "linearity; F(x_k) and the stepsize are measurable",
        ),
        Step(
            "=",
            -step * q_k * Ek(g_grad)
            - step * Ek(eps_grad)
            + L * step**2 / 2 * (q_k**2 * Ek(g_sq) + 2 * q_k * Ek(eps_g) + Ek(eps_sq)),
            "expectation",
            ("model: <grad, ĝ>", "model: ||ĝ||²"),
            expect,
            "ĝ = q g + eps; q_k measurable (A3)",
        ),
        Step(
            "=",
            -step * q_k * G + L * step**2 / 2 * (q_k**2 * Ek(g_sq) + Ek(eps_sq)),
            "expectation",
            ("A2: unbiased", "A4: E_k[eps_kᵀ ∇F] = 0", "A4: E_k[eps_kᵀ g_k] = 0"),
            expect,
            "Lemma 1 (effective stepsize: the stepsize times q_k) and the vanishing cross term",
        ),
        Step(
            "<=",
            -step * q_k * G + L * step**2 / 2 * (q_k**2 * (M + M_G * G) + sigma_q2),
            "monotone",
            ("A2: second moment", "A4: second moment"),
            {
                "terms": [
                    (L * step**2 * q_k**2 / 2, "A2: second moment"),
                    (L * step**2 / 2, "A4: second moment"),
                ],
                **expect,
            },
            "Lemma 2: the second moment of ĝ",
        ),
    )


def lemma3(mu: sp.Symbol = mu) -> Proof:
    """Lemma 3: ``E_k F(x_{k+1}) - F(x_k) <= -(mu q_min/2)||∇F_k||² + (L mu²/2)(M + sigma_q2)``.

    ``mu`` is the stepsize symbol (``bounds.symbols.mu`` or ``mu_k``).
    """
    MODEL, STEPSIZE, EXPECT = _model(mu), _stepsize(mu), _expect(mu)
    target = -(mu * q_min / 2) * G + L * mu**2 / 2 * S
    steps = (
        *descent_steps(mu, EXPECT),
        Step(
            "<=",
            target,
            "positivity",
            (*STEPSIZE, *SHRINKAGE),
            None,
            "mu <= 1/(L M_G), q_k² <= q_k <= 1, q_k >= q_min",
        ),
    )
    return Proof(
        "L3",
        Ek(F_next) - F_k,
        steps,
        Ek(F_next) - F_k <= target,
        {**MODEL, **STEPSIZE, **SHRINKAGE},
    )


def lemma3_total(mu: sp.Expr = mu, name: str = "L3 (total expectation)") -> Proof:
    """Lemma 3 in total expectation at step ``k``: ``EF(k+1) - EF(k) <= ...EG(k)...``."""
    EXPECT = _expect(mu)
    definitions = {
        "def: EF(k+1) = E F(x_{k+1})": sp.Eq(E(F_next), EF(k + 1)),
        "def: EF(k) = E F(x_k)": sp.Eq(E(F_k), EF(k)),
        "def: EG(k) = E||∇F(x_k)||²": sp.Eq(E(G), EG(k)),
    }
    rhs = -(mu * q_min / 2) * EG(k) + L * mu**2 / 2 * S
    steps = (
        Step(
            "=",
            E(Ek(F_next) - F_k),
            "expectation",
            tuple(definitions)[:2],
            EXPECT,
            "tower property",
        ),
        Step(
            "<=",
            E(-(mu * q_min / 2) * G + L * mu**2 / 2 * S),
            "monotone",
            ("L3",),
            {"terms": [(1, "L3", "E")], **EXPECT},
            "E is monotone",
        ),
        Step("=", rhs, "expectation", (tuple(definitions)[2],), EXPECT, "linearity"),
    )
    return Proof(
        name,
        EF(k + 1) - EF(k),
        steps,
        EF(k + 1) - EF(k) <= rhs,
        definitions,
        lemmas=(lemma3(mu),),
    )


def theorem1() -> Proof:
    """T1: ``(1/K) Σ_k E||∇F(x_k)||² <= 2 Delta/(K mu q_min) + L mu S/q_min``."""
    scale = 2 / (K * mu * q_min)
    lemma = lemma3_total()
    hypotheses = {
        "A1: F >= F_inf": EF(K + 1) >= F_inf,
        "def: Delta = F(x_1) - F_inf": EF(1) <= F_inf + Delta,
        "K >= 1": K >= 1,
    }
    summed = sp.Sum(EF(k) - EF(k + 1) + L * mu**2 / 2 * S, (k, 1, K))
    steps = (
        Step(
            "=",
            scale * sp.Sum(mu * q_min / 2 * EG(k), (k, 1, K)),
            "identity",
            (),
            None,
            "pull the constant out of the sum",
        ),
        Step(
            "<=",
            scale * summed,
            "monotone",
            (lemma.name,),
            {"terms": [(scale, lemma.name, (k, 1, K))]},
            "sum Lemma 3 over k = 1..K",
        ),
        Step(
            "=",
            scale * (EF(1) - EF(K + 1) + K * L * mu**2 / 2 * S),
            "telescope",
            ("K >= 1",),
            {"term": sp.Lambda(k, -EF(k)), "limits": (k, 1, K)},
            "telescoping",
        ),
        Step(
            "<=",
            scale * (Delta + K * L * mu**2 / 2 * S),
            "monotone",
            ("A1: F >= F_inf", "def: Delta = F(x_1) - F_inf"),
            {"terms": [(scale, "A1: F >= F_inf"), (scale, "def: Delta = F(x_1) - F_inf")]},
            "F(x_{K+1}) >= F_inf",
        ),
        Step(
            "=",
            2 * Delta / (K * mu * q_min) + L * mu * S / q_min,
            "identity",
            (),
            None,
            "divide by K mu q_min / 2",
        ),
    )
    start = sp.Sum(EG(k), (k, 1, K)) / K
    target = start <= 2 * Delta / (K * mu * q_min) + L * mu * S / q_min
    return Proof("T1", start, steps, target, hypotheses, lemmas=(lemma,))


def theorem2() -> Proof:
    """T2: ``Σ_k mu_k E||∇F(x_k)||² <= (2 Delta + L S Σ_k mu_k²)/q_min``."""
    step = mu_seq[k]
    scale = 2 / q_min
    lemma = lemma3_total(step, "L3 (total expectation, mu_k)")
    hypotheses = {
        "A1: F >= F_inf": EF(K + 1) >= F_inf,
        "def: Delta = F(x_1) - F_inf": EF(1) <= F_inf + Delta,
        "K >= 1": K >= 1,
    }
    squares = sp.Sum(step**2, (k, 1, K))
    steps = (
        Step(
            "=",
            scale * sp.Sum(step * q_min / 2 * EG(k), (k, 1, K)),
            "identity",
            (),
            None,
            "pull the constant out of the sum",
        ),
        Step(
            "<=",
            scale * sp.Sum(EF(k) - EF(k + 1) + L * step**2 / 2 * S, (k, 1, K)),
            "monotone",
            (lemma.name,),
            {"terms": [(scale, lemma.name, (k, 1, K))]},
            "sum Lemma 3 over k = 1..K",
        ),
        Step(
            "=",
            scale * (EF(1) - EF(K + 1) + L * S / 2 * squares),
            "telescope",
            ("K >= 1",),
            {"term": sp.Lambda(k, -EF(k)), "limits": (k, 1, K)},
            "telescoping",
        ),
        Step(
            "<=",
            scale * (Delta + L * S / 2 * squares),
            "monotone",
            ("A1: F >= F_inf", "def: Delta = F(x_1) - F_inf"),
            {"terms": [(scale, "A1: F >= F_inf"), (scale, "def: Delta = F(x_1) - F_inf")]},
            "F(x_{K+1}) >= F_inf",
        ),
        Step("=", (2 * Delta + L * S * squares) / q_min, "identity", (), None, "collect"),
    )
    start = sp.Sum(step * EG(k), (k, 1, K))
    target = start <= (2 * Delta + L * S * squares) / q_min
    return Proof("T2", start, steps, target, hypotheses, lemmas=(lemma,))


def theorem3_recursion() -> Proof:
    """T3's one-step recursion: ``D(k+1) <= (1 - mu c q_min) D(k) + L mu² S/2`` (from L3 + PL)."""
    hypotheses = {
        "L3 for D = EF - F_star": D(k + 1) <= D(k) - (mu * q_min / 2) * EG(k) + L * mu**2 / 2 * S,
        "A5: PL": EG(k) >= 2 * c * D(k),
    }
    rhs = (1 - mu * c * q_min) * D(k) + L * mu**2 / 2 * S
    steps = (
        Step(
            "<=",
            rhs,
            "monotone",
            tuple(hypotheses),
            {"terms": [(1, "L3 for D = EF - F_star"), (mu * q_min / 2, "A5: PL")]},
            "Lemma 3, then PL with factor mu q_min/2 >= 0",
        ),
    )
    return Proof("T3 recursion", D(k + 1), steps, D(k + 1) <= rhs, hypotheses)


def proofs() -> list[Proof]:
    """Every checked proof: each theorem module's ``proof()`` (in registry order), then the
    intermediate results that have no statement of their own."""
    from bounds import theorems

    found = [
        theorems.module_of(statement).proof()
        for statement in theorems.all()
        if hasattr(theorems.module_of(statement), "proof")
    ]
    return [*found, lemma3_total(), theorem3_recursion()]
