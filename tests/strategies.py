"""Hypothesis strategies for the property suite: constants, problems, schedules, formats.

Every strategy is keyword-only, validates its arguments up front (raising Hypothesis's
``InvalidArgument``) and builds valid values *directly*: constants satisfying a theorem's
hypotheses are constructed from free parameters (a stepsize is drawn as a fraction of its
ceiling ``1/(L M_G)``, T4's ``beta`` as a multiple above ``1/(c q_min)``, ...), never drawn
and then filtered, so no example is wasted and shrinking stays inside the valid region.

Cases (:func:`shrinkage_cases`) tie a theorem to a simulation: a problem whose constants are
known exactly (a quadratic with a chosen spectrum, or the non-convex Geman-McClure loss),
Gaussian gradient noise with exact ``(M, M_V)``, the synthetic shrinkage model (A3-A4 hold
exactly) and a schedule satisfying the theorem's stepsize condition, plus the keyword
arguments of ``bounds.theorems.get(theorem).evaluate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from numpy.typing import NDArray

from simulate.noise import GaussianNoise
from simulate.problems import Problem, geman_mcclure, quadratic
from simulate.quantizer import ROUNDING_MODES, SyntheticShrinkage

__all__ = [
    "THEOREMS",
    "Schedule",
    "ShrinkageCase",
    "custom_formats",
    "make_case",
    "nonconvex_problems",
    "preset_formats",
    "quadratic_problems",
    "rounding_modes",
    "schedules",
    "shrinkage_cases",
    "theorem_constants",
]

THEOREMS = ("T1", "T2", "T3", "T4")
ScheduleKind = Literal["constant", "inverse", "inverse_sqrt"]
SEEDS = st.integers(min_value=0, max_value=2**32 - 1)

# Ranges of the free parameters. They keep every generated case O(1) in scale (bounds and
# simulated values between ~1e-3 and ~1e3), so float64 round-off is irrelevant; the
# theorems themselves are scale-free.
SMOOTHNESS = (0.5, 2.0)
CONDITION_RATIO = (0.05, 1.0)  # c / L
NOISE_FLOOR = (0.0, 2.0)  # M, sigma_q2
NOISE_GROWTH = (0.0, 1.0)  # M_V
Q_MIN = (0.05, 1.0)
STEP_FRACTION = (0.05, 1.0)  # mu / (1/(L M_G))
# Drawn stepsizes stay a relative 1e-12 inside their cap, so that ``mu L M_G <= 1`` holds
# however the bound library evaluates it (float in any order, or exact rationals of the
# floats); exact-cap edge cases are written as @example with exactly representable values.
CAP_MARGIN = 1.0 - 1e-12


def _unit(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgument(f"{name} must be an integer >= 1, got {value!r}")
    return value


def _check_theorem(theorem: object) -> str:
    if theorem not in THEOREMS:
        raise InvalidArgument(f"theorem must be one of {THEOREMS}, got {theorem!r}")
    return str(theorem)


def _check_optional_positive(value: float | None, name: str) -> None:
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InvalidArgument(f"{name} must be finite and > 0 when given, got {value!r}")


def _check_optional_nonnegative(value: float | None, name: str) -> None:
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise InvalidArgument(f"{name} must be finite and >= 0 when given, got {value!r}")


# --------------------------------------------------------------------------- schedules


@dataclass(frozen=True)
class Schedule:
    """A stepsize schedule with its parameters, callable on step counts ``k = 1, 2, ...``.

    Attributes
    ----------
    kind : {"constant", "inverse", "inverse_sqrt"}
        ``mu_k = mu``, ``beta/(gamma + k)`` or ``mu/sqrt(k)``.
    mu : float
        Constant stepsize, or the first step of ``inverse_sqrt`` (units of 1/L).
    beta, gamma : float
        Parameters of ``inverse`` (0 otherwise).
    """

    kind: ScheduleKind
    mu: float = 0.0
    beta: float = 0.0
    gamma: float = 0.0

    def __call__(self, k: NDArray[np.int64]) -> NDArray[np.float64]:
        """Stepsizes ``mu_k``, shape of ``k``."""
        counts = np.asarray(k, dtype=np.float64)
        if self.kind == "constant":
            return np.full(counts.shape, self.mu)
        if self.kind == "inverse":
            return self.beta / (self.gamma + counts)
        return self.mu / np.sqrt(counts)

    def first(self) -> float:
        """``mu_1``, the largest step of every kind (all are non-increasing)."""
        return float(self(np.array([1], dtype=np.int64))[0])


def schedules(
    *, L: float, M_G: float = 1.0, kinds: tuple[ScheduleKind, ...] = ("constant", "inverse")
) -> st.SearchStrategy[Schedule]:
    """Schedules whose every step satisfies ``mu_k <= 1/(L M_G)`` (T1-T3's condition).

    Parameters
    ----------
    L : float
        Smoothness constant, ``> 0``.
    M_G : float
        Second-moment constant, ``>= 1``.
    kinds : tuple of str
        Which kinds to draw from.
    """
    _check_optional_positive(L, "L")
    if not (math.isfinite(M_G) and M_G >= 1):
        raise InvalidArgument(f"M_G must be finite and >= 1, got {M_G!r}")
    if not kinds or any(kind not in ("constant", "inverse", "inverse_sqrt") for kind in kinds):
        raise InvalidArgument(f"kinds must be a non-empty subset of the three kinds, got {kinds}")
    ceiling = CAP_MARGIN / (L * M_G)

    @st.composite
    def build(draw: st.DrawFn) -> Schedule:
        kind = draw(st.sampled_from(kinds))
        fraction = draw(_unit(*STEP_FRACTION))
        if kind == "inverse":
            gamma = draw(_unit(0.5, 50.0))
            # beta/(gamma + 1) = fraction * ceiling: the first (largest) step meets the cap.
            return Schedule("inverse", beta=fraction * ceiling * (gamma + 1.0), gamma=gamma)
        return Schedule(kind, mu=fraction * ceiling)

    return build()


# --------------------------------------------------------------------------- constants


def theorem_constants(
    *,
    theorem: str,
    L: float | None = None,
    c: float | None = None,
    M: float | None = None,
    M_V: float | None = None,
    gap: float | None = None,
    max_steps: int = 200,
) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of ``theorem``'s bound that satisfy all its hypotheses.

    Parameters
    ----------
    theorem : {"T1", "T2", "T3", "T4"}
    L, c, M, M_V : float, optional
        Fix these problem constants (otherwise drawn; ``0 < c <= L``, ``M, M_V >= 0``).
    gap : float, optional
        ``F(x_1) - F_inf`` (T1, T2: ``Delta``; T3, T4: ``F1_gap``), ``> 0``.
    max_steps : int
        Upper limit of ``K`` (T1, T2) and of the iterate index ``k`` (T3, T4).

    Returns
    -------
    strategy of dict
        ``L, M, M_V, M_G, q_min, sigma_q2`` and ``K`` / ``Delta`` (T1, T2), ``k`` / ``F1_gap``
        / ``c`` (T3, T4), ``mu`` (T1, T3) or ``beta, gamma`` (T2, T4).
    """
    name = _check_theorem(theorem)
    _check_positive_int(max_steps, "max_steps")
    for value, label in ((L, "L"), (c, "c"), (gap, "gap")):
        _check_optional_positive(value, label)
    _check_optional_nonnegative(M, "M")
    _check_optional_nonnegative(M_V, "M_V")
    if L is not None and c is not None and c > L:
        raise InvalidArgument(f"c must be <= L, got c={c}, L={L}")

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        L_value = L if L is not None else draw(_unit(*SMOOTHNESS))
        M_V_value = M_V if M_V is not None else draw(_unit(*NOISE_GROWTH))
        constants: dict[str, Any] = {
            "L": L_value,
            "M": M if M is not None else draw(_unit(*NOISE_FLOOR)),
            "M_V": M_V_value,
            "M_G": 1.0 + M_V_value,
            "q_min": draw(_unit(*Q_MIN)),
            "sigma_q2": draw(_unit(*NOISE_FLOOR)),
        }
        gap_value = gap if gap is not None else draw(_unit(0.01, 10.0))
        steps = draw(st.integers(min_value=1, max_value=max_steps))
        ceiling = CAP_MARGIN / (L_value * constants["M_G"])
        if name in ("T3", "T4"):
            constants["c"] = c if c is not None else L_value * draw(_unit(*CONDITION_RATIO))
            constants["F1_gap"] = gap_value
            constants["k"] = steps
        else:
            constants["Delta"] = gap_value
            constants["K"] = steps
        if name in ("T1", "T3"):
            constants["mu"] = draw(_unit(*STEP_FRACTION)) * ceiling
        elif name == "T2":
            schedule = draw(schedules(L=L_value, M_G=constants["M_G"], kinds=("inverse",)))
            constants["beta"], constants["gamma"] = schedule.beta, schedule.gamma
        else:
            # T4 needs beta > 1/(c q_min) *and* beta/(gamma+1) <= 1/(L M_G): take beta a
            # factor above its floor, then gamma large enough that the first step meets the cap.
            beta = (1.0 + draw(_unit(0.01, 3.0))) / (constants["c"] * constants["q_min"])
            gamma = max(beta / ceiling - 1.0, 0.0) + draw(_unit(0.01, 10.0))
            constants["beta"], constants["gamma"] = beta, gamma
        return constants

    return build()


# --------------------------------------------------------------------------- problems


def quadratic_problems(
    *, min_dim: int = 8, max_dim: int = 64, condition: tuple[float, float] = CONDITION_RATIO
) -> st.SearchStrategy[Problem]:
    """Diagonal quadratics with a drawn spectrum: ``L = max λ`` and ``c = min λ`` exactly.

    Parameters
    ----------
    min_dim, max_dim : int
        Range of the dimension ``d`` (``2 <= min_dim <= max_dim``).
    condition : tuple of float
        Range of ``c/L`` within ``(0, 1]``.
    """
    _check_positive_int(min_dim, "min_dim")
    _check_positive_int(max_dim, "max_dim")
    if not 2 <= min_dim <= max_dim:
        raise InvalidArgument(f"need 2 <= min_dim <= max_dim, got {min_dim}, {max_dim}")
    if not 0 < condition[0] <= condition[1] <= 1:
        raise InvalidArgument(f"condition must satisfy 0 < lo <= hi <= 1, got {condition}")

    @st.composite
    def build(draw: st.DrawFn) -> Problem:
        d = draw(st.integers(min_value=min_dim, max_value=max_dim))
        L = draw(_unit(*SMOOTHNESS))
        c = L * draw(_unit(*condition))
        seed = draw(SEEDS)
        inner = np.random.default_rng(seed).uniform(c, L, size=d - 2)
        # The extremes are placed explicitly so that L and c are the exact max and min.
        spectrum = np.concatenate([[L, c], inner])
        # Rotation does not change the statistics under isotropic noise; the diagonal form is
        # O(d) per step instead of O(d^2).
        return quadratic(spectrum, rotate=False, x0_scale=draw(_unit(0.1, 2.0)), seed=seed)

    return build()


def nonconvex_problems(*, min_dim: int = 8, max_dim: int = 64) -> st.SearchStrategy[Problem]:
    """Geman-McClure robust losses (non-convex, not PL) with ``L = 2 max a_i`` exactly.

    Parameters
    ----------
    min_dim, max_dim : int
        Range of the dimension ``d`` (``1 <= min_dim <= max_dim``).
    """
    _check_positive_int(min_dim, "min_dim")
    _check_positive_int(max_dim, "max_dim")
    if min_dim > max_dim:
        raise InvalidArgument(f"need min_dim <= max_dim, got {min_dim}, {max_dim}")

    @st.composite
    def build(draw: st.DrawFn) -> Problem:
        d = draw(st.integers(min_value=min_dim, max_value=max_dim))
        seed = draw(SEEDS)
        weights = np.random.default_rng(seed).uniform(0.25, 1.0, size=d)
        return geman_mcclure(weights, rotate=False, x0_scale=draw(_unit(0.5, 3.0)), seed=seed)

    return build()


# --------------------------------------------------------------------------- formats


def rounding_modes(*, stochastic: bool | None = None) -> st.SearchStrategy[str]:
    """Rounding modes of ``simulate.quantize``.

    Parameters
    ----------
    stochastic : bool, optional
        ``True``: only ``"sr"``; ``False``: only the deterministic modes; ``None``: all.
    """
    if stochastic is not None and not isinstance(stochastic, bool):
        raise InvalidArgument(f"stochastic must be a bool or None, got {stochastic!r}")
    modes = [m for m in ROUNDING_MODES if stochastic is None or (m == "sr") == stochastic]
    return st.sampled_from(modes)


def preset_formats(*, names: tuple[str, ...] | None = None) -> st.SearchStrategy[Any]:
    """Element formats from the registry of ``simulate.formats``.

    Parameters
    ----------
    names : tuple of str, optional
        Restrict to these registry names (each must exist); default: every preset.
    """
    from simulate import formats

    available = tuple(formats.names())
    chosen = available if names is None else names
    unknown = sorted(set(chosen) - set(available))
    if not chosen or unknown:
        raise InvalidArgument(f"names must be a non-empty subset of {available}, got {names}")
    return st.sampled_from(chosen).map(formats.get)


def custom_formats(
    *,
    min_exponent_bits: int = 2,
    max_exponent_bits: int = 8,
    max_mantissa_bits: int = 10,
) -> st.SearchStrategy[Any]:
    """Custom signed element formats with drawn exponent and mantissa widths.

    The bias is the IEEE one, ``2**(e-1) - 1``; the NaN/infinity convention is drawn between
    IEEE (overflow to infinity) and none (saturating, as OCP MX FP6/FP4), with or without
    subnormals, so every :class:`simulate.formats.Format` branch the quantizer has is reached.

    Parameters
    ----------
    min_exponent_bits, max_exponent_bits : int
        ``2 <= min_exponent_bits <= max_exponent_bits <= 11``.
    max_mantissa_bits : int
        ``1 <= max_mantissa_bits <= 51``.
    """
    _check_positive_int(min_exponent_bits, "min_exponent_bits")
    _check_positive_int(max_exponent_bits, "max_exponent_bits")
    _check_positive_int(max_mantissa_bits, "max_mantissa_bits")
    if not 2 <= min_exponent_bits <= max_exponent_bits <= 11:
        raise InvalidArgument(
            "need 2 <= min_exponent_bits <= max_exponent_bits <= 11, got "
            f"{min_exponent_bits}, {max_exponent_bits}"
        )
    if max_mantissa_bits > 51:
        raise InvalidArgument(f"max_mantissa_bits must be <= 51, got {max_mantissa_bits}")
    from simulate.formats import Format

    @st.composite
    def build(draw: st.DrawFn) -> Format:
        exponent_bits = draw(st.integers(min_value=min_exponent_bits, max_value=max_exponent_bits))
        mantissa_bits = draw(st.integers(min_value=1, max_value=max_mantissa_bits))
        ieee = draw(st.booleans())
        return Format(
            name=f"custom_e{exponent_bits}m{mantissa_bits}{'' if ieee else '_sat'}",
            exponent_bits=exponent_bits,
            mantissa_bits=mantissa_bits,
            bias=2 ** (exponent_bits - 1) - 1,
            subnormals=draw(st.booleans()),
            nan_inf="ieee" if ieee else "none",
            overflow="inf" if ieee else "saturate",
        )

    return build()


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True, eq=False)
class ShrinkageCase:
    """A theorem instance and the simulation that must respect it.

    Attributes
    ----------
    theorem : str
        ``"T1"`` .. ``"T4"``.
    problem : Problem
        Objective with exact ``L`` (and ``c`` for T3, T4).
    noise : GaussianNoise
        Gradient noise with exact ``(M, M_V)``.
    shrinkage : SyntheticShrinkage
        The paper's model with ``q_k`` in ``[q_min, 1]`` and ``E‖eps‖² = sigma_q2``.
    schedule : Schedule
        Stepsizes satisfying the theorem's condition.
    steps : int
        ``K``: the run produces iterates ``x_1 .. x_{K+1}``.
    seed : int
        Seed of the simulation.
    constants : dict
        Keyword arguments of the bound, without ``K`` / ``k`` (the test supplies them).
    """

    theorem: str
    problem: Problem
    noise: GaussianNoise
    shrinkage: SyntheticShrinkage
    schedule: Schedule
    steps: int
    seed: int
    constants: dict[str, Any]


