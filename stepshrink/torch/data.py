"""The data a model is trained on, as the integration reads it: minibatches and full passes.

A dataset is a pair ``(inputs, targets)`` of tensors with the examples on the first axis, or
any map-style ``torch.utils.data.Dataset`` whose items are ``(input, target)`` pairs (stacked
with ``default_collate``). The objective is the mean of ``loss_fn(model(inputs), targets)``
over the examples, ``loss_fn`` being a batch mean (PyTorch's default reduction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch

__all__ = ["Examples", "LossFn"]

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


class Examples:
    """Indexed access to a dataset: minibatches by index and chunks of a full pass.

    Parameters
    ----------
    dataset : (Tensor, Tensor) or torch.utils.data.Dataset
        The examples (see the module docstring).
    """

    def __init__(self, dataset: Any) -> None:
        if isinstance(dataset, tuple | list) and len(dataset) == 2:
            inputs, targets = dataset
            if not (isinstance(inputs, torch.Tensor) and isinstance(targets, torch.Tensor)):
                raise ValueError("dataset must be (inputs, targets) tensors or a Dataset")
            if inputs.shape[0] != targets.shape[0] or inputs.shape[0] < 1:
                raise ValueError(
                    "dataset: inputs and targets must have the same number (>= 1) of examples"
                )
            self._tensors: tuple[torch.Tensor, torch.Tensor] | None = (inputs, targets)
            self._dataset = None
            self.n = int(inputs.shape[0])
        elif hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__"):
            self._tensors = None
            self._dataset = dataset
            self.n = len(dataset)
            if self.n < 1:
                raise ValueError("dataset must hold at least one example")
        else:
            raise ValueError(
                f"dataset must be (inputs, targets) tensors or a Dataset, got {type(dataset)}"
            )

    def batch(self, indices: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The examples at ``indices`` (a 1-D integer tensor), stacked."""
        if self._tensors is not None:
            inputs, targets = self._tensors
            return inputs[indices], targets[indices]
        from torch.utils.data import default_collate

        assert self._dataset is not None
        items = [self._dataset[int(i)] for i in indices]
        inputs, targets = default_collate(items)
        return inputs, targets

    def chunks(self, size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor, int]]:
        """``(inputs, targets, count)`` of consecutive chunks covering every example once."""
        for start in range(0, self.n, size):
            indices = torch.arange(start, min(start + size, self.n))
            inputs, targets = self.batch(indices)
            yield inputs, targets, int(indices.numel())

    def sample(
        self, batch_size: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A minibatch drawn uniformly with replacement (so its gradient is unbiased)."""
        return self.batch(torch.randint(0, self.n, (batch_size,), generator=generator))
