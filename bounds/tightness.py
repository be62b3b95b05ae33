"""How loose is each theorem? Its bound against PEPit's worst case of gradient descent.

With the noise switched off (``M = M_V = 0``, ``sigma_q2 = 0``, so ``M_G = 1``) quantized SGD is
gradient descent ``x_{k+1} = x_k − h_k ∇F(x_k)`` with ``h_k = mu_k q_k``. PEPit (performance
estimation: Drori & Teboulle; Taylor, Hendrickx & Glineur) computes the worst case of such a
method over a class of functions as a semidefinite program; its dual value is an upper bound on
that worst case, attained up to the solver's tolerance. This module sets up, per theorem, the
quantity the theorem bounds and the steps its algorithm takes, asks PEPit for the worst case,
and compares it with the theorem's bound at the same numbers (:class:`Comparison`).

Function classes (PEPit's own, :data:`FUNCTION_CLASSES`):

* ``"smooth"``: L-smooth, not necessarily convex (``SmoothFunction``); the interpolation
  conditions are exact, so the value is the true worst case.
* ``"strongly_convex"``: L-smooth and ``c``-strongly convex (``SmoothStronglyConvexFunction``,
  exact; ``c < L``, so :func:`grid` leaves out ``c = L`` for it). Strong convexity implies PL
  with the same ``c``.
* ``"pl"``: L-smooth with the PL inequality ``‖∇F‖² >= 2c(F − F_star)``
  (``SmoothQuadraticLojasiewiczFunctionCheap`` with ``alpha = 2c/(2L + c)``). No interpolation
  conditions are known for this class: PEPit's constraints are necessary only, so its value is
  an upper bound on the true worst case, and the ratio bound/value understates how loose the
  bound is.

Quantities, with the initial condition normalised to 1 (noise-free bounds scale with it):

* ``avg_grad_norm2`` (T1, C3): ``(1/K) Σ_{k=1..K} ‖∇F(x_k)‖²`` given
  ``F(x_1) − F(x_{K+1}) <= Delta``, all of ``F(x_1) − F_inf <= Delta`` that T1's proof uses;
* ``weighted_grad_sum`` (T2): ``Σ_{k=1..K} mu_k ‖∇F(x_k)‖²``, same condition;
* ``optimality_gap`` (T3, T4): ``F(x_{K+1}) − F_star`` given ``F(x_1) − F_star <= F1_gap``.

Shrinkage: a fixed ``q_k = q`` for every step, or adversarial ``q_k in {q_min, 1}^K`` by
enumeration (``2^K`` programs; the worst case is their maximum). Statements with a known
constant shrinkage (``T3.known_q``, ``C3.known_q``) take the fixed ``q`` only.

PEPit, cvxpy and the solvers come with the optional extra ``pep`` and are imported on first
use. Tables as in issue 12: :func:`table`, summarised per theorem by :func:`summary`, drawn by
:func:`ratio_figure`.

References
----------
.. [1] B. Goujaud, C. Moucer, F. Glineur, J. Hendrickx, A. Taylor and A. Dieuleveut, "PEPit:
       computer-assisted worst-case analyses of first-order optimization methods in Python",
       Mathematical Programming Computation 16 (2024).
.. [2] A. Taylor, J. Hendrickx and F. Glineur, "Smooth strongly convex interpolation and exact
       worst-case performance of first-order methods", Mathematical Programming 161 (2017).
.. [3] A. Rubbens, J. Hendrickx and A. Taylor, "A constructive approach to strengthen algebraic
       descriptions of function and operator classes", arXiv:2504.14377 (2025): the PL
       conditions PEPit implements.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

__all__ = [
    "FUNCTION_CLASSES",
    "SOLVERS",
    "THEOREMS",
    "Comparison",
    "compare",
    "grid",
    "ratio_figure",
    "summary",
    "table",
    "worst_case",
]

FunctionClass = Literal["smooth", "strongly_convex", "pl"]
FUNCTION_CLASSES: tuple[str, ...] = ("smooth", "strongly_convex", "pl")
SOLVERS: tuple[str, ...] = ("CLARABEL", "SCS")
"""cvxpy solvers that install from the package index; the first that answers accurately wins."""

#: Below this (the initial condition is 1) a worst case counts as zero: no ratio is formed.
ZERO = 1e-8

_SCS_OPTIONS = {"eps_abs": 1e-9, "eps_rel": 1e-9, "max_iters": 200_000}


# ----------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class _Setting:
    """How a theorem's algorithm and constants look with the noise off."""

    quantity: str
    classes: tuple[str, ...]
    known_q: bool  # q_k = q by hypothesis: no adversarial sequences
    compensated: bool  # nominal stepsize mu/q (C3, C3.known_q)
    schedule: bool  # mu_k = beta/(gamma + k) (T4)


