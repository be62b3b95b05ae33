"""Test problems with known constants, vectorized over replicas.

Every problem evaluates ``R`` points at once: ``x`` has shape ``(R, d)``, ``f(x)`` shape
``(R,)`` and ``grad(x)`` shape ``(R, d)``. Each exposes the constants the theorems use
(``L``, ``c`` or ``None``, ``F_star`` / ``F_inf``) and the assumptions of docs/spec.md section 2 it
satisfies as a deterministic objective (A1, A5). A2-A4 are properties of the gradient noise
and the quantizer, not of ``F`` (see :mod:`simulate.noise` and :mod:`simulate.assumptions`).

Generated problems take a ``seed``; the same seed gives the same problem bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from plumbing import validate
from simulate import memory

__all__ = [
    "FiniteSum",
    "Problem",
    "from_callables",
    "geman_mcclure",
    "least_squares",
    "logistic_regression",
    "quadratic",
]

FloatArray = NDArray[np.float64]
VectorFunction = Callable[[FloatArray], FloatArray]
ArrayLikeFloat = NDArray[np.float64] | list[float] | tuple[float, ...]


@dataclass(frozen=True, eq=False)
class FiniteSum:
    """A data set behind an objective ``F(x) = (1/n) Σ_i loss(a_iᵀx, b_i) + (l2/2)‖x‖²``.

    Attributes
    ----------
    features : ndarray, shape (n, d)
        Rows ``a_i``.
    targets : ndarray, shape (n,)
        ``b_i`` (real for ``"squared"``, ±1 for ``"logistic"``).
    loss : {"squared", "logistic"}
        ``0.5 (t - b)²`` or ``log(1 + exp(-b t))``.
    l2 : float
        Ridge weight (enters the gradient exactly, never sampled).
    """

    features: FloatArray
    targets: FloatArray
    loss: Literal["squared", "logistic"]
    l2: float = 0.0

    @property
    def n(self) -> int:
        """Number of samples."""
        return int(self.features.shape[0])

    def loss_derivative(self, margins: FloatArray, targets: FloatArray) -> FloatArray:
        """Derivative of the per-sample loss in ``t = a_iᵀx``, elementwise."""
        if self.loss == "squared":
            return margins - targets
        # d/dt log(1 + exp(-b t)) = -b / (1 + exp(b t)); the exp form is stable for both signs
        # because exp overflow gives inf and -b/inf = 0, which is the correct limit.
        with np.errstate(over="ignore"):
            return -targets / (1.0 + np.exp(targets * margins))

    def batch_gradient(self, x: FloatArray, indices: NDArray[np.intp]) -> FloatArray:
        """Minibatch gradients: ``x`` (R, d), ``indices`` (R, B) -> (R, d)."""
        rows = self.features[indices]  # (R, B, d)
        margins = np.einsum("rbd,rd->rb", rows, x)
        weights = self.loss_derivative(margins, self.targets[indices])
        batch = np.einsum("rb,rbd->rd", weights, rows) / indices.shape[1]
        return batch + self.l2 * x if self.l2 else batch

    def max_row_norm_sq(self) -> float:
        """``max_i ‖a_i‖²`` (enters the minibatch variance bounds)."""
        return float(np.max(np.einsum("nd,nd->n", self.features, self.features)))


@dataclass(frozen=True, eq=False)
class Problem:
    """A smooth objective with its constants, vectorized over replicas.

    Attributes
    ----------
    name : str
        Short description, used in reports.
    dim : int
        Dimension ``d``.
    f : callable
        ``(R, d) -> (R,)`` objective values.
    grad : callable
        ``(R, d) -> (R, d)`` exact gradients.
    L : float
        Smoothness constant (proved for the built-in problems; see each factory).
    F_inf : float
        A lower bound of ``F`` (A1).
    F_star : float or None
        The minimum value, when it is attained and known; ``F - F_star`` is the gap reported
        by the simulator (``F_inf`` is used when ``F_star`` is ``None``).
    c : float or None
        PL constant (A5), ``None`` when the problem is not PL.
    x0 : ndarray, shape (d,)
        Default starting point.
    assumptions : frozenset of str
        Which of A1, A5 hold for the deterministic objective.
    x_star : ndarray, shape (d,), or None
        A minimizer, when known.
    data : FiniteSum or None
        The data set, for problems that are finite sums (enables minibatch noise).
    F_star_error : float
        A bound on ``|F_star - computed F_star|`` (0 when exact by construction, up to
        float64 rounding of the final evaluation).
    fused : callable or None
        ``(R, d) -> ((R,), (R, d))``, values and gradients in one pass (shared work); used by
        :meth:`value_and_grad` when given.
    """

    name: str
    dim: int
    f: VectorFunction
    grad: VectorFunction
    L: float
    F_inf: float
    F_star: float | None
    c: float | None
    x0: FloatArray
    assumptions: frozenset[str]
    x_star: FloatArray | None = None
    data: FiniteSum | None = None
    F_star_error: float = 0.0
    fused: Callable[[FloatArray], tuple[FloatArray, FloatArray]] | None = field(
        default=None, repr=False
    )

    @property
    def F_ref(self) -> float:
        """The reference value of the gap: ``F_star`` when known, else ``F_inf``."""
        return self.F_inf if self.F_star is None else self.F_star

    def value_and_grad(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Objective values (R,) and gradients (R, d) at ``x`` (R, d)."""
        if self.fused is not None:
            return self.fused(x)
        return self.f(x), self.grad(x)


