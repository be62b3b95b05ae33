"""The :class:`Statement` type: one lemma, theorem or corollary as data.

A statement holds its hypotheses as named SymPy relations, the quantity it bounds (a symbol
from :mod:`bounds.symbols` plus a display form), the bound as a SymPy expression, and its
reference. It evaluates the bound on NumPy arrays (lambdified once per expression and cached),
names the hypotheses a set of numbers breaks, and computes its floor (the limit of the bound as
the horizon grows) with SymPy rather than storing it.

Stepsize sequences: a bound may contain sums ``Sum(f(mu_seq[k]), (k, 1, K))`` over the sequence
``mu_seq`` (T2). Such a statement takes the sequence under the keyword ``mu`` (a schedule from
:mod:`bounds.schedules`, a float, or an array ``mu[k-1]`` of at least ``max(K)`` entries) or as
``beta, gamma`` (``mu_k = beta/(gamma + k)``); the sums are evaluated as cumulative sums, so
``K`` may be an array too. A hypothesis on ``mu_seq[k]`` is read "for all k <= K" and checked
on the largest ``mu_k`` up to ``K``.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import sympy as sp
from numpy.typing import NDArray

from bounds import symbols as sy
from bounds.assumptions import Assumption, Hypothesis
from bounds.numeric import evaluate
from bounds.proof import Fact, Premises, Proof, ProofReport, Result, Schema
from plumbing.memory import FLOAT_BYTES, check_fits

__all__ = ["RELATIVE_TOLERANCE", "Statement"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

RELATIVE_TOLERANCE = 8 * float(np.finfo(np.float64).eps)
"""Slack granted to non-strict relations and equalities when checked in floating point, so
that a stepsize computed as ``1/(L*M_G)`` in another order than the relation still counts as
meeting ``mu <= 1/(L M_G)``. Strict relations get no slack."""


def _constant_names(expr: sp.Basic) -> set[str]:
    """Names of the constants in ``expr``; a sequence term ``mu_seq[k]`` is not a constant."""
    plain = expr.replace(lambda e: isinstance(e, sp.Indexed), lambda e: sp.Dummy())
    return {s.name for s in plain.free_symbols if type(s) is sp.Symbol}


def _numeric(expr: sp.Basic, values: Mapping[sp.Symbol, Any]) -> FloatArray:
    # the float64 nearest the true value, even where float64 intermediates overflow
    return evaluate(expr, values)


def _holds(relation: sp.core.relational.Relational, values: Mapping[sp.Symbol, Any]) -> BoolArray:
    lhs = np.asarray(_numeric(relation.lhs, values), dtype=np.float64)
    rhs = np.asarray(_numeric(relation.rhs, values), dtype=np.float64)
    slack = RELATIVE_TOLERANCE * (np.abs(lhs) + np.abs(rhs))
    if isinstance(relation, sp.StrictLessThan):
        return np.asarray(lhs < rhs)
    if isinstance(relation, sp.StrictGreaterThan):
        return np.asarray(lhs > rhs)
    if isinstance(relation, sp.LessThan):
        return np.asarray(lhs <= rhs + slack)
    if isinstance(relation, sp.GreaterThan):
        return np.asarray(lhs >= rhs - slack)
    if isinstance(relation, sp.Equality):
        return np.asarray(np.abs(lhs - rhs) <= slack)
    raise TypeError(f"unsupported relation {relation}")  # pragma: no cover - built in-house


@functools.lru_cache(maxsize=64)
def _as_lemma(statement: Statement) -> Result:
    return Result(statement.id, statement.proof(), statement.premises(), statement.claim())


@dataclass(frozen=True)
class Statement:
    """A lemma, theorem or corollary: hypotheses, bounded quantity, bound, reference.

    Attributes
    ----------
    id : str
        ``"L1"`` ... ``"C4"`` (variants: ``"T2.harmonic"``).
    title : str
        A few words.
    kind : {"lemma", "theorem", "corollary"}
    module : str
        Dotted name of the module holding the statement (its docstring is the statement in
        math; the proof checker attaches ``proof()`` there).
    assumptions : tuple of Assumption
        The model assumptions the result rests on.
    hypotheses : tuple of Hypothesis
        The result's own conditions (stepsize conditions, schedule conditions).
    quantity : sympy.Symbol
        Stands for the bounded quantity (from :data:`bounds.symbols.QUANTITIES`).
    quantity_text, quantity_latex : str
        The bounded quantity written out, plain and LaTeX.
    bound : sympy.Expr
        The right-hand side.
    relation : {"<=", "=="}
        ``quantity <= bound`` or ``quantity == bound`` (Lemma 1).
    horizon : sympy.Symbol or None
        ``K`` or ``k``, the symbol the floor is the limit in; ``None`` for per-step lemmas.
    rate : sympy.Expr or None
        The order of the transient part: ``(bound - floor)/rate`` tends to a finite non-zero
        limit as the horizon grows.
    contraction : sympy.Expr or None
        The linear-rate factor (T3: ``1 - mu c q_min``), which the hypotheses keep in
        ``[0, 1)``.
    references : tuple of str
        Numbered references with theorem numbers.
    extras : tuple of (str, sympy.Expr)
        Named auxiliary expressions (e.g. Lemma 3 before its stepsize condition).
    variants : tuple of Statement
        Explicit specialisations (T2 for two schedule families).
    stepsize : sympy.Expr or None
        The nominal stepsize the run takes at step ``k`` (``mu``, ``mu_k``, ``mu/q_min``,
        ``beta/(gamma + k)``): the model's facts (:func:`bounds.model.facts`) are stated for it.
    quantity_expr : sympy.Expr or None
        The bounded quantity in the model's terms (``Sum(EG(k), (k, 1, K))/K`` for T1): the
        proof must conclude ``quantity_expr <relation> bound`` exactly.
    definitions : tuple of (str, sympy.Equality)
        Named definitions ``symbol = expression`` of new names the proof uses (T4's ``nu``);
        the checker makes sure they add no content.
    """

    id: str
    title: str
    kind: Literal["lemma", "theorem", "corollary"]
    module: str
    assumptions: tuple[Assumption, ...]
    hypotheses: tuple[Hypothesis, ...]
    quantity: sp.Symbol
    quantity_text: str
    quantity_latex: str
    bound: sp.Expr
    relation: Literal["<=", "=="] = "<="
    horizon: sp.Symbol | None = None
    rate: sp.Expr | None = None
    contraction: sp.Expr | None = None
    references: tuple[str, ...] = ()
    extras: tuple[tuple[str, sp.Expr], ...] = ()
    variants: tuple[Statement, ...] = ()
    stepsize: sp.Expr | None = None
    quantity_expr: sp.Expr | None = None
    definitions: tuple[tuple[str, sp.Basic], ...] = ()

    # ------------------------------------------------------------------ structure
    @property
    def docstring(self) -> str:
        """The statement in math: the docstring of :attr:`module`."""
        return importlib.import_module(self.module).__doc__ or ""

    @property
    def uses_sequence(self) -> bool:
        """Whether the bound sums over the stepsize sequence ``mu_seq``."""
        return bool(self.bound.has(sy.mu_seq))

    @property
    def stepsize_conditions(self) -> tuple[Hypothesis, ...]:
        """The hypotheses that constrain a stepsize."""
        return tuple(h for h in self.hypotheses if h.kind == "stepsize")

    @property
    def constants(self) -> tuple[str, ...]:
        """Names of the constants the bound and the hypotheses involve, sorted."""
        exprs = [self.bound, *(h.relation for h in self.hypotheses)]
        return tuple(sorted(set().union(*(_constant_names(e) for e in exprs))))

    @property
    def all_hypotheses(self) -> tuple[Hypothesis, ...]:
        """The assumptions' relations on this statement's constants, then its own hypotheses."""
        used = set(self.constants)
        inherited = tuple(
            h for a in self.assumptions for h in a.relations if _constant_names(h.relation) <= used
        )
        return inherited + self.hypotheses

    def hypothesis(self, name: str) -> Hypothesis:
        """The hypothesis called ``name`` (among :attr:`all_hypotheses`)."""
        for h in self.all_hypotheses:
            if h.name == name:
                return h
        names = ", ".join(h.name for h in self.all_hypotheses)
        raise ValueError(f"{self.id} has no hypothesis {name!r}; it has: {names}")

    def extra(self, name: str) -> sp.Expr:
        """The auxiliary expression called ``name``."""
        for key, expr in self.extras:
            if key == name:
                return expr
        raise ValueError(f"{self.id} has no expression {name!r}; it has: {dict(self.extras)}")

    def variant(self, name: str) -> Statement:
        """The variant whose id ends in ``.name`` (e.g. ``"harmonic"`` for ``T2.harmonic``)."""
        for v in self.variants:
            if v.id == f"{self.id}.{name}":
                return v
        raise ValueError(f"{self.id} has no variant {name!r}; ids: {[v.id for v in self.variants]}")

    # ------------------------------------------------------------------ proof
    def premises(self) -> Premises:
        """Everything the statement grants its proof, by name.

        The assumptions' relations and the statement's hypotheses (a relation on a quantity of
        one step, such as ``q_min <= q_k``, belongs to the step schema); the facts the algorithm
        and each declared assumption contribute for :attr:`stepsize`
        (:func:`bounds.model.facts`); the definitions.
        """
        from bounds import model

        facts: dict[str, Fact] = {}
        for h in (*(r for a in self.assumptions for r in a.relations), *self.hypotheses):
            if h.for_all is not None:
                index, first, last = h.for_all
                schema = Schema(index, first, last, (), f"{index} = {first}..{last}")
                facts[h.name] = Fact(h.relation, schema)
            elif model.mentions_locals(h.relation):
                facts[h.name] = Fact(h.relation, model.STEP)
            else:
                facts[h.name] = Fact(h.relation)
        if self.stepsize is not None:
            sources = ("model", *(a.name for a in self.assumptions))
            for source in sources:
                facts.update(model.facts(source, self.stepsize))
        for name, definition in self.definitions:
            facts[name] = Fact(definition, definition=True)
        return Premises(facts)

    @property
    def nominal_stepsize(self) -> sp.Expr:
        """:attr:`stepsize`, for a proof that needs one (a ``ValueError`` if it is not set)."""
        if self.stepsize is None:
            raise ValueError(f"{self.id} does not say which stepsize its run takes")
        return self.stepsize

    def claim(self) -> sp.Basic:
        """``quantity_expr <relation> bound``: what the proof must conclude."""
        if self.quantity_expr is None:
            raise ValueError(f"{self.id} does not say what its quantity is in the model")
        rel = sp.Eq if self.relation == "==" else sp.Le
        return rel(self.quantity_expr, self.bound, evaluate=False)

    @property
    def has_proof(self) -> bool:
        """Whether the statement's module builds a proof for it."""
        return self.quantity_expr is not None and hasattr(
            importlib.import_module(self.module), "proof"
        )

    def proof(self) -> Proof:
        """The checked proof, built from this statement by its module's ``proof(statement)``."""
        if not self.has_proof:
            raise ValueError(f"{self.id} has no checked proof")
        built: Proof = importlib.import_module(self.module).proof(self)
        return built

    def check(self) -> ProofReport:
        """Check :meth:`proof` against :meth:`premises` and :meth:`claim` (see
        :func:`bounds.proof.check`): ``check().status == "proved"`` means the statement as it is
        now (its hypotheses, assumptions and bound) is proved.

        The check is the one :meth:`as_lemma` gets wherever another proof cites this statement,
        done once per statement object (T1 is checked once, not again inside C1-C3).
        """
        from bounds.proof.engine import check_result

        return check_result(self.as_lemma())[0]

    def as_lemma(self) -> Result:
        """This statement with its proof, for another proof to cite by :attr:`id`.

        The same statement gives the same object, so the checker checks it once.
        """
        return _as_lemma(self)

    # ------------------------------------------------------------------ symbolic
    @functools.cached_property
    def floor(self) -> sp.Expr | None:
        """``lim bound`` as the horizon tends to infinity (computed, not stored).

        ``None`` for per-step lemmas. With a :attr:`contraction` ``rho``, the hypotheses keep
        ``0 <= rho < 1``; SymPy cannot know that from symbol assumptions, so ``rho`` is written
        as ``1/(1 + t)`` with ``t > 0`` for the limit (``rho = 0`` has the same limit).
        """
        if self.horizon is None:
            return None
        if self.bound.has(sp.Sum):
            # Limits of the summation stay symbolic: the floor keeps the infinite series.
            return sp.simplify(self.bound.subs(self.horizon, sp.oo))
        expr = self.bound
        if self.contraction is not None:
            t = sp.Dummy("t", positive=True)
            expr = expr.subs(self.contraction, 1 / (1 + t))
            limit = sp.limit(expr, self.horizon, sp.oo)
            return sp.simplify(limit.subs(t, 1 / self.contraction - 1))
        return sp.simplify(sp.limit(expr, self.horizon, sp.oo))

    def latex(self) -> str:
        """The statement as one LaTeX line: hypotheses, then ``quantity <= bound``."""
        conditions = ",\\ ".join(h.latex() for h in self.hypotheses)
        op = "=" if self.relation == "==" else "\\le"
        claim = f"{self.quantity_latex} {op} {sp.latex(self.bound)}"
        return f"{conditions} \\implies {claim}" if conditions else claim

    # ------------------------------------------------------------------ numeric
    def _values(self, constants: Mapping[str, Any], *, domain_check: bool) -> dict[sp.Symbol, Any]:
        given = dict(constants)
        sequence = given.pop("mu", None) if self.uses_sequence else None
        for h in self.hypotheses:
            # C1's q_min = 1, sigma_q2 = 0: a model hypothesis that fixes a constant fills it in.
            rel = h.relation
            if h.kind == "model" and isinstance(rel, sp.Equality) and rel.rhs.is_number:
                given.setdefault(str(rel.lhs), float(rel.rhs))
        given = sy.complete(given)
        if domain_check:
            arrays = sy.validate(given)
        else:
            unknown = set(given) - set(sy.SYMBOLS)
            if unknown:
                raise ValueError(f"unknown constants {sorted(unknown)}; known: {list(sy.SYMBOLS)}")
            arrays = {n: np.asarray(v, dtype=np.float64) for n, v in given.items()}
        missing = sorted(set(self.constants) - set(arrays))
        if self.uses_sequence and sequence is None and not {"beta", "gamma"} <= set(arrays):
            missing.append("mu (a schedule) or beta and gamma")
        if missing:
            raise ValueError(f"{self.id} needs the constants: {', '.join(missing)}")
        values: dict[sp.Symbol, Any] = {sy.SYMBOLS[n]: a for n, a in arrays.items()}
        if self.uses_sequence:
            values[sy.mu_seq] = self._sequence_values(sequence, arrays)
        return values

    @staticmethod
    def _sequence_values(sequence: Any, arrays: Mapping[str, FloatArray]) -> FloatArray:
        horizon = int(np.max(arrays["K"]))
        # the sums are cumulative sums over a table of mu_k, k = 1..K (a few such tables)
        rows = float(np.prod(np.broadcast_shapes(*(a.shape for a in arrays.values()))))
        check_fits(6.0 * rows * horizon * FLOAT_BYTES, f"summing mu_k over k = 1..K = {horizon}")
        steps = np.arange(1, horizon + 1, dtype=np.float64)
        if sequence is None:
            return np.asarray(
                arrays["beta"][..., None] / (arrays["gamma"][..., None] + steps), dtype=np.float64
            )
        if np.ndim(sequence) == 0 and not callable(sequence):
            from bounds.schedules import as_schedule

            sequence = as_schedule(sequence)
        if callable(sequence):
            mus = np.asarray(sequence(steps), dtype=np.float64)
            if mus.shape != steps.shape or not np.all(np.isfinite(mus)) or np.any(mus <= 0):
                raise ValueError("mu must map k = 1..K to finite stepsizes mu_k > 0")
            return mus
        table = np.asarray(sequence, dtype=np.float64)
        if table.shape[-1] < horizon:
            raise ValueError(f"mu must list at least max(K) = {horizon} stepsizes (mu[k-1])")
        if not np.all(np.isfinite(table)) or np.any(table <= 0):
            raise ValueError("mu must satisfy mu_k > 0 (nominal stepsize) for every k")
        return np.asarray(table[..., :horizon])

    @staticmethod
    def _eval(
        expr: sp.Basic, values: Mapping[sp.Symbol, Any]
    ) -> tuple[sp.Basic, Mapping[sp.Symbol, Any]]:
        """Replace sums over ``mu_seq`` and bare ``mu_seq[k]`` by dummies with numeric values."""
        if not expr.has(sy.mu_seq):
            return expr, values
        mus = np.asarray(values[sy.mu_seq])
        steps = np.arange(1, mus.shape[-1] + 1, dtype=np.float64)
        index = (np.asarray(values[sy.K]) - 1).astype(np.int64)
        mk = sp.Dummy("mu_k", positive=True)
        replacements: dict[sp.Basic, sp.Basic] = {}

        def gather(table: FloatArray) -> FloatArray:
            shape = np.broadcast_shapes(table.shape[:-1], index.shape)
            table = np.broadcast_to(table, (*shape, table.shape[-1]))
            at = np.broadcast_to(index, shape)[..., None]
            return np.asarray(np.take_along_axis(table, at, axis=-1)[..., 0])

        numeric: dict[sp.Symbol, Any] = dict(values)
        for total in expr.atoms(sp.Sum):
            term = total.function.subs(sy.mu_seq[sy.k], mk)
            inner = {s: np.asarray(v)[..., None] for s, v in values.items() if s != sy.mu_seq}
            inner.update({mk: mus, sy.k: steps})
            dummy = sp.Dummy("sum")
            terms = np.broadcast_to(_numeric(term, inner), np.broadcast_shapes(mus.shape))
            numeric[dummy] = gather(np.cumsum(terms, axis=-1))
            replacements[total] = dummy
        if expr.subs(replacements).has(sy.mu_seq):
            # "for all k <= K": a hypothesis mu_k <= cap is checked on the largest step.
            dummy = sp.Dummy("max_mu_k")
            numeric[dummy] = gather(np.maximum.accumulate(mus, axis=-1))
            replacements[sy.mu_seq[sy.k]] = dummy
        return expr.subs(replacements), numeric

    def hypothesis_mask(self, **constants: Any) -> dict[str, BoolArray]:
        """Where each hypothesis holds, elementwise over the broadcast constants.

        Parameters
        ----------
        **constants : array_like
            Keyword name of :data:`bounds.symbols.SYMBOLS` -> number or array. Extra known
            constants are allowed and ignored; ``M_G``/``M_V`` and ``sigma2`` are completed by
            :func:`bounds.symbols.complete`.

        Returns
        -------
        dict of str to ndarray of bool
            Hypothesis name -> mask (shape of the broadcast constants used by it).
        """
        values = self._values(constants, domain_check=False)
        masks: dict[str, BoolArray] = {}
        for h in self.all_hypotheses:
            relation, numeric = self._eval(h.relation, values)
            masks[h.name] = _holds(relation, numeric)
        return masks

    def violated_hypotheses(self, **constants: Any) -> tuple[str, ...]:
        """Names of the hypotheses the numbers break (anywhere, if arrays are given).

        Scalar answer on purpose: a name is listed when at least one element of the broadcast
        arrays breaks it; :meth:`hypothesis_mask` gives the elementwise picture. Domain rules
        inherited from A1-A5 (``q_min <= 1``, ``c <= L``, ...) are reported like the others.

        Raises
        ------
        ValueError
            Only for unknown or missing constants.
        """
        masks = self.hypothesis_mask(**constants)
        return tuple(name for name, mask in masks.items() if not np.all(mask))

    def evaluate(self, **constants: Any) -> Any:
        """The bound at the given numbers, vectorized over NumPy arrays.

        Domains and hypotheses are checked first; :meth:`evaluate_unchecked` skips the checks.

        Parameters
        ----------
        **constants : array_like
            One value or array per constant in :attr:`constants` (plus, for sequence
            statements, ``mu`` as a schedule, float, callable or array, or ``beta`` and
            ``gamma``). Arrays broadcast against each other. Extra known constants are ignored.

        Returns
        -------
        numpy.float64 or ndarray of float64
            The bound, in the units of :attr:`quantity`; shape of the broadcast inputs.

        Raises
        ------
        ValueError
            Naming the constant and the rule it breaks (domain), or the hypothesis and the
            constants it involves (e.g. ``"stepsize condition" mu <= 1/(L*M_G)``).
        """
        values = self._values(constants, domain_check=True)
        for h in self.all_hypotheses:
            relation, numeric = self._eval(h.relation, values)
            if not np.all(_holds(relation, numeric)):
                involved = ", ".join(sorted(_constant_names(h.relation)))
                raise ValueError(
                    f"{self.id}: hypothesis {h.name!r} ({h.relation}) fails for the given "
                    f"{involved}"
                )
        return self._formula(values)

    def evaluate_unchecked(self, **constants: Any) -> Any:
        """The formula of the bound anywhere (e.g. past a stepsize condition, for plots).

        Same arguments and result as :meth:`evaluate`, without domain or hypothesis checks:
        outside the hypotheses the number is not a bound on anything, and may be inf or nan.
        """
        return self._formula(self._values(constants, domain_check=False))

    def _formula(self, values: Mapping[sp.Symbol, Any]) -> Any:
        bound, numeric = self._eval(self.bound, values)
        result = np.asarray(_numeric(bound, numeric), dtype=np.float64)
        return result[()]
