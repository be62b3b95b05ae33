"""Teeth: false versions of every statement are shown false exactly, and ``check`` rejects them.

The scheme (issue 11, item 6). :data:`MUTANTS` holds, for each statement L1-L3, T1-T4, C1-C4,
false versions of it: small edits of its ``STATEMENT`` with a short name saying what changed.
Each statement has one of every kind it admits (:data:`KINDS`):

* ``constant``: a constant of the bound changed (``2 Delta -> Delta``, a factor 1/2 dropped);
* ``shrinkage``: the shrinkage forgotten (``q_min -> 1`` in the bound; for the per-step lemmas
  ``q_k`` dropped or taken at ``q_min``; for C1 its ``q_min = 1`` hypothesis dropped);
* ``noise``: a noise term dropped (``sigma_q2`` or ``M`` out of ``S``; for L1, which has no
  noise term, A4's zero-mean noise not assumed);
* ``stepsize``: a weaker stepsize or schedule condition (the cap doubled, or removed, or
  stated for the first step only; or the run taking twice the stepsize the condition bounds),
  where the statement has a condition that bounds the stepsize;
* ``assumption`` (extra): a model assumption dropped (T3 without PL).

With each mutant goes a *witness* (:mod:`tests.exact_instances`): ``F(x) = (h/2) x²`` with
finitely supported rational noises, on which every expected quantity of the statements is a
``Fraction``. Per mutant:

1. every premise of the mutant holds at its witness, checked exactly (its assumptions'
   relations, its hypotheses, and the parts of A1-A5 that are not relations);
2. the mutant's claim fails there, and the true statement's claim holds there; when the
   witness must leave the true statement's premises (a weaker stepsize condition, a dropped
   assumption) the test names exactly which premises it breaks, and the true claim is shown
   on a *fair* instance of the same problem inside them;
3. ``Statement.check()`` of the mutant is not ``proved``, with the module's ``STATEMENT``
   replaced by the mutant; for a sample (:data:`CLI_SAMPLE`, to keep the suite fast)
   ``stepshrink check --only ID`` exits 1 so replaced, and 0 with the true statement.

Every statement with a checked proof must have its mutants here (the true statements' own
checks are ``tests/bounds/theorems/test_proofs.py``), and the moment recursion behind every
run equals an enumeration of all noise paths. A mutant that passed the check would be a
soundness bug of the engine: it must never be weakened here.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.assumptions import le
from bounds.statement import Statement
from bounds.theorems import c2_slowdown as c2
from bounds.theorems import t3_known_q as t3q
from bounds.theorems import t3_pl_fixed as t3
from bounds.theorems import t4_pl_diminishing as t4
from bounds.theorems import t4_sharp as t4s
from bounds.theorems._refined import pl_bound
from stepshrink.cli import main
from tests.exact_instances import Diagonal, Problem, Step, Witness, centred, point

Kind = Literal["constant", "shrinkage", "noise", "stepsize", "assumption"]
#: The kinds every statement must have a mutant of (``stepsize`` only where a condition bounds
#: the stepsize); ``assumption`` (a model assumption dropped) is extra.
KINDS: tuple[Kind, ...] = ("constant", "shrinkage", "noise", "stepsize")

half, quarter = Fraction(1, 2), Fraction(1, 4)

# ----------------------------------------------------------------------------- problems
#: No noise at all: the run is deterministic.
QUIET = Problem(Fraction(1))
#: Only quantization noise, E eps² = 1.
QUANTIZED = Problem(Fraction(1), eps=centred(1))
#: Only additive gradient noise, E xi² = 1.
SAMPLED = Problem(Fraction(1), xi=centred(1))
#: All three noises: M_V = 1/2, M = 1, sigma_q2 = 1/4.
NOISY = Problem(Fraction(1), zeta=centred(half), xi=centred(1), eps=centred(quarter))


# ----------------------------------------------------------------------------- edits
Edit = Callable[[Statement], Statement]


def bound_at(substitution: dict[sp.Symbol, sp.Expr]) -> Edit:
    """The bound with ``substitution`` made (``{Delta: Delta/2}``, ``{q_min: 1}``, ...)."""
    return lambda s: dataclasses.replace(s, bound=s.bound.subs(substitution))


def bound_is(bound: sp.Expr) -> Edit:
    return lambda s: dataclasses.replace(s, bound=bound)


def hypothesis_is(name: str, relation: sp.Basic | None) -> Edit:
    """Hypothesis ``name`` with another relation (``None``: removed)."""

    def edit(s: Statement) -> Statement:
        assert name in {h.name for h in s.hypotheses}, name
        changed = tuple(
            dataclasses.replace(h, relation=relation) if h.name == name else h
            for h in s.hypotheses
            if h.name != name or relation is not None
        )
        return dataclasses.replace(s, hypotheses=changed)

    return edit


def without_relation(assumption: str, name: str) -> Edit:
    """Assumption ``assumption`` without its relation ``name`` (``A3`` without ``q_k >= q_min``)."""

    def edit(s: Statement) -> Statement:
        (kept,) = (a for a in s.assumptions if a.name == assumption)
        assert name in {r.name for r in kept.relations}, name
        weaker = dataclasses.replace(
            kept, relations=tuple(r for r in kept.relations if r.name != name)
        )
        return dataclasses.replace(
            s, assumptions=tuple(weaker if a is kept else a for a in s.assumptions)
        )

    return edit


def without_assumption(name: str) -> Edit:
    def edit(s: Statement) -> Statement:
        assert name in {a.name for a in s.assumptions}, name
        return dataclasses.replace(s, assumptions=tuple(a for a in s.assumptions if a.name != name))

    return edit


#: The true statements with a checked proof (the paper's and the refined ones), taken before
#: any test replaces a module's ``STATEMENT``.
TRUE: dict[str, Statement] = {s.id: s for s in theorems.with_variants() if s.has_proof}


@dataclass(frozen=True)
class Mutant:
    """A false version of a statement and the exact instance that shows it false.

    ``breaks`` names the true statement's premises the witness breaks (empty unless the mutant
    weakened them); then ``fair`` is an instance of the same problem inside those premises.
    """

    statement_id: str
    kind: Kind
    name: str
    edit: Edit
    witness: Witness
    breaks: tuple[str, ...] = ()
    fair: Witness | None = None

    @property
    def true(self) -> Statement:
        """The module's own statement (as imported, whatever a test has put in its place)."""
        return TRUE[self.statement_id]

    @functools.cached_property
    def statement(self) -> Statement:
        """The false statement: :attr:`edit` of the true one, built once."""
        return self.edit(self.true)

    def __str__(self) -> str:
        return f"{self.statement_id}: {self.name}"


