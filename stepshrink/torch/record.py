"""Record a model's stochastic gradients as points for :func:`simulate.gradients.check`.

:class:`Recorder` draws, at the model's current parameters, ``samples`` minibatch gradients
(batches drawn uniformly with replacement, so each is an unbiased estimate of the full
gradient) and returns them as a :class:`~simulate.gradient_points.GradientPoint`, one array
``(samples, *shape)`` per parameter tensor (named as ``model.named_parameters()`` names them),
together with the full-batch gradient ``∇F`` and, optionally, the per-coordinate extremes of
the per-example gradients (the support of any minibatch mean, for the distribution-free A2
test; computed with ``torch.func``). :func:`record` yields points at checkpoints of a run it
drives; :meth:`Recorder.attach` records along the user's own training loop through an
optimizer hook.

The forward passes run in the model's current mode (``train()`` or ``eval()``); with dropout
or batch norm in training mode a gradient is not a function of the parameters alone, and
batch norm's running statistics move. Gradients are recorded in the parameters' dtype.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from simulate.gradient_points import GradientPoint
from stepshrink.torch.data import Examples, LossFn

__all__ = ["Recorder", "full_gradient", "named_parameters", "record"]

#: Values of per-example gradients computed at once (float32: 256 MB).
PER_EXAMPLE_VALUES = 1 << 26


def named_parameters(model: torch.nn.Module) -> list[tuple[str, torch.nn.Parameter]]:
    """The trainable parameters, in ``named_parameters`` order."""
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if not named:
        raise ValueError("model has no parameter that requires grad")
    return named


def full_gradient(
    model: torch.nn.Module, loss_fn: LossFn, examples: Examples, chunk_size: int = 4096
) -> list[torch.Tensor]:
    """``∇F``: the gradient of the mean loss over every example (chunks weighted by size)."""
    params = [p for _, p in named_parameters(model)]
    total = [torch.zeros_like(p) for p in params]
    for inputs, targets, count in examples.chunks(chunk_size):
        loss = loss_fn(model(inputs), targets) * (count / examples.n)
        for acc, g in zip(total, torch.autograd.grad(loss, params), strict=True):
            acc += g
    return total


def _minibatch_gradient(
    model: torch.nn.Module,
    loss_fn: LossFn,
    examples: Examples,
    batch_size: int,
    generator: torch.Generator,
) -> tuple[torch.Tensor, ...]:
    params = [p for _, p in named_parameters(model)]
    inputs, targets = examples.sample(batch_size, generator)
    return torch.autograd.grad(loss_fn(model(inputs), targets), params)


def _per_example_support(
    model: torch.nn.Module, loss_fn: LossFn, examples: Examples
) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Entry-wise min and max of the per-example gradients over the data set."""
    from torch.func import functional_call, grad, vmap

    named = named_parameters(model)
    values = {name: p.detach() for name, p in named}
    buffers = dict(model.named_buffers())
    size = sum(p.numel() for _, p in named)

    def loss_of_one(params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> Any:
        return loss_fn(functional_call(model, (params, buffers), (x[None],)), y[None])

    per_example = vmap(grad(loss_of_one), in_dims=(None, 0, 0))
    low = [torch.full_like(p, torch.inf) for _, p in named]
    high = [torch.full_like(p, -torch.inf) for _, p in named]
    for inputs, targets, _ in examples.chunks(max(1, PER_EXAMPLE_VALUES // size)):
        grads = per_example(values, inputs, targets)
        for index, (name, _) in enumerate(named):
            low[index] = torch.minimum(low[index], grads[name].amin(dim=0))
            high[index] = torch.maximum(high[index], grads[name].amax(dim=0))
    return low, high


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


class Recorder:
    """Records points of a model's minibatch gradients at its current parameters.

    Parameters
    ----------
    model : torch.nn.Module
        The model (its trainable parameters are the layers).
    loss_fn : callable
        ``loss_fn(model(inputs), targets)``, a scalar batch mean.
    dataset : (Tensor, Tensor) or Dataset
        The training examples (:mod:`stepshrink.torch.data`).
    samples : int
        Minibatch gradients per point, ``>= 2``.
    batch_size : int
        Examples per minibatch, ``>= 1``.
    exact : bool
        Also record the full-batch gradient (A2's reference; one pass over the data).
    support : bool
        Also record the per-example extremes (needs ``exact``; one pass of per-example
        gradients with ``torch.func``).
    seed : int
        Seed of the minibatch draws.

    Attributes
    ----------
    points : list of GradientPoint
        Points recorded by the hook of :meth:`attach` (when no ``sink`` is given).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        loss_fn: LossFn,
        dataset: Any,
        *,
        samples: int,
        batch_size: int,
        exact: bool = True,
        support: bool = True,
        seed: int = 0,
    ) -> None:
        for name, value, least in (("samples", samples, 2), ("batch_size", batch_size, 1)):
            if isinstance(value, bool) or not isinstance(value, int) or value < least:
                raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")
        if support and not exact:
            raise ValueError("support=True needs exact=True (the support serves the A2 test)")
        self.model = model
        self.loss_fn = loss_fn
        self.examples = Examples(dataset)
        self.samples = samples
        self.batch_size = batch_size
        self.exact = exact
        self.support = support
        self.generator = torch.Generator().manual_seed(int(seed))
        self.points: list[GradientPoint] = []
        named_parameters(model)  # refuse a model with nothing to train, now

    def point(self) -> GradientPoint:
        """A point at the current parameters: ``samples`` minibatch gradients, ``∇F``, support."""
        named = named_parameters(self.model)
        stacked = [torch.empty((self.samples, *p.shape), dtype=p.dtype) for _, p in named]
        for index in range(self.samples):  # a loop over samples: each is a backward pass
            grads = _minibatch_gradient(
                self.model, self.loss_fn, self.examples, self.batch_size, self.generator
            )
            for target, g in zip(stacked, grads, strict=True):
                target[index] = g
        names = [name for name, _ in named]
        samples = {name: _numpy(t) for name, t in zip(names, stacked, strict=True)}
        if not self.exact:
            return GradientPoint(samples)
        exact = full_gradient(self.model, self.loss_fn, self.examples)
        exact_arrays = {name: _numpy(t) for name, t in zip(names, exact, strict=True)}
        if not self.support:
            return GradientPoint(samples, exact=exact_arrays)
        low, high = _per_example_support(self.model, self.loss_fn, self.examples)
        return GradientPoint(
            samples,
            exact=exact_arrays,
            low={name: _numpy(t) for name, t in zip(names, low, strict=True)},
            high={name: _numpy(t) for name, t in zip(names, high, strict=True)},
        )

    def attach(
        self,
        optimizer: torch.optim.Optimizer,
        every: int,
        sink: Callable[[GradientPoint], Any] | None = None,
    ) -> Any:
        """Record a point after every ``every``-th step of ``optimizer`` (the user's loop).

        Parameters
        ----------
        optimizer : torch.optim.Optimizer
            The optimizer of the user's training loop.
        every : int
            Steps between points, ``>= 1``.
        sink : callable, optional
            Receives each point (for example a list's ``append``, or a function that checks
            and discards it); default: appended to :attr:`points`.

        Returns
        -------
        torch.utils.hooks.RemovableHandle
            ``handle.remove()`` detaches the hook.
        """
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every!r}")
        receive = self.points.append if sink is None else sink
        steps = [0]

        def hook(_optimizer: torch.optim.Optimizer, _args: Any, _kwargs: Any) -> None:
            steps[0] += 1
            if steps[0] % every == 0:
                receive(self.point())

        return optimizer.register_step_post_hook(hook)


def record(
    model: torch.nn.Module,
    loss_fn: LossFn,
    dataset: Any,
    *,
    points: int,
    samples: int,
    batch_size: int,
    steps_between: int = 100,
    lr: float = 0.1,
    optimizer: torch.optim.Optimizer | None = None,
    exact: bool = True,
    support: bool = True,
    seed: int = 0,
) -> Iterator[GradientPoint]:
    """Yield ``points`` points along a training run: record, train ``steps_between`` steps, ...

    Parameters
    ----------
    model, loss_fn, dataset, samples, batch_size, exact, support, seed
        As :class:`Recorder`.
    points : int
        Checkpoints, ``>= 1``; the first is at the model's current parameters.
    steps_between : int
        Training steps between checkpoints (minibatches of ``batch_size``), ``>= 0``.
    lr : float
        Stepsize of the plain SGD that trains between checkpoints (unless ``optimizer``).
    optimizer : torch.optim.Optimizer, optional
        Trains between checkpoints instead (for example
        :class:`stepshrink.torch.QuantizedSGD`).

    Yields
    ------
    GradientPoint
        Lazily: a consumer such as :func:`simulate.gradients.check` holds one at a time.
    """
    if isinstance(points, bool) or not isinstance(points, int) or points < 1:
        raise ValueError(f"points must be an integer >= 1, got {points!r}")
    if isinstance(steps_between, bool) or not isinstance(steps_between, int) or steps_between < 0:
        raise ValueError(f"steps_between must be an integer >= 0, got {steps_between!r}")
    recorder = Recorder(
        model, loss_fn, dataset, samples=samples, batch_size=batch_size, exact=exact,
        support=support, seed=seed,
    )  # fmt: skip
    trainer = optimizer or torch.optim.SGD([p for _, p in named_parameters(model)], lr=lr)
    batches = torch.Generator().manual_seed(int(seed) + 1)
    for index in range(points):
        yield recorder.point()
        if index == points - 1:
            break
        for _ in range(steps_between):  # a loop over SGD steps
            inputs, targets = recorder.examples.sample(batch_size, batches)
            trainer.zero_grad()
            loss_fn(model(inputs), targets).backward()
            trainer.step()
