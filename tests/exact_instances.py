"""Exact instances of the model: a quadratic with finitely supported noise, in rationals.

The problem is ``F(x) = (h/2) x²`` in one dimension (``F_inf = F_star = 0``), so ``F`` is
``L``-smooth for every ``L >= h`` and satisfies the PL inequality with every ``c <= h``. The
gradient oracle is ``g = h x (1 + zeta) + xi`` and the quantizer returns
``ĝ = q g + eps`` with ``zeta``, ``xi``, ``eps`` independent, zero-mean and finitely supported
on rationals, drawn afresh at every step. Then ``E_k g = ∇F(x_k)``,
``E_k g² = M + (1 + M_V)‖∇F(x_k)‖²`` with ``M = E xi²`` and ``M_V = E zeta²``, and
``E_k[eps | g] = 0``, ``E_k eps² = sigma_q2``: A2 and A4 hold with equality.

One step from ``x`` is ``x_next = U x - V`` with ``U = 1 - m q h (1 + zeta)`` and
``V = m (q xi + eps)``, independent of the past; so the first two moments of ``x_k`` follow an
exact recursion (:func:`moments`), which :func:`path_moments` re-derives by enumerating every
path of noise draws. Every expectation here is a :class:`~fractions.Fraction`; nothing is a
float.

For matrix smoothness (``T1.matrix``, ``T3.matrix``) a :class:`Diagonal` problem stacks such
coordinates, ``F(x) = Σ_i (h_i/2) x_i²`` with independent noises per coordinate: its Hessian
``diag(h_i)`` is the smoothness matrix ``Lmat`` (the quadratic upper model is exact), so the
``Lmat``-weighted constants ``M_L = Σ h_i E xi_i²`` and ``sigma_qL = Σ h_i E eps_i²`` are exact
too, and far below ``L M`` and ``L sigma_q2`` when the noise sits in flat coordinates.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import sympy as sp

from bounds import model
from bounds import symbols as sy
from bounds.proof import Ek
from bounds.statement import Statement

__all__ = [
    "Diagonal",
    "Distribution",
    "Moments",
    "Problem",
    "Step",
    "Witness",
    "centred",
    "point",
]

Number = Fraction | int


@dataclass(frozen=True)
class Distribution:
    """A finitely supported random variable: ``(value, probability)`` pairs, rationals."""

    atoms: tuple[tuple[Fraction, Fraction], ...]

    def __post_init__(self) -> None:
        if sum(p for _, p in self.atoms) != 1 or any(p <= 0 for _, p in self.atoms):
            raise ValueError(f"probabilities must be positive and sum to 1: {self.atoms}")

    def expect(self, f: Callable[[Fraction], Fraction]) -> Fraction:
        """``E f(X)``, exactly."""
        return sum((p * f(v) for v, p in self.atoms), Fraction(0))

    @property
    def mean(self) -> Fraction:
        return self.expect(lambda v: v)

    @property
    def second_moment(self) -> Fraction:
        return self.expect(lambda v: v * v)


def point(value: Number) -> Distribution:
    """The constant ``value``."""
    return Distribution(((Fraction(value), Fraction(1)),))


def centred(second_moment: Number) -> Distribution:
    """A zero-mean variable with the given second moment: ``±a`` with probability ``p/2`` each,
    ``0`` otherwise, for the least integer ``a`` with ``a² >= second_moment``."""
    s = Fraction(second_moment)
    if s < 0:
        raise ValueError(f"a second moment must be >= 0, got {s}")
    if s == 0:
        return point(0)
    a = math.isqrt(math.ceil(s))
    a = a if a * a >= s else a + 1
    p = s / (a * a)
    atoms = ((Fraction(-a), p / 2), (Fraction(a), p / 2))
    return Distribution(atoms if p == 1 else (*atoms, (Fraction(0), 1 - p)))


ZERO = point(0)
"""No noise."""


@dataclass(frozen=True)
class Step:
    """The nominal stepsize ``m`` and the (deterministic) shrinkage ``q`` of one step."""

    stepsize: Fraction
    shrinkage: Fraction


@dataclass(frozen=True)
class Moments:
    """``E x_k`` and ``E x_k²``."""

    mean: Fraction
    second: Fraction


@dataclass(frozen=True)
class Problem:
    """``F(x) = (h/2) x²`` with gradient noise ``zeta`` (multiplicative), ``xi`` (additive) and
    quantization noise ``eps``.

    Attributes
    ----------
    curvature : Fraction
        ``h``.
    zeta, xi, eps : Distribution
        The noises; A2 needs ``E zeta = E xi = 0`` and A4 ``E eps = 0`` (a biased ``eps`` is
        allowed, for a statement that does not assume A4).
    """

    curvature: Fraction
    zeta: Distribution = ZERO
    xi: Distribution = ZERO
    eps: Distribution = ZERO

    # ------------------------------------------------------------- the model's constants
    @property
    def M(self) -> Fraction:
        """``E xi²``: A2's ``M``."""
        return self.xi.second_moment

    @property
    def M_V(self) -> Fraction:
        """``E zeta²``: A2's ``M_V``."""
        return self.zeta.second_moment

    @property
    def sigma_q2(self) -> Fraction:
        """``E eps²``: A4's ``sigma_q2``."""
        return self.eps.second_moment

    @property
    def M_L(self) -> Fraction:
        """``E[xi Lmat xi]`` with ``Lmat = h``: the ``Lmat``-weighted ``M``."""
        return self.curvature * self.M

    @property
    def sigma_qL(self) -> Fraction:
        """``E[eps Lmat eps]`` with ``Lmat = h``: the ``Lmat``-weighted ``sigma_q2``."""
        return self.curvature * self.sigma_q2

    @property
    def coordinates(self) -> tuple[Problem, ...]:
        """The one-dimensional problems this one is made of: itself."""
        return (self,)

    @property
    def gradient_noise_unbiased(self) -> bool:
        """A2's means: ``E zeta = E xi = 0``."""
        return self.zeta.mean == 0 and self.xi.mean == 0

    @property
    def quantization_noise_unbiased(self) -> bool:
        """A4's mean: ``E eps = 0``."""
        return self.eps.mean == 0

    @property
    def unbiased(self) -> bool:
        """A2's and A4's means: ``E zeta = E xi = E eps = 0``."""
        return self.gradient_noise_unbiased and self.quantization_noise_unbiased

    @property
    def largest_curvature(self) -> Fraction:
        return self.curvature

    @property
    def smallest_curvature(self) -> Fraction:
        return self.curvature

    def F(self, x: Fraction) -> Fraction:
        return self.curvature * x * x / 2

    def grad(self, x: Fraction) -> Fraction:
        return self.curvature * x

    # ------------------------------------------------------------------------ one step
    def outcomes(self, x: Fraction, step: Step) -> Iterator[tuple[Fraction, Fraction, Fraction]]:
        """Every draw of one step from ``x``: ``(probability, ĝ, x_next)``."""
        h, m, q = self.curvature, step.stepsize, step.shrinkage
        for (z, pz), (n, pn), (e, pe) in itertools.product(
            self.zeta.atoms, self.xi.atoms, self.eps.atoms
        ):
            g = h * x * (1 + z) + n
            ghat = q * g + e
            yield pz * pn * pe, ghat, x - m * ghat

    def conditional(self, x: Fraction, step: Step) -> dict[str, Fraction]:
        """The conditional expectations of one step from ``x``, by enumerating its draws.

        Keys: ``"x_next"`` (``E_k x_{k+1}``), ``"ghat_sq"`` (``E_k ĝ_k²``), ``"F_next"``
        (``E_k F(x_{k+1})``).
        """
        draws = list(self.outcomes(x, step))
        return {
            "x_next": sum((p * xn for p, _, xn in draws), Fraction(0)),
            "ghat_sq": sum((p * gh * gh for p, gh, _ in draws), Fraction(0)),
            "F_next": sum((p * self.F(xn) for p, _, xn in draws), Fraction(0)),
        }

    # ------------------------------------------------------------------------- a run
    def moments(self, x1: Fraction, steps: Sequence[Step]) -> list[Moments]:
        """``E x_k`` and ``E x_k²`` for ``k = 1..len(steps) + 1``, by the exact recursion."""
        h = self.curvature
        out = [Moments(x1, x1 * x1)]
        for step in steps:
            m, q = step.stepsize, step.shrinkage
            draws = [
                (pz * pn * pe, 1 - m * q * h * (1 + z), m * (q * n + e))
                for (z, pz), (n, pn), (e, pe) in itertools.product(
                    self.zeta.atoms, self.xi.atoms, self.eps.atoms
                )
            ]
            eu = sum((p * u for p, u, _ in draws), Fraction(0))
            ev = sum((p * v for p, _, v in draws), Fraction(0))
            euu = sum((p * u * u for p, u, _ in draws), Fraction(0))
            euv = sum((p * u * v for p, u, v in draws), Fraction(0))
            evv = sum((p * v * v for p, _, v in draws), Fraction(0))
            last = out[-1]
            out.append(Moments(eu * last.mean - ev, euu * last.second - 2 * euv * last.mean + evv))
        return out

    def path_moments(self, x1: Fraction, steps: Sequence[Step]) -> list[Moments]:
        """The same moments by enumerating every path of draws (exponential; a cross-check)."""
        layer: dict[Fraction, Fraction] = {x1: Fraction(1)}
        out = [Moments(x1, x1 * x1)]
        for step in steps:
            following: dict[Fraction, Fraction] = {}
            for x, px in layer.items():
                for p, _, xn in self.outcomes(x, step):
                    following[xn] = following.get(xn, Fraction(0)) + px * p
            layer = following
            out.append(
                Moments(
                    sum((p * x for x, p in layer.items()), Fraction(0)),
                    sum((p * x * x for x, p in layer.items()), Fraction(0)),
                )
            )
        return out

    def expected_F(self, x1: Fraction, steps: Sequence[Step]) -> list[Fraction]:
        """``E F(x_k)`` for ``k = 1..len(steps) + 1``."""
        return [self.curvature * m.second / 2 for m in self.moments(x1, steps)]

    def expected_grad_norm2(self, x1: Fraction, steps: Sequence[Step]) -> list[Fraction]:
        """``E‖∇F(x_k)‖²`` for ``k = 1..len(steps) + 1``."""
        return [self.curvature**2 * m.second for m in self.moments(x1, steps)]


