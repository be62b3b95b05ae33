"""Exact expectations of quantized SGD on diagonal quadratics, in rational arithmetic.

On ``F(x) = (1/2) Σ_i lam_i x_i²`` (``F_star = F_inf = 0``) with the noise model

    g_i = lam_i x_i (1 + zeta_i) + xi_i,   zeta_i ~ N(0, s2),  xi_i ~ N(0, v_i),
    ĝ = q_k g + eps,                        eps_i ~ N(0, w_i),

all independent of each other and of the past, A2 holds with equality for ``M = Σ v_i``,
``M_V = s2`` (``E_k‖g‖² = M + (1 + s2)‖∇F‖²``) and A4 with ``sigma_q2 = Σ w_i``. The second moments
``m_i = E[x_i²]`` then follow a closed recursion,

    m_i' = (1 − mu q_k lam_i)² m_i + mu² q_k² (s2 lam_i² m_i + v_i) + mu² w_i,

and every quantity the theorems bound is linear in them: ``E‖∇F(x_k)‖² = Σ lam_i² m_i``,
``E F(x_k) = (1/2) Σ lam_i m_i``. With rational inputs the recursion is exact in
:class:`fractions.Fraction`: no sampling, no rounding. Under matrix smoothness with
``Lmat = diag(lam)`` the weighted constants are ``M_L = Σ lam_i v_i`` (with ``L M_V`` on the
gradient part, since ``s2 Σ lam_i³ x_i² <= L s2 ‖∇F‖²``) and ``sigma_qL = Σ lam_i w_i``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp

from bounds import symbols as sy
from bounds.statement import Statement

Number = Fraction | int


@dataclass(frozen=True)
class Quadratic:
    """A diagonal quadratic with known noise: curvatures, variances and the start point."""

    lam: tuple[Fraction, ...]
    x1: tuple[Fraction, ...]
    v: tuple[Fraction, ...]
    w: tuple[Fraction, ...]
    s2: Fraction = Fraction(0)

    @property
    def L(self) -> Fraction:
        return max(self.lam)

    @property
    def c(self) -> Fraction:
        """The PL constant ``min lam_i``: ``‖∇F‖² = Σ lam_i² x_i² >= 2 min(lam) F``."""
        return min(self.lam)

    def constants(self) -> dict[str, Fraction]:
        """The model constants this instance satisfies (A2, A4, matrix-weighted ones)."""
        return {
            "M": sum(self.v, Fraction(0)),
            "M_G": 1 + self.s2,
            "sigma_q2": sum(self.w, Fraction(0)),
            "M_L": sum((a * b for a, b in zip(self.lam, self.v, strict=True)), Fraction(0)),
            "sigma_qL": sum((a * b for a, b in zip(self.lam, self.w, strict=True)), Fraction(0)),
        }

    def value(self, moments: Sequence[Fraction]) -> Fraction:
        return sum((a * m for a, m in zip(self.lam, moments, strict=True)), Fraction(0)) / 2

    def grad_norm2(self, moments: Sequence[Fraction]) -> Fraction:
        return sum((a * a * m for a, m in zip(self.lam, moments, strict=True)), Fraction(0))

    def run(self, stepsizes: Sequence[Number], shrinkage: Sequence[Number]) -> list[list[Fraction]]:
        """Second moments ``m_i`` at ``x_1 .. x_{K+1}`` for nominal steps ``mu_k`` and ``q_k``."""
        moments = [[x * x for x in self.x1]]
        for mu, q in zip(stepsizes, shrinkage, strict=True):
            last = moments[-1]
            moments.append(
                [
                    (1 - mu * q * a) ** 2 * m + mu**2 * q**2 * (self.s2 * a * a * m + v) + mu**2 * w
                    for a, m, v, w in zip(self.lam, last, self.v, self.w, strict=True)
                ]
            )
        return moments


@dataclass(frozen=True)
class Run:
    """The exact expectations along one run of ``K`` steps."""

    problem: Quadratic
    stepsizes: tuple[Fraction, ...]
    moments: list[list[Fraction]]

    @property
    def K(self) -> int:
        return len(self.stepsizes)

    def gap(self, k: int) -> Fraction:
        """``E[F(x_k)] − F_star``, ``k = 1 .. K + 1``."""
        return self.problem.value(self.moments[k - 1])

    def grad(self, k: int) -> Fraction:
        """``E‖∇F(x_k)‖²``, ``k = 1 .. K + 1``."""
        return self.problem.grad_norm2(self.moments[k - 1])

    def average_grad(self) -> Fraction:
        return sum((self.grad(k) for k in range(1, self.K + 1)), Fraction(0)) / self.K

    def weighted_grad(self) -> Fraction:
        return sum((m * self.grad(k) for k, m in enumerate(self.stepsizes, 1)), Fraction(0))

    def min_grad(self) -> Fraction:
        return min(self.grad(k) for k in range(1, self.K + 1))

    def descent(self) -> Fraction:
        """``F(x_1) − E F(x_{K+1})``: all of ``Delta`` that T1's proof uses."""
        return self.gap(1) - self.gap(self.K + 1)