def cap(times: int, over: sp.Expr) -> sp.Expr:
    return times * over / (sy.L * sy.M_G)


# ----------------------------------------------------------------------------- the table
def _lemmas() -> list[Mutant]:
    x_k = Fraction(2)
    step = dict(mu_k=half, q_k=half, q_min=half)
    noisy = Witness(NOISY, x_k, step)
    l1 = [
        Mutant(
            "L1",
            "constant",
            "2 mu_k q_k",
            bound_is(sy.x_k - 2 * sy.mu_k * sy.q_k * sy.grad_k),
            noisy,
        ),
        Mutant("L1", "shrinkage", "q_k dropped", bound_is(sy.x_k - sy.mu_k * sy.grad_k), noisy),
        Mutant(
            "L1",
            "noise",
            "A4 dropped (noise mean 1)",
            without_assumption("A4"),
            Witness(dataclasses.replace(NOISY, eps=point(1)), x_k, step),
            breaks=("A4: zero-mean quantization noise",),
            fair=noisy,
        ),
        Mutant(
            "L1",
            "noise",
            "A2 dropped (gradient noise mean 1)",
            without_assumption("A2"),
            Witness(dataclasses.replace(NOISY, xi=point(1)), x_k, step),
            breaks=("A2: zero-mean gradient noise",),
            fair=noisy,
        ),
    ]
    moment = sy.M + sy.M_G * sy.grad_norm2
    at_one = Witness(NOISY, x_k, dict(mu_k=half, q_k=1, q_min=half))
    l2 = [
        Mutant(
            "L2",
            "constant",
            "half of q_k² (M + M_G G)",
            bound_is(sy.q_k**2 * moment / 2 + sy.sigma_q2),
            at_one,
        ),
        Mutant("L2", "noise", "M_G -> 1 (M_V dropped)", bound_at({sy.M_G: 1}), at_one),
        Mutant(
            "L2",
            "shrinkage",
            "q_k² -> q_min²",
            bound_is(sy.q_min**2 * moment + sy.sigma_q2),
            at_one,
        ),
        Mutant("L2", "noise", "sigma_q2 dropped", bound_at({sy.sigma_q2: 0}), at_one),
        Mutant("L2", "noise", "M dropped", bound_at({sy.M: 0}), at_one),
    ]
    one = dict(mu_k=1, q_k=1, q_min=1)
    descent = -sy.mu_k * sy.q_min * sy.grad_norm2 + sy.L * sy.mu_k**2 / 2 * sy.S
    doubled = Witness(QUIET, x_k, dict(mu_k=2, q_k=1, q_min=1))
    l3 = [
        Mutant(
            "L3",
            "constant",
            "factor 1/2 of mu_k q_min G dropped",
            bound_is(descent),
            Witness(QUIET, x_k, one),
        ),
        Mutant(
            "L3",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUIET, x_k, dict(mu_k=1, q_k=half, q_min=half)),
        ),
        Mutant(
            "L3",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), one),
        ),
        Mutant(
            "L3",
            "noise",
            "M dropped from S",
            bound_at({sy.M: 0}),
            Witness(SAMPLED, Fraction(0), one),
        ),
        Mutant(
            "L3",
            "stepsize",
            "cap doubled",
            hypothesis_is("stepsize condition", le(sy.mu_k, cap(2, 1))),
            doubled,
            breaks=("stepsize condition",),
            fair=doubled.with_constants(mu_k=1),
        ),
        Mutant(
            "L3",
            "stepsize",
            "stepsize condition removed",
            hypothesis_is("stepsize condition", None),
            doubled,
            breaks=("stepsize condition",),
            fair=doubled.with_constants(mu_k=1),
        ),
    ]
    return l1 + l2 + l3


