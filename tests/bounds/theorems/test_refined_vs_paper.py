"""Each refined bound is never larger than its paper counterpart under the shared hypotheses.

Exact SymPy arguments (to become checked proofs, issue 12). The shared hypotheses are written as
a substitution by non-negative slack variables (``mu = 1/(L M_G (1 + u))`` for
``mu <= 1/(L M_G)``, ``q_min = 1/(1 + w)`` for ``q_min <= 1``, ``c = L/(1 + v)`` for ``c <= L``,
``M_G = 1 + M_V``); a difference is then certified non-negative when, over a common
denominator, numerator and denominator are polynomials in non-negative symbols whose
coefficients all have one sign. The PL statements hold for every ``k``: their comparison is an
induction, checked here as exact identities between its terms.
"""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.statement import Statement

u, v, w, s, e1, e2 = sp.symbols("u v w s e1 e2", nonnegative=True)
SQUARE_SUM = sp.Symbol("square_sum", nonnegative=True)
LOG_TERM = sp.Symbol("log_term", positive=True)

CAP = 1 / (sy.L * sy.M_G)
REGION: dict[sp.Basic, sp.Expr] = {
    sy.mu: 1 / (sy.L * (1 + sy.M_V) * (1 + u)),
    sy.q_min: 1 / (1 + w),
    sy.c: sy.L / (1 + v),
}
MG = {sy.M_G: 1 + sy.M_V}
# matrix smoothness: M_L <= L M and sigma_qL <= L sigma_q2 (A2 and A4 in the Lmat-norm)
WEIGHTED = {sy.M_L: sy.L * sy.M - e1, sy.sigma_qL: sy.L * sy.sigma_q2 - e2}


def one_signed(poly: sp.Expr) -> int | None:
    """+1 (-1) if ``poly`` expands to non-negative (non-positive) coefficients, else None."""
    expanded = sp.expand(poly)
    if expanded.is_number:
        return 1 if expanded >= 0 else -1
    coefficients = sp.Poly(expanded, *sorted(expanded.free_symbols, key=str)).coeffs()
    if all(coefficient >= 0 for coefficient in coefficients):
        return 1
    if all(coefficient <= 0 for coefficient in coefficients):
        return -1
    return None


def certified_nonnegative(expr: sp.Expr, region: dict[sp.Basic, sp.Expr]) -> bool:
    """Whether ``expr`` is >= 0 on the region, by the one-sign coefficient certificate."""
    substituted = expr
    # region values may mention other region symbols (gamma in terms of beta): to a fixpoint
    for _ in range(5):
        substituted = substituted.subs(MG).subs(region)
    substituted = sp.together(substituted.subs(MG))
    assert all(symbol.is_nonnegative for symbol in substituted.free_symbols), substituted
    numerator, denominator = sp.fraction(sp.factor(substituted))
    signs = one_signed(numerator), one_signed(denominator)
    return None not in signs and signs[0] == signs[1]


def bound(result_id: str) -> sp.Expr:
    return theorems.get(result_id).bound


# ------------------------------------------------------------------------ closed forms
def test_t1_sharp_is_t1_over_the_descent_factor() -> None:
    factor = theorems.get("T1.sharp").extra("descent factor")
    assert sp.simplify(bound("T1.sharp") * factor - bound("T1")) == 0
    assert certified_nonnegative(factor - 1, REGION)  # factor >= 1: never larger
    assert certified_nonnegative(bound("T1") - bound("T1.sharp"), REGION)


def test_t1_matrix_is_at_most_t1_sharp_and_equals_it_at_lmat_l_identity() -> None:
    matrix, sharp = bound("T1.matrix"), bound("T1.sharp")
    assert certified_nonnegative(sharp - matrix.subs(WEIGHTED), REGION)
    assert certified_nonnegative(bound("T1") - matrix.subs(WEIGHTED), REGION)
    identity = {sy.M_L: sy.L * sy.M, sy.sigma_qL: sy.L * sy.sigma_q2}
    assert sp.simplify(matrix.subs(identity) - sharp) == 0