def make_case(
    *,
    theorem: str,
    problem: Problem,
    schedule: Schedule,
    steps: int,
    q_min: float,
    sigma_q2: float,
    M: float,
    M_V: float = 0.0,
    law: Literal["uniform", "fixed"] = "uniform",
    seed: int = 0,
) -> ShrinkageCase:
    """Assemble a case from explicit parts (for ``@example`` and the teeth tests).

    The bound's constants are read off the parts: ``L`` and ``c`` from the problem, the gap
    ``F(x_1) - F_inf`` by evaluating it at ``problem.x0``, ``M_G = 1 + M_V``, and ``mu`` or
    ``(beta, gamma)`` from the schedule. Whether they satisfy the theorem's hypotheses is for
    the bound library to say (``violated_hypotheses``); the property tests assert it.
    """
    name = _check_theorem(theorem)
    _check_positive_int(steps, "steps")
    gap = float(problem.value_and_grad(problem.x0[None])[0][0]) - problem.F_inf
    constants: dict[str, Any] = {
        "L": problem.L,
        "M": M,
        "M_V": M_V,
        "M_G": 1.0 + M_V,
        "q_min": q_min,
        "sigma_q2": sigma_q2,
    }
    if name in ("T3", "T4"):
        if problem.c is None:
            raise InvalidArgument(f"problem must be PL (have c) for {name}, got {problem.name}")
        constants["c"] = problem.c
        constants["F1_gap"] = gap
    else:
        constants["Delta"] = gap
    if schedule.kind == "constant":
        constants["mu"] = schedule.mu
    elif schedule.kind == "inverse":
        constants["beta"], constants["gamma"] = schedule.beta, schedule.gamma
    else:
        raise InvalidArgument(f"schedule must be constant or inverse, got {schedule.kind!r}")
    return ShrinkageCase(
        theorem=name,
        problem=problem,
        noise=GaussianNoise(M, M_V),
        shrinkage=SyntheticShrinkage(q_min=q_min, sigma_q2=sigma_q2, law=law),
        schedule=schedule,
        steps=steps,
        seed=seed,
        constants=constants,
    )