_AVERAGE = _Setting("avg_grad_norm2", ("smooth",), False, False, False)
_WEIGHTED = _Setting("weighted_grad_sum", ("smooth",), False, False, False)
_GAP = _Setting("optimality_gap", ("strongly_convex", "pl"), False, False, False)
_SETTINGS: dict[str, _Setting] = {
    "T1": _AVERAGE,
    "T1.sharp": _AVERAGE,
    "T1.matrix": _AVERAGE,
    "T2": _WEIGHTED,
    "T2.sharp": _WEIGHTED,
    "C3": _Setting("avg_grad_norm2", ("smooth",), False, True, False),
    "C3.known_q": _Setting("avg_grad_norm2", ("smooth",), True, True, False),
    "T3": _GAP,
    "T3.sharp": _GAP,
    "T3.matrix": _GAP,
    "T3.known_q": _Setting("optimality_gap", ("strongly_convex", "pl"), True, False, False),
    "T4": _Setting("optimality_gap", ("strongly_convex", "pl"), False, False, True),
    "T4.sharp": _Setting("optimality_gap", ("strongly_convex", "pl"), False, False, True),
}
THEOREMS: tuple[str, ...] = tuple(_SETTINGS)
"""The statements :func:`compare` handles: T1-T4 and C3, with their refined versions."""


def _check_positive(name: str, value: float) -> float:
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def _check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


# ------------------------------------------------------------------------------- PEPit
def _solve(problem: Any, solver: str) -> float | None:
    """PEPit's dual value with ``solver``, or None when the solver is not accurate."""
    from cvxpy.error import SolverError

    options = _SCS_OPTIONS if solver == "SCS" else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = problem.solve(wrapper="cvxpy", solver=solver, verbose=0, **options)
        except SolverError:
            return None
    status = getattr(getattr(problem.wrapper, "prob", None), "status", None)
    inaccurate = any("inaccurate" in str(w.message).lower() for w in caught)
    if status != "optimal" or inaccurate or value is None or not math.isfinite(value):
        return None
    return float(value)


