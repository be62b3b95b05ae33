"""PyTorch integration (optional extra ``torch``): your own model, through the checker and bounds.

- :func:`record` / :class:`Recorder`: a model's minibatch gradients as points for
  :func:`simulate.gradients.check` (at checkpoints, or along your training loop through an
  optimizer hook), savable with :func:`simulate.gradients.save` for
  ``stepshrink assumptions --gradients FILE``;
- :func:`smoothness`: ``L`` by Hessian-vector power iteration and the curvature-weighted
  constants ``M_L``, ``sigma_qL`` of T1.matrix / T3.matrix;
- :class:`QuantizedSGD`: SGD with bit-exact emulated gradients (any format, rounding mode,
  static or dynamic loss scaling), to check a prediction on your model;
- :func:`lambda_lr`: a stepsize schedule as ``torch.optim.lr_scheduler.LambdaLR``.

Only this package imports torch; ``bounds``, ``simulate`` and the rest of ``stepshrink`` never do.
"""

from __future__ import annotations

from stepshrink.torch.optim import QuantizedSGD, lambda_lr
from stepshrink.torch.record import Recorder, full_gradient, record
from stepshrink.torch.smoothness import Smoothness, smoothness

__all__ = [
    "QuantizedSGD",
    "Recorder",
    "Smoothness",
    "full_gradient",
    "lambda_lr",
    "record",
    "smoothness",
]