def test_t2_sharp_is_at_most_t2() -> None:
    sums = {sp.Sum(sy.mu_seq[sy.k] ** 2, (sy.k, 1, sy.K)): SQUARE_SUM}
    paper, sharp = bound("T2").subs(sums), bound("T2.sharp").subs(sums)
    region = {**REGION, sy.mu_max: REGION[sy.mu]}
    assert certified_nonnegative(paper - sharp, region)
    # the variants: mu_max is the schedule's first (largest) step, held to the cap
    harmonic = {
        sy.beta: (sy.gamma + 1) / (sy.L * sy.M_G * (1 + u)),
        sp.log((sy.gamma + sy.K + 1) / (sy.gamma + 1)): LOG_TERM,
    }
    paper_h, sharp_h = bound("T2.harmonic"), bound("T2.sharp.harmonic")
    assert certified_nonnegative((paper_h - sharp_h).subs(harmonic), {sy.q_min: REGION[sy.q_min]})
    sqrt_terms = {
        sy.mu0: REGION[sy.mu],
        sp.sqrt(sy.K + 1): 1 + LOG_TERM,
        sp.log(sy.K): sp.Symbol("log_K", nonnegative=True),
    }
    paper_s, sharp_s = bound("T2.sqrt"), bound("T2.sharp.sqrt")
    assert certified_nonnegative((paper_s - sharp_s).subs(sqrt_terms), {sy.q_min: REGION[sy.q_min]})


def test_c3_known_q_is_at_most_c3_where_c3_applies() -> None:
    # C3 at q_min = q needs mu <= q/(L M_G); C3.known_q only mu <= 1/(L M_G), implied.
    region = {sy.mu: sy.q / (sy.L * (1 + sy.M_V) * (1 + u)), sy.q: 1 / (1 + w)}
    paper = bound("C3").subs(sy.q_min, sy.q)
    assert certified_nonnegative(paper - bound("C3.known_q"), region)
    assert certified_nonnegative(CAP - sy.mu, region)


def test_t4_sharp_admits_every_t4_schedule_with_a_smaller_nu() -> None:
    paper, sharp = theorems.get("T4"), theorems.get("T4.sharp")
    # T4's hypotheses: beta c q_min = 1 + s > 1, beta/(gamma + 1) = 1/(L M_G (1 + u))
    beta = (1 + s) / (sy.c * sy.q_min)
    gamma = beta * sy.L * sy.M_G * (1 + u) - 1
    region = {sy.beta: beta, sy.gamma: gamma, sy.q_min: REGION[sy.q_min], sy.c: REGION[sy.c]}
    slope = sharp.hypothesis("slope condition").relation
    assert certified_nonnegative(slope.lhs - 1 - s, region)  # sharp's slope >= 1 + s > 1
    noise = paper.extra("nu noise branch") - sharp.extra("nu noise branch")
    assert certified_nonnegative(noise, region)
    assert paper.extra("nu initial branch") == sharp.extra("nu initial branch")
    # nu = Max(noise, initial) is monotone in each branch, so nu_sharp <= nu_paper


# ------------------------------------------------------------------- linear-rate bounds
# Paper: P_n = F + a^n (F1 - F), a = 1 - m. Refined: S_n = F' + b^n (F1 - F'), b = 1 - m t.
# With A_n = a^n, B_n = b^n, U_n = 1 - A_n, V_n = 1 - B_n:
#   P_n - S_n = (V_n - U_n) F1 + U_n (F - t F') + (t U_n - V_n) F',
# and each term is a product of non-negative factors once 0 <= b <= a <= 1, t >= 1,
# F >= t F' >= 0 and F1 >= 0:  U_n, V_n in [0, 1];  A_n - B_n >= 0 and t U_n - V_n >= 0 by
# induction on n (base 0, steps below).
a, b, t, m = sp.symbols("a b t m", real=True)
A_n, B_n, F, F_prime, F1 = sp.symbols("A_n B_n F F_prime F1", real=True)


def test_the_decomposition_of_the_difference_is_an_identity() -> None:
    U, V = 1 - A_n, 1 - B_n
    paper = F + A_n * (F1 - F)
    sharp = F_prime + B_n * (F1 - F_prime)
    decomposition = (V - U) * F1 + U * (F - t * F_prime) + (t * U - V) * F_prime
    assert sp.expand(paper - sharp - decomposition) == 0


