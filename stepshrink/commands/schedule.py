"""The ``stepshrink schedule`` sub-command: derived stepsizes and iteration counts.

Everything is computed by :mod:`bounds.derive` from the theorems (never typed in here):
T1's optimal fixed stepsize for a budget ``K`` (C2, both regimes), the iterations ``K(eps)``
to reach an accuracy (an integer: the ceiling, at least 1) and the slowdown against full
precision, T4's admissible diminishing schedules with the ``beta`` that minimises ``nu``, and
C3's compensated stepsize; next to them what the refined statements imply
(:mod:`bounds.derive.refined`): the T1.sharp-optimal fixed stepsize, T4.sharp's ``beta``, and
C3.known_q's nominal stepsize for a known constant ``q``. A quantity that does not exist at
the given numbers (a value beyond float64's range, a compensated stepsize past its cap) is
``null`` in the JSON with a ``*_reason`` beside it, and ``none`` with the reason in the table.

With ``--from REPORT.json`` the constants come from a measured assumption report
(:mod:`stepshrink.measured`; explicit options win): the paper's ``mu*`` and ``K(eps)`` are shown
as what they are, worst-case bounds (the noise weighted by ``L``), next to the
curvature-weighted prediction from T1.matrix's constants ``M_L``, ``sigma_qL`` when they are
known; estimates outside the theorems' domains are clipped with a note; the PL rows are left
out when no PL constant ``c`` is known.
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

import numpy as np

from plumbing import strict_json
from stepshrink import defaults
from stepshrink.errors import UsageError
from stepshrink.measured import add_from_options, resolve
from stepshrink.options import (
    CONSTANT_OPTIONS,
    add_constant_options,
    add_json_option,
    check_pl_constant,
)

HELP = "Derive stepsizes: optimal fixed stepsize, admissible schedules, K(eps), slowdown."

_NAMES = ("L", "Delta", "F1_gap", "M", "M_G", "sigma_q2", "q_min", "q", "c", "epsilon", "mu")
_K_DEFAULT = 10_000
#: Curvature-weighted constants (T1.matrix): no built-in default, used only when known.
_CURVED = ("M_L", "sigma_qL")
#: What the user chooses rather than measures: defaults apply with ``--from`` too.
_CHOICES = ("epsilon", "mu", "K")
_FLAGS = {attr: flag for flag, attr, *_ in CONSTANT_OPTIONS} | {"K": "--K"}
_OVERFLOW = f"beyond float64's range (larger than {sys.float_info.max:.4g})"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink schedule``."""
    values: dict[str, float] = {n: defaults.CONSTANTS[n] for n in _NAMES}
    values["K"] = _K_DEFAULT
    del values["q"]  # the known shrinkage of C3.known_q defaults to q_min
    # the other defaults are filled in by derive_schedules, so that messages can tell what
    # was given
    add_constant_options(
        parser.add_argument_group(
            "constants (defaults: the built-in problem; with --from only epsilon, mu and K "
            "have defaults, and L and Delta must be given unless a file has them)"
        ),
        [*_NAMES, *_CURVED, "K"],
        shown_defaults=values,
    )
    add_from_options(parser)
    add_json_option(parser, "print one JSON object")