def worst_case(
    quantity: str,
    stepsizes: Sequence[float],
    *,
    L: float,
    function_class: str = "smooth",
    c: float | None = None,
    weights: Sequence[float] | None = None,
    solver: str = SOLVERS[0],
) -> float:
    """PEPit's worst case of ``quantity`` for gradient descent with the given steps.

    Parameters
    ----------
    quantity : {"avg_grad_norm2", "weighted_grad_sum", "optimality_gap"}
        What is maximised (see the module docstring); the initial condition is 1.
    stepsizes : sequence of float
        The effective steps ``h_k = mu_k q_k``, ``k = 1..K`` (``K >= 1``).
    L : float
        Smoothness constant, ``> 0``.
    function_class : {"smooth", "strongly_convex", "pl"}
        PEPit's class; ``"smooth"`` for the gradient quantities, the other two for the gap.
    c : float, optional
        Strong-convexity / PL constant, ``0 < c <= L`` (required for the last two classes).
    weights : sequence of float, optional
        The weights ``mu_k`` of ``weighted_grad_sum`` (one per step).
    solver : {"CLARABEL", "SCS"}
        Tried first; the other is the fallback when it fails or reports an inaccurate answer.

    Returns
    -------
    float
        The dual value of the performance-estimation program (an upper bound on the worst
        case, equal to it up to the solver's tolerance for exact classes).

    Raises
    ------
    ValueError
        Naming the argument and the rule it breaks.
    RuntimeError
        If no solver answers accurately.
    """
    _check_choice("quantity", quantity, ("avg_grad_norm2", "weighted_grad_sum", "optimality_gap"))
    _check_choice("function_class", function_class, FUNCTION_CLASSES)
    _check_choice("solver", solver, SOLVERS)
    L = _check_positive("L", L)
    steps = [_check_positive("stepsizes[k]", h) for h in stepsizes]
    if not steps:
        raise ValueError("stepsizes must list at least one step (K >= 1)")
    gradient_quantity = quantity != "optimality_gap"
    if gradient_quantity != (function_class == "smooth"):
        raise ValueError(
            f"function_class must be 'smooth' for {quantity} and 'strongly_convex' or 'pl' for "
            f"optimality_gap, got {function_class!r} for {quantity}"
        )
    if function_class != "smooth" and (c is None or not 0 < c <= L):
        raise ValueError(f"c must satisfy 0 < c <= L for the {function_class} class, got {c}")
    if function_class == "strongly_convex" and c is not None and c >= L:
        # PEPit's interpolation conditions divide by 1 - c/L; at c = L the class is the
        # quadratics (L/2)||x - x*||^2 alone.
        raise ValueError("c must satisfy c < L for PEPit's strongly_convex class, got c = L")
    scales = [1 / len(steps)] * len(steps)
    if quantity == "weighted_grad_sum":
        if weights is None or len(weights) != len(steps):
            raise ValueError("weights must give one mu_k per step for weighted_grad_sum")
        scales = [_check_positive("weights[k]", m) for m in weights]
    # The program is homogeneous in L: f~(y) = f(y / sqrt(L)) is 1-smooth (c/L-PL or strongly
    # convex), gradient descent with steps h on f is gradient descent with steps h L on f~,
    # function values agree and ||grad f||^2 = L ||grad f~||^2. Solving at L = 1 keeps the
    # solver's numbers of order one whatever L is (L = 1e308 or 1e-300 is then no harder).
    factor = L if quantity == "avg_grad_norm2" else 1.0
    steps = [h * L for h in steps]
    if quantity == "weighted_grad_sum":
        scales = [m * L for m in scales]
    c = None if c is None else c / L
    L = 1.0

    from PEPit import PEP
    from PEPit.functions import (
        SmoothFunction,
        SmoothQuadraticLojasiewiczFunctionCheap,
        SmoothStronglyConvexFunction,
    )

    def build() -> Any:
        problem = PEP()
        if function_class == "smooth":
            func = problem.declare_function(SmoothFunction, L=L)
        elif function_class == "strongly_convex":
            func = problem.declare_function(SmoothStronglyConvexFunction, L=L, mu=c)
        else:
            assert c is not None
            alpha = 2 * c / (2 * L + c)
            func = problem.declare_function(
                SmoothQuadraticLojasiewiczFunctionCheap, L=L, mu=c, alpha=alpha
            )
        x = problem.set_initial_point()
        if not gradient_quantity:
            f_star = func(func.stationary_point())
            problem.set_initial_condition(func(x) - f_star <= 1)
            for h in steps:
                x = x - h * func.gradient(x)
            problem.set_performance_metric(func(x) - f_star)
            return problem
        gradient, f_first = func.oracle(x)
        total = None
        for h, scale in zip(steps, scales, strict=True):
            term = scale * gradient**2
            total = term if total is None else total + term
            x = x - h * gradient
            gradient, f_last = func.oracle(x)
        problem.set_initial_condition(f_first - f_last <= 1)
        problem.set_performance_metric(total)
        return problem

    order = (solver, *(s for s in SOLVERS if s != solver))
    for name in order:
        value = _solve(build(), name)
        if value is not None:
            return factor * value
    raise RuntimeError(
        f"no solver among {', '.join(order)} solved the {function_class} program accurately"
    )


# -------------------------------------------------------------------------- comparison
@dataclass(frozen=True)
class Comparison:
    """One theorem at one point: its noise-free bound against PEPit's worst case.

    Attributes
    ----------
    theorem : str
        Statement id (``"T1"``, ``"T1.sharp"``, ...).
    function_class : str
        PEPit's class (:data:`FUNCTION_CLASSES`).
    q : float
        ``q_min`` (or the known ``q``).
    mu_L : float
        ``L`` times the statement's stepsize ``mu`` (T2: every ``mu_k``; T4: ``mu_1``).
    K : int
        Number of steps (T3, T4: the gap at ``k = K + 1``).
    c_over_L : float or None
        ``c/L`` for the PL and strongly convex classes.
    adversarial : bool
        Whether ``q_k`` ranged over ``{q_min, 1}^K``.
    bound : float
        The theorem's bound.
    worst_case : float
        PEPit's worst case (the maximum over the enumerated ``q_k``).
    shrinkage : tuple of float
        The ``q_k`` that attain it.
    """

    theorem: str
    function_class: str
    q: float
    mu_L: float
    K: int
    c_over_L: float | None
    adversarial: bool
    bound: float
    worst_case: float
    shrinkage: tuple[float, ...]

    @property
    def ratio(self) -> float | None:
        """``bound / worst_case``; None when the worst case is zero (both are then ~0)."""
        if self.worst_case <= ZERO:
            return None
        return self.bound / self.worst_case

    def to_dict(self) -> dict[str, Any]:
        """The fields and the ratio, JSON-ready (no NaN or infinity)."""
        return {**asdict(self), "shrinkage": list(self.shrinkage), "ratio": self.ratio}