def test_the_induction_steps_are_identities() -> None:
    rates = {a: 1 - m, b: 1 - m * t}
    # A_{n+1} - B_{n+1} = a (A_n - B_n) + (a - b) B_n: >= 0 from the hypothesis, a >= b >= 0
    assert sp.expand(a * A_n - b * B_n - (a * (A_n - B_n) + (a - b) * B_n)) == 0
    # t U_{n+1} - V_{n+1} = a (t U_n - V_n) + (a - b) V_n, with U_{n+1} = 1 - a A_n, ...
    U, V = 1 - A_n, 1 - B_n
    step = t * (1 - a * A_n) - (1 - b * B_n)
    assert sp.expand((step - (a * (t * U - V) + (a - b) * V)).subs(rates)) == 0
    # base case n = 0: A_0 = B_0 = 1, so A_0 - B_0 = 0 and t U_0 - V_0 = 0
    assert (t * (1 - 1) - (1 - 1)) == 0


def test_the_comparison_fails_in_the_wrong_direction() -> None:
    # T3 as the "refined" one against T3.sharp: its factor t = 1/(2 - L mu M_G q_min) < 1, no
    # certificate, and at an exact point T3's bound is the larger one.
    _, rho = linear_rate_parts(theorems.get("T3.sharp"))
    _, rho_r = linear_rate_parts(theorems.get("T3"))
    factor = sp.simplify((1 - rho_r) / (1 - rho))
    assert not certified_nonnegative(factor - 1, REGION)
    point = {sy.L: 1, sy.M_G: 1, sy.mu: 1, sy.c: 1, sy.q_min: sp.Rational(1, 2), sy.F1_gap: 1}
    point.update({sy.M: 0, sy.sigma_q2: 0, sy.k: 3})
    assert bound("T3").subs(point) > bound("T3.sharp").subs(point)


def linear_rate_parts(statement: Statement) -> tuple[sp.Expr, sp.Expr]:
    """``(floor, contraction)`` with the bound checked to be ``floor + rho^(k-1)(F1 - floor)``."""
    assert statement.floor is not None
    assert statement.contraction is not None
    floor, rho = statement.floor, statement.contraction
    form = floor + rho ** (sy.k - 1) * (sy.F1_gap - floor)
    assert sp.simplify(statement.bound - form) == 0
    return floor, rho


@pytest.mark.parametrize(
    ("paper_id", "refined_id", "region", "q_for_q_min"),
    [
        ("T3", "T3.sharp", REGION, False),
        ("T3", "T3.known_q", {**REGION, sy.q: REGION[sy.q_min]}, True),
        ("T3", "T3.matrix", {**REGION, **WEIGHTED}, False),
        ("T3.sharp", "T3.matrix", {**REGION, **WEIGHTED}, False),
    ],
)
def test_linear_rate_bound_is_never_larger(
    paper_id: str, refined_id: str, region: dict, q_for_q_min: bool
) -> None:
    floor, rho = linear_rate_parts(theorems.get(paper_id))
    floor_r, rho_r = linear_rate_parts(theorems.get(refined_id))
    if q_for_q_min:  # the known shrinkage q is q_min = q of the paper's statement
        floor, rho = floor.subs(sy.q_min, sy.q), rho.subs(sy.q_min, sy.q)
        region = {**region, sy.q_min: sy.q}
    rate = 1 - rho  # the paper's m
    factor = sp.simplify((1 - rho_r) / rate)  # the refined statement's t
    assert sy.k not in factor.free_symbols
    assert certified_nonnegative(factor - 1, region)  # t >= 1
    assert certified_nonnegative(rho_r, region)  # b >= 0
    assert certified_nonnegative(rate, region)  # a <= 1
    assert certified_nonnegative(rho, region)  # a >= 0
    assert certified_nonnegative(floor - factor * floor_r, region)  # F >= t F'
    # F' >= 0 from the domains (M_L, sigma_qL >= 0), not from M_L <= L M
    domains = {key: value for key, value in region.items() if key not in WEIGHTED}
    assert certified_nonnegative(floor_r, domains)


def test_the_certificate_rejects_a_false_comparison() -> None:
    # T1.sharp is not at most T1/2 (the sharpening is at most a factor 2): no certificate, and
    # an exact point shows the claim false.
    claim = bound("T1") / 2 - bound("T1.sharp")
    assert not certified_nonnegative(claim, REGION)
    point = {sy.L: 1, sy.M_V: 0, u: 0, w: 0, sy.Delta: 1, sy.K: 1, sy.M: 0, sy.sigma_q2: 0}
    assert claim.subs(MG).subs(REGION).subs(MG).subs(point) < 0
