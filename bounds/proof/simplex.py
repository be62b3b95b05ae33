"""Exact two-phase simplex over the rationals (Bland's rule), for equality-form LPs.

``minimize c.x  subject to  A x = b, x >= 0``. SymPy's ``sympy.solvers.simplex.linprog``
(1.14.0) is the natural tool, but on the degenerate coefficient-matching LP of Lemma 3's
certificate (28 equalities, 57 columns) it returned a point violating five of the equalities
with a claimed optimum, both through ``A_eq`` and through paired inequalities; so this module
solves them, and every answer is re-verified by exact expansion anyway. Bland's
smallest-index rule guarantees termination under degeneracy.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


class Infeasible(Exception):
    """The equality system has no non-negative solution."""


def _pivot(tableau: list[list[Fraction]], row: int, col: int) -> None:
    pivot_row = tableau[row]
    inv = 1 / pivot_row[col]
    tableau[row] = pivot_row = [v * inv for v in pivot_row]
    for r, other in enumerate(tableau):
        if r != row and other[col] != 0:
            factor = other[col]
            tableau[r] = [a - factor * p for a, p in zip(other, pivot_row, strict=False)]


def _optimize(tableau: list[list[Fraction]], basis: list[int], allowed: int) -> None:
    """Minimise the last row's objective over columns ``< allowed`` (Bland's rule)."""
    m = len(basis)
    while True:
        cost = tableau[m]
        col = next((j for j in range(allowed) if cost[j] < 0), None)
        if col is None:
            return
        best: tuple[Fraction, int] | None = None
        row = -1
        for r in range(m):
            a = tableau[r][col]
            if a > 0:
                key = (tableau[r][-1] / a, basis[r])
                if best is None or key < best:
                    best, row = key, r
        if row < 0:
            # Unbounded objective: the feasible point found so far is all we need.
            return
        _pivot(tableau, row, col)
        basis[row] = col


def solve(
    cost: Sequence[Fraction | int],
    rows: Sequence[Sequence[Fraction | int]],
    rhs: Sequence[Fraction | int],
) -> list[Fraction]:
    """A non-negative ``x`` with ``rows @ x == rhs`` minimising ``cost @ x`` (exact).

    A floating-point LP (SciPy's HiGHS) is asked first for a vertex; its support is then
    solved exactly in rationals and kept only if the exact solution is non-negative and
    satisfies every equation; otherwise the exact simplex below decides. When HiGHS reports
    the LP infeasible that is taken as the answer: an LP wrongly called infeasible only costs
    a certificate (the claim stays unproved), never soundness. The vertex found first may be
    feasible rather than optimal: certificates need only feasibility, the cost just steers
    which one is found.

    Raises
    ------
    Infeasible
        If no non-negative solution exists.
    """
    guided = _float_guided(cost, rows, rhs)
    if guided == "infeasible":
        raise Infeasible("no non-negative solution (HiGHS)")
    if isinstance(guided, list):
        return guided
    return _exact(cost, rows, rhs)


def _float_guided(
    cost: Sequence[Fraction | int],
    rows: Sequence[Sequence[Fraction | int]],
    rhs: Sequence[Fraction | int],
) -> list[Fraction] | str | None:
    import numpy as np
    from scipy.optimize import linprog

    n = len(cost)
    if n == 0 or not rows:
        return None
    a = np.array([[float(v) for v in row] for row in rows])
    b = np.array([float(v) for v in rhs])
    result = linprog(
        np.array([float(c) for c in cost]), A_eq=a, b_eq=b, bounds=(0, None), method="highs-ds"
    )
    if result.status == 2:
        return "infeasible"
    if result.status != 0:
        return None
    support = [j for j in range(n) if result.x[j] > 1e-9]
    values = _solve_exactly(rows, rhs, support)
    if values is None or any(v < 0 for v in values):
        return None
    x = [Fraction(0)] * n
    for j, v in zip(support, values, strict=True):
        x[j] = v
    exact_rows = [[Fraction(v) for v in row] for row in rows]
    if any(
        sum((row[j] * x[j] for j in support), Fraction(0)) != Fraction(b_i)
        for row, b_i in zip(exact_rows, rhs, strict=True)
    ):
        return None
    return x


def _solve_exactly(
    rows: Sequence[Sequence[Fraction | int]], rhs: Sequence[Fraction | int], support: list[int]
) -> list[Fraction] | None:
    """The solution of ``rows[:, support] @ y = rhs`` by exact Gaussian elimination, or
    ``None`` when the columns are dependent or the system is inconsistent."""
    m, k = len(rows), len(support)
    matrix = [[Fraction(rows[r][j]) for j in support] + [Fraction(rhs[r])] for r in range(m)]
    pivot_rows: list[int] = []
    row = 0
    for col in range(k):
        pivot = next((r for r in range(row, m) if matrix[r][col] != 0), None)
        if pivot is None:
            return None
        matrix[row], matrix[pivot] = matrix[pivot], matrix[row]
        inv = 1 / matrix[row][col]
        matrix[row] = [v * inv for v in matrix[row]]
        for r in range(m):
            if r != row and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * p for a, p in zip(matrix[r], matrix[row], strict=True)]
        pivot_rows.append(row)
        row += 1
    if any(matrix[r][-1] != 0 for r in range(row, m)):
        return None
    return [matrix[r][-1] for r in pivot_rows]


def _exact(
    cost: Sequence[Fraction | int],
    rows: Sequence[Sequence[Fraction | int]],
    rhs: Sequence[Fraction | int],
) -> list[Fraction]:
    n = len(cost)
    m = len(rows)
    tableau: list[list[Fraction]] = []
    for r, (row, b) in enumerate(zip(rows, rhs, strict=False)):
        sign = -1 if b < 0 else 1
        artificial = [Fraction(1 if k == r else 0) for k in range(m)]
        tableau.append([Fraction(sign * v) for v in row] + artificial + [Fraction(sign * b)])
    # Phase I objective: sum of artificials, expressed in the non-basic columns.
    phase1 = [Fraction(0)] * (n + m + 1)
    for row_values in tableau:
        phase1 = [p - v for p, v in zip(phase1, row_values, strict=False)]
    for k in range(m):
        phase1[n + k] = Fraction(0)
    tableau.append(phase1)
    basis = list(range(n, n + m))
    _optimize(tableau, basis, n + m)
    if tableau[m][-1] != 0:
        raise Infeasible("no non-negative solution")
    # Drive artificial variables out of the basis where possible (degenerate rows).
    for r in range(m):
        if basis[r] >= n:
            col = next((j for j in range(n) if tableau[r][j] != 0), None)
            if col is not None:
                _pivot(tableau, r, col)
                basis[r] = col
    objective = [Fraction(c) for c in cost] + [Fraction(0)] * (m + 1)
    for r in range(m):
        if basis[r] < n and objective[basis[r]] != 0:
            factor = objective[basis[r]]
            objective = [o - factor * v for o, v in zip(objective, tableau[r], strict=False)]
    tableau[m] = objective
    # Artificial columns stay out of Phase II: only the first n columns may enter.
    _optimize(tableau, basis, n)
    x = [Fraction(0)] * n
    for r, col in enumerate(basis):
        if col < n:
            x[col] = tableau[r][-1]
    return x
