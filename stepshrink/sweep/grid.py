"""A sweep's grid: its axes, its fixed settings, and the cells they span.

A :class:`Grid` is the product of six axes (problem, format, rounding mode, loss scale,
stepsize ``mu``, horizon ``K``) times ``seeds`` replicates, plus settings every cell shares
(problem size and constants, Gaussian gradient noise, replicas, checker sizes, confidence
level, the statements to compare with). Everything is validated when the grid is built, so a
bad grid is refused before any work.

Each :class:`Cell` carries its coordinates and the grid's settings (everything a worker needs,
picklable and JSON-ready). Its seeds come from the sweep seed and a stable hash of its
coordinates (:func:`derive_seed`), never from the order in which cells run, so a cell computes
the same numbers on the local scheduler, on a cluster, in a rerun or alone. Its ``key`` (a
hash of coordinates and settings) names the file its result is stored in, which is what makes
a sweep resumable.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from plumbing import validate

__all__ = [
    "AXES",
    "MAX_CELLS",
    "NO_QUANTIZER",
    "NO_ROUNDING",
    "Cell",
    "Grid",
    "derive_seed",
    "describe",
    "load_grid",
]

#: The axes of a grid, in the order cells are enumerated (seeds innermost).
AXES = ("problem", "format", "rounding", "loss_scale", "mu", "K")

#: ``format`` value for full-precision gradients (no quantizer).
NO_QUANTIZER = "none"
#: ``rounding`` recorded for a cell without a quantizer (the mode does not apply).
NO_ROUNDING = "-"

#: Most cells one grid may span (each cell's description is held in memory).
MAX_CELLS = 1_000_000

#: Largest expected squared gradient norm at x0: float64's maximum over a margin of 64.
_LARGEST_SECOND_MOMENT = float(np.finfo(np.float64).max) / 64

_SEED_BITS = 63  # seeds fit a signed 64-bit column in Parquet, pandas and DuckDB


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def derive_seed(sweep_seed: int, coordinates: Mapping[str, Any]) -> int:
    """A 63-bit seed from the sweep seed and a stable hash of ``coordinates``.

    The coordinates are written as canonical JSON and hashed with SHA-256; four 32-bit words of
    the digest become the ``spawn_key`` of a :class:`numpy.random.SeedSequence` whose entropy
    is the sweep seed. Neither the process nor the order of execution enters.

    Parameters
    ----------
    sweep_seed : int
        The seed of the whole sweep, ``>= 0``.
    coordinates : mapping
        JSON-ready coordinates (names to strings and numbers).

    Returns
    -------
    int
        In ``[0, 2**63)``.
    """
    digest = hashlib.sha256(_canonical(dict(coordinates))).digest()
    words = tuple(int(w) for w in np.frombuffer(digest[:16], dtype="<u4"))
    state = np.random.SeedSequence(sweep_seed, spawn_key=words).generate_state(2, np.uint32)
    return (int(state[0]) << 32 | int(state[1])) >> (64 - _SEED_BITS)


@dataclass(frozen=True)
class Cell:
    """One run of the simulator, the assumption checker and the bounds.

    Attributes
    ----------
    coordinates : dict
        ``problem, format, rounding, loss_scale, mu, K, seed_index``.
    settings : dict
        The grid's shared settings (see :class:`Grid`).
    seed : int
        The cell's seed: the simulator uses it, the checker ``seed + 1`` (independent streams:
        NumPy hashes every seed through ``SeedSequence``).
    problem_seed : int
        Seed of the generated problem, shared by the cells of one ``(problem, seed_index)``
        so that formats and stepsizes are compared on the same instance.
    key : str
        Hash of coordinates and settings (hex), the name of the cell's result file.
    """

    coordinates: dict[str, Any]
    settings: dict[str, Any]
    seed: int
    problem_seed: int
    key: str


def _fail(name: str, rule: str, value: Any) -> ValueError:
    return ValueError(f"{name} must be {rule}, got {value!r}")


def _axis(name: str, value: Any, kind: type) -> tuple[Any, ...]:
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise _fail(name, "one value or a non-empty list", value)
    out = []
    for item in items:
        if kind is str and not isinstance(item, str):
            raise _fail(name, "a string or a list of strings", value)
        if kind is float:
            if isinstance(item, bool) or not isinstance(item, (int, float)):
                raise _fail(name, "a number or a list of numbers", value)
            if not (math.isfinite(item) and item > 0):
                raise _fail(name, "finite and > 0 (each value)", item)
            item = float(item)
        if kind is int:
            _integer(name, item, minimum=1)
            item = int(item)
        out.append(item)
    repeated = sorted({str(v) for v in out if out.count(v) > 1})
    if repeated:
        raise ValueError(f"{name} lists {', '.join(repeated)} more than once")
    return tuple(out)


def _integer(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise _fail(name, f"an integer >= {minimum}", value)
    return int(value)


def _real(name: str, value: Any, rule: str, test: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(name, rule, value)
    if not (math.isfinite(value) and test(value)):
        raise _fail(name, rule, value)
    return float(value)


@dataclass(frozen=True)
class Grid:
    """The axes and shared settings of a sweep (validated on construction).

    Parameters
    ----------
    format : str or sequence of str
        Gradient formats: registry names of element or block formats, or ``"none"``.
    rounding : str or sequence of str
        Rounding modes (``"rne"``, ..., ``"sr"``); a cell with ``format="none"`` has no
        rounding and is recorded once, with rounding ``"-"`` and loss scale 1.
    loss_scale : float or sequence of float
        Static loss scales ``s > 0`` (1: none); the quantized gradient is ``Q(s g)/s``.
    mu : float or sequence of float
        Fixed nominal stepsizes ``mu > 0``.
    problem : str or sequence of str
        ``"quadratic"``, ``"least-squares"``, ``"logistic"``, ``"geman-mcclure"``.
    K : int or sequence of int
        SGD steps per run.
    seeds : int
        Replicates of every combination (``seed_index = 0 .. seeds-1``).
    seed : int
        The sweep seed every cell's seeds derive from.
    replicas : int
        SGD replicas per run (statistics are over replicas).
    dim, data_size : int
        Problem dimension ``d``; data set size ``n`` of least-squares and logistic regression.
    L, c : float
        Smoothness and PL constants of the quadratic (spectrum spread over ``[c, L]``) and the
        Geman-McClure problem; the data problems have their own.
    M, M_V : float
        Gaussian gradient noise: variance floor and growth (``M_G = 1 + M_V``).
    points, samples, repeats : int
        Assumption-checker sizes (see :func:`simulate.assumptions.check`).
    level : float
        Confidence level of every interval and verdict, in ``(0, 1)``.
    theorems : str or sequence of str
        Statements of ``bounds.theorems`` to compare with, by id (``"T1"``, ``"T3"``; any
        statement whose bounded quantity the sweep measures, see
        :mod:`stepshrink.sweep.theory`). Statements resting on A5 apply to PL problems only.
    simulate : bool
        Run the simulator (False: only the assumption checker and the bounds' values).
    """

    format: Sequence[str] | str = ("fp8_e4m3",)
    rounding: Sequence[str] | str = ("rne", "sr")
    loss_scale: Sequence[float] | float = (1.0,)
    mu: Sequence[float] | float = (0.1,)
    problem: Sequence[str] | str = ("quadratic",)
    K: Sequence[int] | int = (500,)
    seeds: int = 1
    seed: int = 0
    replicas: int = 64
    dim: int = 16
    data_size: int = 512
    L: float = 1.0
    c: float = 0.1
    M: float = 0.01
    M_V: float = 0.0
    points: int = 8
    samples: int = 256
    repeats: int = 256
    level: float = 0.999
    theorems: Sequence[str] | str = ("T1", "T3")
    simulate: bool = True
    _cells: tuple[Cell, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        from simulate.quantizer import ROUNDING_MODES
        from stepshrink.experiment import PROBLEMS

        normal: dict[str, Any] = {
            "format": _axis("format", self.format, str),
            "rounding": _axis("rounding", self.rounding, str),
            "loss_scale": tuple(
                validate.loss_scale(s) for s in _axis("loss_scale", self.loss_scale, float)
            ),
            "mu": _axis("mu", self.mu, float),
            "problem": _axis("problem", self.problem, str),
            "K": _axis("K", self.K, int),
            "theorems": () if self.theorems in ((), []) else _axis("theorems", self.theorems, str),
        }
        for name in ("seeds", "replicas", "dim", "data_size", "points", "samples", "repeats"):
            # each is a signed 64-bit column of the table, like the seeds
            value = getattr(self, name)
            normal[name] = validate.integer(name, value, minimum=1, maximum=2**_SEED_BITS - 1)
        # every seed is a signed 64-bit column of the table (Parquet, pandas, DuckDB)
        normal["seed"] = validate.integer("seed", self.seed, minimum=0, maximum=2**_SEED_BITS - 1)
        normal["L"] = _real("L", self.L, "a finite number > 0", lambda v: v > 0)
        normal["c"] = _real("c", self.c, "a finite number in (0, L]", lambda v: 0 < v <= self.L)
        normal["M"] = _real("M", self.M, "a finite number >= 0", lambda v: v >= 0)
        normal["M_V"] = _real("M_V", self.M_V, "a finite number >= 0", lambda v: v >= 0)
        normal["level"] = _real("level", self.level, "a number in (0, 1)", lambda v: 0 < v < 1)
        if not isinstance(self.simulate, bool):
            raise _fail("simulate", "True or False", self.simulate)
        for name, value in normal.items():
            object.__setattr__(self, name, value)
        for mode in self.rounding:
            if mode not in ROUNDING_MODES:
                raise _fail("rounding", f"one of {', '.join(ROUNDING_MODES)}", mode)
        for name in self.problem:
            if name not in PROBLEMS:
                raise _fail("problem", f"one of {', '.join(PROBLEMS)}", name)
        count = self.seeds * math.prod(len(getattr(self, axis)) for axis in AXES)
        if count > MAX_CELLS:
            raise ValueError(
                f"the grid spans {count:,} cells; at most {MAX_CELLS:,} in one sweep (split it "
                "into several directories)"
            )
        self._check_formats()
        self._check_fits()
        self._check_problems()
        from stepshrink.sweep.theory import check_statements

        check_statements(self.theorems)
        object.__setattr__(self, "_cells", tuple(self._enumerate()))

    def _check_formats(self) -> None:
        from simulate.quantizer import Quantizer
        from stepshrink.experiment import format_names

        for fmt in self.format:
            if fmt == NO_QUANTIZER:
                continue
            for mode in self.rounding:
                try:
                    Quantizer(fmt, rounding=mode)
                except ValueError as exc:
                    known = ", ".join((*format_names(), NO_QUANTIZER))
                    raise ValueError(
                        f"format {fmt!r} with rounding {mode!r}: {exc} (known formats: {known})"
                    ) from None

    def _check_fits(self) -> None:
        # one cell's arrays, at the largest K: the memory guard every run and check passes
        from simulate import memory

        for name in self.problem:
            finite_sum = name in ("least-squares", "logistic")
            memory.check_problem(
                self.dim,
                dense=name in ("quadratic", "geman-mcclure"),
                data_size=self.data_size if finite_sum else 0,
            )
        longest = self.K if isinstance(self.K, int) else max(self.K)  # a tuple once built
        memory.check_run(longest, self.replicas, self.dim)
        # the checker streams one point at a time
        memory.check_assumption_check(1, self.samples, self.repeats, self.dim)

    def _check_problems(self) -> None:
        # the constants must give a problem float64 can hold (L = 1e308 overflows F(x0)), and
        # gradients whose squared norms it can hold: E||g||^2 = M + (1 + M_V)||grad F||^2 at
        # x0, with a margin of 64 for the draws above their mean (chi-square tails)
        from stepshrink.experiment import build_problem

        for name in self.problem:
            seed = derive_seed(self.seed, {"problem": name, "seed_index": 0})
            try:
                problem = build_problem(
                    name, dim=self.dim, data_size=self.data_size, L=self.L, c=self.c, seed=seed
                )
            except ValueError as exc:
                raise ValueError(
                    f"problem {name!r} with L = {self.L:g}, c = {self.c:g}, dim = {self.dim}: {exc}"
                ) from None
            grad = problem.grad(problem.x0[None])[0]
            with np.errstate(over="ignore"):
                second = self.M + (1.0 + self.M_V) * float(grad @ grad)
            if not second <= _LARGEST_SECOND_MOMENT:
                raise ValueError(
                    f"M and M_V must keep E||g||^2 = M + (1 + M_V)||grad F||^2 below "
                    f"{_LARGEST_SECOND_MOMENT:.3g} at the start of problem {name!r} (float64 "
                    f"holds its draws), got M = {self.M:g}, M_V = {self.M_V:g}"
                )

    @property
    def settings(self) -> dict[str, Any]:
        """The settings every cell shares (JSON-ready)."""
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
            if f.init and f.name not in AXES and f.name != "seeds"
        }

    def to_dict(self) -> dict[str, Any]:
        """Every parameter, JSON-ready (the inverse of ``Grid(**d)``)."""
        return {
            f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
            for f in fields(self)
            if f.init
        }

    def _enumerate(self) -> Iterable[Cell]:
        settings = self.settings
        seen: set[tuple[Any, ...]] = set()
        product = itertools.product(*(getattr(self, axis) for axis in AXES), range(self.seeds))
        for problem, fmt, rounding, loss_scale, mu, K, seed_index in product:
            if fmt == NO_QUANTIZER:
                rounding, loss_scale = NO_ROUNDING, 1.0
            coordinates = {
                "problem": problem,
                "format": fmt,
                "rounding": rounding,
                "loss_scale": loss_scale,
                "mu": mu,
                "K": K,
                "seed_index": seed_index,
            }
            identity = tuple(coordinates.values())
            if identity in seen:
                continue
            seen.add(identity)
            yield Cell(
                coordinates=coordinates,
                settings=settings,
                seed=derive_seed(self.seed, coordinates),
                problem_seed=derive_seed(self.seed, {"problem": problem, "seed_index": seed_index}),
                key=hashlib.sha256(_canonical([coordinates, settings])).hexdigest()[:24],
            )

    def cells(self) -> tuple[Cell, ...]:
        """Every cell, in grid order (axes as in :data:`AXES`, then seeds)."""
        return self._cells

    def __len__(self) -> int:
        return len(self._cells)


def load_grid(path: str | Path, **overrides: Any) -> Grid:
    """Read a grid from a TOML file; keyword ``overrides`` replace the file's values.

    The file's top-level keys are the parameters of :class:`Grid`, for example::

        format = ["fp8_e4m3", "bf16"]
        rounding = ["rne", "sr"]
        mu = [0.05, 0.1, 0.2]
        seeds = 2
        K = 200

    Raises
    ------
    ValueError
        The file cannot be read or parsed (with the line), a key is unknown, or a value breaks
        its rule (naming the key).
    """
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    source = Path(path)
    try:
        data = tomllib.loads(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"grid file {str(source)!r} cannot be read ({exc.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"grid file {str(source)!r} is not valid TOML: {exc}") from None
    known = [f.name for f in fields(Grid) if f.init]
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise ValueError(
            f"grid file {str(source)!r}: unknown key {unknown[0]!r} (known: {', '.join(known)})"
        )
    return Grid(**{**data, **overrides})


def describe(grid: Grid) -> str:
    """One line: how many cells, over which axes."""
    sizes = [f"{len(getattr(grid, axis))} {axis}" for axis in AXES]
    return f"{len(grid)} cells ({' x '.join(sizes)} x {grid.seeds} seeds)"