def _averages() -> list[Mutant]:
    """T1 and the corollaries that bound the same average (C1, C3, C4)."""
    x1 = Fraction(2)
    full = dict(mu=1, q_min=1, K=2)
    shrunk: dict[str, Fraction | int] = dict(mu=1, q_min=half, K=2)
    doubled = Witness(QUIET, x1, dict(mu=2, q_min=1, K=2))
    fair = doubled.with_constants(mu=1)
    mutants = [
        Mutant(
            "T1",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, full),
        ),
        Mutant(
            "T1", "shrinkage", "q_min -> 1", bound_at({sy.q_min: 1}), Witness(QUIET, x1, shrunk)
        ),
        Mutant(
            "T1",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), full),
        ),
        Mutant(
            "T1",
            "noise",
            "M dropped from S",
            bound_at({sy.M: 0}),
            Witness(SAMPLED, Fraction(0), full),
        ),
        Mutant(
            "T1",
            "stepsize",
            "cap doubled",
            hypothesis_is("stepsize condition", le(sy.mu, cap(2, 1))),
            doubled,
            breaks=("stepsize condition",),
            fair=fair,
        ),
        Mutant(
            "T1",
            "stepsize",
            "stepsize condition removed",
            hypothesis_is("stepsize condition", None),
            doubled,
            breaks=("stepsize condition",),
            fair=fair,
        ),
        Mutant(
            "T1",
            "stepsize",
            "the run takes 2 mu (condition on mu kept)",
            lambda s: dataclasses.replace(s, stepsize=2 * sy.mu),
            Witness(QUIET, x1, full),
        ),
        # C1: T1 at q_min = 1, sigma_q2 = 0, stated as hypotheses.
        Mutant(
            "C1",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, full),
        ),
        Mutant(
            "C1",
            "shrinkage",
            "hypothesis q_min = 1 dropped",
            hypothesis_is("full precision: q_min = 1", None),
            Witness(QUIET, x1, shrunk),
            breaks=("full precision: q_min = 1",),
            fair=Witness(QUIET, x1, full),
        ),
        Mutant(
            "C1",
            "noise",
            "hypothesis sigma_q2 = 0 dropped",
            hypothesis_is("full precision: sigma_q2 = 0", None),
            Witness(QUANTIZED, Fraction(0), full),
            breaks=("full precision: sigma_q2 = 0",),
            fair=Witness(SAMPLED, Fraction(0), full),
        ),
        Mutant(
            "C1", "noise", "M dropped", bound_at({sy.M: 0}), Witness(SAMPLED, Fraction(0), full)
        ),
        Mutant(
            "C1",
            "stepsize",
            "cap doubled",
            hypothesis_is("stepsize condition", le(sy.mu, cap(2, 1))),
            doubled,
            breaks=("stepsize condition",),
            fair=fair,
        ),
        # C3: nominal stepsize mu/q_min under mu <= q_min/(L M_G).
        Mutant(
            "C3",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, dict(mu=half, q_min=half, K=2)),
        ),
        Mutant(
            "C3",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUANTIZED, Fraction(0), dict(mu=quarter, q_min=quarter, K=2)),
        ),
        Mutant(
            "C3",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), dict(mu=half, q_min=half, K=2)),
        ),
        Mutant(
            "C3",
            "stepsize",
            "cap doubled",
            hypothesis_is("compensated stepsize condition", le(sy.mu, cap(2, sy.q_min))),
            # q_k = 1 > q_min: the nominal stepsize mu/q_min = 2 is taken in full.
            Witness(QUIET, x1, dict(mu=1, q_min=half, K=2), shrinkage=lambda k: Fraction(1)),
            breaks=("compensated stepsize condition",),
            fair=Witness(
                QUIET, x1, dict(mu=half, q_min=half, K=2), shrinkage=lambda k: Fraction(1)
            ),
        ),
        # C4: T1's bound under the reference cap mu <= q_min/(L M_G).
        Mutant(
            "C4",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, full),
        ),
        Mutant(
            "C4",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUIET, x1, dict(mu=half, q_min=half, K=4)),
        ),
        Mutant(
            "C4",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), full),
        ),
        Mutant(
            "C4",
            "stepsize",
            "cap doubled",
            hypothesis_is("reference stepsize condition", le(sy.mu, cap(2, sy.q_min))),
            doubled,
            breaks=("reference stepsize condition",),
            fair=fair,
        ),
    ]
    return mutants


