"""Stochastic gradients: the ``(M, M_V)`` Gaussian model and minibatch sampling (A2).

docs/spec.md section 2.

A noise model turns exact gradients into unbiased stochastic gradients ``g_k`` with
``E_k[g_k] = ∇F(x_k)`` and ``Var_k[g_k] ≤ M + M_V ‖∇F(x_k)‖²`` (so ``M_G = 1 + M_V``),
vectorized over replicas: ``x`` and ``grad`` have shape ``(R, d)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from plumbing import validate
from simulate.problems import FiniteSum, Problem

__all__ = ["GaussianNoise", "MinibatchNoise", "NoiseModel"]

FloatArray = NDArray[np.float64]


class NoiseModel(Protocol):
    """What the simulator needs from a gradient-noise model."""

    def sample(
        self, problem: Problem, x: FloatArray, grad: FloatArray, rng: np.random.Generator
    ) -> FloatArray:
        """Stochastic gradients (R, d) at ``x`` (R, d), given the exact gradients ``grad``."""
        ...

    def variance_constants(self, problem: Problem) -> tuple[float, float]:
        """``(M, M_V)`` such that ``Var_k[g] ≤ M + M_V ‖∇F‖²`` on ``problem``."""
        ...

    # Optional: ``support(problem, x) -> (low, high)`` (arrays (d,)), an interval holding every
    # stochastic gradient at ``x`` entry by entry, or ``None`` when unbounded; the assumption
    # checker's A2 test is distribution-free where it is known.


@dataclass(frozen=True)
class GaussianNoise:
    """Additive isotropic Gaussian noise with ``Var[g] = M + M_V ‖∇F‖²`` exactly.

    ``g = ∇F + sqrt((M + M_V‖∇F‖²)/d) · z`` with ``z ~ N(0, I_d)``: the covariance is
    ``(M + M_V‖∇F‖²)/d · I``, whose trace is the total variance (docs/spec.md's ``Var``).

    Parameters
    ----------
    M : float
        Variance floor (squared gradient units), ``>= 0``.
    M_V : float
        Variance growth with ``‖∇F‖²``, ``>= 0``.
    """

    M: float
    M_V: float = 0.0

    def __post_init__(self) -> None:
        for name in ("M", "M_V"):
            validate.real(name, getattr(self, name), low=0.0, include_low=True)

    def sample(
        self, problem: Problem, x: FloatArray, grad: FloatArray, rng: np.random.Generator
    ) -> FloatArray:
        """Stochastic gradients (R, d); ``problem`` and ``x`` are unused.

        Overflow is not an error here: a gradient that overflows is inf, and the simulator
        counts its replica as diverged (the assumption checker refuses such noise).
        """
        with np.errstate(over="ignore", invalid="ignore"):
            variance = self.M + self.M_V * np.einsum("rd,rd->r", grad, grad)
            scale = np.sqrt(variance / grad.shape[1])
            return grad + scale[:, None] * rng.standard_normal(grad.shape)

    def variance_constants(self, problem: Problem) -> tuple[float, float]:
        """``(M, M_V)`` (exact: the variance equals the bound)."""
        return float(self.M), float(self.M_V)

    def support(self, problem: Problem, x: FloatArray) -> None:
        """``None``: Gaussian noise is unbounded (its A2 test is a normal interval, exact here)."""
        return None


@dataclass(frozen=True)
class MinibatchNoise:
    """Minibatch gradients from the problem's finite data set, sampled with replacement.

    With ``B`` indices drawn uniformly with replacement, ``g = (1/B) Σ_b ∇ℓ_{i_b}(x) + l2·x`` is
    unbiased and ``Var[g] = (1/B)((1/n)Σ_i ‖∇ℓ_i(x)‖² - ‖∇F(x) - l2·x‖²)``.

    Variance constants (proved, see :meth:`variance_constants`):

    - squared loss: ``∇ℓ_i = a_i r_i``, ``r = r* + A e`` with ``Aᵀr* = 0`` at the least-squares
      solution, so ``‖r‖² = ‖r*‖² + ‖Ae‖²`` and ``‖Ae‖² = n eᵀHe ≤ n‖∇F‖²/c``. Hence
      ``Var ≤ (max‖a_i‖²/(B n))‖r‖² ≤ M + M_V‖∇F‖²`` with ``M = max‖a_i‖²‖r*‖²/(B n)``,
      ``M_V = max‖a_i‖²/(B c)``.
    - logistic loss: ``|ℓ'| ≤ 1``, so ``‖∇ℓ_i‖² ≤ max‖a_i‖²`` and ``M = max‖a_i‖²/B``,
      ``M_V = 0``.

    Parameters
    ----------
    batch_size : int
        ``B >= 1``.
    """

    batch_size: int

    def __post_init__(self) -> None:
        validate.integer("batch_size", self.batch_size)

    def sample(
        self, problem: Problem, x: FloatArray, grad: FloatArray, rng: np.random.Generator
    ) -> FloatArray:
        """Minibatch gradients (R, d); ``grad`` is unused (the batch defines ``g``)."""
        data = _require_data(problem)
        indices = rng.integers(0, data.n, size=(x.shape[0], self.batch_size))
        return data.batch_gradient(x, indices)

    def support(self, problem: Problem, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Entry-wise extremes of the per-example gradients at ``x`` (d,): a minibatch mean
        lies between them, whatever the batch."""
        data = _require_data(problem)
        per_example = data.batch_gradient(
            np.repeat(x[None], data.n, axis=0), np.arange(data.n)[:, None]
        )
        return per_example.min(axis=0), per_example.max(axis=0)

    def variance_constants(self, problem: Problem) -> tuple[float, float]:
        """Proved ``(M, M_V)`` for the problem's loss (see the class docstring)."""
        data = _require_data(problem)
        row_sq = data.max_row_norm_sq()
        if data.loss == "logistic":
            return row_sq / self.batch_size, 0.0
        if problem.x_star is None or problem.c is None:
            raise ValueError("problem must know x_star and c for least-squares minibatch bounds")
        residual = data.features @ problem.x_star - data.targets
        M = row_sq * float(residual @ residual) / (self.batch_size * data.n)
        return M, row_sq / (self.batch_size * problem.c)


def _require_data(problem: Problem) -> FiniteSum:
    if problem.data is None:
        raise ValueError(f"problem must be a finite sum for minibatch noise, got {problem.name}")
    return problem.data
