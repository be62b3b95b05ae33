"""Memory estimates of the simulator's computations, checked before any array is allocated.

Each estimate counts the float64 arrays of the given sizes that are alive at the same time at
the peak of the computation, with a margin for NumPy temporaries; :func:`plumbing.memory.check_fits`
compares it with the memory available and refuses (ValueError) with both figures. Sizes are
multiplied as floats, so absurd requests (``replicas = 10**10``) give a figure rather than an
overflow.
"""

from __future__ import annotations

from plumbing.memory import FLOAT_BYTES, check_fits

__all__ = ["check_assumption_check", "check_problem", "check_run"]

# (R, d) arrays alive during one SGD step: iterate, value/gradient pair, stochastic and
# quantized gradient, residual, scaled input, update and new iterate, plus the quantizer's
# integer temporaries (a few per element).
_RUN_ARRAYS = 24
# per-step statistics recorded over the K steps (trajectory fields)
_RUN_FIELDS = 20
# (N, d) arrays of the assumption checker (samples, quantized, residuals, spans, ...)
_CHECK_ARRAYS = 16


def check_problem(dim: int, *, dense: bool, data_size: int = 0) -> None:
    """Refuse a generated problem of dimension ``dim`` (and ``data_size`` rows) that cannot fit.

    A dense (rotated) Hessian needs a few ``d x d`` matrices while it is built (a Gaussian
    matrix, its QR factors, the Hessian); a data set an ``n x d`` matrix and its products.
    """
    d = float(dim)
    needed = (
        (4 * d * d if dense else 4 * d) + 3 * float(data_size) * d + (d * d if data_size else 0)
    )
    what = f"a problem of dimension {dim}" + (f" with {data_size} samples" if data_size else "")
    check_fits(needed * FLOAT_BYTES, what)


def check_run(steps: int, replicas: int, dim: int, *, batch_size: int = 0) -> None:
    """Refuse an SGD run of ``steps`` x ``replicas`` x ``dim`` that cannot fit."""
    per_step = _RUN_ARRAYS * float(replicas) * float(dim)
    minibatch = 2 * float(replicas) * float(batch_size) * float(dim)
    record = _RUN_FIELDS * (float(steps) + 1)
    what = f"an SGD run of steps x replicas x dim = {steps} x {replicas} x {dim}"
    if batch_size:
        what += f" with batch size {batch_size}"
    check_fits((per_step + minibatch + record) * FLOAT_BYTES, what)


def check_assumption_check(points: int, samples: int, repeats: int, dim: int) -> None:
    """Refuse an assumption check of ``points x (samples + repeats)`` gradients that cannot fit."""
    rows = float(points) * (float(samples) + float(repeats))
    what = (
        f"an assumption check of points x (samples + repeats) x dim = {points} x "
        f"({samples} + {repeats}) x {dim}"
    )
    check_fits(_CHECK_ARRAYS * rows * float(dim) * FLOAT_BYTES, what)