def _diminishing() -> list[Mutant]:
    """T2 on the schedule mu_k = 2/(1 + k), and C2 at mu = mu*."""
    x1 = Fraction(2)
    harmonic = tuple(Fraction(2, 1 + k) for k in range(1, 5))
    doubled_schedule = tuple(2 * m for m in harmonic)
    at = dict(q_min=1, K=2)
    mutants = [
        Mutant(
            "T2",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, at, harmonic),
        ),
        Mutant(
            "T2",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUIET, x1, dict(q_min=half, K=2), harmonic),
        ),
        Mutant(
            "T2",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), at, harmonic),
        ),
        Mutant(
            "T2",
            "stepsize",
            "cap doubled",
            hypothesis_is("stepsize condition", le(sy.mu_seq[sy.k], cap(2, 1))),
            Witness(QUIET, x1, at, doubled_schedule),
            breaks=("stepsize condition",),
            fair=Witness(QUIET, x1, at, harmonic),
        ),
        Mutant(
            "T2",
            "stepsize",
            "stepsize condition at the first step only",
            hypothesis_is("stepsize condition", le(sy.mu_seq[1], cap(1, 1))),
            # mu_2 = 4: four times the cap, at the second step.
            Witness(QUIET, x1, at, (half, Fraction(4), Fraction(1))),
            breaks=("stepsize condition",),
            fair=Witness(QUIET, x1, at, (half, Fraction(1), Fraction(1))),
        ),
    ]
    # C2: with L = 1, K = 4, S = 1 and Delta = F(x_1) = 2, mu* = 1 = 1/(L M_G).
    star = dict(q_min=1, K=4)
    both = Problem(Fraction(1), xi=centred(quarter), eps=centred(Fraction(3, 4)))
    # mu* = sqrt(2 Delta/(K L S)) = 2 with Delta = 4 >= F(x_1) = 2, K = 2: twice the cap.
    beyond = Witness(QUANTIZED, x1, dict(q_min=1, K=2, Delta=4))
    mutants += [
        Mutant(
            "C2",
            "constant",
            "factor 2 dropped",
            bound_is(c2.STATEMENT.bound / 2),
            Witness(QUANTIZED, x1, star),
        ),
        Mutant(
            "C2",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUANTIZED, x1, dict(q_min=half, K=4)),
        ),
        Mutant(
            "C2",
            "noise",
            "sigma_q2 dropped from S in the bound",
            bound_at({sy.sigma_q2: 0}),
            Witness(both, x1, star),
        ),
        Mutant(
            "C2",
            "stepsize",
            "regime cap doubled",
            hypothesis_is("noise-dominated regime", le(c2.MU_STAR, cap(2, 1))),
            beyond,
            breaks=("noise-dominated regime",),
            fair=Witness(QUANTIZED, x1, star),
        ),
    ]
    return mutants