Cache = dict[tuple[Any, ...], float]


def _constants(
    theorem: str, setting: _Setting, *, q: float, mu: float, K: int, c: float | None, L: float
) -> dict[str, Any]:
    noise_free: dict[str, Any] = {"L": L, "M": 0.0, "M_G": 1.0, "sigma_q2": 0.0}
    noise_free["q" if setting.known_q else "q_min"] = q
    if theorem.endswith(".matrix"):
        noise_free.update(M_L=0.0, sigma_qL=0.0)
    if setting.quantity != "optimality_gap":
        noise_free.update(Delta=1.0, K=K, mu=mu)
        if theorem == "T2.sharp":
            noise_free["mu_max"] = mu
        return noise_free
    noise_free.update(F1_gap=1.0, c=c, k=K + 1)
    if setting.schedule:
        beta = 2 / (c * q) if c is not None else 0.0  # twice T4's slope threshold 1/(c q_min)
        noise_free.update(beta=beta, gamma=beta / mu - 1)
    else:
        noise_free["mu"] = mu
    return noise_free


def _nominal(setting: _Setting, constants: dict[str, Any], K: int, q: float) -> list[float]:
    if setting.schedule:
        beta, gamma = constants["beta"], constants["gamma"]
        return [beta / (gamma + k) for k in range(1, K + 1)]
    mu = constants["mu"]
    return [mu / q if setting.compensated else mu] * K


def compare(
    theorem: str,
    *,
    q: float,
    mu_L: float,
    K: int,
    c_over_L: float | None = None,
    function_class: str | None = None,
    adversarial: bool = False,
    L: float = 1.0,
    solver: str = SOLVERS[0],
    cache: Cache | None = None,
) -> Comparison | None:
    """``theorem``'s noise-free bound against PEPit's worst case at one point.

    Parameters
    ----------
    theorem : str
        One of :data:`THEOREMS`.
    q : float
        ``q_min`` in ``(0, 1]`` (the known ``q`` for ``T3.known_q``, ``C3.known_q``).
    mu_L : float
        The statement's stepsize times ``L`` (> 0).
    K : int
        Number of gradient steps, ``>= 1``.
    c_over_L : float, optional
        ``c/L`` in ``(0, 1]``; required for T3 and T4.
    function_class : str, optional
        Default: the theorem's first class (``"smooth"``, or ``"strongly_convex"`` for T3, T4).
    adversarial : bool
        Enumerate ``q_k in {q, 1}^K`` and keep the worst (ignored for known-q statements).
    L : float
        Smoothness constant.
    solver : {"CLARABEL", "SCS"}
    cache : dict, optional
        Shared between calls: worst cases already computed (the paper's and the refined
        statements' cases reuse the same programs).

    Returns
    -------
    Comparison or None
        None when the numbers break one of the theorem's hypotheses (no bound to compare).

    Raises
    ------
    ValueError
        For an unknown theorem or class, or a constant outside its domain.
    """
    _check_choice("theorem", theorem, THEOREMS)
    setting = _SETTINGS[theorem]
    chosen = setting.classes[0] if function_class is None else function_class
    _check_choice("function_class", chosen, setting.classes)
    L = _check_positive("L", L)
    if not 0 < q <= 1:
        raise ValueError(f"q must satisfy 0 < q <= 1, got {q!r}")
    mu = _check_positive("mu_L", mu_L) / L
    if isinstance(K, bool) or not isinstance(K, int | np.integer) or K < 1:
        raise ValueError(f"K must be an integer >= 1, got {K!r}")
    c = None
    if setting.quantity == "optimality_gap":
        if c_over_L is None or not 0 < c_over_L <= 1:
            raise ValueError(f"c_over_L must satisfy 0 < c/L <= 1 for {theorem}, got {c_over_L}")
        c = c_over_L * L
    from bounds import theorems  # SymPy loads here, not when the command line lists the names

    statement = theorems.get(theorem)
    constants = _constants(theorem, setting, q=q, mu=mu, K=int(K), c=c, L=L)
    if setting.schedule and constants["gamma"] <= 0:
        return None
    evaluate_with = dict(constants)
    if statement.uses_sequence:
        evaluate_with["mu"] = _nominal(setting, constants, int(K), q)
    if statement.violated_hypotheses(**evaluate_with):
        return None
    bound = float(statement.evaluate(**evaluate_with))
    nominal = _nominal(setting, constants, int(K), q)
    if adversarial and not setting.known_q and q < 1:
        sequences = list(itertools.product((q, 1.0), repeat=int(K)))
    else:
        sequences = [(q,) * int(K)]
    store: Cache = {} if cache is None else cache
    worst, attained = -math.inf, sequences[0]
    for sequence in sequences:
        steps = tuple(m * s for m, s in zip(nominal, sequence, strict=True))
        weights = tuple(nominal) if setting.quantity == "weighted_grad_sum" else None
        key = (setting.quantity, chosen, L, c, steps, weights)
        if key not in store:
            store[key] = worst_case(
                setting.quantity,
                steps,
                L=L,
                function_class=chosen,
                c=c,
                weights=weights,
                solver=solver,
            )
        if store[key] > worst:
            worst, attained = store[key], sequence
    return Comparison(
        theorem=theorem,
        function_class=chosen,
        q=float(q),
        mu_L=float(mu_L),
        K=int(K),
        c_over_L=None if c_over_L is None else float(c_over_L),
        adversarial=bool(adversarial and not setting.known_q and q < 1),
        bound=bound,
        worst_case=worst,
        shrinkage=tuple(float(s) for s in attained),
    )


