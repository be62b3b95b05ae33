"""Built-in defaults shared by ``stepshrink plot``, ``schedule`` and ``report``.

One default problem, stated by its constants (docs/spec.md section 1): ``L = 1``, PL constant
``c = 0.1``, initial gaps ``Delta = F1_gap = 1``, gradient noise ``M = 0.01`` with
``M_G = 1`` (additive noise), and a format that shrinks by at least ``q_min = 0.5`` with
quantization noise ``sigma_q2 = 0.01``. The simulated default is the matching quadratic
(spectrum spread over ``[c, L]``) with Gaussian noise of variance ``M``.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["CONSTANTS", "FORMATS", "Q_MINS", "ROUNDINGS"]

#: Constants of the default problem, by keyword name of ``bounds.symbols``.
CONSTANTS = MappingProxyType(
    {
        "L": 1.0,
        "c": 0.1,
        "Delta": 1.0,
        "F1_gap": 1.0,
        "M": 0.01,
        "M_G": 1.0,
        "q_min": 0.5,
        "sigma_q2": 0.01,
        # the refined statements (issue 12): a known shrinkage q = q_min, and matrix
        # smoothness at Lmat = L I, where M_L = L M and sigma_qL = L sigma_q2
        "q": 0.5,
        "M_L": 0.01,
        "sigma_qL": 0.01,
        "mu": 0.1,
        # T2.sqrt: mu_k = mu0/sqrt(k) <= 1/(L M_G)
        "mu0": 0.5,
        # T4 needs beta > 1/(c q_min) = 20 and beta/(gamma + 1) <= 1/(L M_G)
        "beta": 40.0,
        "gamma": 40.0,
        "epsilon": 0.05,
    }
)

#: ``q_min`` values compared in the bound plots.
Q_MINS = (1.0, 0.5, 0.25, 0.1)

#: Formats of the report's assumption table (issue 8): element formats, then block formats.
FORMATS = ("fp32", "bf16", "fp16", "fp8_e4m3", "fp8_e5m2", "fp4_e2m1", "mxfp8_e4m3", "mxfp4")

#: Rounding modes of the report's assumption table.
ROUNDINGS = ("rne", "sr")
