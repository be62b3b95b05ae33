r"""Stepsize schedules: plain callables ``k -> mu_k`` with a symbolic twin.

A :class:`Schedule` is called on iteration counts ``k = 1, 2, ...`` (any array shape, NumPy
vectorized) and carries its family's closed form (:attr:`Schedule.template`, in
:data:`bounds.symbols.k` and parameter symbols) and the parameter values, so that
:mod:`bounds.derive` can reason about it symbolically (Robbins-Monro conditions) while
simulations call it. Factories validate their arguments and raise ``ValueError`` naming the
parameter; :func:`join` composes schedules (warm-up then decay), and a float is accepted
wherever a schedule is (:func:`as_schedule`).

=================  ==============================================  =====================
factory            closed form                                     parameters
=================  ==============================================  =====================
:func:`constant`   ``mu``                                          ``mu > 0``
:func:`harmonic`   ``beta/(gamma + k)``                            ``beta, gamma > 0``
:func:`inv_sqrt`   ``mu0/sqrt(k)``                                 ``mu0 > 0``
:func:`power`      ``mu0/k**a``                                    ``mu0, a > 0``
:func:`step_decay` ``mu0 * decay**floor((k - 1)/period)``          ``0 < decay < 1``
:func:`warmup`     ``init + (peak - init) k/steps`` for ``k <= steps``  ``steps >= 1``
:func:`join`       piece ``i`` at ``k - boundary_{i-1}``           increasing boundaries
=================  ==============================================  =====================

Example
-------
>>> from bounds import schedules
>>> schedule = schedules.warmup_then(schedules.harmonic(1.0, 1.0), 2)
>>> schedule([1, 2, 3, 4]).tolist()
[0.25, 0.5, 0.5, 0.3333333333333333]
>>> schedules.power(1.0, 0.75).template
mu0/k**a
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike, NDArray

from bounds import symbols as sy
from plumbing import validate

__all__ = [
    "DECAY",
    "PERIOD",
    "A",
    "Schedule",
    "as_schedule",
    "constant",
    "harmonic",
    "inv_sqrt",
    "join",
    "power",
    "step_decay",
    "warmup",
    "warmup_then",
]

FloatArray = NDArray[np.float64]

A = sp.Symbol("a", positive=True)
"""Exponent of :func:`power`."""
DECAY = sp.Symbol("decay", positive=True)
"""Factor of :func:`step_decay` (``< 1`` by construction)."""
PERIOD = sp.Symbol("period", integer=True, positive=True)
"""Steps between decays of :func:`step_decay`."""
_INIT = sp.Symbol("init", nonnegative=True)
_PEAK = sp.Symbol("peak", positive=True)
_STEPS = sp.Symbol("steps", integer=True, positive=True)


@dataclass(frozen=True)
class Schedule:
    """A stepsize schedule ``k -> mu_k`` and its closed form.

    Attributes
    ----------
    name : str
        Family name (``"constant"``, ``"harmonic"``, ..., ``"join"``).
    template : sympy.Expr
        The family's closed form in ``k`` and the parameter symbols.
    parameters : tuple of (sympy.Symbol, float)
        Parameter values of this instance.
    parts : tuple of Schedule
        For a join: the pieces, in order (empty otherwise).
    boundaries : tuple of int
        For a join: ``k`` at which piece ``i`` hands over to piece ``i + 1``.
    """

    name: str
    template: sp.Expr
    parameters: tuple[tuple[sp.Symbol, float], ...]
    function: Callable[[FloatArray], FloatArray] = field(repr=False, compare=False)
    parts: tuple[Schedule, ...] = ()
    boundaries: tuple[int, ...] = ()

    @property
    def symbolic(self) -> sp.Expr:
        """The closed form with this instance's numbers substituted (an expression in ``k``)."""
        return self.template.subs({s: sp.Float(v) for s, v in self.parameters})

    @property
    def exact(self) -> sp.Expr:
        """The closed form with the parameters as exact rationals (each float is binary-exact)."""
        return self.template.subs({s: sp.Rational(v) for s, v in self.parameters})

    @property
    def tail(self) -> Schedule:
        """The schedule that governs large ``k``: the last piece of a join, else itself."""
        return self.parts[-1].tail if self.parts else self

    def __call__(self, k: ArrayLike) -> FloatArray:
        """Stepsizes ``mu_k``.

        Parameters
        ----------
        k : array_like
            Iteration counts, ``>= 1`` (any shape; usually integers).

        Returns
        -------
        ndarray of float64
            ``mu_k``, shape of ``k``.
        """
        counts = np.asarray(k, dtype=np.float64)
        if not np.all(np.isfinite(counts)) or np.any(counts < 1):
            raise ValueError("k must satisfy k >= 1 (iterations are counted from 1)")
        return np.asarray(self.function(counts), dtype=np.float64)