def _pl() -> list[Mutant]:
    """T3 (fixed mu) and T4 (mu_k = beta/(gamma + k)), with c = h = L = 1."""
    x1 = Fraction(2)
    floor, rho = t3.FLOOR, t3.CONTRACTION
    fixed = dict(mu=1, q_min=1, c=1, k=2)
    doubled = Witness(QUIET, x1, dict(mu=2, q_min=1, c=1, k=2))
    mutants = [
        Mutant(
            "T3",
            "constant",
            "floor halved (2c -> 4c)",
            bound_is(floor / 2 + rho ** (sy.k - 1) * (sy.F1_gap - floor / 2)),
            Witness(QUANTIZED, Fraction(0), fixed),
        ),
        Mutant(
            "T3",
            "constant",
            "rate 1 - 2 mu c q_min",
            bound_is(floor + (1 - 2 * sy.mu * sy.c * sy.q_min) ** (sy.k - 1) * (sy.F1_gap - floor)),
            Witness(QUIET, x1, dict(mu=quarter, q_min=1, c=1, k=2)),
        ),
        Mutant(
            "T3",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUIET, x1, dict(mu=1, q_min=half, c=1, k=2)),
        ),
        Mutant(
            "T3",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), fixed),
        ),
        Mutant(
            "T3",
            "stepsize",
            "cap doubled",
            hypothesis_is("stepsize condition", le(sy.mu, cap(2, 1))),
            doubled,
            breaks=("stepsize condition",),
            fair=doubled.with_constants(mu=1),
        ),
    ]
    # Without PL, c = 2 > h: the contraction 1 - mu c q_min = -1 makes the bound negative.
    no_pl = Witness(QUIET, x1, dict(mu=1, q_min=1, c=2, k=2))
    mutants.append(
        Mutant(
            "T3",
            "assumption",
            "A5 (PL) dropped",
            without_assumption("A5"),
            no_pl,
            breaks=("A5: c <= L", "A5: PL (c <= h)"),
            fair=no_pl.with_constants(c=1),
        )
    )
    # beta = 2, gamma = 1: mu_1 = 1 = 1/(L M_G), beta c q_min = 2 > 1; beta = 4: mu_1 = 2,
    # twice the first stepsize cap.
    doubled4 = Witness(QUIET, x1, dict(PL_SCHEDULE, beta=4, k=2))
    mutants += pl_diminishing_mutants("T4", t4.NU_NOISE, doubled4)
    return mutants


#: T4's schedule at its first stepsize cap: beta = 2, gamma = 1, so mu_1 = 1 = 1/(L M_G).
PL_SCHEDULE = dict(beta=2, gamma=1, q_min=1, c=1)


def pl_diminishing_mutants(statement_id: str, nu_noise: sp.Expr, doubled: Witness) -> list[Mutant]:
    """T4's four mutants, for T4 or T4.sharp (``nu_noise``: its noise branch of ``nu``);
    ``doubled`` runs at twice the first stepsize cap."""
    x1 = Fraction(2)
    return [
        Mutant(
            statement_id,
            "constant",
            "(gamma + 1) F1_gap -> gamma F1_gap",
            bound_is(sp.Max(nu_noise, sy.gamma * sy.F1_gap) / (sy.gamma + sy.k)),
            Witness(QUIET, x1, dict(PL_SCHEDULE, k=1)),
        ),
        Mutant(
            statement_id,
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUANTIZED, Fraction(0), dict(beta=3, gamma=2, q_min=half, c=1, k=3)),
        ),
        Mutant(
            statement_id,
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), dict(PL_SCHEDULE, k=2)),
        ),
        Mutant(
            statement_id,
            "stepsize",
            "first stepsize cap doubled",
            hypothesis_is("first stepsize condition", le(sy.beta / (sy.gamma + 1), cap(2, 1))),
            doubled,
            breaks=("first stepsize condition",),
            fair=doubled.with_constants(beta=2),
        ),
    ]


# ----------------------------------------------------------------------------- refined
# The refined statements of issue 12. Under the sharp and matrix ones the descent factor
# t = 2 - L mu M_G q_min is kept, so the stepsize cap matters only when q_k > q_min (with
# q_k = q_min the bound holds for every L mu M_G q_min < 2): their stepsize witnesses take
# q_min = 1/2 and q_k = 1. Under a known shrinkage q_k = q the argument needs only
# L mu M_G q < 2 (where t > 0) and t = 0 makes the bound undefined, so doubling the cap is no
# false mutant there; removing it is, at three times the cap.
#: Two coordinates, F = (x_1² + x_2²/4)/2: Lmat = diag(1, 1/4), L = 1, PL with c <= 1/4.
STIFF_FLAT = Diagonal((Problem(Fraction(1)), Problem(quarter)))
#: Gradient noise E xi² = 1 in the flat coordinate only: M = 1 but M_L = 1/4.
FLAT_SAMPLED = Diagonal((Problem(Fraction(1)), Problem(quarter, xi=centred(1))))
#: Quantization noise E eps² = 1 in the flat coordinate only: sigma_q2 = 1, sigma_qL = 1/4.
FLAT_QUANTIZED = Diagonal((Problem(Fraction(1)), Problem(quarter, eps=centred(1))))


