"""Curvature of a model's loss: ``L`` and the curvature-weighted noise constants of T1/T3.matrix.

The matrix-smoothness theorems (``bounds.theorems`` T1.matrix, T3.matrix) replace
``L E‖noise‖²`` by ``E[noiseᵀ Lmat noise]``: with the Hessian ``H`` of the full-batch loss in
the role of ``Lmat``,

- ``L``: the largest ``|eigenvalue|`` of ``H``, by power iteration on Hessian-vector products
  (a lower bound of the smoothness constant over the whole domain: it is measured here);
- ``M_L = E[(g − ∇F)ᵀ H (g − ∇F)]``: the gradient noise as the curvature sees it;
- ``sigma_qL = E[epsᵀ H eps]`` with ``eps = Q(s g)/s − q g`` (docs/spec.md section 4's projection):
  the rounding noise as the curvature sees it;

each a Hutchinson-type estimator whose probes are the noise samples themselves
(``E[vᵀHv] = tr(H Σ_v)`` for a probe ``v`` of covariance ``Σ_v``), with a normal interval over
samples, next to ``M = E‖g − ∇F‖²`` and ``sigma_q2 = E‖eps‖²``; and Hutchinson's
``tr(H)/d`` with Rademacher probes, the curvature an isotropic noise would see. Minibatch noise
concentrates where the curvature is (its covariance resembles the Hessian), rounding noise
spreads over every coordinate, most of them flat: so ``sigma_qL/sigma_q2`` is typically far
below ``M_L/M``, which is why the paper's worst case overstates the slowdown.

``H`` is indefinite on a non-convex model, while the theorems need ``0 ⪯ Lmat ⪯ L I``: a
quadratic form can come out negative, and a consumer clips it at 0 (as
``benchmarks/real_model.py`` does).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from simulate.measure import ConfidenceInterval, normal_quantile
from simulate.quantizer import as_quantizer
from stepshrink.torch.data import Examples, LossFn
from stepshrink.torch.record import _minibatch_gradient, full_gradient, named_parameters

__all__ = ["Smoothness", "smoothness"]


@dataclass(frozen=True)
class Smoothness:
    """Measured curvature constants at one point of a model's parameters.

    Attributes
    ----------
    L : float
        Largest ``|eigenvalue|`` of the Hessian (power iteration's Rayleigh quotient).
    L_relative_change : float
        Relative change of the estimate over the last iteration (convergence).
    trace_per_dim : ConfidenceInterval
        ``tr(H)/d`` (Hutchinson, Rademacher probes).
    M, M_L : ConfidenceInterval
        ``E‖g − ∇F‖²`` and ``E[(g − ∇F)ᵀ H (g − ∇F)]`` over minibatches.
    sigma_q2, sigma_qL : ConfidenceInterval or None
        ``E‖eps‖²`` and ``E[epsᵀ H eps]`` (None without a quantizer).
    grad_sq : float
        ``‖∇F‖²``.
    grad_curved : float
        ``∇Fᵀ H ∇F`` (the curvature along the full gradient; ``<= L grad_sq``).
    dim : int
        Number of parameters ``d``.
    """

    L: float
    L_relative_change: float
    trace_per_dim: ConfidenceInterval
    M: ConfidenceInterval
    M_L: ConfidenceInterval
    sigma_q2: ConfidenceInterval | None
    sigma_qL: ConfidenceInterval | None
    grad_sq: float
    grad_curved: float
    dim: int

    def to_dict(self) -> dict[str, Any]:
        """``{"estimates": {name: interval}, "settings": {...}}``, JSON-ready (strict)."""
        point = ConfidenceInterval(self.L, self.L, self.L, 1.0, "power iteration")
        estimates = {"L": point, "M": self.M, "M_L": self.M_L, "trace_per_dim": self.trace_per_dim}
        if self.sigma_q2 is not None and self.sigma_qL is not None:
            estimates.update(sigma_q2=self.sigma_q2, sigma_qL=self.sigma_qL)
        return {
            "estimates": {name: value.to_dict() for name, value in estimates.items()},
            "settings": {
                "L_relative_change": self.L_relative_change,
                "grad_sq": self.grad_sq,
                "grad_curved": self.grad_curved,
                "dim": self.dim,
            },
        }


class _Hessian:
    """Hessian-vector products of the full-batch loss at the model's current parameters."""

    def __init__(self, model: torch.nn.Module, loss_fn: LossFn, examples: Examples) -> None:
        self.model, self.loss_fn, self.examples = model, loss_fn, examples
        self.params = [p for _, p in named_parameters(model)]

    def __call__(self, vector: list[torch.Tensor]) -> list[torch.Tensor]:
        result = [torch.zeros_like(p) for p in self.params]
        for inputs, targets, count in self.examples.chunks(4096):
            loss = self.loss_fn(self.model(inputs), targets) * (count / self.examples.n)
            grads = torch.autograd.grad(loss, self.params, create_graph=True)
            dot = sum((g * v).sum() for g, v in zip(grads, vector, strict=True))
            assert isinstance(dot, torch.Tensor)
            for acc, hv in zip(result, torch.autograd.grad(dot, self.params), strict=True):
                acc += hv
        return result

    def quadratic(self, vector: list[torch.Tensor]) -> float:
        """``vᵀ H v``."""
        return _dot(vector, self(vector))


def _dot(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    return float(sum(float((x.double() * y.double()).sum()) for x, y in zip(a, b, strict=True)))


def _interval(values: list[float], level: float, method: str) -> ConfidenceInterval:
    array = np.asarray(values, dtype=np.float64)
    mean = float(array.mean())
    half = normal_quantile(level) * float(array.std(ddof=1)) / math.sqrt(array.size)
    return ConfidenceInterval(mean, mean - half, mean + half, level, method)


def smoothness(
    model: torch.nn.Module,
    loss_fn: LossFn,
    dataset: Any,
    *,
    quantizer: Any = None,
    rounding: str = "rne",
    loss_scale: float = 1.0,
    samples: int = 64,
    batch_size: int = 32,
    iterations: int = 30,
    probes: int = 16,
    level: float = 0.999,
    seed: int = 0,
) -> Smoothness:
    """Estimate ``L``, ``M_L``, ``sigma_qL`` (and ``M``, ``sigma_q2``, ``tr(H)/d``) at the model.

    Parameters
    ----------
    model, loss_fn, dataset
        As :class:`stepshrink.torch.Recorder`.
    quantizer : QuantizerProtocol, format, format name or None
        The gradient quantizer whose noise ``eps`` to weigh (None: no ``sigma_qL``).
    rounding : str
        Rounding mode when ``quantizer`` is a name.
    loss_scale : float
        Static loss scale ``s``: ``eps`` of ``Q(s g)/s``.
    samples : int
        Minibatch gradients (each gives one probe of ``M_L`` and one of ``sigma_qL``), ``>= 2``.
    batch_size : int
        Examples per minibatch.
    iterations : int
        Power-iteration steps for ``L``.
    probes : int
        Rademacher probes of ``tr(H)``, ``>= 2``.
    level : float
        Confidence level of the intervals (normal, over the samples).
    seed : int
        Seed of the minibatches, the probes and stochastic rounding.

    Returns
    -------
    Smoothness
    """
    for name, value, least in (
        ("samples", samples, 2),
        ("batch_size", batch_size, 1),
        ("iterations", iterations, 1),
        ("probes", probes, 2),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
    examples = Examples(dataset)
    hessian = _Hessian(model, loss_fn, examples)
    generator = torch.Generator().manual_seed(int(seed))
    rng = np.random.default_rng(seed)
    dim = sum(p.numel() for p in hessian.params)

    vector = [torch.randn(p.shape, generator=generator, dtype=p.dtype) for p in hessian.params]
    estimate, change = 0.0, math.inf
    for _ in range(iterations):  # power iteration: one Hessian-vector product per step
        norm = math.sqrt(_dot(vector, vector))
        vector = [v / norm for v in vector]
        image = hessian(vector)
        new = _dot(vector, image)
        change = abs(new - estimate) / max(abs(new), 1e-300)
        estimate, vector = new, image

    traces = []
    for _ in range(probes):
        probe = [
            (torch.randint(0, 2, p.shape, generator=generator) * 2 - 1).to(p.dtype)
            for p in hessian.params
        ]
        traces.append(hessian.quadratic(probe) / dim)

    exact = full_gradient(model, loss_fn, examples)
    rounder = None if quantizer is None else as_quantizer(quantizer, rounding)
    noise_sq, noise_curved, eps_sq, eps_curved = [], [], [], []
    for _ in range(samples):
        g = list(_minibatch_gradient(model, loss_fn, examples, batch_size, generator))
        noise = [a - b for a, b in zip(g, exact, strict=True)]
        noise_sq.append(_dot(noise, noise))
        noise_curved.append(hessian.quadratic(noise))
        if rounder is None:
            continue
        hats = []
        for tensor in g:
            values = tensor.detach().cpu().numpy().astype(np.float64)[None] * loss_scale
            hats.append(np.asarray(rounder(values, rng), np.float64)[0] / loss_scale)
        flat_g = [t.detach().double().numpy() for t in g]
        gg = sum(float((a * a).sum()) for a in flat_g)
        q = sum(float((h * a).sum()) for h, a in zip(hats, flat_g, strict=True)) / gg if gg else 1.0
        eps = [
            torch.from_numpy(h - q * a).to(p.dtype)
            for h, a, p in zip(hats, flat_g, hessian.params, strict=True)
        ]
        eps_sq.append(_dot(eps, eps))
        eps_curved.append(hessian.quadratic(eps))

    method = f"mean over {samples} minibatches of {batch_size}, normal interval"
    return Smoothness(
        L=abs(estimate),
        L_relative_change=change,
        trace_per_dim=_interval(traces, level, f"Hutchinson, {probes} Rademacher probes"),
        M=_interval(noise_sq, level, method),
        M_L=_interval(noise_curved, level, method + " (Hessian-weighted)"),
        sigma_q2=None if rounder is None else _interval(eps_sq, level, method),
        sigma_qL=None
        if rounder is None
        else _interval(eps_curved, level, method + " (Hessian-weighted)"),
        grad_sq=_dot(exact, exact),
        grad_curved=hessian.quadratic(exact),
        dim=dim,
    )
