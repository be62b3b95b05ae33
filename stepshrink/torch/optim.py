"""``QuantizedSGD``: SGD whose gradients are rounded bit-exactly to a low-precision format.

Each step quantizes every parameter's gradient with a quantizer of :mod:`simulate.quantizer`
(any element or block format, any rounding mode, per-tensor scaling; each parameter is one
tensor, blocks along its last axis), under static or dynamic loss scaling, and takes the
plain SGD step ``p <- p - lr Q(s g)/s`` — the iteration the theorems are about, on the
user's own model, so a prediction of :mod:`bounds` can be checked against a real run.

The gradient is rounded by ``simulate.quantize`` on the CPU through NumPy (a copy of each
gradient per step); a native torch path is the subject of another change to
``simulate.quantize`` (issue 14), and this optimizer will use it by passing tensors once it
lands. :func:`lambda_lr` turns a stepsize schedule of :mod:`bounds.schedules` (or any
``k -> mu_k``, ``k = 1, 2, ...``) into a ``torch.optim.lr_scheduler.LambdaLR``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from simulate.gradients import overflows
from simulate.loss_scaling import as_loss_scaler
from simulate.quantizer import QuantizerProtocol, as_quantizer

__all__ = ["QuantizedSGD", "lambda_lr"]


class QuantizedSGD(torch.optim.Optimizer):
    """Plain SGD on quantized gradients ``Q(s g)/s`` (no momentum, no weight decay).

    Parameters
    ----------
    params : iterable of parameters or parameter groups
        As any ``torch.optim.Optimizer``.
    lr : float
        Stepsize ``mu > 0``.
    quantizer : QuantizerProtocol, format, format name or None
        The gradient quantizer (a name with ``rounding``; ``None``: full precision).
    rounding : str
        Rounding mode when ``quantizer`` is a name (``"rne"``, ..., ``"sr"``).
    loss_scale : float or loss scaler, optional
        ``None``: no scaling (an overflowed gradient is applied as it is). A float: a static
        scale ``s``. A scaler (:class:`simulate.loss_scaling.DynamicLossScaler`, one replica):
        steps whose scaled gradient overflows are skipped and the scale backs off, as
        ``torch.amp.GradScaler`` does. The loss itself is not scaled: multiplying the float32
        gradient by ``s`` (a power of two in the dynamic case) is exact.
    seed : int
        Seed of stochastic rounding.

    Attributes
    ----------
    skipped : int
        Steps skipped because the scaled gradient overflowed.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float,
        quantizer: Any = None,
        *,
        rounding: str = "rne",
        loss_scale: Any = None,
        seed: int = 0,
    ) -> None:
        if isinstance(lr, bool) or not isinstance(lr, int | float) or not lr > 0:
            raise ValueError(f"lr must be a number > 0, got {lr!r}")
        super().__init__(params, {"lr": float(lr)})
        self.quantizer: QuantizerProtocol = as_quantizer(quantizer, rounding)
        self.scaler = None if loss_scale is None else as_loss_scaler(loss_scale)
        self.skipped = 0
        self._rng = np.random.default_rng(seed)

    def _scale(self) -> float:
        if self.scaler is None:
            return 1.0
        return float(np.asarray(self.scaler.scale, dtype=np.float64).reshape(-1)[0])

    def quantized_gradient(self, grad: torch.Tensor, scale: float) -> tuple[torch.Tensor, bool]:
        """``Q(s g)/s`` for one parameter's gradient, in its dtype (through NumPy), and
        whether it overflowed (:func:`simulate.gradients.overflows`: a non-finite value, or a
        value clipped by a saturating element format such as fp4 E2M1)."""
        values = grad.detach().cpu().numpy().astype(np.float64)[None] * scale
        quantized = np.asarray(self.quantizer(values, self._rng), np.float64)
        overflow = bool(overflows(self.quantizer, values, quantized).any())
        with np.errstate(over="ignore", invalid="ignore"):
            unscaled = quantized[0] / scale
        return torch.from_numpy(unscaled).to(dtype=grad.dtype, device=grad.device), overflow

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One step on the quantized gradients; returns the closure's loss (if given)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        scale = self._scale()
        updates = []
        overflow = False
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                update, overflowed = self.quantized_gradient(p.grad, scale)
                overflow |= overflowed
                updates.append((p, update, group["lr"]))
        if self.scaler is not None:
            self.scaler.update(np.array([overflow]))
            if overflow:
                self.skipped += 1
                return loss
        for p, update, lr in updates:
            p.add_(update, alpha=-lr)
        return loss


def lambda_lr(
    optimizer: torch.optim.Optimizer, schedule: Callable[[Any], Any] | float
) -> torch.optim.lr_scheduler.LambdaLR:
    """A ``LambdaLR`` that sets the stepsize of step ``k = 1, 2, ...`` to ``schedule(k)``.

    The optimizer's learning rates are set to 1 so that ``LambdaLR``'s factor is the stepsize
    itself; call ``scheduler.step()`` after each ``optimizer.step()`` as usual. A float is a
    constant schedule. The same schedule for optax, whose count starts at 0, is
    :func:`stepshrink.export.optax_schedule`; :func:`stepshrink.export.derived_schedules`
    gives the schedules ``stepshrink schedule --json`` recommends.
    """
    mu: Callable[[Any], Any]
    if isinstance(schedule, int | float) and not isinstance(schedule, bool):
        value = float(schedule)
        mu = lambda _k: value  # noqa: E731
    elif callable(schedule):
        mu = schedule
    else:
        raise ValueError(f"schedule must be a callable k -> mu_k or a float, got {schedule!r}")
    for group in optimizer.param_groups:
        group["lr"] = 1.0
        group.pop("initial_lr", None)
    # LambdaLR counts from 0 before the first step; the schedules count steps from 1
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda count: float(mu(count + 1)))
