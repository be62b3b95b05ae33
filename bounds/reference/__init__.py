"""Reference statements from the literature, encoded independently of :mod:`bounds.theorems`.

:mod:`bounds.reference.bottou2018` holds Bottou, Curtis & Nocedal (2018), Theorems 4.6, 4.7,
4.8 and 4.10, in their own symbols; corollary C1 (:mod:`bounds.theorems.c1_full_precision`)
checks that the paper's T1-T4 reduce to them.
"""

from __future__ import annotations

__all__ = ["bottou2018"]