def _refined_averages() -> list[Mutant]:
    """T1.sharp, T2.sharp, C3.known_q and T1.matrix: bounds on averages of E‖∇F‖²."""
    x1 = Fraction(2)
    full = dict(mu=1, q_min=1, K=2)
    # q_k = 1 > q_min = 1/2 at twice the cap: phi(q_k) = 0 < phi(q_min).
    beyond = Witness(QUIET, x1, dict(mu=2, q_min=half, K=2), shrinkage=lambda k: Fraction(1))
    mutants = [
        Mutant(
            "T1.sharp",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, full),
        ),
        Mutant(
            "T1.sharp",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUIET, x1, dict(mu=1, q_min=half, K=2)),
        ),
        Mutant(
            "T1.sharp",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), full),
        ),
        Mutant(
            "T1.sharp",
            "stepsize",
            "stepsize condition removed (run at twice the cap)",
            hypothesis_is("stepsize condition", None),
            beyond,
            breaks=("stepsize condition",),
            fair=beyond.with_constants(mu=1),
        ),
    ]
    harmonic = (Fraction(1), Fraction(2, 3))
    at = dict(q_min=1, mu_max=1, K=2)
    doubled = Witness(
        QUIET,
        x1,
        dict(q_min=half, mu_max=2, K=2),
        tuple(2 * m for m in harmonic),
        shrinkage=lambda k: Fraction(1),
    )
    mutants += [
        Mutant(
            "T2.sharp",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, at, harmonic),
        ),
        Mutant(
            "T2.sharp",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(QUIET, x1, dict(at, q_min=half), harmonic),
        ),
        Mutant(
            "T2.sharp",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), at, harmonic),
        ),
        Mutant(
            "T2.sharp",
            "stepsize",
            "cap on mu_max removed (run at twice the cap)",
            hypothesis_is("stepsize condition", None),
            doubled,
            breaks=("stepsize condition",),
            fair=dataclasses.replace(doubled, schedule=harmonic).with_constants(mu_max=1),
        ),
    ]
    # C3.known_q: nominal stepsize mu/q with q_k = q = 1/2, effective stepsize mu.
    known = dict(mu=1, q=half, K=2)
    tripled = Witness(QUIET, x1, dict(known, mu=3))
    mutants += [
        Mutant(
            "C3.known_q",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(QUIET, x1, known),
        ),
        Mutant(
            "C3.known_q",
            "shrinkage",
            "q -> 1 (sigma_q2/q² -> sigma_q2)",
            bound_at({sy.q: 1}),
            Witness(QUANTIZED, Fraction(0), known),
        ),
        Mutant(
            "C3.known_q",
            "noise",
            "M dropped",
            bound_at({sy.M: 0}),
            Witness(SAMPLED, Fraction(0), known),
        ),
        Mutant(
            "C3.known_q",
            "stepsize",
            "stepsize condition removed",
            hypothesis_is("stepsize condition", None),
            tripled,
            breaks=("stepsize condition",),
            fair=Witness(QUIET, x1, known),
        ),
    ]
    # T1.matrix on F = (x_1² + x_2²/4)/2, the noise in the flat coordinate.
    start = (Fraction(2), Fraction(0))
    origin = (Fraction(0), Fraction(0))
    wide = Witness(STIFF_FLAT, start, dict(mu=2, q_min=half, K=2), shrinkage=lambda k: Fraction(1))
    mutants += [
        Mutant(
            "T1.matrix",
            "constant",
            "2 Delta -> Delta",
            bound_at({sy.Delta: sy.Delta / 2}),
            Witness(FLAT_SAMPLED, start, full),
        ),
        Mutant(
            "T1.matrix",
            "shrinkage",
            "q_min -> 1",
            bound_at({sy.q_min: 1}),
            Witness(FLAT_SAMPLED, start, dict(mu=1, q_min=half, K=2)),
        ),
        Mutant(
            "T1.matrix",
            "noise",
            "M_L dropped",
            bound_at({sy.M_L: 0}),
            Witness(FLAT_SAMPLED, origin, full),
        ),
        Mutant(
            "T1.matrix",
            "noise",
            "sigma_qL dropped",
            bound_at({sy.sigma_qL: 0}),
            Witness(FLAT_QUANTIZED, origin, full),
        ),
        Mutant(
            "T1.matrix",
            "stepsize",
            "stepsize condition removed (run at twice the cap)",
            hypothesis_is("stepsize condition", None),
            wide,
            breaks=("stepsize condition",),
            fair=wide.with_constants(mu=1),
        ),
    ]
    return mutants


