"""Reference strings shared by the result modules (one place, so they stay consistent)."""

from __future__ import annotations

__all__ = ["BOTTOU", "PAPER", "bottou", "paper"]

PAPER = (
    'V.-D. Yun and J. Yun, "SGD Convergence under Stepsize Shrinkage in Low-Precision '
    'Training", arXiv:2508.07142, 2025'
)
BOTTOU = (
    'L. Bottou, F. E. Curtis and J. Nocedal, "Optimization Methods for Large-Scale Machine '
    'Learning", SIAM Review 60(2), 2018'
)


def paper(result: str) -> str:
    """The paper reference for the result docs/spec.md section 3 calls ``result``."""
    # The paper's own numbering changed across its arXiv versions; docs/spec.md's labels are stable.
    return f"{PAPER}; the result labelled {result} in docs/spec.md section 3"


def bottou(theorem: str) -> str:
    """The Bottou-Curtis-Nocedal reference for their ``theorem`` (e.g. ``"Theorem 4.8"``)."""
    return f"{BOTTOU}, Section 4, {theorem}"