def _positive(name: str, value: object) -> float:
    return validate.real(name, value, low=0.0)


def _count(name: str, value: object) -> int:
    return validate.integer(name, value)


def constant(mu: float) -> Schedule:
    """``mu_k = mu`` for every ``k``.

    Parameters
    ----------
    mu : float
        The stepsize, ``> 0`` (units of ``1/L`` when the problem is scaled so).
    """
    value = _positive("mu", mu)
    return Schedule(
        "constant", sy.mu, ((sy.mu, value),), lambda k: np.full(np.shape(k), value, np.float64)
    )


def harmonic(beta: float, gamma: float) -> Schedule:
    """``mu_k = beta/(gamma + k)`` (T2, T4).

    Parameters
    ----------
    beta, gamma : float
        Both ``> 0``.
    """
    b, g = _positive("beta", beta), _positive("gamma", gamma)
    return Schedule(
        "harmonic",
        sy.beta / (sy.gamma + sy.k),
        ((sy.beta, b), (sy.gamma, g)),
        lambda k: b / (g + k),
    )


def inv_sqrt(mu0: float) -> Schedule:
    """``mu_k = mu0/sqrt(k)`` (T2's second explicit form).

    Parameters
    ----------
    mu0 : float
        First stepsize, ``> 0``.
    """
    m = _positive("mu0", mu0)
    return Schedule("inv_sqrt", sy.mu0 / sp.sqrt(sy.k), ((sy.mu0, m),), lambda k: m / np.sqrt(k))


def power(mu0: float, a: float) -> Schedule:
    """``mu_k = mu0/k**a``.

    Parameters
    ----------
    mu0 : float
        First stepsize, ``> 0``.
    a : float
        Decay exponent, ``> 0`` (Robbins-Monro exactly when ``1/2 < a <= 1``).
    """
    m, e = _positive("mu0", mu0), _positive("a", a)
    return Schedule("power", sy.mu0 / sy.k**A, ((sy.mu0, m), (A, e)), lambda k: m * np.power(k, -e))


def step_decay(mu0: float, decay: float, period: int) -> Schedule:
    """``mu_k = mu0 * decay**floor((k - 1)/period)``: multiply by ``decay`` every ``period`` steps.

    Parameters
    ----------
    mu0 : float
        First stepsize, ``> 0``.
    decay : float
        Factor, ``0 < decay < 1``.
    period : int
        Steps per stage, ``>= 1``.
    """
    m, d = _positive("mu0", mu0), _positive("decay", decay)
    if d >= 1:
        raise ValueError(f"decay must satisfy 0 < decay < 1, got {decay!r}")
    p = _count("period", period)
    return Schedule(
        "step_decay",
        sy.mu0 * DECAY ** sp.floor((sy.k - 1) / PERIOD),
        ((sy.mu0, m), (DECAY, d), (PERIOD, float(p))),
        lambda k: m * _powers(d, np.floor((k - 1) / p)),
    )


def _powers(base: float, exponents: NDArray[np.floating]) -> NDArray[np.float64]:
    """``base ** e`` for whole ``e`` by the C library's ``pow`` (``math.pow``), once per stage.

    NumPy's vectorized ``power`` differs by CPU: with AVX-512 it is a SIMD approximation
    that gave ``0.1 ** 2 = 0.01``, one ulp below the correctly rounded 0.010000000000000002
    (``math.pow``'s, and the closed form's in float64).
    """
    stages, where = np.unique(exponents, return_inverse=True)
    values = np.array([math.pow(base, float(stage)) for stage in stages], dtype=np.float64)
    return values[where].reshape(np.shape(exponents))