def _refined_pl() -> list[Mutant]:
    """T3.sharp, T4.sharp, T3.known_q and T3.matrix: bounds on the optimality gap."""
    x1 = Fraction(2)
    fixed = dict(mu=1, q_min=1, c=1, k=2)
    beyond = Witness(QUIET, x1, dict(mu=2, q_min=half, c=1, k=2), shrinkage=lambda k: Fraction(1))
    # q_k = 1/2 below q_min = 1: A3 without q_k >= q_min.
    below = Witness(QUIET, x1, fixed, shrinkage=lambda k: half)
    mutants = [
        Mutant(
            "T3.sharp",
            "constant",
            "F1_gap -> F1_gap/2",
            bound_at({sy.F1_gap: sy.F1_gap / 2}),
            # tight: mu = 1/4 contracts F by 9/16 = 1 - mu (2 - mu).
            Witness(QUIET, x1, dict(fixed, mu=quarter)),
        ),
        Mutant(
            "T3.sharp",
            "shrinkage",
            "A3 without q_k >= q_min",
            without_relation("A3", "A3: q_k >= q_min"),
            below,
            breaks=("A3: q_k >= q_min",),
            fair=below.with_constants(q_min=half),
        ),
        Mutant(
            "T3.sharp",
            "noise",
            "sigma_q2 dropped from S",
            bound_at({sy.sigma_q2: 0}),
            Witness(QUANTIZED, Fraction(0), fixed),
        ),
        Mutant(
            "T3.sharp",
            "stepsize",
            "stepsize condition removed",
            hypothesis_is("stepsize condition", None),
            beyond,
            breaks=("stepsize condition",),
            fair=beyond.with_constants(mu=1),
        ),
    ]
    # beta = 4, gamma = 1: mu_1 = 2, twice the cap, with q_k = 1 > q_min = 1/2 (t_1 = 1).
    first = Witness(
        QUIET, x1, dict(PL_SCHEDULE, beta=4, q_min=half, k=2), shrinkage=lambda k: Fraction(1)
    )
    mutants += pl_diminishing_mutants("T4.sharp", t4s.NU_NOISE, first)
    known = dict(mu=1, q=half, c=1, k=2)
    tripled = Witness(QUIET, x1, dict(mu=3, q=1, c=half, k=2))
    mutants += [
        Mutant(
            "T3.known_q",
            "constant",
            "floor halved (2c -> 4c)",
            bound_is(pl_bound(t3q.FLOOR / 2, t3q.CONTRACTION)),
            Witness(QUANTIZED, Fraction(0), dict(known, q=1)),
        ),
        Mutant(
            "T3.known_q",
            "shrinkage",
            "gradient noise q² M -> q³ M",
            bound_is(pl_bound(t3q.FLOOR.subs(sy.M, sy.q * sy.M), t3q.CONTRACTION)),
            # tight: one step from 0 at q = 1/2 gives E F = mu² q² M/2, the bound at k = 2.
            Witness(SAMPLED, Fraction(0), known),
        ),
        Mutant(
            "T3.known_q",
            "noise",
            "M dropped",
            bound_at({sy.M: 0}),
            Witness(SAMPLED, Fraction(0), known),
        ),
        Mutant(
            "T3.known_q",
            "stepsize",
            "effective stepsize condition removed",
            hypothesis_is("effective stepsize condition", None),
            # mu q L M_G = 3, c = 1/2 < h: F grows by 4 a step, the bound by 1 + 3c = 5/2.
            tripled,
            breaks=("effective stepsize condition",),
            fair=tripled.with_constants(mu=1),
        ),
    ]
    start, origin = (Fraction(2), Fraction(0)), (Fraction(0), Fraction(0))
    flat_start = (Fraction(0), Fraction(2))
    matrix = dict(mu=1, q_min=1, c=quarter, k=2)
    slow = Witness(STIFF_FLAT, flat_start, matrix, shrinkage=lambda k: half)
    wide = Witness(
        STIFF_FLAT, start, dict(matrix, mu=2, q_min=half), shrinkage=lambda k: Fraction(1)
    )
    mutants += [
        Mutant(
            "T3.matrix",
            "constant",
            "F1_gap -> F1_gap/2",
            bound_at({sy.F1_gap: sy.F1_gap / 2}),
            Witness(STIFF_FLAT, flat_start, matrix),
        ),
        Mutant(
            "T3.matrix",
            "shrinkage",
            "A3 without q_k >= q_min",
            without_relation("A3", "A3: q_k >= q_min"),
            slow,
            breaks=("A3: q_k >= q_min",),
            fair=slow.with_constants(q_min=half),
        ),
        Mutant(
            "T3.matrix",
            "noise",
            "sigma_qL dropped",
            bound_at({sy.sigma_qL: 0}),
            Witness(FLAT_QUANTIZED, origin, matrix),
        ),
        Mutant(
            "T3.matrix",
            "stepsize",
            "stepsize condition removed",
            hypothesis_is("stepsize condition", None),
            wide,
            breaks=("stepsize condition",),
            fair=wide.with_constants(mu=1),
        ),
    ]
    return mutants


