"""Static and dynamic loss scaling, one independent scaler per SGD replica.

Mixed-precision trainers multiply the loss by a scale ``s`` before back-propagation so that
small gradients land above the underflow threshold of the low-precision format, and divide
the (quantized) gradient by ``s`` in high precision before the update (docs/spec.md section 4). A
*dynamic* scaler also detects overflow: a replica whose scaled gradient has a non-finite
entry skips its step and halves its scale; after ``growth_interval`` consecutive finite steps
the scale doubles again.

The dynamic scaler follows PyTorch's ``torch.amp.GradScaler`` (its ``_amp_update_scale_``
kernel), per replica ``r``:

- overflow (``found_inf[r]``): ``scale[r] *= backoff_factor`` and ``growth_tracker[r] = 0``;
- otherwise ``growth_tracker[r] += 1``; when it reaches ``growth_interval`` the tracker
  resets to 0 and ``scale[r] *= growth_factor``, unless the grown scale is not finite
  in float32 (PyTorch keeps its scale as a float32 tensor), in which case it is kept.

Scales are stored rounded to float32, as PyTorch stores them, and returned as float64; with
the defaults they are powers of two, so unscaling (a division by ``s``) is exact.

The leading axis of every gradient array is the replica axis: ``grads`` of shape
``(R, ...)`` is checked per row, ``found_inf`` has shape ``(R,)``.

References
----------
.. [1] P. Micikevicius et al., "Mixed Precision Training", ICLR 2018, section 3.2.
.. [2] PyTorch, ``torch.amp.GradScaler`` (defaults ``init_scale=2**16``,
       ``growth_factor=2``, ``backoff_factor=0.5``, ``growth_interval=2000``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from plumbing import validate

__all__ = ["DynamicLossScaler", "LossScale", "StaticLossScaler", "as_loss_scaler"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _positive_finite(value: float, name: str) -> float:
    # scales and their factors multiply float32 gradients: beyond float32's maximum they
    # overflow every one of them
    return validate.real(name, value, low=0.0, high=validate.MAX_LOSS_SCALE)


def _positive_int(value: int, name: str) -> int:
    return validate.integer(name, value)


def _grads_array(grads_scaled: ArrayLike, replicas: int | None) -> FloatArray:
    grads = np.asarray(grads_scaled, dtype=np.float64)
    if grads.ndim < 1:
        raise ValueError("grads_scaled must have a leading replica axis (ndim >= 1)")
    if replicas is not None and grads.shape[0] != replicas:
        raise ValueError(
            f"grads_scaled must have shape (replicas, ...) = ({replicas}, ...), got {grads.shape}"
        )
    return grads


def _found_inf(grads: FloatArray) -> BoolArray:
    """Rows with a non-finite entry, shape (R,)."""
    finite = np.isfinite(grads).reshape(grads.shape[0], -1).all(axis=1)
    return np.logical_not(finite)


class StaticLossScaler:
    """A fixed loss scale ``s``: gradients are divided by ``s``; overflow is only reported.

    Parameters
    ----------
    scale : float
        The loss scale ``s > 0`` (dimensionless), at most float32's maximum.

    Attributes
    ----------
    scale : float
        The loss scale; it never changes.
    """

    def __init__(self, scale: float) -> None:
        self.scale = _positive_finite(scale, "scale")

    def unscale_and_check(self, grads_scaled: ArrayLike) -> tuple[FloatArray, BoolArray]:
        """Divide by the scale and flag replicas with a non-finite gradient.

        Parameters
        ----------
        grads_scaled : array_like, shape (R, ...)
            Gradients of the scaled loss, one replica per leading index.

        Returns
        -------
        grads : ndarray of float64, shape (R, ...)
            ``grads_scaled / scale``.
        found_inf : ndarray of bool, shape (R,)
            Replicas whose unscaled gradient has an infinite or NaN entry: their step
            must be skipped.
        """
        grads = _grads_array(grads_scaled, None)
        with np.errstate(invalid="ignore", over="ignore"):
            unscaled = grads / self.scale
        return unscaled, _found_inf(unscaled)

    def update(self, found_inf: ArrayLike) -> None:
        """Nothing to update: a static scale stays fixed (``found_inf`` is validated only)."""
        mask = np.asarray(found_inf)
        if mask.dtype != np.bool_ or mask.ndim != 1:
            raise ValueError(f"found_inf must be a 1-D bool array, got {mask.dtype} {mask.shape}")

    def __repr__(self) -> str:
        return f"StaticLossScaler(scale={self.scale!r})"


class DynamicLossScaler:
    """PyTorch ``GradScaler`` semantics for ``R`` independent replicas at once.

    Parameters
    ----------
    init_scale : float
        Initial scale of every replica (default ``2**16``).
    growth_factor : float
        Factor ``> 1`` applied after ``growth_interval`` consecutive finite steps (default 2).
    backoff_factor : float
        Factor in ``(0, 1)`` applied on overflow (default 0.5).
    growth_interval : int
        Number of consecutive finite steps before growing (default 2000).
    replicas : int
        Number ``R`` of independent replicas, each with its own scale and tracker.

    Attributes
    ----------
    scale : ndarray of float64, shape (R,)
        Current loss scale of each replica.
    growth_tracker : ndarray of int64, shape (R,)
        Consecutive finite steps since the last growth or backoff.

    Raises
    ------
    ValueError
        If a parameter breaks its rule; the message names it.
    """

    def __init__(
        self,
        init_scale: float = 2.0**16,
        growth_factor: float = 2.0,
        backoff_factor: float = 0.5,
        growth_interval: int = 2000,
        replicas: int = 1,
    ) -> None:
        init_scale = _positive_finite(init_scale, "init_scale")
        growth_factor = _positive_finite(growth_factor, "growth_factor")
        if growth_factor <= 1:
            raise ValueError(f"growth_factor must be > 1, got {growth_factor}")
        backoff_factor = _positive_finite(backoff_factor, "backoff_factor")
        if backoff_factor >= 1:
            raise ValueError(f"backoff_factor must be in (0, 1), got {backoff_factor}")
        self.growth_factor = growth_factor
        self.backoff_factor = backoff_factor
        self.growth_interval = _positive_int(growth_interval, "growth_interval")
        self.replicas = _positive_int(replicas, "replicas")
        self._scale = np.full(self.replicas, init_scale, dtype=np.float32)
        self.growth_tracker = np.zeros(self.replicas, dtype=np.int64)

    @property
    def scale(self) -> FloatArray:
        """Current loss scale of each replica, shape (R,), float64 (a copy)."""
        return self._scale.astype(np.float64)

    def unscale_and_check(self, grads_scaled: ArrayLike) -> tuple[FloatArray, BoolArray]:
        """Divide each replica's gradient by its scale and flag non-finite ones.

        Parameters
        ----------
        grads_scaled : array_like, shape (R, ...)
            Gradients of the scaled loss, one replica per leading index.

        Returns
        -------
        grads : ndarray of float64, shape (R, ...)
            ``grads_scaled[r] / scale[r]``.
        found_inf : ndarray of bool, shape (R,)
            Replicas whose unscaled gradient has an infinite or NaN entry: the caller
            skips their step and passes this mask to :meth:`update`.
        """
        grads = _grads_array(grads_scaled, self.replicas)
        scale = self.scale.reshape((self.replicas,) + (1,) * (grads.ndim - 1))
        with np.errstate(invalid="ignore", over="ignore"):
            unscaled = grads / scale
        return unscaled, _found_inf(unscaled)

    def update(self, found_inf: ArrayLike) -> None:
        """Advance every replica's state machine by one step.

        Parameters
        ----------
        found_inf : array_like of bool, shape (R,)
            Which replicas overflowed at this step (from :meth:`unscale_and_check`).
        """
        mask = np.asarray(found_inf)
        if mask.dtype != np.bool_ or mask.shape != (self.replicas,):
            raise ValueError(
                f"found_inf must be a bool array of shape ({self.replicas},), "
                f"got {mask.dtype} {mask.shape}"
            )
        current = self._scale.astype(np.float64)
        tracker = np.where(mask, 0, self.growth_tracker + 1)
        grow = tracker == self.growth_interval
        # PyTorch multiplies in double and stores float32; a grown scale that overflows
        # float32 is discarded (the tracker still resets).
        with np.errstate(over="ignore"):
            grown = (current * self.growth_factor).astype(np.float32)
        backed_off = (current * self.backoff_factor).astype(np.float32)
        new_scale = np.where(grow & np.isfinite(grown), grown, self._scale)
        self._scale = np.where(mask, backed_off, new_scale).astype(np.float32)
        self.growth_tracker = np.where(grow, 0, tracker).astype(np.int64)

    def __repr__(self) -> str:
        return (
            f"DynamicLossScaler(growth_factor={self.growth_factor!r}, "
            f"backoff_factor={self.backoff_factor!r}, growth_interval={self.growth_interval!r}, "
            f"replicas={self.replicas!r})"
        )


#: What every ``loss_scale`` parameter accepts (the simulator, the checkers, QuantizedSGD):
#: a positive float (a static scale) or a scaler object with ``scale``,
#: ``unscale_and_check`` and ``update`` (:class:`StaticLossScaler`, :class:`DynamicLossScaler`).
LossScale = float | StaticLossScaler | DynamicLossScaler


def as_loss_scaler(loss_scale: Any) -> Any:
    """The scaler a ``loss_scale`` argument describes.

    Parameters
    ----------
    loss_scale : float or scaler
        A positive float (wrapped in :class:`StaticLossScaler`) or an object with ``scale``,
        ``unscale_and_check`` and ``update`` (returned as it is: its state is shared).

    Raises
    ------
    ValueError
        ``loss_scale must be a positive float or a loss scaler``, or the float's own rule.
    """
    if all(hasattr(loss_scale, name) for name in ("scale", "unscale_and_check", "update")):
        return loss_scale
    if isinstance(loss_scale, bool) or not isinstance(loss_scale, int | float | np.number):
        raise ValueError(
            f"loss_scale must be a positive float or a loss scaler object, got {loss_scale!r}"
        )
    return StaticLossScaler(_positive_finite(float(loss_scale), "loss_scale"))
