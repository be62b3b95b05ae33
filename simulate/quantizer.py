"""Where SGD rounds: a quantizer per site, and the synthetic shrinkage model.

The model is that of docs/spec.md section 2.

A :class:`Quantizer` rounds an ``(R, d)`` array, one replica per row, to a real format: an
element format (``simulate.formats``), optionally with per-tensor amax scaling, or a block
format (MX, NVFP4; ``simulate.scaling``), with any rounding mode of ``simulate.quantize``.
The simulator uses one quantizer for each site: the gradient (the paper's model), the
scaled update ``mu * g`` and the weights.

:class:`SyntheticShrinkage` is the paper's model itself, ``ĝ = q g + eps`` with ``q`` drawn
before ``g`` (so it is history-measurable, A3) in ``[q_min, q_max]`` and ``eps`` independent
of ``g`` with ``E[eps] = 0`` and ``E‖eps‖² = sigma_q2`` (A4 exactly).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from plumbing import validate

__all__ = ["ROUNDING_MODES", "Quantizer", "SyntheticShrinkage", "resolve_format"]

FloatArray = NDArray[np.float64]
ROUNDING_MODES = ("rne", "rna", "rtz", "rup", "rdn", "sr")


def resolve_format(spec: Any) -> Any:
    """A ``Format`` or ``BlockFormat`` from itself or its registry name.

    Element-format names (``"fp8_e4m3"``, ...) resolve through ``simulate.formats.get``,
    block-format names (``"mxfp8_e4m3"``, ``"nvfp4"``, ...) through
    ``simulate.scaling.get_block_format``.
    """
    if not isinstance(spec, str):
        return spec
    formats = importlib.import_module("simulate.formats")
    try:
        return formats.get(spec)
    except (KeyError, ValueError):
        pass
    try:
        return importlib.import_module("simulate.scaling").get_block_format(spec)
    except (KeyError, ValueError, ImportError):
        raise ValueError(f"format must name an element or block format, got {spec!r}") from None


def _is_block_format(fmt: Any) -> bool:
    return hasattr(fmt, "block_size")


@dataclass(frozen=True)
class Quantizer:
    """Round an (R, d) array to a real format, row by row.

    Parameters
    ----------
    format : Format, BlockFormat or str
        Element format (``"fp8_e4m3"``, ``"fp16"``, ...) or block format (``"mxfp8_e4m3"``,
        ``"mxfp4"``, ``"nvfp4"``, ...); names are resolved through the registries.
    rounding : {"rne", "rna", "rtz", "rup", "rdn", "sr"}
        Rounding mode of the element quantization.
    random_bits : int or None
        Random bits of stochastic rounding (``None``: the quantizer's default).
    tensor_scaling : bool
        Element formats only: scale each row so that its amax maps to the format's maximum
        (``simulate.scaling.quantize_tensor_scaled`` along the last axis) before rounding.
    """

    format: Any
    rounding: str = "rne"
    random_bits: int | None = None
    tensor_scaling: bool = False

    def __post_init__(self) -> None:
        if self.rounding not in ROUNDING_MODES:
            raise ValueError(f"rounding must be one of {ROUNDING_MODES}, got {self.rounding!r}")
        if self.random_bits is not None:
            validate.integer("random_bits", self.random_bits)
        object.__setattr__(self, "format", resolve_format(self.format))
        if self.tensor_scaling and self.is_block:
            raise ValueError("tensor_scaling applies to element formats; block formats scale")

    @property
    def is_block(self) -> bool:
        """Whether the format is a block format (shared scales)."""
        return _is_block_format(self.format)

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

    def __call__(self, values: FloatArray, rng: np.random.Generator | None = None) -> FloatArray:
        """Quantized (dequantized to float64) values, same shape as ``values`` (R, d)."""
        if self.is_block:
            scaling = importlib.import_module("simulate.scaling")
            return np.asarray(
                scaling.quantize_blocks(values, self.format, axis=-1, **self._kwargs(rng))
            )
        if self.tensor_scaling:
            scaling = importlib.import_module("simulate.scaling")
            return np.asarray(
                scaling.quantize_tensor_scaled(values, self.format, axis=-1, **self._kwargs(rng))
            )
        rounding = importlib.import_module("simulate.rounding")
        return np.asarray(rounding.quantize(values, self.format, **self._kwargs(rng)))

    def saturated(self, scaled: FloatArray, quantized: FloatArray) -> NDArray[np.bool_]:
        """Entries that overflowed or hit the format's largest magnitude, shape (R, d).

        For element formats: ``|Q(x)| >= max_finite`` or a non-finite output (one comparison:
        NaN and inf fail ``< max_finite``). For block formats (and tensor scaling) the largest
        magnitude depends on the shared scale, so an entry counts when it overflowed or was
        clipped: its output has the largest magnitude of its row's outputs and is smaller in
        magnitude than its input.
        """
        magnitude = np.abs(quantized)
        if not self.is_block and not self.tensor_scaling:
            with np.errstate(invalid="ignore"):
                return ~(magnitude < self.format.max_finite)
        overflow = np.isfinite(scaled) & ~np.isfinite(quantized)
        with np.errstate(invalid="ignore"):
            top = (
                magnitude
                == np.max(np.where(np.isfinite(magnitude), magnitude, 0), axis=-1)[..., None]
            )
        return overflow | (top & (magnitude < np.abs(scaled)))

    def describe(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "format": getattr(self.format, "name", str(self.format)),
            "rounding": self.rounding,
            "random_bits": self.random_bits,
            "tensor_scaling": self.tensor_scaling,
        }


@dataclass(frozen=True)
class SyntheticShrinkage:
    """The paper's model ``ĝ = q g + eps``, satisfying A3-A4 exactly.

    ``q`` is drawn per replica and step *before* the stochastic gradient (``law="uniform"``:
    uniform on ``[q_min, q_max]``; ``"fixed"``: ``q = q_min``), so it is measurable w.r.t.
    the history. ``eps = sqrt(sigma_q2/d) · z``, ``z ~ N(0, I_d)`` independent of ``g``: hence
    ``E[eps | g] = 0`` and ``E‖eps‖² = sigma_q2``.

    Parameters
    ----------
    q_min : float
        ``0 < q_min <= q_max``.
    q_max : float
        ``<= 1``.
    sigma_q2 : float
        Second moment of the noise (squared gradient units), ``>= 0``.
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

    def draw_q(self, replicas: int, rng: np.random.Generator) -> FloatArray:
        """Shrinkage factors (R,) for one step."""
        if self.law == "fixed":
            return np.full(replicas, float(self.q_min))
        return rng.uniform(self.q_min, self.q_max, size=replicas)

    def apply(self, g: FloatArray, q: FloatArray, rng: np.random.Generator) -> FloatArray:
        """``q g + eps`` for ``g`` (R, d) and ``q`` (R,)."""
        out = q[:, None] * g
        if self.sigma_q2:
            out += np.sqrt(self.sigma_q2 / g.shape[1]) * rng.standard_normal(g.shape)
        return out

    def describe(self) -> dict[str, Any]:
        """JSON-ready description."""
        return {
            "synthetic": True,
            "q_min": self.q_min,
            "q_max": self.q_max,
            "sigma_q2": self.sigma_q2,
            "law": self.law,
        }