def run(problem: Quadratic, stepsizes: Sequence[Number], shrinkage: Sequence[Number]) -> Run:
    steps = tuple(Fraction(m) for m in stepsizes)
    return Run(problem, steps, problem.run(steps, [Fraction(q) for q in shrinkage]))


class ExactBound:
    """A statement's bound as a function of rational constants, evaluated in exact arithmetic.

    The SymPy bound is compiled once: each sum over the stepsize sequence becomes a sum taken
    here over the given ``mu_k``, each non-integer rational constant a :class:`Fraction`, so
    Python's operators on fractions do the rest without rounding. The hypotheses are checked
    through the statement's own :meth:`~bounds.statement.Statement.violated_hypotheses` (in
    floating point, which grants non-strict relations 8 ulp: a stepsize equal to its cap meets
    it).
    """

    def __init__(self, statement: Statement) -> None:
        self.statement = statement
        self.names = statement.constants
        expr = statement.bound
        mu_k = sp.Dummy("mu_k")
        self.sums: list[tuple[sp.Dummy, Callable[..., Any]]] = []
        for total in expr.atoms(sp.Sum):
            dummy = sp.Dummy("sum")
            summand = total.function.subs(sy.mu_seq[sy.k], mu_k)
            assert all(r.is_Integer for r in summand.atoms(sp.Rational)), summand
            args = (mu_k, sy.k, *(sy.SYMBOLS[n] for n in self.names))
            self.sums.append((dummy, sp.lambdify(args, summand, modules=[{"Max": max}])))
            expr = expr.subs(total, dummy)
        constants = {r: sp.Dummy("r") for r in expr.atoms(sp.Rational) if not r.is_Integer}
        self.fractions = [Fraction(int(r.p), int(r.q)) for r in constants]
        expr = expr.subs(constants)
        args = (
            *(sy.SYMBOLS[n] for n in self.names),
            *(dummy for dummy, _ in self.sums),
            *constants.values(),
        )
        self.formula = sp.lambdify(args, expr, modules=[{"Max": max}])

    def __call__(
        self,
        values: Mapping[str, Number],
        sequence: Sequence[Number] | None = None,
        *,
        check: bool = True,
    ) -> Fraction:
        """The bound at ``values`` (extra names ignored); ``sequence`` lists ``mu_1 .. mu_K``."""
        given = {n: values[n] for n in self.names}
        if check:
            floats = {n: float(v) for n, v in given.items()}
            if self.statement.uses_sequence:
                assert sequence is not None, f"{self.statement.id} needs the stepsize sequence"
                floats["mu"] = [float(m) for m in sequence]  # type: ignore[assignment]
            broken = self.statement.violated_hypotheses(**floats)
            assert broken == (), f"{self.statement.id}: the instance breaks {broken}"
        ordered = [Fraction(given[n]) for n in self.names]
        totals = []
        for _, summand in self.sums:
            assert sequence is not None
            horizon = int(given["K"])
            totals.append(
                sum(
                    (
                        Fraction(summand(m, k, *ordered))
                        for k, m in enumerate(sequence[:horizon], 1)
                    ),
                    Fraction(0),
                )
            )
        result = self.formula(*ordered, *totals, *self.fractions)
        assert isinstance(result, Fraction | int), f"{self.statement.id}: inexact {result!r}"
        return Fraction(result)