def shrinkage_cases(
    *, theorem: str, max_steps: int = 200, min_dim: int = 8, max_dim: int = 64
) -> st.SearchStrategy[ShrinkageCase]:
    """Simulation cases for ``theorem`` whose constants satisfy its hypotheses exactly.

    T1, T2 draw a quadratic or the non-convex Geman-McClure problem; T3, T4 a quadratic (PL).

    Parameters
    ----------
    theorem : {"T1", "T2", "T3", "T4"}
    max_steps : int
        Upper limit of ``K``.
    min_dim, max_dim : int
        Range of the problem dimension.
    """
    name = _check_theorem(theorem)
    _check_positive_int(max_steps, "max_steps")

    @st.composite
    def build(draw: st.DrawFn) -> ShrinkageCase:
        if name in ("T1", "T2"):
            problem = draw(
                st.one_of(
                    quadratic_problems(min_dim=min_dim, max_dim=max_dim),
                    nonconvex_problems(min_dim=min_dim, max_dim=max_dim),
                )
            )
        else:
            problem = draw(quadratic_problems(min_dim=min_dim, max_dim=max_dim))
        gap = float(problem.value_and_grad(problem.x0[None])[0][0]) - problem.F_inf
        constants = draw(
            theorem_constants(theorem=name, L=problem.L, c=problem.c, gap=gap, max_steps=max_steps)
        )
        if name in ("T1", "T3"):
            schedule = Schedule("constant", mu=constants["mu"])
        else:
            schedule = Schedule("inverse", beta=constants["beta"], gamma=constants["gamma"])
        return make_case(
            theorem=name,
            problem=problem,
            schedule=schedule,
            steps=int(constants["K" if name in ("T1", "T2") else "k"]),
            q_min=constants["q_min"],
            sigma_q2=constants["sigma_q2"],
            M=constants["M"],
            M_V=constants["M_V"],
            law=draw(st.sampled_from(("uniform", "fixed"))),
            seed=draw(SEEDS),
        )

    return build()
