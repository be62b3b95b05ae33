"""The theorem library: one module per lemma, theorem and corollary of docs/spec.md sections 2-3.

``bounds.theorems.get("T1")`` returns T1's :class:`~bounds.statement.Statement`;
``bounds.theorems.all()`` returns the eleven in order (L1-L3, T1-T4, C1-C4). Each statement's
``module`` field names the module that holds it (its docstring is the statement in math), so
the proof checker can attach a ``proof()`` there: :func:`module_of` imports it. Variants
(``"T2.harmonic"``, ``"T2.sqrt"``) are reachable through :func:`get` as well. Modules load on
first use.

The refined statements of issue 12 (:data:`REFINED_IDS`: ``T1.sharp``, ``T2.sharp``,
``T3.sharp``, ``T4.sharp``, ``T3.known_q``, ``C3.known_q``, ``T1.matrix``, ``T3.matrix``) have a
module each and are reached by their full id through :func:`get` and listed by
:func:`refined`; the part before the first dot names the paper result each one sharpens. Each
has a checked ``proof()`` and a ``comparison()`` (a checked proof that it is never above its
paper counterpart under the shared hypotheses). :func:`all` stays the paper's eleven;
:func:`with_variants` (what ``stepshrink check`` and the report walk) lists the refined ones
after them.
"""

from __future__ import annotations

import importlib
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from types import ModuleType

from bounds.proof import ProofReport
from bounds.statement import Statement

__all__ = [
    "IDS",
    "MODULES",
    "REFINED_IDS",
    "all",
    "check_all",
    "get",
    "module_of",
    "refined",
    "with_variants",
]

MODULES: dict[str, str] = {
    "L1": "bounds.theorems.l1_effective_stepsize",
    "L2": "bounds.theorems.l2_second_moment",
    "L3": "bounds.theorems.l3_one_step_descent",
    "T1": "bounds.theorems.t1_nonconvex_fixed",
    "T2": "bounds.theorems.t2_nonconvex_diminishing",
    "T3": "bounds.theorems.t3_pl_fixed",
    "T4": "bounds.theorems.t4_pl_diminishing",
    "C1": "bounds.theorems.c1_full_precision",
    "C2": "bounds.theorems.c2_slowdown",
    "C3": "bounds.theorems.c3_compensation",
    "C4": "bounds.theorems.c4_reduction",
    "T1.sharp": "bounds.theorems.t1_sharp",
    "T2.sharp": "bounds.theorems.t2_sharp",
    "T3.sharp": "bounds.theorems.t3_sharp",
    "T4.sharp": "bounds.theorems.t4_sharp",
    "T3.known_q": "bounds.theorems.t3_known_q",
    "C3.known_q": "bounds.theorems.c3_known_q",
    "T1.matrix": "bounds.theorems.t1_matrix",
    "T3.matrix": "bounds.theorems.t3_matrix",
}
"""Result id -> dotted module name."""

REFINED_IDS: tuple[str, ...] = tuple(result_id for result_id in MODULES if "." in result_id)
"""The refined statements of issue 12, each sharpening the paper result its id starts with."""

IDS: tuple[str, ...] = tuple(result_id for result_id in MODULES if "." not in result_id)
"""The paper's eleven results, in order."""


def get(result_id: str) -> Statement:
    """The statement with id ``result_id``.

    ``"L1"`` ... ``"C4"``, a refined statement (``"T1.sharp"``, see :data:`REFINED_IDS`), or a
    variant of either (``"T2.sqrt"``, ``"T2.sharp.harmonic"``): the longest registered id that
    ``result_id`` starts with names the module, the rest the variant.

    Raises
    ------
    ValueError
        For an unknown id; the message lists the ids.
    """
    base, variant = result_id, ""
    while base not in MODULES and "." in base:
        base, _, last = base.rpartition(".")
        variant = f"{last}.{variant}" if variant else last
    if base not in MODULES:
        raise ValueError(
            f"unknown result id {result_id!r}; ids: {', '.join(IDS)}; refined: "
            f"{', '.join(REFINED_IDS)}"
        )
    statement: Statement = importlib.import_module(MODULES[base]).STATEMENT
    return statement.variant(variant) if variant else statement


def all() -> tuple[Statement, ...]:
    """The eleven statements in order L1-L3, T1-T4, C1-C4."""
    return tuple(get(result_id) for result_id in IDS)


def refined() -> tuple[Statement, ...]:
    """The refined statements of issue 12, in the order of :data:`REFINED_IDS`."""
    return tuple(get(result_id) for result_id in REFINED_IDS)


def module_of(statement: Statement | str) -> ModuleType:
    """The module holding ``statement`` (a statement or an id)."""
    target = get(statement) if isinstance(statement, str) else statement
    return importlib.import_module(target.module)


def with_variants() -> tuple[Statement, ...]:
    """Every statement, the paper's then the refined ones, each followed by its variants (what
    ``stepshrink check`` lists)."""
    return tuple(v for s in (*all(), *refined()) for v in (s, *s.variants))


def check_all(
    ids: Sequence[str] | None = None, workers: int = 1
) -> tuple[list[ProofReport], list[str]]:
    """Check every statement that has a proof (or those in ``ids``).

    Parameters
    ----------
    ids
        Statement ids; all of :func:`with_variants` by default.
    workers
        Processes to check in (the statements are independent; ``stepshrink check`` uses one
        per core). The reports are the same either way.

    Returns
    -------
    reports, without_proof
        One report per checked statement (in the order of ``ids``), and the ids of the
        statements without a proof.
    """
    chosen = with_variants() if ids is None else tuple(get(i) for i in ids)
    proved = [s.id for s in chosen if s.has_proof]
    workers = min(workers, len(proved))
    # Forked workers see this process's statements as they are now (a test may have replaced
    # one); without fork, check here.
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        reports = [get(i).check() for i in proved]
    else:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            reports = list(pool.map(_check_one, proved, chunksize=1))
    return reports, [s.id for s in chosen if not s.has_proof]


def _check_one(result_id: str) -> ProofReport:
    return get(result_id).check()
