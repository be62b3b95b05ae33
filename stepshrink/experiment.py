"""Command-line options of a simulated run, and the ``simulate`` objects they describe.

``stepshrink simulate``, ``stepshrink plot trajectory`` and the report share one set of
options (problem, gradient noise, quantizer, stepsize, replicas, seed); this module registers
them and turns the parsed values into the arguments of :func:`simulate.run`. It holds no
mathematics: every object is built by a ``simulate`` factory, which validates its own input.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from plumbing import validate
from simulate.rounding import MAX_RANDOM_BITS, ROUNDING_MODES
from stepshrink.errors import UsageError
from stepshrink.options import (
    add_constant_options,
    check_pl_constant,
    integer_in,
    nonnegative_int,
    number,
    positive_int,
    shown,
)

__all__ = [
    "DEFAULT_C",
    "DEFAULT_L",
    "PROBLEMS",
    "Experiment",
    "add_experiment_options",
    "add_problem_options",
    "add_quantizer_options",
    "build_problem",
    "experiment_from_args",
    "format_names",
    "noise_from_args",
    "problem_from_args",
    "q_samples",
    "quantizer_from_args",
]

#: Built-in problems selectable with ``--problem``.
PROBLEMS = ("quadratic", "least-squares", "logistic", "geman-mcclure")

#: Smoothness and PL constant of the generated problems unless ``--L`` / ``--c`` say otherwise.
DEFAULT_L = 1.0
DEFAULT_C = 0.1

#: ``--format`` values that are not a registry name.
NO_QUANTIZER = "none"
SYNTHETIC = "synthetic"


@dataclass(frozen=True)
class Experiment:
    """Everything :func:`simulate.run` needs, built from command-line values.

    Attributes
    ----------
    problem : simulate.problems.Problem
    noise : simulate.noise.GaussianNoise or MinibatchNoise
    quantizer : simulate.quantizer.Quantizer, SyntheticShrinkage or None
    stepsize : float or callable
        ``mu``, or ``k -> beta/(gamma + k)``.
    schedule : dict
        ``{"mu": ...}`` or ``{"beta": ..., "gamma": ...}`` (JSON-ready).
    steps, replicas, seed : int
    level : float
    loss_scale : float or None
    """

    problem: Any
    noise: Any
    quantizer: Any
    stepsize: Any
    schedule: dict[str, float]
    steps: int
    replicas: int
    seed: int
    level: float
    loss_scale: float | None

    def run(self, *, progress: bool) -> Any:
        """Run :func:`simulate.run` on this experiment; returns its ``Trajectory``.

        The trajectory's ``meta`` also records the schedule as given (``mu`` or ``beta,
        gamma``) and the static loss scale, so its JSON summary says how it was run.
        """
        from simulate.sgd import run

        trajectory = run(
            self.problem,
            steps=self.steps,
            replicas=self.replicas,
            stepsize=self.stepsize,
            seed=self.seed,
            noise=self.noise,
            gradient_quantizer=self.quantizer,
            loss_scale=self.loss_scale,
            level=self.level,
            progress=progress,
        )
        meta = {**trajectory.meta, "schedule": self.schedule, "loss_scale": self.loss_scale}
        return dataclasses.replace(trajectory, meta=meta)

    @property
    def noise_constants(self) -> tuple[float, float]:
        """``(M, M_G)`` of the gradient noise on this problem (``M_G = 1 + M_V``)."""
        M, M_V = self.noise.variance_constants(self.problem)
        return float(M), 1.0 + float(M_V)


def add_problem_options(parser: argparse.ArgumentParser) -> None:
    """Register the problem and gradient-noise options (``--problem``, ``--M``, ...)."""
    group = parser.add_argument_group("problem and noise")
    group.add_argument("--problem", choices=PROBLEMS, default="quadratic", help="objective F")
    group.add_argument(
        "--dim", type=positive_int, default=16, metavar="D", help="dimension d (default 16)"
    )
    group.add_argument(
        "--data-size",
        type=positive_int,
        default=512,
        metavar="N",
        help="data set size n for least-squares and logistic (default 512)",
    )
    add_constant_options(group, ["L", "c"], shown_defaults={"L": DEFAULT_L, "c": DEFAULT_C})
    group.add_argument(
        "--M",
        dest="M",
        type=number("nonnegative"),
        default=None,
        metavar="X",
        help="Gaussian gradient-noise variance floor M (default 0.01); with --batch-size the "
        "noise is minibatch sampling instead",
    )
    group.add_argument(
        "--M-V",
        dest="M_V",
        type=number("nonnegative"),
        default=0.0,
        metavar="X",
        help="Gaussian noise variance growth M_V (M_G = 1 + M_V; default 0)",
    )
    group.add_argument(
        "--batch-size",
        type=positive_int,
        default=None,
        metavar="B",
        help="minibatch noise (least-squares, logistic) instead of Gaussian noise",
    )
    group.add_argument(
        "--seed",
        type=nonnegative_int,
        default=0,
        metavar="S",
        help="seed of the generated problem and of every random draw (default 0)",
    )


def add_quantizer_options(parser: argparse.ArgumentParser, *, several: bool = False) -> None:
    """Register ``--format``, ``--rounding`` and the scaling options.

    With ``several``, ``--format`` and ``--rounding`` take one or more values each (every
    combination is used).
    """
    group = parser.add_argument_group("quantization")
    group.add_argument(
        "--format",
        default=[NO_QUANTIZER] if several else NO_QUANTIZER,
        nargs="+" if several else None,
        metavar="NAME",
        help="gradient format: an element format (fp8_e4m3, bf16, ...), a block format "
        f"(mxfp8_e4m3, mxfp4, nvfp4, ...), '{SYNTHETIC}' (the paper's model with --q-min, "
        f"--sigma-q2) or '{NO_QUANTIZER}' (default)",
    )
    group.add_argument(
        "--rounding",
        choices=ROUNDING_MODES,
        default=["rne"] if several else "rne",
        nargs="+" if several else None,
        help="rounding mode (default rne; sr = stochastic)",
    )
    group.add_argument(
        "--random-bits",
        type=integer_in(1, MAX_RANDOM_BITS),
        default=None,
        metavar="R",
        help=f"random bits of stochastic rounding, 1-{MAX_RANDOM_BITS} (--rounding sr only)",
    )
    group.add_argument(
        "--tensor-scaling",
        action="store_true",
        help="scale each gradient so its amax maps to the format's maximum (element formats)",
    )
    group.add_argument(
        "--loss-scale",
        type=number("positive"),
        default=None,
        metavar="S",
        help="static loss scale s: quantize s*g, divide by s in float64",
    )
    add_constant_options(group, ["q_min", "sigma_q2"])


def add_experiment_options(parser: argparse.ArgumentParser) -> None:
    """Register the options of a simulated run on ``parser``."""
    add_problem_options(parser)
    add_quantizer_options(parser)
    group = parser.add_argument_group("run")
    add_constant_options(group, ["mu", "beta", "gamma"])
    group.add_argument(
        "--K",
        dest="K",
        type=positive_int,
        default=1000,
        metavar="K",
        help="number of SGD steps (default 1000)",
    )
    group.add_argument(
        "--replicas",
        type=positive_int,
        default=256,
        metavar="R",
        help="independent runs averaged (default 256)",
    )
    group.add_argument(
        "--level",
        type=number("open_unit"),
        default=0.999,
        metavar="P",
        help="confidence level of the bands (default 0.999)",
    )


def build_problem(name: str, *, dim: int, data_size: int, L: float, c: float, seed: int) -> Any:
    """The built-in problem ``name`` (one of :data:`PROBLEMS`), from trusted values.

    ``L`` and ``c`` shape the quadratic (spectrum spread evenly over ``[c, L]``, so both are
    exact) and the Geman-McClure problem; the data problems derive their own constants.
    """
    from simulate import problems

    if name == "quadratic":
        eigenvalues = np.linspace(c, L, dim) if dim > 1 else [L]
        return problems.quadratic(eigenvalues, seed=seed)
    if name == "least-squares":
        return problems.least_squares(data_size, dim, seed=seed)
    if name == "logistic":
        return problems.logistic_regression(data_size, dim, seed=seed)
    return problems.geman_mcclure(np.linspace(c, L, dim) / 2, seed=seed)


def smoothness_and_pl(args: argparse.Namespace) -> tuple[float, float]:
    """``(L, c)`` from ``--L`` and ``--c`` (defaults filled in), refused unless ``c <= L``.

    The message names the option the user gave and the default of the one they did not.
    """
    L = DEFAULT_L if args.L is None else args.L
    c = DEFAULT_C if args.c is None else args.c
    check_pl_constant(c, L, c_given=args.c is not None, L_given=args.L is not None)
    return L, c


def problem_from_args(args: argparse.Namespace) -> Any:
    """The ``simulate.problems`` problem the options name (its memory checked first)."""
    from simulate import memory

    L, c = smoothness_and_pl(args)
    finite_sum = args.problem in ("least-squares", "logistic")
    memory.check_problem(
        args.dim,
        dense=args.problem in ("quadratic", "geman-mcclure"),
        data_size=args.data_size if finite_sum else 0,
    )
    try:
        return build_problem(
            args.problem, dim=args.dim, data_size=args.data_size, L=L, c=c, seed=args.seed
        )
    except ValueError as exc:
        # the factory names its own parameter; say which options made it
        raise UsageError(
            f"--problem {args.problem} with --L {shown(L)}, --c {shown(c)}, --dim {args.dim}: {exc}"
        ) from None


def noise_from_args(args: argparse.Namespace) -> Any:
    """The gradient-noise model the options describe."""
    from simulate.noise import GaussianNoise, MinibatchNoise

    if args.batch_size is not None:
        if args.problem not in ("least-squares", "logistic"):
            raise UsageError("--batch-size: minibatch noise needs --problem least-squares/logistic")
        if args.M is not None or args.M_V:
            raise UsageError("--batch-size: minibatch noise replaces --M and --M-V; drop them")
        return MinibatchNoise(args.batch_size)
    return GaussianNoise(0.01 if args.M is None else args.M, args.M_V)


def format_names() -> tuple[str, ...]:
    """Names ``--format`` accepts from the registries: element formats, then block formats."""
    from simulate import formats, scaling

    return (*formats.names(), *scaling.block_format_names())


def quantizer_from_args(args: argparse.Namespace, fmt: str, rounding: str) -> Any:
    """The gradient quantizer for ``fmt`` and ``rounding`` (None, synthetic or a Quantizer)."""
    from simulate.quantizer import Quantizer, SyntheticShrinkage

    synthetic_only = [
        f for f, v in (("--q-min", args.q_min), ("--sigma-q2", args.sigma_q2)) if v is not None
    ]
    roundings = args.rounding if isinstance(args.rounding, list) else [args.rounding]
    if args.random_bits is not None and "sr" not in roundings:
        raise UsageError("--random-bits applies only with --rounding sr (stochastic rounding)")
    if args.loss_scale is not None and args.loss_scale > validate.MAX_LOSS_SCALE:
        raise UsageError(
            f"--loss-scale must be at most float32's maximum {validate.MAX_LOSS_SCALE:.8g}, got "
            f"{shown(args.loss_scale)}: a larger scale overflows every gradient"
        )
    if fmt == SYNTHETIC:
        if args.q_min is None:
            raise UsageError("--format synthetic needs --q-min (the shrinkage lower bound)")
        if args.loss_scale is not None:
            raise UsageError("--loss-scale needs a real --format, not 'synthetic'")
        return SyntheticShrinkage(q_min=args.q_min, sigma_q2=args.sigma_q2 or 0.0)
    requested = args.format if isinstance(args.format, list) else [args.format]
    if synthetic_only and SYNTHETIC not in requested:
        raise UsageError(f"{synthetic_only[0]} applies only with --format synthetic")
    if fmt == NO_QUANTIZER:
        if args.loss_scale is not None:
            raise UsageError("--loss-scale needs a --format to quantize to")
        return None
    if fmt not in format_names():
        known = ", ".join((*format_names(), SYNTHETIC, NO_QUANTIZER))
        raise UsageError(f"--format {fmt!r} is not a format name (known: {known})")
    try:
        return Quantizer(
            fmt,
            rounding=rounding,
            random_bits=args.random_bits if rounding == "sr" else None,
            tensor_scaling=args.tensor_scaling,
        )
    except ValueError as exc:
        raise UsageError(f"--format {fmt} --rounding {rounding}: {exc}") from None


def _stepsize(args: argparse.Namespace) -> tuple[Any, dict[str, float]]:
    diminishing = args.beta is not None or args.gamma is not None
    if diminishing and args.mu is not None:
        raise UsageError("--mu: give either --mu or --beta with --gamma, not both")
    if diminishing:
        if args.beta is None or args.gamma is None:
            raise UsageError("--beta and --gamma go together (mu_k = beta/(gamma + k))")
        beta, gamma = float(args.beta), float(args.gamma)
        return (lambda k: beta / (gamma + k)), {"beta": beta, "gamma": gamma}
    mu = 0.1 if args.mu is None else float(args.mu)
    return mu, {"mu": mu}


def experiment_from_args(args: argparse.Namespace) -> Experiment:
    """Build the experiment the options describe.

    Raises
    ------
    UsageError
        Options that contradict each other (``--mu`` with ``--beta``, ``--q-min`` without
        ``--format synthetic``, an unknown format name, ...).
    """
    from simulate import memory

    stepsize, schedule = _stepsize(args)
    memory.check_run(args.K, args.replicas, args.dim, batch_size=args.batch_size or 0)
    return Experiment(
        problem=problem_from_args(args),
        noise=noise_from_args(args),
        quantizer=quantizer_from_args(args, args.format, args.rounding),
        stepsize=stepsize,
        schedule=schedule,
        steps=args.K,
        replicas=args.replicas,
        seed=args.seed,
        level=args.level,
        loss_scale=args.loss_scale,
    )


def q_samples(
    problem: Any,
    noise: Any,
    quantizer: Any,
    *,
    points: int,
    samples: int,
    seed: int,
    loss_scale: float | None = None,
) -> NDArray[np.float64]:
    """Measured shrinkage factors ``q = <Q(g), g>/‖g‖²`` (docs/spec.md section 4) of one quantizer.

    The gradients are stochastic gradients at ``points`` places: the start ``x0`` and the
    end points of independent float64 SGD runs of 200 steps at stepsize ``1/(L M_G)`` (so
    both large early gradients and small late ones, where underflow bites, are represented).

    Returns
    -------
    ndarray, shape (points * samples,)
        One ``q`` per stochastic gradient (dimensionless).
    """
    from simulate import memory
    from simulate.measure import projection, require_measurable
    from simulate.quantizer import as_quantizer
    from simulate.sgd import run

    memory.check_assumption_check(points, samples, 0, problem.dim)
    _, M_V = noise.variance_constants(problem)
    late = run(
        problem,
        steps=200,
        replicas=max(points - 1, 1),
        stepsize=1.0 / (problem.L * (1.0 + M_V)),
        noise=noise,
        seed=seed,
        progress=False,
    ).x_final
    xs = np.vstack([problem.x0[None], late])[:points]
    x = np.repeat(xs, samples, axis=0)
    rng = np.random.default_rng(seed)
    g = noise.sample(problem, x, problem.grad(x), rng)
    require_measurable(g)
    scale = 1.0 if loss_scale is None else loss_scale
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        g_hat = np.asarray(as_quantizer(quantizer)(scale * g, rng), np.float64) / scale
    q, _ = projection(g, g_hat)
    return np.asarray(q, dtype=np.float64)