def _constants(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The constants to derive from, where each came from, and the clipping notes."""
    builtin: dict[str, Any] = {n: defaults.CONSTANTS[n] for n in _NAMES if n != "q"}
    builtin["K"] = _K_DEFAULT  # the known shrinkage q of C3.known_q defaults to q_min
    measuring = bool(getattr(args, "from_reports", None))
    fallback = {n: builtin[n] for n in _CHOICES} if measuring else builtin
    resolved = resolve(args, [*_NAMES, *_CURVED, "K"], _FLAGS, fallback)
    constants: dict[str, Any] = dict(resolved.values)
    sources, notes = dict(resolved.sources), list(resolved.notes)
    if measuring:
        needed = ("L", "Delta", "q_min", "M", "M_G", "sigma_q2")
        missing = [_FLAGS[n] for n in needed if n not in constants]
        if missing:
            raise UsageError(
                f"schedule --from: the report does not give {', '.join(missing)}; "
                "pass them as options"
            )
        if "F1_gap" not in constants and "c" in constants:  # under PL, F_inf = F_star
            constants["F1_gap"], sources["F1_gap"] = constants["Delta"], "= Delta"
    if "q" not in constants:
        constants["q"], sources["q"] = constants["q_min"], "= q_min"
    constants["K"] = int(constants["K"])
    if "c" in constants:
        check_pl_constant(
            constants["c"],
            constants["L"],
            c_given=sources["c"].startswith("--"),
            L_given=sources["L"].startswith("--"),
        )
    return constants, sources, notes


def _value(result: dict[str, Any], key: str, value: Any, reason: str = _OVERFLOW) -> None:
    """``result[key] = float(value)``, or ``None`` with ``result[key + "_reason"]``."""
    number = float(value)
    if math.isfinite(number):
        result[key] = number
    else:
        result[key] = None
        result[f"{key}_reason"] = reason


def _count(result: dict[str, Any], key: str, iterations: Any, reason: str) -> None:
    """An iteration count as an int, or ``None`` with the reason it has none."""
    number = float(iterations)
    if math.isfinite(number):
        result[key] = int(number)
    else:
        result[key] = None
        result[f"{key}_reason"] = reason


def derive_schedules(args: argparse.Namespace) -> dict[str, Any]:
    """Every derived quantity for the constants in ``args``, strict-JSON-ready.

    Raises
    ------
    UsageError
        ``c > L`` (naming which of the two the user gave).
    ValueError
        Constants outside their domains (from :mod:`bounds.derive`).
    """
    constants, sources, notes = _constants(args)
    t1 = {n: constants[n] for n in ("Delta", "L", "M", "M_G", "q_min", "sigma_q2")}
    result: dict[str, Any] = {
        "constants": constants,
        "sources": sources,
        "notes": notes,
        "fixed_stepsize": _fixed_stepsize(t1, constants["K"]),
        "iterations": _iterations(t1, constants["epsilon"]),
    }
    if all(n in constants for n in _CURVED):
        result["curvature_weighted"] = _curvature_weighted(constants)
    if "c" in constants:
        result["pl_schedule"] = _pl_schedule(constants)
    else:
        notes.append("PL rows (T4, T4.sharp) left out: no PL constant c is known (give --c)")
    result["compensation"] = _compensation(constants)
    result["refined"] = _refined(constants)
    return result


def _fixed_stepsize(t1: dict[str, Any], K: int) -> dict[str, Any]:
    """C2: the T1-optimal fixed stepsize for the budget ``K`` and T1's bound there."""
    from bounds import derive

    optimum = derive.optimal_fixed_stepsize(**t1, K=K)
    fixed: dict[str, Any] = {"K": K, "regime": optimum.regime}
    _value(fixed, "mu", optimum.mu)
    no_noise = "S = M + sigma_q2 = 0: the bound decreases in mu up to the cap"
    _value(fixed, "mu_unconstrained", optimum.mu_unconstrained, no_noise)
    _value(fixed, "cap", optimum.cap)
    _value(fixed, "bound", optimum.bound)
    return fixed


def _iterations(t1: dict[str, Any], epsilon: float) -> dict[str, Any]:
    """C2: ``K(eps)`` in whole iterations (and the real root), full precision, slowdown."""
    from bounds import derive

    count = derive.iterations_to_accuracy(**t1, epsilon=epsilon)
    full = derive.iterations_to_accuracy(**{**t1, "q_min": 1.0, "sigma_q2": 0.0}, epsilon=epsilon)
    iterations: dict[str, Any] = {
        "epsilon": epsilon,
        "regime": "capped" if bool(count.capped) else "noise-dominated",
    }
    # every epsilon > 0 is reachable (T1's floor L mu S/q_min vanishes as mu -> 0): a count
    # that does not exist is one float64 cannot hold
    too_many = f"K(eps) is {_OVERFLOW}"
    _count(iterations, "K_eps", count.iterations, too_many)
    _value(iterations, "K_eps_real", count.K, too_many)
    _count(iterations, "K_eps_full_precision", full.iterations, too_many)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        ratio = np.asarray(count.K, dtype=np.float64) / np.asarray(full.K, dtype=np.float64)
    _value(iterations, "slowdown", ratio, "one of the two iteration counts does not exist")
    return iterations


def _curvature_weighted(constants: dict[str, Any]) -> dict[str, Any]:
    """C2 with T1.matrix's constants: the noise as the curvature sees it.

    T1.matrix's bound is T1.sharp's with ``L S`` replaced by ``M_L + sigma_qL``, and is below
    T1's shape with that replacement (its descent factor is ``>= 1``); so C2 evaluated at
    ``M = M_L/L``, ``sigma_q2 = sigma_qL/L`` is a bound under matrix smoothness, with measured
    rather than worst-case weights.
    """
    from bounds.theorems import get

    weighted = {
        **{n: constants[n] for n in ("Delta", "L", "M_G", "q_min")},
        "M": constants["M_L"] / constants["L"],
        "sigma_q2": constants["sigma_qL"] / constants["L"],
    }
    result = {
        "M_L": constants["M_L"],
        "sigma_qL": constants["sigma_qL"],
        **_iterations(weighted, constants["epsilon"]),
    }
    fixed = _fixed_stepsize(weighted, constants["K"])
    result.update(mu=fixed["mu"], regime_at_K=fixed["regime"])
    if fixed["mu"] is None:
        result["bound"], result["bound_reason"] = None, fixed.get("mu_reason", "no stepsize")
        return result
    names = ("Delta", "L", "M_G", "q_min", "M_L", "sigma_qL", "K")
    matrix = get("T1.matrix").evaluate(**{n: constants[n] for n in names}, mu=fixed["mu"])
    _value(result, "bound", matrix)
    return result


def _refined(constants: dict[str, Any]) -> dict[str, Any]:
    """What the refined statements (issue 12) imply next to the paper's numbers above."""
    from bounds.derive import refined

    t1 = {n: constants[n] for n in ("Delta", "L", "M", "M_G", "q_min", "sigma_q2", "K")}
    names = ("mu", "q", "L", "M_G", "Delta", "M", "sigma_q2", "K")
    fixed = refined.sharp_fixed_stepsize(**t1)
    known = refined.known_q_compensation(**{n: constants[n] for n in names})
    sharp: dict[str, Any] = {"regime": fixed.regime}
    _value(sharp, "mu", fixed.mu)
    _value(sharp, "bound", fixed.bound)
    known_q: dict[str, Any] = {"q": constants["q"]}
    _value(known_q, "nominal_stepsize", known.nominal)
    _value(known_q, "mu_must_not_exceed", known.cap)
    _value(known_q, "bound", known.bound)
    if "c" not in constants:
        return {"T1.sharp": sharp, "C3.known_q": known_q}
    pl = refined.sharp_pl_schedule(
        **{n: constants[n] for n in ("c", "q_min", "L", "M", "M_G", "sigma_q2", "F1_gap")}
    )
    pl_sharp: dict[str, Any] = {}
    _value(pl_sharp, "beta", pl.beta)
    _value(pl_sharp, "gamma", pl.gamma, f"gamma = beta L M_G - 1 is {_OVERFLOW}")
    _value(pl_sharp, "nu", pl.nu)
    return {"T1.sharp": sharp, "T4.sharp": pl_sharp, "C3.known_q": known_q}


def _pl_schedule(constants: dict[str, Any]) -> dict[str, Any]:
    """T4: the admissible region and the ``(beta, gamma)`` minimising ``nu``."""
    from bounds import derive
    from bounds.theorems import get

    names = ("c", "q_min", "L", "M", "M_G", "sigma_q2", "F1_gap")
    best = derive.best_pl_schedule(**{n: constants[n] for n in names})
    result: dict[str, Any] = {}
    _value(result, "beta", best.beta)
    _value(result, "gamma", best.gamma, f"gamma = beta L M_G - 1 is {_OVERFLOW}")
    _value(result, "nu", best.nu)
    _value(result, "beta_must_exceed", best.slope_floor)
    result["gamma_rule"] = "gamma >= beta L M_G - 1 and gamma > 0"
    result["full_precision_beta_admissible"] = bool(best.full_precision_beta_admissible)
    if result["beta"] is None or result["gamma"] is None:
        result["bound_at_K"] = None
        result["bound_at_K_reason"] = "beta or gamma does not exist at these numbers"
        return result
    bound = get("T4").evaluate(
        **{n: constants[n] for n in names},
        beta=result["beta"],
        gamma=result["gamma"],
        k=constants["K"],
    )
    _value(result, "bound_at_K", bound)
    return result


def _compensation(constants: dict[str, Any]) -> dict[str, Any]:
    """C3: the nominal stepsize that restores the target ``mu``, and what it costs."""
    from bounds import derive, symbols

    derived = derive.compensation.symbolic()
    values = {symbols.SYMBOLS[n]: v for n, v in constants.items() if n in symbols.SYMBOLS}
    result: dict[str, Any] = {"mu": constants["mu"]}
    try:
        nominal = derive.compensated_stepsize(
            **{n: constants[n] for n in ("mu", "q_min", "L", "M_G")}
        )
        _value(result, "nominal_stepsize", nominal)
        note = ""
    except ValueError as exc:
        result["nominal_stepsize"] = None
        note = str(exc)
        result["nominal_stepsize_reason"] = note
    _value(result, "mu_must_not_exceed", derived.cap.subs(values))
    _value(result, "floor_ratio", derived.floor_ratio.subs(values))
    _value(result, "transient_ratio", derived.transient_ratio.subs(values))
    result["note"] = note
    return result


#: Rows of the table: (path into the result, label, meaning).
_ROWS = (
    (
        ("fixed_stepsize", "mu"),
        "mu* for K",
        "worst case: T1-optimal fixed stepsize for the budget K (C2, noise weighted by L)",
    ),
    (("fixed_stepsize", "regime"), "regime", "noise-dominated, or capped at 1/(L M_G)"),
    (("fixed_stepsize", "bound"), "T1 bound at mu", "worst-case bound on avg E||grad F||^2"),
    (
        ("iterations", "K_eps"),
        "K(eps)",
        "worst case: whole iterations for T1's bound to reach epsilon at the optimal mu",
    ),
    (("iterations", "K_eps_full_precision"), "K(eps), fp", "the same at q_min = 1, sigma_q2 = 0"),
    (("iterations", "slowdown"), "slowdown", "worst case: K(eps) over its full-precision value"),
    (
        ("curvature_weighted", "mu"),
        "mu, curvature",
        "prediction: C2 with T1.matrix's M_L, sigma_qL (noise as the curvature sees it)",
    ),
    (("curvature_weighted", "bound"), "T1.matrix bound", "T1.matrix's bound at that mu"),
    (("curvature_weighted", "K_eps"), "K(eps), curvature", "prediction: whole iterations"),
    (
        ("curvature_weighted", "K_eps_full_precision"),
        "K(eps), fp, curv.",
        "the same at q_min = 1, sigma_qL = 0",
    ),
    (
        ("curvature_weighted", "slowdown"),
        "slowdown, curvature",
        "prediction: (M_L + sigma_qL)/(M_L q_min^2) deep in the noise regime",
    ),
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
    """``[label, value, meaning]`` rows of the table (a missing value says why)."""
    rows = []
    for path, label, meaning in _ROWS:
        parent = result
        for key in path[:-1]:
            parent = parent.get(key, {})
        key = path[-1]
        if key not in parent:  # a section left out (no c: no PL rows)
            continue
        value = parent[key]
        if value is None:
            text = "none"
            meaning = f"{meaning}; none: {parent.get(f'{key}_reason', 'n/a')}"
        elif isinstance(value, bool):
            text = str(value).lower()
        elif isinstance(value, float):
            text = f"{value:.6g}"
        else:
            text = str(value)
        rows.append([label, text, meaning])
    return rows


def _given(result: dict[str, Any]) -> list[str]:
    """One line per source (a report, the options, derived): ``name = value, ...``."""
    constants, sources = result["constants"], result["sources"]
    grouped: dict[str, list[str]] = {}
    for name, source in sources.items():
        if source == "default":
            continue
        if source.startswith("--"):
            key, text = "given", f"{name} = {constants[name]:.6g}"
        elif source.startswith("= "):
            key, text = "taken as", f"{name} {source}"
        else:
            key, text = f"from {source}", f"{name} = {constants[name]:.6g}"
        grouped.setdefault(key, []).append(text)
    return [f"{key}: {', '.join(texts)}" for key, texts in grouped.items()]


def run(args: argparse.Namespace) -> int:
    """Run ``stepshrink schedule``; return the exit status."""
    result = derive_schedules(args)
    if args.json:
        print(strict_json.dumps(result))
        return 0
    if args.from_reports:
        for line in _given(result):
            print(f"constants {line}")
    for line in result["notes"]:
        print(f"note: {line}")
    rows = schedule_rows(result)
    note = result["compensation"]["note"]
    if note:
        rows.append(["C3 note", "", note])
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for label, value, meaning in rows:
        print(f"{label:<{widths[0]}}  {value:>{widths[1]}}  {meaning}")
    return 0
