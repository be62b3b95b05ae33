"""bounds: the paper's model, assumptions and theorems as SymPy bounds, with checked proofs.

Theory only: this package never imports ``simulate``. Sub-modules load on first use, so
``import bounds`` stays cheap for the command line.

References
----------
.. [1] V.-D. Yun and J. Yun, "SGD Convergence under Stepsize Shrinkage in Low-Precision
       Training", arXiv:2508.07142, 2025.
.. [2] L. Bottou, F. E. Curtis and J. Nocedal, "Optimization Methods for Large-Scale Machine
       Learning", SIAM Review 60(2), 2018, Section 4.
"""

from __future__ import annotations

import importlib
from typing import Any

_SUBMODULES = (
    "symbols",
    "assumptions",
    "statement",
    "theorems",
    "reference",
    "schedules",
    "derive",
    "proof",
    "plots",
)
_EXPORTS = {"prove": "bounds.proof"}

__all__ = [*_SUBMODULES, *_EXPORTS]


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"bounds.{name}")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'bounds' has no attribute {name!r}")
