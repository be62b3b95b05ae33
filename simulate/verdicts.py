"""What the assumption checkers return: verdicts with their evidence, and estimates with intervals.

:func:`simulate.gradients.check` (and :func:`simulate.assumptions.check`, which feeds it the
built-in problems) returns an :class:`AssumptionReport`: verdicts on A2-A4, the estimated
constants, the settings, and the same again for each layer in ``report.layers``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulate.measure import ConfidenceInterval

__all__ = ["AssumptionReport", "Verdict"]


@dataclass(frozen=True)
class Verdict:
    """Whether one assumption holds, with the evidence.

    Attributes
    ----------
    holds : bool
        False only when the data refute the assumption at the report's level.
    evidence : str
        One-paragraph explanation with the key numbers.
    numbers : dict
        The statistics behind the verdict (JSON-ready).
    conclusive : bool
        Whether a violation could have been seen: False when part of the assumption was not
        tested (no reference gradient for A2's ``E[g] = ∇F``). Irrelevant when ``holds`` is
        False (a refutation is conclusive).
    """

    holds: bool
    evidence: str
    numbers: dict[str, Any] = field(default_factory=dict)
    conclusive: bool = True

    @property
    def status(self) -> str:
        """``"fails"`` (refuted), ``"holds"``, or ``"inconclusive"`` (not refuted, not tested)."""
        if not self.holds:
            return "fails"
        return "holds" if self.conclusive else "inconclusive"


@dataclass(frozen=True)
class AssumptionReport:
    """Verdicts on A2-A4 and the estimated constants, overall and per layer.

    ``report["A4"].holds``, ``report["A4"].evidence``, ``report.estimates["q_min"].value``,
    ``.low``, ``.high``; ``report.layers["0.weight"]`` is the report of one layer, as if its
    gradient were the whole model's. Estimates: ``q_min``, ``q_max``, ``sigma_q2``, ``M``,
    ``M_G``, ``underflow`` and ``saturated`` (fractions of gradient entries), ``skipped``
    (fraction of samples whose scaled gradient overflowed under dynamic loss scaling).
    """

    verdicts: dict[str, Verdict]
    estimates: dict[str, ConfidenceInterval]
    settings: dict[str, Any]
    layers: dict[str, AssumptionReport] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Verdict:
        return self.verdicts[name]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (non-finite numbers become ``None``)."""
        return {
            "verdicts": {
                k: {
                    "status": v.status,
                    "holds": v.holds,
                    "evidence": v.evidence,
                    "numbers": _finite(v.numbers),
                }
                for k, v in self.verdicts.items()
            },
            "estimates": {k: _finite(v.to_dict()) for k, v in self.estimates.items()},
            "settings": _finite(self.settings),
            "layers": {name: layer.to_dict() for name, layer in self.layers.items()},
        }


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by ``None`` (strict JSON has neither)."""
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