def grid(
    theorem_ids: Sequence[str] = THEOREMS,
    *,
    q_values: Sequence[float] = (1.0, 0.5, 0.25),
    mu_L_values: Sequence[float] = (0.25, 0.5, 1.0),
    horizons: Sequence[int] = (1, 2, 5, 10),
    c_over_L_values: Sequence[float] = (0.1, 0.5, 1.0),
    function_classes: Sequence[str] | None = None,
    adversarial: bool = False,
) -> list[dict[str, Any]]:
    """The points of a :func:`table`: one dict of :func:`compare` keywords each.

    Parameters
    ----------
    theorem_ids : sequence of str
        Statements from :data:`THEOREMS`.
    q_values, mu_L_values, horizons, c_over_L_values : sequences
        The grid; ``c_over_L_values`` applies to T3 and T4 only.
    function_classes : sequence of str, optional
        Restrict to these classes (default: every class each theorem has).
    adversarial : bool
        Add, for every ``q < 1``, a point that enumerates ``q_k in {q, 1}^K`` (``2^K``
        programs) next to the fixed ``q_k = q``; known-q statements keep the fixed one only.

    Returns
    -------
    list of dict
        In order: theorem, class, ``q``, ``mu L``, ``K``, ``c/L``, fixed before adversarial.
    """
    for theorem in theorem_ids:
        _check_choice("theorem", theorem, THEOREMS)
    if function_classes is not None:
        for name in function_classes:
            _check_choice("function_classes", name, FUNCTION_CLASSES)
    points: list[dict[str, Any]] = []
    for theorem in theorem_ids:
        setting = _SETTINGS[theorem]
        classes = [c for c in setting.classes if function_classes is None or c in function_classes]
        ratios: Sequence[float | None] = (
            c_over_L_values if setting.quantity == "optimality_gap" else (None,)
        )
        modes = (False, True) if adversarial and not setting.known_q else (False,)
        for cls, q, mu_L, K, c_over_L, mode in itertools.product(
            classes, q_values, mu_L_values, horizons, ratios, modes
        ):
            if mode and q >= 1:
                continue  # {1, 1}^K is the fixed sequence
            if cls == "strongly_convex" and c_over_L is not None and c_over_L >= 1:
                continue  # see worst_case: PEPit's class needs c < L
            points.append(
                dict(
                    theorem=theorem,
                    function_class=cls,
                    q=q,
                    mu_L=mu_L,
                    K=K,
                    c_over_L=c_over_L,
                    adversarial=mode,
                )
            )
    return points


