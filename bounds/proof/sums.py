"""Finite sums ``Sum(f(k), (k, a, b))``: linearity and the telescoping lemma, both checked.

Sums stay unevaluated SymPy ``Sum`` objects; :func:`normalize` splits them by linearity and
pulls out factors free of the index so that equal sums cancel as atoms. Telescoping is a
lemma whose instance is checked here: the summand must be ``D(k+1) - D(k)`` for the ``D``
the step names, and the lemma itself is proved by induction on the upper limit
(:func:`telescoping_lemma_holds`).
"""

from __future__ import annotations

import sympy as sp


def _split_sum(summand: sp.Expr, limits: tuple[sp.Expr, ...]) -> sp.Expr:
    index = limits[0]
    total = sp.Integer(0)
    for term in sp.Add.make_args(sp.expand(summand)):
        coeff, factors = term.as_coeff_mul()
        outside = [f for f in factors if index not in f.free_symbols]
        inside = sp.Mul(*[f for f in factors if index in f.free_symbols])
        if inside == 1:
            # Sum of a constant over a <= k <= b: (b - a + 1) copies.
            total += coeff * sp.Mul(*outside) * (limits[2] - limits[1] + 1)
        else:
            total += coeff * sp.Mul(*outside) * sp.Sum(inside, limits)
    return total


def normalize(expr: sp.Expr) -> sp.Expr:
    """Split every ``Sum`` by linearity (innermost first); other nodes are left alone."""

    def rewrite(node: sp.Expr) -> sp.Expr:
        if isinstance(node, sp.Sum) and len(node.limits) == 1:
            return _split_sum(rewrite(node.function), node.limits[0])
        if node.args and not node.is_Atom:
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
