"""The canonical form every tactic compares: sums split, expectations pushed in, all exact.

``canonical(expr, knowledge)`` applies only identities: SymPy's ``expand``, the sum rules of
:mod:`bounds.proof.sums` and the expectation rules of :mod:`bounds.proof.expectation` under
the declarations the step cites. ``is_zero`` then decides a difference as a rational function
of its atoms (``cancel`` of ``together``), never with ``simplify``'s heuristics.

Identities are identities of rational functions: they hold wherever both sides are defined.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from bounds.proof import expectation, sums
from bounds.proof.expectation import NOTHING_KNOWN, Knowledge


def canonical(expr: sp.Expr, knowledge: Knowledge = NOTHING_KNOWN) -> sp.Expr:
    """``expr`` with sums split and expectations pushed in (as ``knowledge`` allows)."""
    expr = sums.normalize(sp.expand(split_exponents(expr)))
    expr = expectation.normalize(expr, knowledge)
    return sums.normalize(sp.expand(split_exponents(expr)))


def split_exponents(expr: sp.Expr) -> sp.Expr:
    """``b**(n + c)`` as ``b**n * b**c`` for an integer-valued ``n`` and integer constant ``c``.

    SymPy's ``expand`` splits ``b**(k + 1)`` but not ``b**(k - 1)``; without this,
    ``rho * rho**(k - 1)`` and ``rho**k`` would be different atoms. As rational functions
    both sides agree; both are polynomials in ``b`` when the exponents are non-negative
    integers, so they agree at ``b = 0`` too.
    """

    def rule(node: sp.Basic) -> sp.Basic:
        if isinstance(node, sp.Pow) and node.exp.is_Add:
            const, rest = node.exp.as_coeff_Add()
            if const.is_Integer and const != 0 and rest.is_integer:
                return sp.Pow(node.base, rest) * sp.Pow(node.base, const)
        return node

    if not expr.has(sp.Pow):
        return expr
    return expr.replace(lambda n: isinstance(n, sp.Pow) and n.exp.is_Add, rule)


def replace_free(expr: sp.Basic, mapping: Mapping[sp.Basic, sp.Basic]) -> sp.Basic:
    """``expr.xreplace(mapping)`` that leaves the bound variables of sums alone.

    ``xreplace`` is structural: it would rename the index of ``Sum(f(k), (k, 1, K))`` along
    with a free ``k``. Here a sum's own index is never replaced inside it.
    """
    if not mapping:
        return expr
    if expr in mapping:
        return mapping[expr]
    if isinstance(expr, sp.Sum):
        inner = dict(mapping)
        for limit in expr.limits:
            inner.pop(limit[0], None)
        function = replace_free(expr.function, inner)
        limits = [(lim[0], *(replace_free(v, mapping) for v in lim[1:])) for lim in expr.limits]
        return sp.Sum(function, *limits)
    if not expr.args or isinstance(expr, (sp.Symbol, sp.IndexedBase)):
        return expr
    args = [replace_free(a, mapping) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args, strict=True)):
        return expr
    return expr.func(*args)


def substitute(expr: sp.Expr, equations: Mapping[sp.Basic, sp.Expr]) -> sp.Expr:
    """Replace each left side by its right side until nothing changes (at most a few rounds)."""
    for _ in range(6):
        new = replace_free(expr, dict(equations))
        if new == expr:
            break
        expr = new
    return expr


def is_zero(expr: sp.Expr, knowledge: Knowledge = NOTHING_KNOWN) -> bool:
    """Whether ``expr`` is exactly zero as a rational function of its atoms."""
    expr = canonical(expr, knowledge)
    if sp.expand(expr) == 0:
        return True
    return bool(cancel(expr) == 0)


def atoms_as_symbols(expr: sp.Expr) -> tuple[sp.Expr, dict[sp.Symbol, sp.Expr]]:
    """``expr`` with its non-symbol atoms (sums, expectations, applied functions, indexed
    terms, maxima and minima) replaced by fresh symbols, and the map back. Rational-function
    arithmetic is then polynomial arithmetic over symbols, which SymPy does much faster."""
    # Max and Min too: SymPy re-evaluates them (a search for redundant arguments) every time
    # expand or together rebuilds one, which dominated the refutation of false bounds with a Max
    found = expr.atoms(
        sp.Sum,
        sp.core.function.AppliedUndef,
        sp.Indexed,
        expectation.E,
        expectation.Ek,
        sp.Max,
        sp.Min,
    )
    outer = sorted(
        (a for a in found if not any(a != b and b.has(a) for b in found)), key=sp.default_sort_key
    )
    forward = {a: sp.Dummy(f"a{i}", **_assumptions(a)) for i, a in enumerate(outer)}
    return expr.xreplace(forward), {v: k for k, v in forward.items()}


def _assumptions(atom: sp.Expr) -> dict[str, bool]:
    if atom.is_positive:
        return {"positive": True}
    if atom.is_nonnegative:
        return {"nonnegative": True}
    return {"real": True} if atom.is_extended_real else {}


def cancel(expr: sp.Expr) -> sp.Expr:
    """``cancel(together(expr))`` computed with atoms as symbols (same result, faster)."""
    plain, back = atoms_as_symbols(expr)
    return sp.cancel(sp.together(plain)).xreplace(back)


def rewrite_rules(claims: Iterable[object], knowledge: Knowledge) -> dict[sp.Basic, sp.Expr]:
    """Equations among ``claims`` usable as rewrites: ``atom = value`` read left to right.

    An atom is a symbol, an applied function, an indexed term or an expectation; its value may
    be anything. Equations between compound expressions are not rewrites (the tactics that
    reason with inequalities use them instead).
    """
    rules: dict[sp.Basic, sp.Expr] = {}
    for claim in claims:
        if not isinstance(claim, sp.Equality):
            continue
        lhs, rhs = claim.lhs, claim.rhs
        if isinstance(lhs, (expectation.E, expectation.Ek)):
            rules[canonical(lhs, knowledge)] = rhs
        elif lhs.is_Symbol or isinstance(lhs, (sp.Indexed, sp.core.function.AppliedUndef)):
            rules[lhs] = rhs
    return rules
