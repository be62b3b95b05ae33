"""The ``stepshrink schedule`` sub-command: derived stepsizes and iteration counts.

Everything is computed by :mod:`bounds.derive` from the theorems (never typed in here):
T1's optimal fixed stepsize for a budget ``K`` (C2, both regimes), the iterations ``K(eps)``
to reach an accuracy and the slowdown against full precision, T4's admissible diminishing
schedules with the ``beta`` that minimises ``nu``, and C3's compensated stepsize; next to them
what the refined statements imply (:mod:`bounds.derive.refined`): the T1.sharp-optimal fixed
stepsize, T4.sharp's ``beta``, and C3.known_q's nominal stepsize for a known constant ``q``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
from typing import Any

from stepshrink import defaults
from stepshrink.errors import NotBuiltError, UsageError
from stepshrink.options import add_constant_options

HELP = "Derive stepsizes: optimal fixed stepsize, admissible schedules, K(eps), slowdown."

_NAMES = ("L", "Delta", "F1_gap", "M", "M_G", "sigma_q2", "q_min", "q", "c", "epsilon", "mu")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink schedule``."""
    values: dict[str, float] = {n: defaults.CONSTANTS[n] for n in _NAMES}
    values["K"] = 10_000
    del values["q"]  # the known shrinkage of C3.known_q defaults to q_min
    add_constant_options(
        parser.add_argument_group("constants (defaults: the built-in problem)"),
        [*_NAMES, "K"],
        values,
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _derive(module: str, *names: str) -> Any:
    """A ``bounds.derive`` module, or a one-line 'not built yet' naming what is missing."""
    try:
        loaded = importlib.import_module(f"bounds.derive.{module}")
    except ImportError:
        raise NotBuiltError(f"bounds.derive.{module} has not landed") from None
    absent = [name for name in names if not hasattr(loaded, name)]
    if absent:
        raise NotBuiltError(f"bounds.derive.{module} does not define {', '.join(absent)}")
    return loaded


def _float(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def derive_schedules(args: argparse.Namespace) -> dict[str, Any]:
    """Every derived quantity for the constants in ``args``, JSON-ready.

    Raises
    ------
    NotBuiltError
        A part of :mod:`bounds.derive` this needs has not landed.
    ValueError
        Constants outside their domains (from :mod:`bounds.derive`).
    """
    fixed = _derive(
        "fixed_stepsize", "optimal_fixed_stepsize", "iterations_to_accuracy", "slowdown"
    )
    constants = {name: getattr(args, name) for name in (*_NAMES, "K")}
    if constants["q"] is None:
        constants["q"] = constants["q_min"]
    t1 = {n: constants[n] for n in ("Delta", "L", "M", "M_G", "q_min", "sigma_q2")}
    optimum = fixed.optimal_fixed_stepsize(**t1, K=constants["K"])
    count = fixed.iterations_to_accuracy(**t1, epsilon=constants["epsilon"])
    full = fixed.iterations_to_accuracy(
        **{**t1, "q_min": 1.0, "sigma_q2": 0.0}, epsilon=constants["epsilon"]
    )
    result: dict[str, Any] = {
        "constants": constants,
        "fixed_stepsize": {
            "K": constants["K"],
            "mu": _float(optimum.mu),
            "mu_unconstrained": _float(optimum.mu_unconstrained),
            "cap": _float(optimum.cap),
            "regime": optimum.regime,
            "bound": _float(optimum.bound),
        },
        "iterations": {
            "epsilon": constants["epsilon"],
            "K_eps": _float(count.K),
            "regime": "capped" if bool(count.capped) else "noise-dominated",
            "K_eps_full_precision": _float(full.K),
            "slowdown": _float(fixed.slowdown(**t1, epsilon=constants["epsilon"])),
        },
        "pl_schedule": _pl_schedule(constants),
        "compensation": _compensation(constants),
        "refined": _refined(constants),
    }
    return result


def _refined(constants: dict[str, Any]) -> dict[str, Any]:
    """What the refined statements (issue 12) imply next to the paper's numbers above."""
    refined = _derive(
        "refined", "sharp_fixed_stepsize", "sharp_pl_schedule", "known_q_compensation"
    )
    t1 = {n: constants[n] for n in ("Delta", "L", "M", "M_G", "q_min", "sigma_q2", "K")}
    fixed = refined.sharp_fixed_stepsize(**t1)
    pl = refined.sharp_pl_schedule(
        **{n: constants[n] for n in ("c", "q_min", "L", "M", "M_G", "sigma_q2", "F1_gap")}
    )
    names = ("mu", "q", "L", "M_G", "Delta", "M", "sigma_q2", "K")
    known = refined.known_q_compensation(**{n: constants[n] for n in names})
    return {
        "T1.sharp": {
            "mu": _float(fixed.mu),
            "regime": fixed.regime,
            "bound": _float(fixed.bound),
        },
        "T4.sharp": {"beta": _float(pl.beta), "gamma": _float(pl.gamma), "nu": _float(pl.nu)},
        "C3.known_q": {
            "q": constants["q"],
            "nominal_stepsize": _float(known.nominal),
            "mu_must_not_exceed": _float(known.cap),
            "bound": _float(known.bound),
        },
    }


def _pl_schedule(constants: dict[str, Any]) -> dict[str, Any]:
    """T4: the admissible region and the ``(beta, gamma)`` minimising ``nu``."""
    from bounds.theorems import get

    pl = _derive("pl_schedule", "best_pl_schedule")
    names = ("c", "q_min", "L", "M", "M_G", "sigma_q2", "F1_gap")
    if constants["c"] > constants["L"]:
        raise UsageError("--c must be <= --L (A5: the PL constant is at most the smoothness)")
    best = pl.best_pl_schedule(**{n: constants[n] for n in names})
    beta, gamma = float(best.beta), float(best.gamma)
    bound = get("T4").evaluate(
        **{n: constants[n] for n in names}, beta=beta, gamma=gamma, k=constants["K"]
    )
    return {
        "beta": beta,
        "gamma": gamma,
        "nu": _float(best.nu),
        "beta_must_exceed": _float(best.slope_floor),
        "gamma_rule": "gamma >= beta L M_G - 1 and gamma > 0",
        "full_precision_beta_admissible": bool(best.full_precision_beta_admissible),
        "bound_at_K": _float(bound),
    }


def _compensation(constants: dict[str, Any]) -> dict[str, Any]:
    """C3: the nominal stepsize that restores the target ``mu``, and what it costs."""
    from bounds import symbols

    c3 = _derive("compensation", "compensated_stepsize", "symbolic")
    given = {n: constants[n] for n in ("mu", "q_min", "L", "M_G")}
    derived = c3.symbolic()
    values = {symbols.SYMBOLS[n]: v for n, v in constants.items() if n in symbols.SYMBOLS}
    cap = _float(derived.cap.subs(values))
    try:
        nominal: float | None = _float(c3.compensated_stepsize(**given))
        note = ""
    except ValueError as exc:
        nominal, note = None, str(exc)
    return {
        "mu": constants["mu"],
        "nominal_stepsize": nominal,
        "mu_must_not_exceed": cap,
        "floor_ratio": _float(derived.floor_ratio.subs(values)),
        "transient_ratio": _float(derived.transient_ratio.subs(values)),
        "note": note,
    }


#: Rows of the table: (path into the result, label, meaning).
_ROWS = (
    (("fixed_stepsize", "mu"), "mu for K", "T1-optimal fixed stepsize for the budget K (C2)"),
    (("fixed_stepsize", "regime"), "regime", "noise-dominated, or capped at 1/(L M_G)"),
    (("fixed_stepsize", "bound"), "T1 bound at mu", "bound on the average E||grad F||^2"),
    (("iterations", "K_eps"), "K(eps)", "iterations to reach epsilon with the optimal mu"),
    (("iterations", "K_eps_full_precision"), "K(eps), fp", "the same at q_min = 1, sigma_q2 = 0"),
    (("iterations", "slowdown"), "slowdown", "K(eps) over its full-precision value"),
    (("pl_schedule", "beta"), "T4 beta", "beta minimising nu (T4), = 2/(c q_min)"),
    (("pl_schedule", "gamma"), "T4 gamma", "least gamma with beta/(gamma+1) <= 1/(L M_G)"),
    (("pl_schedule", "beta_must_exceed"), "T4 beta floor", "T4 needs beta > 1/(c q_min)"),
    (("pl_schedule", "nu"), "T4 nu", "E[F(x_k) - F*] <= nu/(gamma + k)"),
    (("pl_schedule", "bound_at_K"), "T4 bound at K", "nu/(gamma + K)"),
    (
        ("pl_schedule", "full_precision_beta_admissible"),
        "fp beta 2/c ok",
        "whether the full-precision beta still meets the slope condition",
    ),
    (("compensation", "nominal_stepsize"), "C3 nominal mu", "mu/q_min restores the step mu"),
    (("compensation", "mu_must_not_exceed"), "C3 mu cap", "compensation needs mu <= q_min/(L M_G)"),
    (("compensation", "floor_ratio"), "C3 floor ratio", "compensated floor over uncompensated"),
    (("refined", "T1.sharp", "mu"), "T1.sharp mu", "T1.sharp-optimal fixed stepsize for K"),
    (("refined", "T1.sharp", "bound"), "T1.sharp bound", "T1.sharp's bound at that mu"),
    (
        ("refined", "T4.sharp", "beta"),
        "T4.sharp beta",
        "minimises nu's noise branch, 2/(c q_min (2 - q_min))",
    ),
    (
        ("refined", "T4.sharp", "gamma"),
        "T4.sharp gamma",
        "least gamma with beta/(gamma+1) <= 1/(L M_G)",
    ),
    (("refined", "T4.sharp", "nu"), "T4.sharp nu", "E[F(x_k) - F*] <= nu/(gamma + k)"),
    (
        ("refined", "C3.known_q", "nominal_stepsize"),
        "C3.known_q mu/q",
        "nominal step for a known q",
    ),
    (
        ("refined", "C3.known_q", "mu_must_not_exceed"),
        "C3.known_q cap",
        "known q needs only mu <= 1/(L M_G)",
    ),
    (("refined", "C3.known_q", "bound"), "C3.known_q bound", "C3.known_q's bound at mu and K"),
)


def schedule_rows(result: dict[str, Any]) -> list[list[str]]:
    """``[label, value, meaning]`` rows of the table."""
    rows = []
    for path, label, meaning in _ROWS:
        if path[0] in result:
            value = result
            for key in path:
                value = value[key]
            text = f"{value:.6g}" if isinstance(value, float) else str(value).lower()
            rows.append([label, "none" if value is None else text, meaning])
    return rows


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink schedule``; return the exit status."""
    result = derive_schedules(args)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    rows = schedule_rows(result)
    note = result["compensation"]["note"]
    if note:
        rows.append(["C3 note", "", note])
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for label, value, meaning in rows:
        print(f"{label:<{widths[0]}}  {value:>{widths[1]}}  {meaning}")
    return 0
