"""Every constant of docs/spec.md section 1 as a SymPy symbol: one place, used everywhere.

The Python name of each symbol is also the keyword under which a number is passed in
(``T1.evaluate(L=1.0, Delta=2.0, ...)``), so ``SYMBOLS["q_min"] is q_min``. SymPy's
assumptions carry the sign and integrality; the rest of each domain (``q_min <= 1``,
``M_G >= 1``) is a relation of an assumption (:mod:`bounds.assumptions`) and is checked on
numbers by :func:`validate`, which raises ``ValueError`` naming the constant and the rule.

Three groups:

* model constants: ``L, Delta, M, M_V, M_G, sigma2, q_min, sigma_q2, c, F1_gap``, and those of
  the refined statements (issue 12): the known constant shrinkage ``q`` and the
  ``Lmat``-weighted noise constants ``M_L, sigma_qL`` of matrix smoothness;
* stepsizes and counters: ``mu, mu0, mu_max, beta, gamma, K, k, epsilon`` and the stepsize
  sequence ``mu_seq`` (an :class:`~sympy.IndexedBase`, ``mu_seq[k]`` is ``mu_k``);
* per-step quantities of Lemmas 1-3 (``q_k, mu_k, grad_norm2, x_k, grad_k``) and symbols that
  stand for the bounded quantities (``avg_grad_norm2``, ``optimality_gap``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DOMAINS",
    "M_G",
    "M_L",
    "M_V",
    "QUANTITIES",
    "SYMBOLS",
    "Delta",
    "Domain",
    "F1_gap",
    "F_inf",
    "F_star",
    "K",
    "L",
    "M",
    "S",
    "avg_grad_norm2",
    "beta",
    "c",
    "complete",
    "epsilon",
    "expected_descent",
    "expected_ghat_norm2",
    "expected_x_next",
    "gamma",
    "grad_k",
    "grad_norm2",
    "k",
    "min_grad_norm2",
    "mu",
    "mu0",
    "mu_k",
    "mu_max",
    "mu_seq",
    "optimality_gap",
    "q",
    "q_k",
    "q_min",
    "sigma2",
    "sigma_q2",
    "sigma_qL",
    "validate",
    "weighted_grad_sum",
    "x_k",
]

FloatArray = NDArray[np.float64]

# ----------------------------------------------------------------------- model constants
L = sp.Symbol("L", positive=True)
Delta = sp.Symbol("Delta", nonnegative=True)
M = sp.Symbol("M", nonnegative=True)
M_V = sp.Symbol("M_V", nonnegative=True)
# M_G >= 1 is not expressible as a SymPy assumption; A2 carries the relation M_G = 1 + M_V.
M_G = sp.Symbol("M_G", positive=True)
sigma2 = sp.Symbol("sigma2", nonnegative=True)
q_min = sp.Symbol("q_min", positive=True)
sigma_q2 = sp.Symbol("sigma_q2", nonnegative=True)
c = sp.Symbol("c", positive=True)
F1_gap = sp.Symbol("F1_gap", nonnegative=True)
F_inf = sp.Symbol("F_inf", real=True)
F_star = sp.Symbol("F_star", real=True)
# Refined statements (issue 12). ``q``: the shrinkage is a known constant, q_k = q for every k.
q = sp.Symbol("q", positive=True)
# Matrix smoothness with Lmat <= L I:
# E_k[(g_k - grad)^T Lmat (g_k - grad)] <= M_L + L M_V ||grad||^2 and
# E_k[eps_k^T Lmat eps_k] <= sigma_qL; A2 and A4 give M_L = L M and sigma_qL = L sigma_q2.
M_L = sp.Symbol("M_L", nonnegative=True)
sigma_qL = sp.Symbol("sigma_qL", nonnegative=True)

# ----------------------------------------------------------------- stepsizes and counters
mu = sp.Symbol("mu", positive=True)
mu0 = sp.Symbol("mu0", positive=True)
beta = sp.Symbol("beta", positive=True)
gamma = sp.Symbol("gamma", positive=True)
K = sp.Symbol("K", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
epsilon = sp.Symbol("epsilon", positive=True)
mu_seq = sp.IndexedBase("mu", positive=True)
# An upper bound on every stepsize of a sequence (T2.sharp): mu_k <= mu_max for k <= K.
mu_max = sp.Symbol("mu_max", positive=True)

# --------------------------------------------------------------------- per-step quantities
q_k = sp.Symbol("q_k", positive=True)
mu_k = sp.Symbol("mu_k", positive=True)
grad_norm2 = sp.Symbol("grad_norm2", nonnegative=True)
# Lemma 1 is linear in the iterate, so one coordinate states it exactly.
x_k = sp.Symbol("x_k", real=True)
grad_k = sp.Symbol("grad_k", real=True)

# ------------------------------------------------- symbols standing for bounded quantities
expected_x_next = sp.Symbol("expected_x_next", real=True)
expected_ghat_norm2 = sp.Symbol("expected_ghat_norm2", nonnegative=True)
expected_descent = sp.Symbol("expected_descent", real=True)
avg_grad_norm2 = sp.Symbol("avg_grad_norm2", nonnegative=True)
weighted_grad_sum = sp.Symbol("weighted_grad_sum", nonnegative=True)
min_grad_norm2 = sp.Symbol("min_grad_norm2", nonnegative=True)
optimality_gap = sp.Symbol("optimality_gap", nonnegative=True)

S = M + sigma_q2
"""The total noise constant ``S = M + sigma_q2`` of docs/spec.md section 3 (an expression)."""


@dataclass(frozen=True)
class Domain:
    """The admissible values of one constant, checkable on NumPy arrays.

    Attributes
    ----------
    rule : str
        The rule in words and symbols, e.g. ``"0 < q_min <= 1"``.
    source : str
        Where the rule comes from (an assumption of docs/spec.md section 2, or the table of
        its section 1).
    holds : Callable
        Elementwise predicate on a float array.
    integer : bool
        Whether the constant must also be a whole number.
    """

    rule: str
    source: str
    holds: Callable[[FloatArray], NDArray[np.bool_]]
    integer: bool = False


def _positive(x: FloatArray) -> NDArray[np.bool_]:
    return np.asarray(x > 0)


def _nonnegative(x: FloatArray) -> NDArray[np.bool_]:
    return np.asarray(x >= 0)


def _at_least_one(x: FloatArray) -> NDArray[np.bool_]:
    return np.asarray(x >= 1)


def _unit_interval(x: FloatArray) -> NDArray[np.bool_]:
    return np.asarray((x > 0) & (x <= 1))


def _real(x: FloatArray) -> NDArray[np.bool_]:
    return np.ones(np.shape(x), dtype=bool)


SYMBOLS: Mapping[str, sp.Symbol] = {
    sym.name: sym
    for sym in (
        L, Delta, M, M_V, M_G, sigma2, q_min, sigma_q2, c, F1_gap, F_inf, F_star, q, M_L,
        sigma_qL, mu, mu_max, mu0, beta, gamma, K, k, epsilon, q_k, mu_k, grad_norm2, x_k, grad_k,
    )
}  # fmt: skip
"""Keyword name -> symbol, for every number a user may pass in."""

QUANTITIES: Mapping[str, sp.Symbol] = {
    sym.name: sym
    for sym in (
        expected_x_next,
        expected_ghat_norm2,
        expected_descent,
        avg_grad_norm2,
        weighted_grad_sum,
        min_grad_norm2,
        optimality_gap,
    )
}
"""Name -> symbol standing for a bounded quantity (never passed in as a number)."""

DOMAINS: Mapping[str, Domain] = {
    "L": Domain("L > 0", "A1: smoothness constant", _positive),
    "Delta": Domain("Delta >= 0", "A1: Delta = F(x_1) - F_inf, F bounded below", _nonnegative),
    "M": Domain("M >= 0", "A2: variance constant", _nonnegative),
    "M_V": Domain("M_V >= 0", "A2: variance growth constant", _nonnegative),
    "M_G": Domain("M_G >= 1", "A2: M_G = 1 + M_V", _at_least_one),
    "sigma2": Domain("sigma2 >= 0", "A2: the case M = sigma2, M_V = 0", _nonnegative),
    "q_min": Domain("0 < q_min <= 1", "A3: shrinkage factor bound", _unit_interval),
    "sigma_q2": Domain("sigma_q2 >= 0", "A4: quantization-noise second moment", _nonnegative),
    "c": Domain("c > 0", "A5: PL constant", _positive),
    "F1_gap": Domain("F1_gap >= 0", "A5: F1_gap = F(x_1) - F_star", _nonnegative),
    "F_inf": Domain("F_inf real", "A1", _real),
    "F_star": Domain("F_star real", "A5", _real),
    "q": Domain("0 < q <= 1", "A3 with a known constant shrinkage q_k = q", _unit_interval),
    "M_L": Domain("M_L >= 0", "A2 under matrix smoothness: Lmat-weighted variance", _nonnegative),
    "sigma_qL": Domain(
        "sigma_qL >= 0", "A4 under matrix smoothness: E_k[eps_k^T Lmat eps_k]", _nonnegative
    ),
    "mu": Domain("mu > 0", "nominal stepsize", _positive),
    "mu0": Domain("mu0 > 0", "first stepsize of a schedule", _positive),
    "mu_max": Domain("mu_max > 0", "an upper bound on every stepsize mu_k", _positive),
    "beta": Domain("beta > 0", "schedule mu_k = beta/(gamma + k)", _positive),
    "gamma": Domain("gamma > 0", "schedule mu_k = beta/(gamma + k)", _positive),
    "K": Domain("K >= 1, integer", "number of iterations", _at_least_one, integer=True),
    "k": Domain("k >= 1, integer", "iteration index", _at_least_one, integer=True),
    "epsilon": Domain("epsilon > 0", "target accuracy", _positive),
    "q_k": Domain("0 < q_k <= 1", "A3: shrinkage factor at step k", _unit_interval),
    "mu_k": Domain("mu_k > 0", "k-th nominal stepsize", _positive),
    "grad_norm2": Domain("grad_norm2 >= 0", "a squared norm", _nonnegative),
    "x_k": Domain("x_k real", "one coordinate of the iterate", _real),
    "grad_k": Domain("grad_k real", "one coordinate of the gradient", _real),
}
"""Keyword name -> the domain rule its numbers must satisfy."""


def validate(constants: Mapping[str, ArrayLike]) -> dict[str, FloatArray]:
    """Check numbers against their constants' domains and return them as float arrays.

    Parameters
    ----------
    constants : mapping of str to array_like
        Keyword name (a key of :data:`SYMBOLS`) to a number or an array of numbers; arrays
        must broadcast against each other where they are later combined.

    Returns
    -------
    dict of str to ndarray
        The same keys, values as float64 arrays (0-d for scalars).

    Raises
    ------
    ValueError
        Naming the constant and the rule: an unknown name, a non-finite or non-numeric value,
        or a value outside the domain (negative constant, ``q_min`` outside ``(0, 1]``,
        ``M_G < 1``, a non-integer ``K``).
    """
    checked: dict[str, FloatArray] = {}
    for name, value in constants.items():
        if name not in DOMAINS:
            raise ValueError(f"unknown constant {name!r}; known constants: {', '.join(DOMAINS)}")
        raw = np.asarray(value)
        # Strings would convert silently ("0.1" -> 0.1); only real numbers are numbers here.
        if raw.dtype.kind not in "biuf":
            raise ValueError(f"{name} must be a number or an array of numbers, got {value!r}")
        array = raw.astype(np.float64)
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must be finite, got {value!r}")
        domain = DOMAINS[name]
        bad = ~domain.holds(array)
        if domain.integer:
            bad = bad | (array != np.floor(array))
        if np.any(bad):
            first = array[bad].flat[0] if array.ndim else array
            raise ValueError(
                f"{name} must satisfy {domain.rule} ({domain.source}); got {name}={float(first)!r}"
            )
        checked[name] = array
    return checked


def complete(constants: Mapping[str, ArrayLike]) -> dict[str, ArrayLike]:
    """Fill in constants implied by others: ``M_G = 1 + M_V`` (and back), ``M = sigma2``.

    Parameters
    ----------
    constants : mapping of str to array_like
        As passed by a user.

    Returns
    -------
    dict
        A copy with ``M_G`` or ``M_V`` added when only the other is given, and ``M = sigma2``,
        ``M_V = 0``, ``M_G = 1`` when ``sigma2`` stands for the variance (docs/spec.md section 1).

    Raises
    ------
    ValueError
        If ``M_G`` and ``M_V`` are both given and ``M_G != 1 + M_V`` (to 8 ulp), or ``sigma2``
        is given together with ``M``.
    """
    out = dict(constants)
    if "sigma2" in out:
        if "M" in out:
            raise ValueError("give either M or sigma2 (the case M = sigma2, M_V = 0), not both")
        out["M"] = out["sigma2"]
        if "M_V" not in out and "M_G" not in out:
            out["M_V"], out["M_G"] = 0.0, 1.0
    if "M_V" in out and "M_G" not in out:
        out["M_G"] = 1.0 + np.asarray(out["M_V"], dtype=np.float64)
    elif "M_G" in out and "M_V" not in out:
        out["M_V"] = np.asarray(out["M_G"], dtype=np.float64) - 1.0
    elif "M_G" in out and "M_V" in out:
        given = np.asarray(out["M_G"], dtype=np.float64)
        implied = 1.0 + np.asarray(out["M_V"], dtype=np.float64)
        if np.any(np.abs(given - implied) > 8 * np.finfo(np.float64).eps * np.abs(implied)):
            raise ValueError("M_G must equal 1 + M_V (A2: unbiased gradients)")
    return out