MUTANTS: tuple[Mutant, ...] = (
    *_lemmas(),
    *_averages(),
    *_diminishing(),
    *_pl(),
    *_refined_averages(),
    *_refined_pl(),
)


def _bounds_the_stepsize(statement: Statement) -> bool:
    """Whether a stepsize condition bounds the stepsize from above (not just ``mu > 0``)."""
    return any(
        not (isinstance(h.relation, sp.StrictGreaterThan) and h.relation.rhs == 0)
        for h in statement.stepsize_conditions
    )


# ----------------------------------------------------------------------------- tests
def test_moment_recursion_equals_the_enumeration_of_all_paths() -> None:
    steps = [Step(half, half), Step(Fraction(1, 3), Fraction(3, 4)), Step(quarter, Fraction(1))]
    biased = dataclasses.replace(NOISY, eps=point(1))
    for problem in (NOISY, biased, QUANTIZED):
        assert problem.moments(Fraction(2), steps) == problem.path_moments(Fraction(2), steps)
    assert NOISY.unbiased
    assert not biased.unbiased
    assert (NOISY.M, NOISY.M_V, NOISY.sigma_q2) == (1, half, quarter)


#: Every statement ``stepshrink check`` proves: each must have its mutants here.
PROVED: tuple[str, ...] = tuple(s.id for s in theorems.with_variants() if s.has_proof)


def test_every_statement_with_a_proof_has_mutants() -> None:
    assert set(PROVED) >= set(theorems.IDS)
    assert {m.statement_id for m in MUTANTS} == set(PROVED)


@pytest.mark.parametrize("statement_id", PROVED)
def test_every_statement_has_a_mutant_of_each_kind_it_admits(statement_id: str) -> None:
    statement = TRUE[statement_id]
    mine = [m for m in MUTANTS if m.statement_id == statement_id]
    wanted = set(KINDS) if _bounds_the_stepsize(statement) else set(KINDS) - {"stepsize"}
    assert len(mine) >= 3
    assert {m.kind for m in mine} - {"assumption"} == wanted
    assert len({m.name for m in mine}) == len(mine)
    # Each mutant is a real change of the statement.
    assert all(m.statement != statement for m in mine)


@pytest.mark.parametrize("mutant", MUTANTS, ids=str)
def test_witness_meets_every_premise_of_the_mutant(mutant: Mutant) -> None:
    assert mutant.witness.violated(mutant.statement) == ()


@pytest.mark.parametrize("mutant", MUTANTS, ids=str)
def test_mutant_is_false_and_the_statement_true_on_the_witness(mutant: Mutant) -> None:
    assert not mutant.witness.claim_holds(mutant.statement)
    assert mutant.witness.violated(mutant.true) == mutant.breaks
    if mutant.breaks:
        assert mutant.fair is not None
        assert mutant.fair.violated(mutant.true) == ()
        assert mutant.fair.claim_holds(mutant.true)
    else:
        assert mutant.witness.claim_holds(mutant.true)


@pytest.mark.parametrize("mutant", MUTANTS, ids=str)
def test_check_rejects_the_mutant(mutant: Mutant, monkeypatch: pytest.MonkeyPatch) -> None:
    false = mutant.statement
    monkeypatch.setattr(theorems.module_of(mutant.statement_id), "STATEMENT", false)
    report = false.check()
    assert report.status != "proved", f"{mutant} passed the check (a soundness bug)"


#: Mutants also run through the command line (a sample: the check above covers every one),
#: each with its true statement, which must still check: the same command can fail and pass.
CLI_SAMPLE = ("L2: sigma_q2 dropped", "T1: sigma_q2 dropped from S", "C3: 2 Delta -> Delta")


@pytest.mark.parametrize("name", CLI_SAMPLE)
def test_stepshrink_check_rejects_the_mutant_and_accepts_the_statement(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (mutant,) = (m for m in MUTANTS if str(m) == name)
    assert main(["check", "--only", mutant.statement_id]) == 0, capsys.readouterr().out
    capsys.readouterr()
    false = mutant.statement
    monkeypatch.setattr(theorems.module_of(mutant.statement_id), "STATEMENT", false)
    assert theorems.get(mutant.statement_id) is false
    status = main(["check", "--only", mutant.statement_id])
    out, err = capsys.readouterr()
    assert status == 1, f"{mutant} passed the check (a soundness bug):\n{out}{err}"
    assert "SOME PROOFS DO NOT CHECK" in out