@dataclass(frozen=True)
class Diagonal:
    """``F(x) = Σ_i (h_i/2) x_i²``: independent coordinates, each a :class:`Problem`.

    Coordinate ``i`` has the gradient ``h_i x_i (1 + zeta_i) + xi_i`` and the quantized
    gradient ``q g_i + eps_i`` (one shrinkage ``q`` for all coordinates), every noise drawn
    independently. Its step from ``x_i`` depends on ``x_i`` alone, so each coordinate's moments
    follow :meth:`Problem.moments` and the expected ``F`` and ``‖∇F‖²`` are their sums.

    The model's constants: ``L >= max h_i`` (A1), ``c <= min h_i`` (PL),
    ``E‖g − ∇F‖² = Σ_i (M_i + M_V,i h_i² x_i²) <= M + M_V ‖∇F‖²`` with ``M = Σ M_i`` and
    ``M_V = max M_V,i`` (A2), ``E‖eps‖² = Σ_i sigma_i`` (A4). With ``Lmat = diag(h_i)``, F's
    Hessian (matrix smoothness holds with equality),
    ``E[(g − ∇F)ᵀ Lmat (g − ∇F)] = Σ_i h_i M_i + Σ_i h_i M_V,i h_i² x_i²
    <= M_L + L M_V ‖∇F‖²`` with ``M_L = Σ_i h_i M_i``, and
    ``E[epsᵀ Lmat eps] = Σ_i h_i sigma_i = sigma_qL``.
    """

    coordinates: tuple[Problem, ...]

    def __post_init__(self) -> None:
        if not self.coordinates:
            raise ValueError("a diagonal problem needs at least one coordinate")

    @property
    def largest_curvature(self) -> Fraction:
        return max(c.curvature for c in self.coordinates)

    @property
    def smallest_curvature(self) -> Fraction:
        return min(c.curvature for c in self.coordinates)

    @property
    def M(self) -> Fraction:
        return sum((c.M for c in self.coordinates), Fraction(0))

    @property
    def M_V(self) -> Fraction:
        return max(c.M_V for c in self.coordinates)

    @property
    def sigma_q2(self) -> Fraction:
        return sum((c.sigma_q2 for c in self.coordinates), Fraction(0))

    @property
    def M_L(self) -> Fraction:
        return sum((c.M_L for c in self.coordinates), Fraction(0))

    @property
    def sigma_qL(self) -> Fraction:
        return sum((c.sigma_qL for c in self.coordinates), Fraction(0))

    @property
    def gradient_noise_unbiased(self) -> bool:
        return all(c.gradient_noise_unbiased for c in self.coordinates)

    @property
    def quantization_noise_unbiased(self) -> bool:
        return all(c.quantization_noise_unbiased for c in self.coordinates)