def table(
    theorem_ids: Sequence[str] = THEOREMS,
    *,
    L: float = 1.0,
    solver: str = SOLVERS[0],
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    **grid_options: Any,
) -> list[Comparison]:
    """:func:`compare` at every point of :func:`grid`, skipping points that break a hypothesis.

    Parameters
    ----------
    theorem_ids : sequence of str
        Statements from :data:`THEOREMS`.
    L : float
    solver : {"CLARABEL", "SCS"}
    progress : callable, optional
        Wraps the list of points (e.g. a ``tqdm`` bar).
    **grid_options
        The keywords of :func:`grid` (``q_values``, ``mu_L_values``, ``horizons``,
        ``c_over_L_values``, ``function_classes``, ``adversarial``).

    Returns
    -------
    list of Comparison
        In :func:`grid` order. Programs shared between points (a paper theorem and its
        refined version at the same steps) are solved once.
    """
    points = grid(theorem_ids, **grid_options)
    cache: Cache = {}
    rows = []
    for point in progress(points) if progress is not None else points:
        found = compare(**point, L=L, solver=solver, cache=cache)
        if found is not None:
            rows.append(found)
    return rows


def summary(comparisons: Iterable[Comparison]) -> list[dict[str, Any]]:
    """Per theorem and class: worst (smallest), median and largest ratio, and the case count.

    Cases whose worst case is zero (no ratio) are counted in ``zero`` and left out of the
    ratios. Returns one dict per (theorem, class) in first-seen order.
    """
    groups: dict[tuple[str, str], list[Comparison]] = {}
    for row in comparisons:
        groups.setdefault((row.theorem, row.function_class), []).append(row)
    out = []
    for (theorem, cls), rows in groups.items():
        ratios = np.array([r.ratio for r in rows if r.ratio is not None], dtype=np.float64)
        out.append(
            {
                "theorem": theorem,
                "function_class": cls,
                "cases": len(rows),
                "zero": len(rows) - ratios.size,
                "worst": float(ratios.min()) if ratios.size else None,
                "median": float(np.median(ratios)) if ratios.size else None,
                "largest": float(ratios.max()) if ratios.size else None,
            }
        )
    return out


def ratio_figure(comparisons: Sequence[Comparison]) -> Any:
    """A :class:`matplotlib.figure.Figure`: bound/worst case per theorem, one point per case.

    One column per (theorem, class), log scale, median marked; 1 is where a bound is tight.
    Save with :func:`bounds.plots.save_figure`.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    groups = summary(comparisons)
    figure = Figure(figsize=(max(6.0, 0.55 * len(groups) + 2), 4.2), layout="constrained")
    axes = figure.add_subplot()
    markers = {"smooth": "o", "strongly_convex": "s", "pl": "^"}
    for index, group in enumerate(groups):
        ratios = np.array(
            [
                r.ratio
                for r in comparisons
                if r.theorem == group["theorem"]
                and r.function_class == group["function_class"]
                and r.ratio is not None
            ]
        )
        if not ratios.size:
            continue
        jitter = np.linspace(-0.18, 0.18, ratios.size) if ratios.size > 1 else np.zeros(1)
        axes.scatter(
            index + jitter,
            ratios,
            s=12,
            alpha=0.6,
            marker=markers[group["function_class"]],
            color="C1" if "." in group["theorem"] else "C0",
        )
        axes.hlines(group["median"], index - 0.3, index + 0.3, color="black", linewidth=1.5)
    axes.axhline(1.0, color="grey", linestyle="--", linewidth=1)
    axes.set_yscale("log")
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    axes.yaxis.set_major_formatter(plain)
    axes.yaxis.set_minor_formatter(plain)
    axes.tick_params(axis="y", which="minor", labelsize=7)
    axes.set_xticks(range(len(groups)))
    axes.set_xticklabels(
        [f"{g['theorem']}\n{g['function_class']}" for g in groups], rotation=60, fontsize=7
    )
    axes.set_ylabel("bound / PEPit worst case")
    axes.set_title("How loose each bound is: blue paper, orange refined, bar median", fontsize=10)
    return figure
