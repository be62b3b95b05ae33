"""Each refined bound is never larger than its paper counterpart under the shared hypotheses.

Checked proofs (issue 12): every refined module's ``comparison()`` is a
:class:`~bounds.proof.Proof` whose target is ``refined bound <= paper bound`` (T4.sharp: the
noise branch of ``nu``) from the paper statement's hypotheses, checked by
:func:`bounds.proof.check`. The PL comparisons hold for every ``k``: they cite one induction,
proved once in symbols (:func:`bounds.theorems._refined.linear_rate_comparison`). Planted
comparisons in the wrong direction, or without the hypothesis they need, are not proved.
"""

from __future__ import annotations

from types import ModuleType

import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from bounds.proof import Proof, check
from bounds.proof.canonical import is_zero
from bounds.theorems import _refined, t4_sharp
from bounds.theorems import t3_pl_fixed as t3

# refined id -> (paper id, substitution that states the paper's result in the refined symbols)
COUNTERPARTS = {
    "T1.sharp": ("T1", {}),
    "T2.sharp": ("T2", {}),
    "T3.sharp": ("T3", {}),
    "T3.known_q": ("T3", {sy.q_min: sy.q}),
    "C3.known_q": ("C3", {sy.q_min: sy.q}),
    "T1.matrix": ("T1", {}),
    "T3.matrix": ("T3", {}),
}


def module(result_id: str) -> ModuleType:
    return theorems.module_of(result_id)


def assert_proved(proof: Proof) -> None:
    report = check(proof)
    failures = [(name, s.index, s.rule, s.message) for name, s in report.failures()]
    assert report.status == "proved", failures


@pytest.mark.parametrize("result_id", COUNTERPARTS)
def test_refined_bound_is_at_most_the_paper_bound_checked(result_id: str) -> None:
    paper_id, substitution = COUNTERPARTS[result_id]
    refined, paper = theorems.get(result_id), theorems.get(paper_id)
    proof = module(result_id).comparison()
    assert_proved(proof)
    # The proof is about exactly these two bounds...
    assert isinstance(proof.target, sp.LessThan)
    assert is_zero(proof.target.lhs - refined.bound)
    assert is_zero(proof.target.rhs - paper.bound.subs(substitution))
    # ...and assumes nothing beyond what the paper's statement (or Lmat <= L I) grants.
    granted = {**_refined.shared_hypotheses(paper, substitution), **_refined.WEIGHTED_BELOW_PLAIN}
    if result_id == "T2.sharp":  # T2.sharp's hypotheses imply T2's
        granted = _refined.shared_hypotheses(refined)
    for name, claim in proof.hypotheses.items():
        assert name in granted
        assert claim == granted[name]


def test_t4_sharp_admits_every_t4_schedule_with_a_smaller_noise_branch() -> None:
    t4 = theorems.get("T4")
    admits, noise = t4_sharp.admits_t4(), t4_sharp.comparison()
    assert_proved(admits)
    assert_proved(noise)
    slope = theorems.get("T4.sharp").hypothesis("slope condition").relation
    assert is_zero(admits.target.rhs - slope.lhs)
    assert admits.target.lhs == slope.rhs
    assert isinstance(admits.target, sp.StrictLessThan)
    assert is_zero(noise.target.lhs - t4_sharp.NU_NOISE)
    assert is_zero(noise.target.rhs - t4.extra("nu noise branch"))
    # nu = Max(noise, initial) with the same initial branch: monotone in the noise branch.
    assert t4.extra("nu initial branch") == theorems.get("T4.sharp").extra("nu initial branch")


def test_the_linear_rate_lemma_is_proved_once_in_symbols() -> None:
    lemma = _refined.linear_rate_lemma()
    assert lemma is _refined.linear_rate_lemma()
    report = check(lemma.proof, lemma.premises, lemma.claim)
    assert report.status == "proved", report.failures()
    # Its inner inductions see its hypotheses only as premises: alone, the proof does not check.
    assert check(lemma.proof).status != "proved"
    assert {str(s) for s in lemma.claim.free_symbols} == {"F", "F1", "G", "a", "b", "k"}


# ---------------------------------------------------------------------------- closed forms
def test_t1_sharp_is_t1_over_the_descent_factor() -> None:
    factor = theorems.get("T1.sharp").extra("descent factor")
    assert sp.simplify(theorems.get("T1.sharp").bound * factor - theorems.get("T1").bound) == 0


def test_t1_matrix_equals_t1_sharp_at_lmat_l_identity() -> None:
    identity = {sy.M_L: sy.L * sy.M, sy.sigma_qL: sy.L * sy.sigma_q2}
    matrix, sharp = theorems.get("T1.matrix").bound, theorems.get("T1.sharp").bound
    assert sp.simplify(matrix.subs(identity) - sharp) == 0