# ------------------------------------------------------------------ statements on instances
def _rational(value: Number) -> sp.Rational:
    value = Fraction(value)
    return sp.Rational(value.numerator, value.denominator)


def _fraction(expr: sp.Basic, what: str) -> Fraction:
    if not isinstance(expr, sp.Rational):
        raise ValueError(f"{what} is not a rational number at the witness: {expr}")
    return Fraction(int(expr.p), int(expr.q))


def _holds(relation: sp.Basic) -> bool:
    if relation not in (sp.true, sp.false):
        raise ValueError(f"a relation did not evaluate at the witness: {relation}")
    return bool(relation)


@dataclass(frozen=True)
class Witness:
    """A problem, a start and the constants a statement is read at: one exact instance.

    For a per-step lemma (L1-L3) ``x1`` is ``x_k`` and the step is taken from it with
    ``mu_k`` and ``q_k`` (``constants``); for a run, ``x1`` is the deterministic start (one
    number per coordinate of a :class:`Diagonal` problem), the run takes the statement's own
    :attr:`~bounds.statement.Statement.stepsize` at every step (``schedule`` lists
    ``mu_1, mu_2, ...`` when that stepsize is the sequence ``mu_k``), and ``shrinkage`` gives
    ``q_k`` (default ``q_k``, else the known constant ``q``, else ``q_min``). ``Delta`` and
    ``F1_gap`` default to ``F(x_1)`` (the problem has ``F_inf = F_star = 0``), ``L`` to the
    largest curvature, and ``M``, ``M_V``, ``M_G = 1 + M_V``, ``sigma_q2`` and the
    ``Lmat``-weighted ``M_L``, ``sigma_qL`` are the noises' moments.
    """

    problem: Problem | Diagonal
    x1: Fraction | tuple[Fraction, ...]
    constants: Mapping[str, Number] = field(default_factory=dict)
    schedule: tuple[Fraction, ...] = ()
    shrinkage: Callable[[int], Fraction] | None = None

    def __post_init__(self) -> None:
        if len(self.starts) != len(self.problem.coordinates):
            raise ValueError(f"x1 needs one value per coordinate: {self.x1}")

    def with_constants(self, **constants: Number) -> Witness:
        """The same instance with some constants changed."""
        return dataclasses.replace(self, constants={**self.constants, **constants})

    # ---------------------------------------------------------------------- numbers
    @property
    def starts(self) -> tuple[Fraction, ...]:
        """``x_1``, one number per coordinate."""
        return self.x1 if isinstance(self.x1, tuple) else (self.x1,)

    def F1(self) -> Fraction:
        """``F(x_1)``."""
        return sum(
            (c.F(x) for c, x in zip(self.problem.coordinates, self.starts, strict=True)),
            Fraction(0),
        )

    def values(self) -> dict[sp.Symbol, sp.Rational]:
        """Every constant of the instance, as SymPy rationals keyed by symbol."""
        p = self.problem
        f1 = self.F1()
        given: dict[str, Number] = {
            "L": p.largest_curvature,
            "Delta": f1,
            "F1_gap": f1,
            "F_inf": 0,
            "F_star": 0,
            "M": p.M,
            "M_V": p.M_V,
            "M_G": 1 + p.M_V,
            "sigma_q2": p.sigma_q2,
            "M_L": p.M_L,
            "sigma_qL": p.sigma_qL,
        }
        if isinstance(p, Problem):
            x = self.starts[0]
            given.update(x_k=x, grad_k=p.grad(x), grad_norm2=p.grad(x) ** 2)
        given.update(self.constants)
        return {sy.SYMBOLS[name]: _rational(v) for name, v in given.items()}

    def q(self, k: int) -> Fraction:
        """``q_k``."""
        if self.shrinkage is not None:
            return self.shrinkage(k)
        for name in ("q_k", "q", "q_min"):
            if name in self.constants:
                return Fraction(self.constants[name])
        raise ValueError("the witness names no shrinkage (q_k, q or q_min)")

    def _at_step(self, expr: sp.Basic, k: int) -> sp.Basic:
        """``expr`` at step ``k`` of the run: ``k``, ``q_k`` and ``mu_seq[k]`` filled in."""
        values: dict[sp.Basic, sp.Basic] = {**self.values(), sy.k: sp.Integer(k)}
        values[sy.q_k] = _rational(self.q(k))
        expr = expr.subs(values)
        # mu_k, and any other step's stepsize (a condition may name mu_1).
        return expr.replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == sy.mu_seq,
            lambda e: _rational(self.schedule[int(e.indices[0]) - 1]),
        )

    def steps(self, statement: Statement, count: int) -> list[Step]:
        """The first ``count`` steps of the run ``statement`` describes."""
        return [
            Step(_fraction(self._at_step(statement.nominal_stepsize, k), "the stepsize"), self.q(k))
            for k in range(1, count + 1)
        ]

    def horizon(self, statement: Statement) -> int:
        """``K`` or ``k``, whichever the statement is read at."""
        assert statement.horizon is not None
        return int(self.constants[statement.horizon.name])

    def expected_F(self, steps: Sequence[Step]) -> list[Fraction]:
        """``E F(x_k)`` along ``steps``: the sum over the coordinates."""
        runs = [
            c.expected_F(x, steps)
            for c, x in zip(self.problem.coordinates, self.starts, strict=True)
        ]
        return [sum(values, Fraction(0)) for values in zip(*runs, strict=True)]

    def expected_grad_norm2(self, steps: Sequence[Step]) -> list[Fraction]:
        """``E‖∇F(x_k)‖²`` along ``steps``: the sum over the coordinates."""
        runs = [
            c.expected_grad_norm2(x, steps)
            for c, x in zip(self.problem.coordinates, self.starts, strict=True)
        ]
        return [sum(values, Fraction(0)) for values in zip(*runs, strict=True)]

    def evaluate(self, statement: Statement, expr: sp.Basic) -> Fraction:
        """``expr`` (the statement's quantity or bound) at this instance, exactly."""
        values = self.values()
        if statement.horizon is None:
            assert isinstance(self.problem, Problem), "a per-step lemma is read in one dimension"
            step = Step(Fraction(self.constants["mu_k"]), self.q(1))
            conditional = self.problem.conditional(self.starts[0], step)
            expr = expr.xreplace(
                {
                    Ek(model.x_next): _rational(conditional["x_next"]),
                    Ek(model.ghat_sq): _rational(conditional["ghat_sq"]),
                    Ek(model.F_next): _rational(conditional["F_next"]),
                    model.F_k: _rational(self.F1()),
                    sy.q_k: _rational(self.q(1)),
                }
            )
            return _fraction(expr.subs(values), f"{statement.id}: {expr}")
        n = self.horizon(statement)
        steps = self.steps(statement, n)
        ef = self.expected_F(steps)
        eg = self.expected_grad_norm2(steps)
        expanded = expr.subs(statement.horizon, n).doit()
        expanded = expanded.replace(
            lambda e: isinstance(e, sp.Indexed) and e.base == sy.mu_seq,
            lambda e: _rational(self.schedule[int(e.indices[0]) - 1]),
        )
        expanded = expanded.replace(model.EF, lambda i: _rational(ef[int(i) - 1]))
        expanded = expanded.replace(model.EG, lambda i: _rational(eg[int(i) - 1]))
        return _fraction(expanded.subs(values), f"{statement.id}: {expr}")

    # ---------------------------------------------------------------------- verdicts
    def claim_holds(self, statement: Statement) -> bool:
        """Whether ``quantity_expr <relation> bound`` holds at this instance."""
        assert statement.quantity_expr is not None
        quantity = self.evaluate(statement, statement.quantity_expr)
        bound = self.evaluate(statement, statement.bound)
        return quantity == bound if statement.relation == "==" else quantity <= bound

    def violated(self, statement: Statement) -> tuple[str, ...]:
        """The statement's premises this instance breaks, checked exactly.

        The relations of its assumptions and its hypotheses (a relation on a quantity of one
        step at every step of the run; a ``for_all`` hypothesis at every index in its range),
        then the parts of the assumptions that are not relations: ``h <= L`` and
        ``Delta >= F(x_1) - F_inf`` (A1), zero-mean gradient noise with moments at most
        ``M``, ``M_V`` (A2), zero-mean quantization noise with moment at most ``sigma_q2``
        (A4), ``c <= h`` and ``F1_gap >= F(x_1) - F_star`` (A5), ``q_k = q`` at every step
        (known shrinkage), and ``Lmat = diag(h) <= L I`` with the weighted noise at most
        ``M_L``, ``sigma_qL`` (matrix smoothness).
        """
        p = self.problem
        count = 1 if statement.horizon is None else self.horizon(statement)
        broken: list[str] = []
        hypotheses = (*(r for a in statement.assumptions for r in a.relations),)
        for h in (*hypotheses, *statement.hypotheses):
            relation = h.relation
            if h.for_all is not None:
                index, first, last = h.for_all
                bounds = self._at_step(first, 1), self._at_step(last, 1)
                ks = range(int(bounds[0]), int(bounds[1]) + 1)
                relation = relation.xreplace({index: sy.k})
            elif relation.has(sy.q_k, sy.k, sy.mu_seq):
                ks = range(1, count + 1)
            else:
                ks = range(1, 2)
            if not all(_holds(self._at_step(relation, k)) for k in ks):
                broken.append(h.name)
        values = self.values()

        def value(name: str) -> Fraction:
            return _fraction(values[sy.SYMBOLS[name]], name)

        f1 = self.F1()
        model_facts: dict[str, Callable[[], bool]] = {
            "A1: F is L-smooth (h <= L)": lambda: p.largest_curvature <= value("L"),
            "A1: Delta >= F(x_1) - F_inf": lambda: f1 <= value("Delta"),
            "A2: zero-mean gradient noise": lambda: p.gradient_noise_unbiased,
            "A2: noise moments at most M, M_V": lambda: value("M") >= p.M and value("M_V") >= p.M_V,
            "A4: zero-mean quantization noise": lambda: p.quantization_noise_unbiased,
            "A4: noise moment at most sigma_q2": lambda: value("sigma_q2") >= p.sigma_q2,
            "A5: PL (c <= h)": lambda: sy.c not in values or value("c") <= p.smallest_curvature,
            "A5: F1_gap >= F(x_1) - F_star": lambda: f1 <= value("F1_gap"),
            "A3 (known q): q_k = q at every step": lambda: all(
                self.q(k) == value("q") for k in range(1, count + 1)
            ),
            "A1-A4 (matrix): Lmat = diag(h) <= L I": lambda: p.largest_curvature <= value("L"),
            "A1-A4 (matrix): weighted gradient noise at most M_L": lambda: value("M_L") >= p.M_L,
            "A1-A4 (matrix): weighted quantization noise at most sigma_qL": lambda: (
                value("sigma_qL") >= p.sigma_qL
            ),
        }
        names = {a.name for a in statement.assumptions}
        broken += [
            name for name, ok in model_facts.items() if name.split(":")[0] in names and not ok()
        ]
        return tuple(broken)
