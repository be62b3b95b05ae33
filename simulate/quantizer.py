"""The one quantizer protocol, and its implementations: real formats, the synthetic model, identity.

A quantizer maps a batch of tensors, an array of shape ``(R, *shape)`` (``R`` independent
tensors: the replicas of the simulator, the samples of the checkers), to their quantized
values. Everything that rounds a gradient (:func:`simulate.sgd.run`,
:func:`simulate.gradients.check`, :func:`simulate.assumptions.check`) goes through
:class:`QuantizerProtocol` and nothing else:

- ``q(values, rng)``: the quantized values, same shape;
- ``q.saturated(scaled, quantized)``: which entries overflowed or were clipped;
- ``q.rounding_span(values)``: the width of the interval the rounding can land in, per entry
  (zero for a deterministic quantizer), which bounds the support of the rounding error for
  the distribution-free intervals of the checkers;
- ``q.stochastic`` and ``q.describe()``.

Implementations:

- :class:`Quantizer`: a real format of :mod:`simulate.formats` (element or block) with any
  rounding mode, optionally with per-tensor amax scaling. Block formats block along the last
  axis of each tensor (the contiguous one in PyTorch's layout), so a block never crosses a
  row of a matrix or a tensor boundary; NVFP4's float32 scale and amax scaling are one per
  tensor.
- :class:`SyntheticShrinkage`: the paper's model ``ĝ = q g + eps`` (docs/spec.md section 2).
- :class:`Identity`: no quantization (full precision).

:func:`as_quantizer` turns ``None``, a format or its name into a quantizer.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from plumbing import validate
from simulate.formats import BlockFormat, Format, get
from simulate.rounding import ROUNDING_MODES, check_rounding

__all__ = [
    "ROUNDING_MODES",
    "Identity",
    "Quantizer",
    "QuantizerProtocol",
    "SyntheticShrinkage",
    "as_quantizer",
    "resolve_format",
]

FloatArray = NDArray[np.float64]


@runtime_checkable
class QuantizerProtocol(Protocol):
    """What the simulator and the checkers need from a quantizer (module docstring)."""

    @property
    def stochastic(self) -> bool:
        """Whether a call consumes random numbers (its result is then a random variable)."""
        ...

    def __call__(self, values: Any, rng: np.random.Generator | None = None) -> Any:
        """Quantized values of a batch of tensors ``(R, *shape)``, same shape."""
        ...

    def saturated(self, scaled: Any, quantized: Any) -> NDArray[np.bool_]:
        """Entries that overflowed or were clipped, same shape as ``quantized``."""
        ...

    def rounding_span(self, values: Any) -> FloatArray:
        """Width of the set of values the rounding of each entry can give (0: deterministic)."""
        ...

    def describe(self) -> dict[str, Any]:
        """JSON-ready description."""
        ...


def resolve_format(spec: Any) -> Format | BlockFormat:
    """A ``Format`` or ``BlockFormat`` from itself or its registry name (:func:`formats.get`)."""
    if isinstance(spec, Format | BlockFormat):
        return spec
    try:
        return get(spec)
    except ValueError:
        raise ValueError(f"format must name an element or block format, got {spec!r}") from None


def as_quantizer(
    spec: Any,
    rounding: str = "rne",
    *,
    random_bits: int | None = None,
    tensor_scaling: bool = False,
) -> QuantizerProtocol:
    """The quantizer ``spec`` describes.

    Parameters
    ----------
    spec : QuantizerProtocol, Format, BlockFormat, str or None
        A quantizer (returned as it is), a format or its registry name (a :class:`Quantizer`
        with the other arguments), or ``None`` (:class:`Identity`).
    rounding, random_bits, tensor_scaling
        As :class:`Quantizer`, when ``spec`` is a format.

    Returns
    -------
    QuantizerProtocol
    """
    if spec is None:
        return Identity()
    if isinstance(spec, QuantizerProtocol):
        return spec
    return Quantizer(spec, rounding, random_bits, tensor_scaling)


def _tensors(values: Any) -> Any:
    """``(R, n)``: one row per tensor of a batch ``(R, *shape)``; a 1-D array is one tensor."""
    return values.reshape(values.shape[0], -1) if values.ndim > 1 else values.reshape(1, -1)


@dataclass(frozen=True)
class Quantizer:
    """Round a batch of tensors ``(R, *shape)`` to a real format, tensor by tensor.

    Parameters
    ----------
    format : Format, BlockFormat or str
        Element format (``"fp8_e4m3"``, ``"fp16"``, ...) or block format (``"mxfp8_e4m3"``,
        ``"mxfp4"``, ``"nvfp4"``, ...); names are looked up in :mod:`simulate.formats`.
    rounding : {"rne", "rna", "rtz", "rup", "rdn", "sr"}
        Rounding mode of the element quantization.
    random_bits : int or None
        Random bits of stochastic rounding (``None``: the quantizer's default).
    tensor_scaling : bool
        Element formats only: scale each tensor so that its amax maps to the format's maximum
        (``simulate.scaling.quantize_tensor_scaled``) before rounding.
    """

    format: Any
    rounding: str = "rne"
    random_bits: int | None = None
    tensor_scaling: bool = False

    def __post_init__(self) -> None:
        check_rounding(self.rounding)
        if self.random_bits is not None:
            validate.integer("random_bits", self.random_bits)
        object.__setattr__(self, "format", resolve_format(self.format))
        if self.tensor_scaling and self.is_block:
            raise ValueError("tensor_scaling applies to element formats; block formats scale")

    @property
    def is_block(self) -> bool:
        """Whether the format is a block format (shared scales)."""
        return isinstance(self.format, BlockFormat)

    @property
    def stochastic(self) -> bool:
        """Whether rounding consumes random numbers."""
        return self.rounding == "sr"

    def _kwargs(self, rng: np.random.Generator | None) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"rounding": self.rounding}
        if self.stochastic:
            kwargs["rng"] = rng
            if self.random_bits is not None:
                kwargs["random_bits"] = self.random_bits
        return kwargs

    def __call__(self, values: Any, rng: Any = None) -> Any:
        """Quantized values of ``values`` ``(R, *shape)``, same shape and dtype.

        A NumPy array gives an ndarray; a torch tensor gives a tensor computed in torch on
        its device (``rng`` a ``torch.Generator`` or a ``numpy.random.Generator``).

        Element formats round entry by entry; block formats block along the last axis of each
        tensor (a tensor of more than one axis is padded with zeros to whole blocks per row,
        which changes no block maximum); NVFP4's tensor scale and amax scaling are per tensor.
        """
        from simulate import rounding, scaling  # scaling builds on this package's formats

        if self.is_block:
            if values.ndim <= 2:
                return scaling.quantize_blocks(values, self.format, axis=-1, **self._kwargs(rng))
            return self._blocks_per_tensor(values, rng)
        if self.tensor_scaling:
            flat = _tensors(values)
            result = scaling.quantize_tensor_scaled(flat, self.format, -1, **self._kwargs(rng))
            return result.reshape(values.shape)
        return rounding.quantize(values, self.format, **self._kwargs(rng))

    def _blocks_per_tensor(self, values: Any, rng: np.random.Generator | None) -> Any:
        from simulate.scaling import quantize_blocks

        size = self.format.block_size
        width = values.shape[-1]
        padded_width = -(-width // size) * size
        if padded_width != width:
            padding = [(0, 0)] * (values.ndim - 1) + [(0, padded_width - width)]
            values_padded = np.pad(np.asarray(values), padding)
        else:
            values_padded = values
        # with whole blocks per row, the flattened tensor's blocks are the rows' blocks
        flat = values_padded.reshape(values.shape[0], -1)
        result = quantize_blocks(flat, self.format, axis=-1, **self._kwargs(rng))
        return result.reshape(values_padded.shape)[..., :width]

    def saturated(self, scaled: Any, quantized: Any) -> NDArray[np.bool_]:
        """Entries that overflowed or were clipped to the largest magnitude, same shape.

        Element formats: ``|Q(x)| >= max_finite`` or a non-finite output (one comparison:
        NaN and inf fail ``< max_finite``). Block formats and tensor scaling: the largest
        magnitude depends on the shared scale, so an entry counts when it overflowed, or when
        its output is the largest magnitude of its block (of its tensor, for tensor scaling)
        and smaller in magnitude than its input (it was clipped).
        """
        quantized = np.asarray(quantized)
        scaled = np.asarray(scaled)
        magnitude = np.abs(quantized)
        if not self.is_block and not self.tensor_scaling:
            with np.errstate(invalid="ignore"):
                return ~(magnitude < self.format.max_finite)
        overflow = np.isfinite(scaled) & ~np.isfinite(quantized)
        finite = np.where(np.isfinite(magnitude), magnitude, 0.0)
        if self.is_block:
            top = _block_maximum(finite, self.format.block_size)
        else:
            top = np.max(_tensors(finite), axis=-1).reshape((-1,) + (1,) * max(finite.ndim - 1, 0))
        with np.errstate(invalid="ignore"):
            clipped = (magnitude == top) & (magnitude < np.abs(scaled))
        return np.asarray(overflow | clipped)

    def rounding_span(self, values: Any) -> FloatArray:
        """``Q_up(x) - Q_down(x)`` per entry: every rounding of ``x`` lies between the two.

        Zero for deterministic rounding (it adds no randomness of its own). Non-finite widths
        (overflow) count as zero: an overflow is reported as such, not as noise.
        """
        values = np.asarray(values)
        if not self.stochastic:
            return np.zeros(values.shape)
        with np.errstate(invalid="ignore", over="ignore"):
            span = np.asarray(replace(self, rounding="rup")(values), np.float64) - np.asarray(
                replace(self, rounding="rdn")(values), np.float64
            )
        return np.where(np.isfinite(span), span, 0.0)

    def describe(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "format": self.format.name,
            "rounding": self.rounding,
            "random_bits": self.random_bits,
            "tensor_scaling": self.tensor_scaling,
        }


def _block_maximum(magnitude: FloatArray, block_size: int) -> FloatArray:
    """The largest entry of each entry's block along the last axis, same shape."""
    width = magnitude.shape[-1]
    padded_width = -(-width // block_size) * block_size
    padding = [(0, 0)] * (magnitude.ndim - 1) + [(0, padded_width - width)]
    blocks = np.pad(magnitude, padding).reshape(*magnitude.shape[:-1], -1, block_size)
    top = np.broadcast_to(blocks.max(axis=-1, keepdims=True), blocks.shape)
    return top.reshape(*magnitude.shape[:-1], padded_width)[..., :width]


@dataclass(frozen=True)
class SyntheticShrinkage:
    """The paper's model ``ĝ = q g + eps``, satisfying A3-A4 exactly.

    ``q`` is drawn per tensor independently of ``g`` (``law="uniform"``: uniform on
    ``[q_min, q_max]``; ``"fixed"``: ``q = q_min``), so it is measurable w.r.t. the history
    (A3). ``eps`` is Gaussian on the orthogonal complement of ``g``, independent of ``g``'s
    length, with ``E[eps | g] = 0`` and ``E‖eps‖² = sigma_q2`` (A4): ``eps = s (z − (zᵀu)u)``
    with ``u = g/‖g‖``, ``z ~ N(0, I_n)`` and ``s² = sigma_q2/(n − 1)`` (``s² = sigma_q2/n``
    and no projection where ``g = 0``). Orthogonal noise is what makes the model identifiable:
    the measurement of docs/spec.md section 4, ``q = <ĝ, g>/‖g‖²``, returns this ``q`` (up to
    rounding) and its residual is this ``eps``.

    Parameters
    ----------
    q_min : float
        ``0 < q_min <= q_max``.
    q_max : float
        ``<= 1``.
    sigma_q2 : float
        Second moment of the noise (squared gradient units), ``>= 0``; needs tensors of at
        least two entries when positive (the complement of ``g`` is empty otherwise).
    law : {"uniform", "fixed"}
        How ``q`` is chosen.
    """

    q_min: float
    q_max: float = 1.0
    sigma_q2: float = 0.0
    law: Literal["uniform", "fixed"] = "uniform"

    def __post_init__(self) -> None:
        if not (0 < self.q_min <= self.q_max <= 1):
            raise ValueError(
                f"q_min, q_max must satisfy 0 < q_min <= q_max <= 1, got {self.q_min}, {self.q_max}"
            )
        if not (np.isfinite(self.sigma_q2) and self.sigma_q2 >= 0):
            raise ValueError(f"sigma_q2 must be finite and >= 0, got {self.sigma_q2!r}")
        if self.law not in ("uniform", "fixed"):
            raise ValueError(f"law must be 'uniform' or 'fixed', got {self.law!r}")

    @property
    def stochastic(self) -> bool:
        """Always: ``q`` and ``eps`` are random."""
        return True

    def draw_q(self, replicas: int, rng: np.random.Generator) -> FloatArray:
        """Shrinkage factors (R,) for one step."""
        if self.law == "fixed":
            return np.full(replicas, float(self.q_min))
        return rng.uniform(self.q_min, self.q_max, size=replicas)

    def apply(self, g: FloatArray, q: FloatArray, rng: np.random.Generator) -> FloatArray:
        """``q g + eps`` for ``g`` (R, n) and ``q`` (R,)."""
        out = q[:, None] * g
        if self.sigma_q2:
            n = g.shape[1]
            if n < 2:
                raise ValueError("sigma_q2 > 0 needs tensors of at least two entries")
            z = rng.standard_normal(g.shape)
            norm_sq = np.einsum("rn,rn->r", g, g)
            zero = norm_sq == 0
            along = np.divide(
                np.einsum("rn,rn->r", z, g), norm_sq, out=np.zeros_like(norm_sq), where=~zero
            )
            eps = z - along[:, None] * g
            scale = np.sqrt(self.sigma_q2 / np.where(zero, n, n - 1))
            out += scale[:, None] * eps
        return out

    def __call__(self, values: Any, rng: np.random.Generator | None = None) -> FloatArray:
        """``q g + eps`` for each tensor of ``values`` ``(R, *shape)``; ``rng`` is required."""
        if rng is None:
            raise ValueError("rng must be a numpy.random.Generator for the synthetic model")
        g = np.asarray(values, dtype=np.float64)
        flat = _tensors(g)
        return self.apply(flat, self.draw_q(flat.shape[0], rng), rng).reshape(g.shape)

    def saturated(self, scaled: Any, quantized: Any) -> NDArray[np.bool_]:
        """Nothing saturates in the model: all False."""
        return np.zeros(np.shape(quantized), dtype=bool)

    def rounding_span(self, values: Any) -> FloatArray:
        """Zero: the model's noise is Gaussian (unbounded), so only normal intervals apply."""
        return np.zeros(np.shape(values))

    def describe(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "synthetic": True,
            "q_min": self.q_min,
            "q_max": self.q_max,
            "sigma_q2": self.sigma_q2,
            "law": self.law,
        }


@dataclass(frozen=True)
class Identity:
    """No quantization: full precision, ``q = 1`` and ``eps = 0`` exactly."""

    @property
    def stochastic(self) -> bool:
        """Never."""
        return False

    def __call__(self, values: Any, rng: np.random.Generator | None = None) -> Any:
        """``values`` themselves."""
        return values

    def saturated(self, scaled: Any, quantized: Any) -> NDArray[np.bool_]:
        """All False."""
        return np.zeros(np.shape(quantized), dtype=bool)

    def rounding_span(self, values: Any) -> FloatArray:
        """Zero."""
        return np.zeros(np.shape(values))

    def describe(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {"format": None}
