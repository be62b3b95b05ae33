"""Finite sums ``Sum(f(k), (k, a, b))``: linearity, constants and telescoping, all identities.

Sums stay unevaluated SymPy ``Sum`` objects. SymPy's convention for a reversed range (Karr's:
``Sum(f, (k, a, b)) = -Sum(f, (k, b + 1, a - 1))`` when ``b < a - 1``) makes every rule here an
identity for *all* integer limits: linearity, ``Sum(c, (k, a, b)) = c (b - a + 1)`` for ``c``
free of ``k``, and telescoping ``Sum(D(k+1) - D(k), (k, a, b)) = D(b+1) - D(a)``. What does
*not* hold for reversed ranges is "a sum of non-negative terms is non-negative"; the engine asks
for ``b >= a - 1`` wherever it sums an inequality. Sums whose limits are not integer-valued are
left alone: no rule touches them.
"""

from __future__ import annotations

import sympy as sp


def integer_limits(limits: tuple[sp.Expr, ...]) -> bool:
    """Whether the index is an integer symbol and both limits are integer-valued."""
    index, low, high = limits
    return bool(index.is_integer) and bool(low.is_integer) and bool(high.is_integer)


def _split_sum(summand: sp.Expr, limits: tuple[sp.Expr, ...]) -> sp.Expr:
    index, low, high = limits
    total = sp.Integer(0)
    inside_terms = []
    for term in sp.Add.make_args(sp.expand(summand)):
        coeff, factors = term.as_coeff_mul()
        outside = [f for f in factors if index not in f.free_symbols]
        inside = sp.Mul(*[f for f in factors if index in f.free_symbols])
        if inside == 1:
            total += coeff * sp.Mul(*outside) * (high - low + 1)
        else:
            inside_terms.append((coeff * sp.Mul(*outside), inside))
    total += _telescope(inside_terms, index, low, high)
    return total


def _telescope(
    terms: list[tuple[sp.Expr, sp.Expr]], index: sp.Symbol, low: sp.Expr, high: sp.Expr
) -> sp.Expr:
    """Sum the terms, collapsing pairs ``c D(k+1)`` and ``-c D(k)`` to ``c (D(b+1) - D(a))``."""
    remaining = list(terms)
    total = sp.Integer(0)
    changed = True
    while changed:
        changed = False
        for i, (c_up, up) in enumerate(remaining):
            down = up.subs(index, index - 1)
            for j, (c_down, other) in enumerate(remaining):
                if i != j and sp.expand(other - down) == 0 and sp.expand(c_up + c_down) == 0:
                    total += c_up * (up.subs(index, high) - down.subs(index, low))
                    remaining = [t for n, t in enumerate(remaining) if n not in (i, j)]
                    changed = True
                    break
            if changed:
                break
    for coeff, inside in remaining:
        total += coeff * sp.Sum(inside, (index, low, high))
    return total


def normalize(expr: sp.Expr) -> sp.Expr:
    """Split every ``Sum`` with integer limits by linearity, constants and telescoping."""
    return _telescope_across(_normalize(expr))


def _telescope_across(expr: sp.Expr) -> sp.Expr:
    """Telescope pairs of separate sums with equal limits in a sum of terms."""
    if not expr.is_Add or not expr.has(sp.Sum):
        return expr
    groups: dict[tuple[sp.Expr, ...], list[tuple[sp.Expr, sp.Expr]]] = {}
    rest = []
    for term in expr.args:
        coeff, factors = term.as_coeff_mul()
        sums_ = [f for f in factors if isinstance(f, sp.Sum) and len(f.limits) == 1]
        if len(sums_) == 1 and integer_limits(sums_[0].limits[0]):
            total = sums_[0]
            others = coeff * sp.Mul(*[f for f in factors if f is not total])
            if not others.has(sp.Sum) and not (others.free_symbols & {total.limits[0][0]}):
                groups.setdefault(tuple(total.limits[0]), []).append((others, total.function))
                continue
        rest.append(term)
    out = sp.Add(*rest)
    for limits, terms in groups.items():
        out += _telescope(terms, *limits)
    return out


def _normalize(expr: sp.Expr) -> sp.Expr:
    def rewrite(node: sp.Expr) -> sp.Expr:
        if isinstance(node, sp.Sum) and len(node.limits) == 1:
            inner = rewrite(node.function)
            if integer_limits(node.limits[0]):
                return _split_sum(inner, node.limits[0])
            return sp.Sum(inner, node.limits[0])
        if node.args and not node.is_Atom and not isinstance(node, sp.Indexed):
            return node.func(*(rewrite(a) for a in node.args))
        return node

    return rewrite(expr)


def telescoping_lemma_holds(term: sp.Lambda, index: sp.Symbol, low: sp.Expr) -> bool:
    """Prove ``sum_{k=a}^{b} (D(k+1) - D(k)) = D(b+1) - D(a)`` for all ``b >= a`` by induction.

    Base ``b = a``: the sum has the one term ``D(a+1) - D(a)``. Step: adding the term at
    ``k = b + 1`` to ``D(b+1) - D(a)`` gives ``D(b+2) - D(a)``. Both are exact identities in
    the unevaluated ``D``.
    """
    high = sp.Dummy("b", integer=True)
    base = sp.Sum(term(index + 1) - term(index), (index, low, low)).doit() - (
        term(low + 1) - term(low)
    )
    step = (
        (term(high + 1) - term(low))
        + (term(high + 2) - term(high + 1))
        - (term(high + 2) - term(low))
    )
    return sp.expand(base) == 0 and sp.expand(step) == 0 and index not in term.free_symbols
