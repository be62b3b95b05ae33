"""Bound plots: a theorem's bound against the iteration count, its floor against the stepsize,
and the iteration count ``K(eps)`` over ``(q_min, sigma_q2)``.

Theory only: the values come from :mod:`bounds.theorems` and :mod:`bounds.derive` (never from
``simulate``). Each function evaluates the theory on NumPy grids (the statements evaluate
vectorized) and draws it; the drawing itself lives in ``_draw_*`` functions that take plain
arrays, so what is plotted is exactly what the theory returned.

Figures are :class:`matplotlib.figure.Figure` objects built without ``pyplot``: nothing global
to close, no backend to select; :func:`plumbing.figures.save_figure` writes them (PNG, SVG or
PDF by the file extension, atomically).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import sympy as sp
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from bounds import symbols as sy
from bounds.numeric import evaluate
from bounds.statement import Statement
from plumbing import validate
from plumbing.figures import PLOTTABLE_MAX, log_limits, plottable, save_figure

__all__ = [
    "bound_vs_iterations",
    "floor_value",
    "floor_vs_stepsize",
    "iterations_heatmap",
]

FloatArray = NDArray[np.float64]


def _colors(count: int) -> list[tuple[float, float, float, float]]:
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    return [cmap(x) for x in np.linspace(0.0, 0.85, max(count, 1))]


def _draw_bound_vs_iterations(
    k: FloatArray,
    curves: Mapping[str, tuple[FloatArray, float | None]],
    *,
    horizon: str,
    ylabel: str,
    title: str,
) -> Figure:
    """Curves ``label -> (values over k, floor or None)`` on log-log axes, floors dashed."""
    figure = Figure(figsize=(8.0, 4.5), layout="constrained")
    axes = figure.add_subplot()
    axes.set_xscale("log")
    axes.set_yscale("log")
    floors = [f for _, f in curves.values() if f is not None]
    bottom, top = log_limits(*(values for values, _ in curves.values()), floors)
    axes.set_ylim(bottom, top)
    axes.set_xlim(float(k[0]), float(k[-1]))
    floors_drawn = False
    for color, (label, (values, floor)) in zip(_colors(len(curves)), curves.items(), strict=True):
        axes.plot(k, plottable(values), color=color, linewidth=1.8, label=label)
        # a floor off the axes gets no line and no label (a label far outside would squeeze
        # the axes to nothing)
        if floor is not None and bottom <= floor <= top:
            floors_drawn = True
            axes.axhline(floor, color=color, linestyle="--", linewidth=1.0)
            # label the floor at the right edge, where the curve approaches it
            axes.annotate(
                f"floor {floor:.3g}",
                xy=(1.0, floor),
                xycoords=("axes fraction", "data"),
                xytext=(-4, 3),
                textcoords="offset points",
                ha="right",
                va="bottom",
                fontsize="x-small",
                color=color,
            )
    axes.set_xlabel(f"iterations ${horizon}$")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    figure.legend(
        loc="outside right upper",
        fontsize="small",
        title=f"dashed: floor\nas {horizon} → ∞" if floors_drawn else None,
        title_fontsize="small",
    )
    return figure


def _draw_floor_vs_stepsize(
    mu: FloatArray,
    floors: Mapping[str, FloatArray],
    *,
    mu_max: float | None,
    ylabel: str,
    title: str,
) -> Figure:
    """Floors ``label -> values over mu`` on log-log axes; the stepsize cap shaded beyond."""
    figure = Figure(figsize=(7.0, 4.5), layout="constrained")
    axes = figure.add_subplot()
    for color, (label, values) in zip(_colors(len(floors)), floors.items(), strict=True):
        axes.plot(mu, plottable(values), color=color, linewidth=1.8, label=label)
    if mu_max is not None:
        axes.axvspan(
            mu_max,
            float(mu[-1]) * 1.05,
            color="tab:red",
            alpha=0.12,
            label=r"$\mu > 1/(L M_G)$: hypothesis fails",
        )
        axes.axvline(mu_max, color="tab:red", linewidth=1.0)
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_ylim(*log_limits(*floors.values()))
    axes.set_xlim(float(mu[0]), float(mu[-1]) * 1.05)
    axes.set_xlabel(r"nominal stepsize $\mu$")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend(loc="upper left", fontsize="small")
    return figure


def _draw_iteration_heatmap(
    q_min: FloatArray,
    sigma_q2: FloatArray,
    iterations: FloatArray,
    *,
    title: str,
) -> Figure:
    """``iterations[i, j]`` at ``(q_min[j], sigma_q2[i])`` as a log-colour map with contours."""
    figure = Figure(figsize=(7.0, 5.0), layout="constrained")
    axes = figure.add_subplot()
    # the scale first: contour labels are placed in the axes' coordinates at clabel time, and
    # switching to a log axis afterwards moves the lines away from their labels
    if np.all(sigma_q2 > 0):
        axes.set_yscale("log")
    finite = iterations[np.isfinite(iterations) & (iterations > 0)]
    low, high = float(finite.min()), float(finite.max())
    # iteration counts are integers >= 1; a map where every cell needs the same count still
    # gets a colour bar around that count
    norm = LogNorm(vmin=low, vmax=high) if high > low else LogNorm(vmin=low, vmax=10 * low)
    mesh = axes.pcolormesh(q_min, sigma_q2, iterations, norm=norm, cmap="magma_r", shading="auto")
    colorbar = figure.colorbar(mesh, ax=axes)
    colorbar.set_label(r"iterations $K(\varepsilon)$ to reach $\varepsilon$ (integer, $\geq 1$)")
    decades = np.arange(np.ceil(np.log10(low)), np.floor(np.log10(high)) + 1)
    # a contour needs values on both sides of its level
    decades = decades[(10.0**decades > low) & (10.0**decades < high)]
    if decades.size:
        levels = 10.0**decades
        contours = axes.contour(
            q_min, sigma_q2, iterations, levels=levels, colors="white", linewidths=0.8
        )
        axes.clabel(
            contours, inline=True, fmt=lambda v: f"$10^{{{np.log10(v):.0f}}}$", fontsize="x-small"
        )
    axes.set_xlabel(r"shrinkage lower bound $q_{\min}$")
    axes.set_ylabel(r"quantization-noise second moment $\sigma_q^2$ (squared gradient units)")
    axes.set_title(title)
    return figure


def _grid(values: ArrayLike, name: str, *, low: float, high: float | None = None) -> FloatArray:
    """A 1-D grid of finite values in ``(low, high]``, at least two of them."""
    grid = np.asarray(values, dtype=np.float64)
    if grid.ndim != 1 or grid.size < 1:
        raise ValueError(f"{name} must be a non-empty 1-D sequence, got shape {grid.shape}")
    if not np.all(np.isfinite(grid)) or np.any(grid <= low):
        raise ValueError(f"{name} must hold finite values > {low:g}")
    if high is not None and np.any(grid > high):
        raise ValueError(f"{name} must hold values <= {high:g}")
    return grid


def floor_value(statement: Statement, constants: Mapping[str, float]) -> float | None:
    """The statement's floor (limit of the bound as its horizon grows) at these numbers.

    Returns ``None`` when the statement has no floor (per-step lemmas), when it sums over a
    stepsize sequence (the floor is then a series), or when ``constants`` do not fix it.
    """
    floor = statement.floor
    if floor is None or statement.uses_sequence:
        return None
    given = sy.complete(dict(constants))
    number = floor.subs({sy.SYMBOLS[n]: v for n, v in given.items() if n in sy.SYMBOLS})
    if number.free_symbols:
        return None
    return float(number)


def _quantity_label(statement: Statement) -> str:
    """The bounded quantity as matplotlib mathtext, or as plain text if mathtext cannot parse it.

    The statements' LaTeX is written for real LaTeX; mathtext knows a subset (no ``\\le``).
    """
    from matplotlib.mathtext import MathTextParser

    latex = re.sub(r"\\(le|ge)(?![A-Za-z])", r"\\\1q", statement.quantity_latex)
    text = f"${latex}$"
    try:
        MathTextParser("path").parse(text)
    except ValueError:
        return statement.quantity_text
    return text


def shrinkage_name(statement: Statement) -> str:
    """The shrinkage constant the curves vary: ``"q"`` for a statement with a known constant
    shrinkage (T3.known_q, C3.known_q), ``"q_min"`` otherwise."""
    return "q" if "q" in statement.constants and "q_min" not in statement.constants else "q_min"


def _horizon(statement: Statement) -> str:
    if statement.horizon is None:
        raise ValueError(f"statement must have a horizon (K or k); {statement.id} has none")
    return str(statement.horizon)


def bound_vs_iterations(
    statement: Statement,
    constants: Mapping[str, float],
    q_mins: Sequence[float],
    *,
    horizon_max: int = 100_000,
    points: int = 200,
    path: str | Path | None = None,
) -> Figure:
    """A theorem's bound against its horizon (``K`` or ``k``) for several ``q_min``.

    Parameters
    ----------
    statement : Statement
        A theorem with a horizon (T1-T4, or a refined one: T1.sharp, T3.matrix, ...).
    constants : mapping of str to float
        Every constant the statement needs except ``q_min`` and the horizon (keyword names of
        :data:`bounds.symbols.SYMBOLS`; T2/T4 take ``beta, gamma``).
    q_mins : sequence of float
        Shrinkage lower bounds, each in ``(0, 1]``; one curve each (for a statement with a
        known constant shrinkage, T3.known_q, the values of ``q``).
    horizon_max : int
        Largest horizon plotted (iterations), ``>= 2``.
    points : int
        Horizon values, log-spaced and rounded to integers (duplicates dropped), ``>= 2``.
    path : str or Path, optional
        Also save the figure there (PNG, SVG or PDF by extension).

    Returns
    -------
    Figure
        Log-log curves in the units of the bounded quantity, each floor dashed and labelled.

    Raises
    ------
    ValueError
        Bad arguments, or constants that break the statement's hypotheses (naming it).
    """
    horizon = _horizon(statement)
    qs = _grid(q_mins, "q_mins", low=0.0, high=1.0)
    horizon_max = validate.integer("horizon_max", horizon_max, minimum=2)
    points = validate.integer("points", points, minimum=2)
    # float64 integers: a horizon beyond int64 (1e20) is still a number the bound can take
    steps = np.unique(np.round(np.geomspace(1.0, float(horizon_max), points)))
    shrinkage = shrinkage_name(statement)
    base = {n: v for n, v in constants.items() if n not in ("q_min", "q", horizon)}
    curves: dict[str, tuple[FloatArray, float | None]] = {}
    for q in qs:
        given: dict[str, Any] = {**base, shrinkage: float(q)}
        arguments: dict[str, Any] = {**given, horizon: steps}
        values = np.asarray(statement.evaluate(**arguments), dtype=np.float64)
        curves[_shrinkage_label(shrinkage, q)] = (values, floor_value(statement, given))
    _require_plottable((values for values, _ in curves.values()), f"{statement.id}'s bound")
    return _finish(
        _draw_bound_vs_iterations(
            steps,
            curves,
            horizon=horizon,
            ylabel=f"bound on {_quantity_label(statement)}",
            title=f"{statement.id}: {statement.title}",
        ),
        path,
    )


def _shrinkage_label(shrinkage: str, value: float) -> str:
    return rf"$q = {value:g}$" if shrinkage == "q" else rf"$q_{{\min}} = {value:g}$"


def _require_plottable(curves: Any, what: str) -> None:
    """Refuse a figure that would be empty: no value of any curve fits on a log axis."""
    if not any(np.any((c > 0) & (c <= PLOTTABLE_MAX)) for c in curves):
        raise ValueError(
            f"{what} is not in (0, {PLOTTABLE_MAX:g}] anywhere on the plot at these constants: "
            "nothing to draw on a log axis"
        )


def _stepsize_cap(statement: Statement, constants: Mapping[str, float]) -> float | None:
    """The largest ``mu`` the stepsize conditions of the form ``mu <= cap`` allow, if any."""
    given = sy.complete(dict(constants))
    values = {sy.SYMBOLS[n]: v for n, v in given.items() if n in sy.SYMBOLS}
    caps = []
    for hypothesis in statement.stepsize_conditions:
        relation = hypothesis.relation
        if isinstance(relation, sp.LessThan) and relation.lhs == sy.mu:
            cap = relation.rhs.subs(values)
            if not cap.free_symbols:
                caps.append(float(cap))
    return min(caps) if caps else None


def floor_vs_stepsize(
    statement: Statement,
    constants: Mapping[str, float],
    q_mins: Sequence[float],
    *,
    mus: ArrayLike | None = None,
    path: str | Path | None = None,
) -> Figure:
    """A fixed-stepsize theorem's floor against the stepsize ``mu``, for several ``q_min``.

    Parameters
    ----------
    statement : Statement
        A theorem with a fixed stepsize ``mu`` and a floor (T1, T3, C3 and their refined
        versions).
    constants : mapping of str to float
        The constants the floor involves, except ``mu`` and ``q_min``.
    q_mins : sequence of float
        One curve each, in ``(0, 1]`` (``q`` for T3.known_q and C3.known_q).
    mus : array_like, optional
        Stepsizes (``> 0``); default 200 log-spaced values up to twice the stepsize cap.
    path : str or Path, optional
        Also save the figure there.

    Returns
    -------
    Figure
        The floor (units of the bounded quantity) on log-log axes, stepsizes past the
        theorem's stepsize condition shaded.
    """
    if "mu" not in statement.constants or statement.uses_sequence:
        raise ValueError(f"statement must have a fixed stepsize mu; {statement.id} has not")
    qs = _grid(q_mins, "q_mins", low=0.0, high=1.0)
    shrinkage = shrinkage_name(statement)
    base = {n: v for n, v in constants.items() if n not in ("mu", "q_min", "q")}
    cap = _stepsize_cap(statement, base)
    if mus is None:
        top = min(2.0 * cap, PLOTTABLE_MAX) if cap is not None else 1.0
        mu = np.geomspace(top * 1e-4, top, 200)
    else:
        mu = _grid(mus, "mus", low=0.0)
    floors: dict[str, FloatArray] = {}
    for q in qs:
        floor = statement.floor
        if floor is None:
            raise ValueError(f"statement must have a floor; {statement.id} has none")
        given = sy.complete({**base, shrinkage: float(q)})
        values = {sy.SYMBOLS[n]: v for n, v in given.items() if n in sy.SYMBOLS}
        missing = sorted(s.name for s in floor.free_symbols - set(values) - {sy.mu})
        if missing:
            raise ValueError(f"constants must give {', '.join(missing)} for {statement.id}")
        # past the cap a refined floor has a pole (2 - L mu M_G q_min = 0): shaded, not a bound
        with np.errstate(divide="ignore", invalid="ignore"):
            floor_values = evaluate(floor, {**values, sy.mu: mu})
        floors[_shrinkage_label(shrinkage, q)] = np.broadcast_to(floor_values, mu.shape)
    _require_plottable(floors.values(), f"{statement.id}'s floor")
    return _finish(
        _draw_floor_vs_stepsize(
            mu,
            floors,
            mu_max=cap if cap is not None and cap < mu[-1] else None,
            ylabel=f"floor of {_quantity_label(statement)} as ${statement.horizon} \\to \\infty$",
            title=f"{statement.id}: error floor against the stepsize",
        ),
        path,
    )


def _finish(figure: Figure, path: str | Path | None) -> Figure:
    if path is not None:
        save_figure(figure, path)
    return figure


def iterations_heatmap(
    constants: Mapping[str, float],
    q_mins: ArrayLike,
    sigma_q2s: ArrayLike,
    *,
    epsilon: float,
    path: str | Path | None = None,
) -> Figure:
    """Iterations ``K(eps)`` for T1's optimal stepsize to reach ``eps``, over ``(q_min, sigma_q2)``.

    The counts are :func:`bounds.derive.iterations_to_accuracy` (C2 in both regimes), as
    integers (the ceiling, at least 1): in the noise-dominated regime
    ``K(eps) = 8 Delta L S/(q_min² eps²)`` with ``S = M + sigma_q2``; where the optimal stepsize
    is capped at ``1/(L M_G)`` the capped bound is inverted instead. The boundary between the
    regimes is drawn dashed; cells where ``eps`` cannot be reached, or whose count is beyond
    :data:`PLOTTABLE_MAX`, are left grey.

    Parameters
    ----------
    constants : mapping of str to float
        ``L``, ``Delta``, ``M`` and ``M_G``.
    q_mins : array_like, shape (m,)
        Shrinkage lower bounds, in ``(0, 1]``.
    sigma_q2s : array_like, shape (n,)
        Quantization-noise second moments (squared gradient units), in
        ``(0, PLOTTABLE_MAX]``.
    epsilon : float
        Target for the average ``E‖∇F‖²`` (squared gradient units), ``> 0``.
    path : str or Path, optional
        Also save the figure there.

    Returns
    -------
    Figure
        Log-colour map of ``K(eps)`` with a contour per decade.
    """
    from bounds.derive import iterations_to_accuracy

    qs = _grid(q_mins, "q_mins", low=0.0, high=1.0)
    sigmas = _grid(sigma_q2s, "sigma_q2s", low=0.0, high=PLOTTABLE_MAX)
    if not (np.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be finite and > 0, got {epsilon!r}")
    needed = ("L", "Delta", "M", "M_G")
    missing = [name for name in needed if name not in constants]
    if missing:
        raise ValueError(f"constants must give {', '.join(missing)}")
    values = {n: float(constants[n]) for n in needed}
    count = iterations_to_accuracy(
        **values, q_min=qs[None, :], sigma_q2=sigmas[:, None], epsilon=float(epsilon)
    )
    plottable = np.isfinite(count.iterations) & (count.iterations <= PLOTTABLE_MAX)
    iterations = np.where(plottable, count.iterations, np.nan)
    if not np.isfinite(iterations).any():
        raise ValueError(
            "epsilon must be reachable somewhere on the grid, in at most "
            f"{PLOTTABLE_MAX:g} iterations; it is nowhere"
        )
    figure = _draw_iteration_heatmap(
        qs,
        sigmas,
        iterations,
        title=rf"C2: iterations to reach $\varepsilon = {epsilon:g}$ "
        rf"($L={values['L']:g}$, $\Delta={values['Delta']:g}$, $M={values['M']:g}$)",
    )
    axes = figure.axes[0]
    capped = np.asarray(count.capped, dtype=np.float64)
    if 0.0 < capped.mean() < 1.0:
        axes.contour(qs, sigmas, capped, levels=[0.5], colors="cyan", linestyles="--")
        axes.set_xlabel(
            axes.get_xlabel() + "\n"
            r"dashed: regime boundary; below it $\mu^\star$ is capped at $1/(L M_G)$"
        )
    if np.isnan(iterations).any():
        axes.set_facecolor("0.82")
    return _finish(figure, path)