# ------------------------------------------------------------------------ planted wrong ones
def test_a_sharpening_by_more_than_the_factor_is_refuted() -> None:
    # T1.sharp is not at most T1/2: the sharpening is at most a factor 2.
    t1 = theorems.get("T1")
    wrong = _refined.compare_directly(
        "T1.sharp <= T1/2",
        theorems.get("T1.sharp").bound,
        t1.bound / 2,
        _refined.shared_hypotheses(t1),
    )
    assert check(wrong).status == "refuted"


def test_the_comparison_in_the_wrong_direction_is_not_proved() -> None:
    sharp = module("T3.sharp")
    wrong = _refined.compare_linear_rates(
        "T3 <= T3.sharp",
        (t3.FLOOR, t3.CONTRACTION),
        (sharp.FLOOR, sharp.CONTRACTION),
        _refined.shared_hypotheses(theorems.get("T3")),
    )
    report = check(wrong)
    assert report.status != "proved"
    assert "is not shown" in report.failures()[-1][1].message
    point = {sy.L: 1, sy.M_G: 1, sy.mu: 1, sy.c: 1, sy.q_min: sp.Rational(1, 2), sy.F1_gap: 1}
    point.update({sy.M: 0, sy.sigma_q2: 0, sy.k: 3})
    assert theorems.get("T3").bound.subs(point) > theorems.get("T3.sharp").bound.subs(point)


def test_the_matrix_comparison_needs_lmat_at_most_l_identity() -> None:
    matrix = module("T3.matrix")
    without = _refined.compare_linear_rates(
        "T3.matrix <= T3 without Lmat <= L I",
        (matrix.FLOOR, matrix.CONTRACTION),
        (t3.FLOOR, t3.CONTRACTION),
        _refined.shared_hypotheses(theorems.get("T3")),
    )
    report = check(without)
    assert report.status != "proved"
    assert "(1 - b) G <= (1 - a) F" in report.failures()[-1][1].message


def test_the_reversed_noise_branch_comparison_is_not_proved() -> None:
    proof = t4_sharp.comparison()
    reversed_target = sp.Le(proof.target.rhs, proof.target.lhs, evaluate=False)
    step = proof.steps[0]
    wrong = Proof(
        "T4's nu noise branch <= T4.sharp's",
        proof.target.rhs,
        (type(step)("<=", proof.target.lhs, step.rule, step.uses, step.hint, step.note),),
        reversed_target,
        proof.hypotheses,
        proof.lemmas,
    )
    assert check(wrong).status != "proved"


# --------------------------------------------------------- variants (no checked proof, as T2's)
u, w = sp.symbols("u w", nonnegative=True)
LOG_TERM = sp.Symbol("log_term", positive=True)


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


def certified_nonnegative(expr: sp.Expr) -> bool:
    """``expr >= 0`` by a one-sign certificate over ``q_min = 1/(1 + w)``, ``M_G = 1 + M_V``."""
    substituted = sp.together(expr.subs({sy.q_min: 1 / (1 + w), sy.M_G: 1 + sy.M_V}))
    numerator, denominator = sp.fraction(sp.factor(substituted))
    signs = one_signed(numerator), one_signed(denominator)
    return None not in signs and signs[0] == signs[1]


def test_t2_sharp_variants_are_at_most_t2_s() -> None:
    # mu_max is the schedule's first (largest) step, held to the cap; the sum bounds are T2's.
    harmonic = {
        sy.beta: (sy.gamma + 1) / (sy.L * sy.M_G * (1 + u)),
        sp.log((sy.gamma + sy.K + 1) / (sy.gamma + 1)): LOG_TERM,
    }
    difference = theorems.get("T2.harmonic").bound - theorems.get("T2.sharp.harmonic").bound
    assert certified_nonnegative(difference.subs(harmonic))
    sqrt_terms = {
        sy.mu0: 1 / (sy.L * sy.M_G * (1 + u)),
        sp.sqrt(sy.K + 1): 1 + LOG_TERM,
        sp.log(sy.K): sp.Symbol("log_K", nonnegative=True),
    }
    difference = theorems.get("T2.sqrt").bound - theorems.get("T2.sharp.sqrt").bound
    assert certified_nonnegative(difference.subs(sqrt_terms))
    # the certificate can fail: T2.sharp.harmonic is not at most half of T2.harmonic
    half = theorems.get("T2.harmonic").bound / 2 - theorems.get("T2.sharp.harmonic").bound
    assert not certified_nonnegative(half.subs(harmonic))
