"""The ``stepshrink schedule`` sub-command: derived stepsizes and iteration counts.

Everything is computed by :mod:`bounds.derive` from the theorems (never typed in here):
T1's optimal fixed stepsize for a budget ``K`` (C2, both regimes), the iterations ``K(eps)``
to reach an accuracy and the slowdown against full precision, T4's admissible diminishing
schedules with the ``beta`` that minimises ``nu``, and C3's compensated stepsize; next to them
what the refined statements imply (:mod:`bounds.derive.refined`): the T1.sharp-optimal fixed
stepsize, T4.sharp's ``beta``, and C3.known_q's nominal stepsize for a known constant ``q``.

With ``--from REPORT.json`` the constants come from a measured assumption report
(:mod:`stepshrink.measured`; explicit options win): the paper's ``mu*`` and ``K(eps)`` are shown
as what they are, worst-case bounds (the noise weighted by ``L``), next to the
curvature-weighted prediction from T1.matrix's constants ``M_L``, ``sigma_qL`` when the report
has them; estimates outside the theorems' domains are clipped with a note; the PL rows are
left out when no PL constant ``c`` is known.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
from typing import Any

from stepshrink import defaults
from stepshrink.errors import NotBuiltError, UsageError
from stepshrink.measured import add_from_options, resolve
from stepshrink.options import CONSTANT_OPTIONS, add_constant_options

HELP = "Derive stepsizes: optimal fixed stepsize, admissible schedules, K(eps), slowdown."

_NAMES = ("L", "Delta", "F1_gap", "M", "M_G", "sigma_q2", "q_min", "q", "c", "epsilon", "mu")
#: Curvature-weighted constants (T1.matrix): no built-in default, shown only when known.
_CURVED = ("M_L", "sigma_qL")
#: What the user chooses rather than measures: defaults apply with ``--from`` too.
_CHOICES = ("epsilon", "mu", "K")
_FLAGS = {attr: flag for flag, attr, *_ in CONSTANT_OPTIONS} | {"K": "--K"}


def _builtin() -> dict[str, float]:
    values: dict[str, float] = {n: defaults.CONSTANTS[n] for n in _NAMES if n != "q"}
    values["K"] = 10_000  # the known shrinkage q of C3.known_q defaults to q_min
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Register the options of ``stepshrink schedule``."""
    add_constant_options(
        parser.add_argument_group(
            "constants (defaults: the built-in problem; with --from only epsilon, mu and K "
            "have defaults, L and Delta must be given unless the report has them)"
        ),
        [*_NAMES, *_CURVED, "K"],
        _builtin(),
    )
    # the defaults above are for --help; None marks an option that was not given
    parser.set_defaults(**dict.fromkeys([*_NAMES, *_CURVED, "K"]))
    add_from_options(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _constants(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The constants to derive from, where each came from, and the clipping notes."""
    builtin = _builtin()
    measuring = bool(getattr(args, "from_reports", None))
    fallback = {n: builtin[n] for n in _CHOICES} if measuring else builtin
    resolved = resolve(args, [*_NAMES, *_CURVED, "K"], _FLAGS, fallback)
    values: dict[str, Any] = dict(resolved.values)
    sources, notes = dict(resolved.sources), list(resolved.notes)
    if measuring:
        missing = [
            _FLAGS[n] for n in ("L", "Delta", "q_min", "M", "M_G", "sigma_q2") if n not in values
        ]
        if missing:
            raise UsageError(
                f"schedule --from: the report does not give {', '.join(missing)}; "
                "pass them as options"
            )
        if (
            "F1_gap" not in values and "c" in values
        ):  # under PL, F_inf = F_star, so the two gaps agree
            values["F1_gap"], sources["F1_gap"] = values["Delta"], "= Delta"
    if "q" not in values:
        values["q"], sources["q"] = values["q_min"], "= q_min"
    values["K"] = int(values["K"])
    return values, sources, notes


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
    constants, sources, notes = _constants(args)
    t1 = {n: constants[n] for n in ("Delta", "L", "M", "M_G", "q_min", "sigma_q2")}
    result: dict[str, Any] = {
        "constants": constants,
        "sources": sources,
        "notes": notes,
        "fixed_stepsize": _fixed_stepsize(t1, constants["K"]),
        "iterations": _iterations(t1, constants["epsilon"]),
    }
    if "M_L" in constants and "sigma_qL" in constants:
        result["curvature_weighted"] = _curvature_weighted(constants)
    if "c" in constants:
        result["pl_schedule"] = _pl_schedule(constants)
    else:
        notes.append("PL rows (T4, T4.sharp) left out: no PL constant c is known (give --c)")
    result["compensation"] = _compensation(constants)
    result["refined"] = _refined(constants)
    return result


def _count(value: Any) -> int | None:
    """An integer iteration count for JSON (``None`` where ``epsilon`` is never reached)."""
    number = float(value)
    return int(number) if math.isfinite(number) else None


def _fixed_stepsize(t1: dict[str, Any], K: int) -> dict[str, Any]:
    """C2: the T1-optimal fixed stepsize for the budget ``K`` and T1's bound there."""
    fixed = _derive("fixed_stepsize", "optimal_fixed_stepsize")
    optimum = fixed.optimal_fixed_stepsize(**t1, K=K)
    return {
        "K": K,
        "mu": _float(optimum.mu),
        "mu_unconstrained": _float(optimum.mu_unconstrained),
        "cap": _float(optimum.cap),
        "regime": optimum.regime,
        "bound": _float(optimum.bound),
    }


def _iterations(t1: dict[str, Any], epsilon: float) -> dict[str, Any]:
    """C2: ``K(eps)`` as whole iterations (and the real root), full precision, slowdown."""
    fixed = _derive("fixed_stepsize", "iterations_to_accuracy", "slowdown")
    count = fixed.iterations_to_accuracy(**t1, epsilon=epsilon)
    full = fixed.iterations_to_accuracy(**{**t1, "q_min": 1.0, "sigma_q2": 0.0}, epsilon=epsilon)
    return {
        "epsilon": epsilon,
        "K_eps": _count(count.K),
        "K_eps_real": _float(count.K_real),
        "regime": "capped" if bool(count.capped) else "noise-dominated",
        "K_eps_full_precision": _count(full.K),
        "slowdown": _float(fixed.slowdown(**t1, epsilon=epsilon)),
    }


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
    names = ("Delta", "L", "M_G", "q_min", "M_L", "sigma_qL", "K")
    matrix = get("T1.matrix").evaluate(**{n: constants[n] for n in names}, mu=fixed["mu"])
    result.update(mu=fixed["mu"], regime_at_K=fixed["regime"], bound=_float(matrix))
    return result


def _refined(constants: dict[str, Any]) -> dict[str, Any]:
    """What the refined statements (issue 12) imply next to the paper's numbers above."""
    refined = _derive(
        "refined", "sharp_fixed_stepsize", "sharp_pl_schedule", "known_q_compensation"
    )
    t1 = {n: constants[n] for n in ("Delta", "L", "M", "M_G", "q_min", "sigma_q2", "K")}
    fixed = refined.sharp_fixed_stepsize(**t1)
    names = ("mu", "q", "L", "M_G", "Delta", "M", "sigma_q2", "K")
    known = refined.known_q_compensation(**{n: constants[n] for n in names})
    result: dict[str, Any] = {
        "T1.sharp": {
            "mu": _float(fixed.mu),
            "regime": fixed.regime,
            "bound": _float(fixed.bound),
        }
    }
    if "c" in constants:
        pl = refined.sharp_pl_schedule(
            **{n: constants[n] for n in ("c", "q_min", "L", "M", "M_G", "sigma_q2", "F1_gap")}
        )
        result["T4.sharp"] = {
            "beta": _float(pl.beta),
            "gamma": _float(pl.gamma),
            "nu": _float(pl.nu),
        }
    result["C3.known_q"] = {
        "q": constants["q"],
        "nominal_stepsize": _float(known.nominal),
        "mu_must_not_exceed": _float(known.cap),
        "bound": _float(known.bound),
    }
    return result


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
    """``[label, value, meaning]`` rows of the table."""
    rows = []
    for path, label, meaning in _ROWS:
        value: Any = result
        for key in path:
            if not isinstance(value, dict) or key not in value:
                break
            value = value[key]
        else:
            if value is None:
                text = "none" if "K_eps" not in path[-1] else "never"
            elif isinstance(value, float):
                text = f"{value:.6g}"
            else:
                text = str(value).lower()
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
        print(json.dumps(result, indent=2, allow_nan=False))
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