def _finite_start(problem: Problem, parameter: str) -> Problem:
    """``problem`` if ``F`` and ``∇F`` are finite at its start ``x0``; else ValueError.

    A problem scaled past float64 (eigenvalues near 1e308) overflows before the first step:
    no run or measurement on it means anything, so it is refused where it is made.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        value, grad = problem.value_and_grad(problem.x0[None])
        norm_sq = np.einsum("rd,rd->r", grad, grad)
    if not (np.isfinite(value).all() and np.isfinite(norm_sq).all()):
        raise ValueError(
            f"{parameter} must keep F and ||grad F||^2 finite in float64 at the start x0; "
            f"they overflow there (F(x0) = {float(value[0]):.3g})"
        )
    return problem


def _check_positive_int(value: int, name: str) -> None:
    validate.integer(name, value)


def _check_finite_nonnegative(value: float, name: str) -> None:
    validate.real(name, value, low=0.0, include_low=True)


def _haar_orthogonal(rng: np.random.Generator, d: int) -> FloatArray:
    # QR of a Gaussian matrix with the sign of diag(R) folded in is Haar distributed
    # (Mezzadri 2007); without the sign fix the distribution is biased.
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def quadratic(
    eigenvalues: ArrayLikeFloat,
    *,
    rotate: bool = True,
    F_star: float = 0.0,
    x0_scale: float = 1.0,
    seed: int = 0,
) -> Problem:
    """Quadratic ``F(x) = ½ (x - x*)ᵀ H (x - x*) + F_star`` with a given spectrum.

    ``H = U diag(λ) Uᵀ`` with ``U`` Haar-random orthogonal (``rotate=True``) or the identity.
    Constants are exact: ``L = max λ`` (the Hessian's largest eigenvalue), ``c = min λ`` when
    ``min λ > 0`` (then ``‖∇F‖² = eᵀH²e ≥ min λ · eᵀHe = 2c(F - F_star)``: PL, A5), and
    ``F_star`` attained at ``x*``.

    Parameters
    ----------
    eigenvalues : array_like, shape (d,)
        ``λ_i >= 0``, not all zero.
    rotate : bool
        Dense Hessian (True) or diagonal (False; cheaper per step).
    F_star : float
        Minimum value.
    x0_scale : float
        The default start is ``x* + x0_scale * z/‖z‖·sqrt(d)`` with ``z`` Gaussian.
    seed : int
        Seeds ``U``, ``x*`` and ``x0``.
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError("eigenvalues must be a non-empty 1-D array")
    if not np.all(np.isfinite(lam)) or np.any(lam < 0) or not np.any(lam > 0):
        raise ValueError("eigenvalues must be finite, >= 0 and not all zero")
    if not np.isfinite(F_star):
        raise ValueError(f"F_star must be finite, got {F_star!r}")
    _check_finite_nonnegative(x0_scale, "x0_scale")
    d = lam.size
    memory.check_problem(d, dense=rotate)
    rng = np.random.default_rng(validate.seed(seed))
    x_star = rng.standard_normal(d)
    direction = rng.standard_normal(d)
    x0 = x_star + x0_scale * np.sqrt(d) * direction / np.linalg.norm(direction)
    if rotate:
        u = _haar_orthogonal(rng, d)
        # a spectrum near float64's top may overflow here; _finite_start refuses it below
        with np.errstate(over="ignore", invalid="ignore"):
            hessian = (u * lam) @ u.T
            # exact symmetry keeps the gradient a true gradient
            hessian = 0.5 * (hessian + hessian.T)

        def fused(x: FloatArray) -> tuple[FloatArray, FloatArray]:
            shift = x - x_star
            g = shift @ hessian
            return 0.5 * np.einsum("rd,rd->r", shift, g) + F_star, g

    else:

        def fused(x: FloatArray) -> tuple[FloatArray, FloatArray]:
            shift = x - x_star
            g = shift * lam
            return 0.5 * np.einsum("rd,rd->r", shift, g) + F_star, g

    lam_min = float(lam.min())
    problem = Problem(
        name=f"quadratic(d={d}, L={lam.max():.4g}, c={lam_min:.4g})",
        dim=d,
        f=lambda x: fused(x)[0],
        grad=lambda x: fused(x)[1],
        L=float(lam.max()),
        F_inf=float(F_star),
        F_star=float(F_star),
        c=lam_min if lam_min > 0 else None,
        x0=x0,
        assumptions=frozenset({"A1", "A5"} if lam_min > 0 else {"A1"}),
        x_star=x_star,
        fused=fused,
    )
    return _finite_start(problem, "eigenvalues")


def least_squares(
    n: int,
    d: int,
    *,
    noise: float = 0.1,
    seed: int = 0,
) -> Problem:
    """Least squares ``F(x) = (1/2n) ‖A x - b‖²`` on a generated Gaussian design.

    ``A`` has i.i.d. N(0, 1) entries, ``b = A w + noise · ξ``. The Hessian is ``AᵀA/n``; its
    eigenvalues (``numpy.linalg.eigvalsh``) give ``L = λ_max`` and ``c = λ_min`` (PL, A5, when
    ``n >= d`` and ``A`` has full column rank). ``x*`` solves the normal equations
    (``lstsq``); by strong convexity ``F(x*) - F_star ≤ ‖∇F(x*)‖²/(2c)``, which is stored as
    ``F_star_error`` (plus float64 rounding of the evaluation).

    Parameters
    ----------
    n, d : int
        Samples and dimension; ``n >= d`` is required so that ``c > 0``.
    noise : float
        Standard deviation of the label noise (sets the residual at the optimum, hence the
        minibatch variance at ``x*``).
    seed : int
        Seeds ``A``, ``w``, ``ξ`` and ``x0``.
    """
    _check_positive_int(n, "n")
    _check_positive_int(d, "d")
    if n < d:
        raise ValueError(f"n must be >= d for a strongly convex least squares, got n={n}, d={d}")
    _check_finite_nonnegative(noise, "noise")
    memory.check_problem(d, dense=False, data_size=n)
    rng = np.random.default_rng(validate.seed(seed))
    features = rng.standard_normal((n, d))
    truth = rng.standard_normal(d)
    targets = features @ truth + noise * rng.standard_normal(n)
    data = FiniteSum(features, targets, "squared")
    spectrum = np.linalg.eigvalsh(features.T @ features / n)
    L, c = float(spectrum[-1]), float(spectrum[0])
    if c <= 0:
        raise ValueError("the generated design is rank deficient; choose n > d or another seed")
    x_star: FloatArray = np.asarray(np.linalg.lstsq(features, targets, rcond=None)[0], np.float64)

    def fused(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        residual = x @ features.T - targets  # (R, n)
        return 0.5 * np.einsum("rn,rn->r", residual, residual) / n, residual @ features / n

    f_star = float(fused(x_star[None])[0][0])
    grad_star = fused(x_star[None])[1][0]
    return Problem(
        name=f"least_squares(n={n}, d={d})",
        dim=d,
        f=lambda x: fused(x)[0],
        grad=lambda x: fused(x)[1],
        L=L,
        F_inf=f_star,
        F_star=f_star,
        c=c,
        x0=np.zeros(d),
        assumptions=frozenset({"A1", "A5"}),
        x_star=x_star,
        data=data,
        F_star_error=float(grad_star @ grad_star) / (2 * c),
        fused=fused,
    )


def logistic_regression(
    n: int,
    d: int,
    *,
    l2: float = 1e-2,
    label_flip: float = 0.1,
    seed: int = 0,
) -> Problem:
    """L2-regularised logistic regression on generated data.

    ``F(x) = (1/n) Σ log(1 + exp(-b_i a_iᵀx)) + (l2/2)‖x‖²`` with ``a_i`` Gaussian rows
    scaled by ``1/sqrt(d)`` and labels ``b_i = sign(a_iᵀw)`` flipped with probability
    ``label_flip``. The Hessian is ``(1/n) Aᵀ D A + l2 I`` with ``D = diag(s(1-s)) ≼ I/4``,
    so ``L = ‖A‖₂²/(4n) + l2`` (spectral norm) and ``c = l2`` (strong convexity, A5).

    ``F_star`` comes from Newton's method in float64 with backtracking, iterated until
    ``‖∇F‖`` stops decreasing (typically ``~1e-16``); ``F_star_error = ‖∇F(x̂)‖²/(2 l2)``
    bounds ``F(x̂) - F_star`` by strong convexity (float64 evaluation of ``F`` adds a relative
    error of a few ``n·2⁻⁵³``).

    Parameters
    ----------
    n, d : int
        Samples and dimension.
    l2 : float
        Ridge weight, ``> 0``.
    label_flip : float
        Probability in ``[0, 0.5]`` of flipping each label.
    seed : int
        Seeds the data and ``x0``.
    """
    _check_positive_int(n, "n")
    _check_positive_int(d, "d")
    validate.real("l2", l2, low=0.0)
    validate.real("label_flip", label_flip, low=0.0, high=0.5, include_low=True)
    memory.check_problem(d, dense=False, data_size=n)
    rng = np.random.default_rng(validate.seed(seed))
    features = rng.standard_normal((n, d)) / np.sqrt(d)
    truth = rng.standard_normal(d) * 3.0
    labels = np.where(features @ truth >= 0, 1.0, -1.0)
    labels = np.where(rng.random(n) < label_flip, -labels, labels)
    data = FiniteSum(features, labels, "logistic", l2=l2)

    def fused(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        margins = x @ features.T  # (R, n)
        values = np.logaddexp(0.0, -labels * margins).mean(axis=1)
        weights = data.loss_derivative(margins, labels)
        grads = weights @ features / n + l2 * x
        return values + 0.5 * l2 * np.einsum("rd,rd->r", x, x), grads

    x_hat, grad_norm_sq = _newton_logistic(features, labels, l2, fused)
    f_star = float(fused(x_hat[None])[0][0])
    return Problem(
        name=f"logistic_regression(n={n}, d={d}, l2={l2:g})",
        dim=d,
        f=lambda x: fused(x)[0],
        grad=lambda x: fused(x)[1],
        L=float(np.linalg.norm(features, 2) ** 2 / (4 * n) + l2),
        F_inf=f_star - grad_norm_sq / (2 * l2),
        F_star=f_star,
        c=float(l2),
        x0=np.zeros(d),
        assumptions=frozenset({"A1", "A5"}),
        x_star=x_hat,
        data=data,
        F_star_error=grad_norm_sq / (2 * l2),
        fused=fused,
    )


def _newton_logistic(
    features: FloatArray,
    labels: FloatArray,
    l2: float,
    fused: Callable[[FloatArray], tuple[FloatArray, FloatArray]],
) -> tuple[FloatArray, float]:
    n, d = features.shape
    x = np.zeros(d)
    value, grad = (a[0] for a in fused(x[None]))
    grad_sq = float(grad @ grad)
    # Newton with Armijo backtracking converges quadratically; the loop ends when the gradient
    # norm stops decreasing, i.e. at the float64 noise floor. Near the optimum F's decrease
    # (~|grad|^2) falls below float64's resolution of F itself, so Armijo cannot see it: a
    # step that lowers the gradient norm is accepted then (without this the search stalled at
    # |grad| ~ 4e-13 on some BLAS builds, where one more full step gives ~1e-17).
    for _ in range(100):
        s = 1.0 / (1.0 + np.exp(-labels * (features @ x)))
        hessian = (features.T * (s * (1.0 - s))) @ features / n + l2 * np.eye(d)
        step = np.linalg.solve(hessian, grad)
        t = 1.0
        while True:
            candidate = x - t * step
            c_value, c_grad = (a[0] for a in fused(candidate[None]))
            if c_value <= value - 1e-4 * t * float(grad @ step) or t < 1e-10:
                break
            if t == 1.0 and float(c_grad @ c_grad) < grad_sq / 4:
                # The full step is in Newton's quadratic regime, where the predicted decrease
                # of F is below F's own rounding and Armijo's test can no longer see it.
                break
            t *= 0.5
        c_grad_sq = float(c_grad @ c_grad)
        if c_grad_sq >= grad_sq:
            break
        x, value, grad, grad_sq = candidate, c_value, c_grad, c_grad_sq
    return np.asarray(x, dtype=np.float64), float(grad @ grad)


def geman_mcclure(
    weights: ArrayLikeFloat,
    *,
    rotate: bool = True,
    x0_scale: float = 3.0,
    seed: int = 0,
) -> Problem:
    """Non-convex robust loss ``F(x) = Σ_i a_i φ(r_i)``, ``r = U x - t``, ``φ(s) = s²/(1+s²)``.

    Proof of ``L = 2 max a_i``: ``φ''(s) = (2 - 6s²)/(1+s²)³`` and
    ``φ'''(s) = 24 s (s² - 1)/(1+s²)⁴``, so ``φ''`` has its extrema at ``s = 0`` (value 2) and
    ``s² = 1`` (value -1/2) and tends to 0 at infinity: ``|φ''| ≤ 2``. The Hessian is
    ``Uᵀ diag(a_i φ''(r_i)) U`` with ``U`` orthogonal, so its spectral norm is at most
    ``2 max a_i`` everywhere, with equality at the minimizer; hence ``F`` is ``L``-smooth with
    ``L = 2 max a_i``, and this ``L`` is tight.

    ``F >= 0 = F(Uᵀt)``, so ``F_inf = F_star = 0`` (A1). ``F`` is not convex (``φ'' < 0`` for
    ``s² > 1/3``) and not PL (``∇F → 0`` while ``F → Σ a_i`` as ``‖x‖ → ∞``), so A5 fails.

    Parameters
    ----------
    weights : array_like, shape (d,)
        ``a_i > 0``.
    rotate : bool
        Haar-random orthogonal ``U`` (True) or the identity.
    x0_scale : float
        The default start has residuals of typical size ``x0_scale`` (beyond the convex zone).
    seed : int
        Seeds ``U``, ``t`` and ``x0``.
    """
    a = np.asarray(weights, dtype=np.float64)
    if a.ndim != 1 or a.size == 0:
        raise ValueError("weights must be a non-empty 1-D array")
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError("weights must be finite and > 0")
    if np.any(a > np.finfo(np.float64).max / 2):
        # L = 2 max a_i must be a float64 too
        raise ValueError(f"weights must be <= {np.finfo(np.float64).max / 2:.6g} (L = 2 max a_i)")
    _check_finite_nonnegative(x0_scale, "x0_scale")
    d = a.size
    memory.check_problem(d, dense=rotate)
    rng = np.random.default_rng(validate.seed(seed))
    u = _haar_orthogonal(rng, d) if rotate else np.eye(d)
    shift = rng.standard_normal(d)
    x_star = u.T @ shift
    x0 = x_star + u.T @ (x0_scale * rng.standard_normal(d))

    def fused(x: FloatArray) -> tuple[FloatArray, FloatArray]:
        r = x @ u.T - shift
        denom = 1.0 + r * r
        values = (a * r * r / denom).sum(axis=1)
        return values, (2.0 * a * r / (denom * denom)) @ u

    problem = Problem(
        name=f"geman_mcclure(d={d})",
        dim=d,
        f=lambda x: fused(x)[0],
        grad=lambda x: fused(x)[1],
        L=float(2.0 * a.max()),
        F_inf=0.0,
        F_star=0.0,
        c=None,
        x0=x0,
        assumptions=frozenset({"A1"}),
        x_star=x_star,
        fused=fused,
    )
    return _finite_start(problem, "weights")


def from_callables(
    f: VectorFunction,
    grad: VectorFunction,
    *,
    dim: int,
    L: float,
    F_inf: float,
    x0: ArrayLikeFloat,
    F_star: float | None = None,
    c: float | None = None,
    name: str = "user problem",
) -> Problem:
    """A user-supplied problem from vectorized callables.

    The constants are taken on trust (the caller proves them); :func:`simulate.problems`
    tests show how to check them numerically. ``f`` and ``grad`` are probed once at ``x0`` to
    check shapes.

    Parameters
    ----------
    f : callable
        ``(R, d) -> (R,)``.
    grad : callable
        ``(R, d) -> (R, d)``.
    dim : int
        ``d``.
    L : float
        Smoothness constant, ``> 0``.
    F_inf : float
        Lower bound of ``F``.
    x0 : array_like, shape (d,)
        Starting point.
    F_star : float, optional
        Minimum value, ``>= F_inf``.
    c : float, optional
        PL constant, ``0 < c <= L``; marks A5.
    name : str
        Label.
    """
    _check_positive_int(dim, "dim")
    if not (np.isfinite(L) and L > 0):
        raise ValueError(f"L must be finite and > 0, got {L!r}")
    if not np.isfinite(F_inf):
        raise ValueError(f"F_inf must be finite, got {F_inf!r}")
    if F_star is not None and not (np.isfinite(F_star) and F_star >= F_inf):
        raise ValueError(f"F_star must be finite and >= F_inf, got {F_star!r}")
    if c is not None and not (np.isfinite(c) and 0 < c <= L):
        raise ValueError(f"c must satisfy 0 < c <= L, got c={c!r}, L={L!r}")
    start = np.asarray(x0, dtype=np.float64)
    if start.shape != (dim,):
        raise ValueError(f"x0 must have shape ({dim},), got {start.shape}")
    probe = start[None].repeat(2, axis=0)
    if np.shape(f(probe)) != (2,):
        raise ValueError("f must map an (R, d) array to shape (R,)")
    if np.shape(grad(probe)) != (2, dim):
        raise ValueError("grad must map an (R, d) array to shape (R, d)")
    return Problem(
        name=name,
        dim=dim,
        f=f,
        grad=grad,
        L=float(L),
        F_inf=float(F_inf),
        F_star=None if F_star is None else float(F_star),
        c=None if c is None else float(c),
        x0=start,
        assumptions=frozenset({"A1", "A5"} if c is not None else {"A1"}),
    )