def warmup(peak: float, steps: int, init: float = 0.0) -> Schedule:
    """Linear warm-up ``mu_k = init + (peak - init) k/steps``, reaching ``peak`` at ``k = steps``.

    Meant as the first piece of a :func:`join` (beyond ``steps`` it keeps growing).

    Parameters
    ----------
    peak : float
        Stepsize reached at ``k = steps``, ``> 0``.
    steps : int
        Warm-up length, ``>= 1``.
    init : float
        Value the line starts from at ``k = 0``, ``0 <= init < peak``.
    """
    top, n = _positive("peak", peak), _count("steps", steps)
    start = validate.real("init", init, low=0.0, include_low=True)
    if not start < top:
        raise ValueError(f"init must satisfy 0 <= init < peak, got {init!r}")
    return Schedule(
        "warmup",
        _INIT + (_PEAK - _INIT) * sy.k / _STEPS,
        ((_INIT, start), (_PEAK, top), (_STEPS, float(n))),
        lambda k: start + (top - start) * k / n,
    )


def join(schedules: Sequence[Schedule | float], boundaries: Sequence[int]) -> Schedule:
    """Piece ``i`` runs for ``boundaries[i-1] < k <= boundaries[i]``, restarted at ``k = 1``.

    As ``optax.join_schedules``: after boundary ``b`` the next piece sees ``k - b``.

    Parameters
    ----------
    schedules : sequence of Schedule or float
        At least two pieces.
    boundaries : sequence of int
        ``len(schedules) - 1`` strictly increasing integers ``>= 1``.
    """
    pieces = tuple(as_schedule(s) for s in schedules)
    if len(pieces) < 2:
        raise ValueError("schedules must hold at least two pieces")
    cuts = tuple(_count("boundaries", b) for b in boundaries)
    if len(cuts) != len(pieces) - 1:
        raise ValueError(
            f"boundaries must have len(schedules) - 1 = {len(pieces) - 1} entries, got {len(cuts)}"
        )
    if any(nxt <= cur for cur, nxt in itertools.pairwise(cuts)):
        raise ValueError(f"boundaries must be strictly increasing, got {list(cuts)}")
    offsets = (0, *cuts)

    def function(k: FloatArray) -> FloatArray:
        # Every piece is evaluated at an admissible k (>= 1); np.select keeps the right one.
        values = [p(np.maximum(k - off, 1.0)) for p, off in zip(pieces, offsets, strict=True)]
        conditions = [k <= b for b in cuts] + [np.ones(np.shape(k), dtype=bool)]
        return np.asarray(np.select(conditions, values), dtype=np.float64)

    template = sp.Piecewise(
        *(
            (p.symbolic.subs(sy.k, sy.k - off), sy.k <= b)
            for p, off, b in zip(pieces, offsets, cuts, strict=False)
        ),
        (pieces[-1].symbolic.subs(sy.k, sy.k - offsets[-1]), True),
    )
    return Schedule("join", template, (), function, parts=pieces, boundaries=cuts)


def warmup_then(schedule: Schedule | float, steps: int) -> Schedule:
    """Linear warm-up from 0 to ``schedule(1)`` over ``steps``, then ``schedule``.

    Parameters
    ----------
    schedule : Schedule or float
        The schedule after warm-up (its own ``k`` restarts at 1).
    steps : int
        Warm-up length, ``>= 1``.
    """
    after = as_schedule(schedule)
    return join([warmup(float(after(1.0)), steps), after], [steps])


def as_schedule(value: Schedule | float) -> Schedule:
    """A schedule from a schedule or a float (a float ``mu`` is :func:`constant` ``(mu)``).

    Raises
    ------
    ValueError
        If ``value`` is neither (or is a non-positive float).
    """
    if isinstance(value, Schedule):
        return value
    try:
        return constant(value)
    except ValueError:
        raise ValueError(
            f"mu must be a positive float or a bounds.schedules.Schedule, got {value!r}"
        ) from None
