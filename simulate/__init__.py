"""simulate: bit-exact low-precision arithmetic and a vectorized quantized-SGD simulator.

Experiment only: NumPy, never SymPy, and never ``bounds``. Sub-modules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = (
    "formats",
    "rounding",
    "bits",
    "arith",
    "scaling",
    "loss_scaling",
    "problems",
    "noise",
    "quantizer",
    "sgd",
    "measure",
    "trajectory",
    "assumptions",
    "gradients",
    "gradient_points",
    "gradient_verdicts",
    "online",
    "verdicts",
    "plots",
)
_EXPORTS = {
    "Format": "simulate.formats",
    "quantize": "simulate.rounding",
    "encode": "simulate.bits",
    "decode": "simulate.bits",
    "run": "simulate.sgd",
    "BlockFormat": "simulate.scaling",
    "Quantizer": "simulate.quantizer",
    "SyntheticShrinkage": "simulate.quantizer",
    "Trajectory": "simulate.trajectory",
    "quantize_blocks": "simulate.scaling",
    "GradientPoint": "simulate.gradient_points",
}

__all__ = [*_SUBMODULES, *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"simulate.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'simulate' has no attribute {name!r}")
