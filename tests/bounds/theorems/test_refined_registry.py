"""The refined statements of issue 12: registered, reachable by id, stated like the paper's."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from bounds import symbols as sy
from bounds import theorems
from tests.bounds.theorems._limits import assert_floor_and_rate

REFINED = (
    "T1.sharp",
    "T2.sharp",
    "T3.sharp",
    "T4.sharp",
    "T3.known_q",
    "C3.known_q",
    "T1.matrix",
    "T3.matrix",
)


def test_refined_lists_the_eight_and_all_still_lists_the_eleven() -> None:
    assert theorems.REFINED_IDS == REFINED
    assert tuple(s.id for s in theorems.refined()) == REFINED
    assert len(theorems.all()) == 11
    assert not set(REFINED) & {s.id for s in theorems.all()}


def test_the_proof_checker_lists_them() -> None:
    listed = {s.id for s in theorems.with_variants()}
    assert set(REFINED) <= listed


@pytest.mark.parametrize("result_id", REFINED)
def test_statement_knows_its_module_and_its_paper_counterpart(result_id: str) -> None:
    statement = theorems.get(result_id)
    module = theorems.module_of(result_id)
    assert module.STATEMENT is statement
    assert statement.id == result_id
    assert module.__name__ == statement.module == theorems.MODULES[result_id]
    counterpart = theorems.get(result_id.split(".")[0])
    assert statement.quantity == counterpart.quantity
    assert statement.horizon == counterpart.horizon


@pytest.mark.parametrize("result_id", REFINED)
def test_docstring_is_the_statement(result_id: str) -> None:
    statement = theorems.get(result_id)
    doc = statement.docstring
    assert doc.startswith(result_id)
    for section in (
        "Assumptions",
        "Algorithm",
        "Bounded quantity",
        "Theoretical guarantee (upper bound)",
        "Derivation",
        "Example",
        "References",
    ):
        assert section in doc, section
    assert "arXiv:2508.07142" in doc
    assert any("2508.07142" in r for r in statement.references)
    assert any("Bottou" in r for r in statement.references)
    assert statement.latex()


@pytest.mark.parametrize("result_id", ["T1.matrix", "T3.matrix"])
def test_matrix_statements_cite_safaryan_hanzely_richtarik(result_id: str) -> None:
    statement = theorems.get(result_id)
    assert any("Smoothness Matrices Beat Smoothness Constants" in r for r in statement.references)
    assert {"M_L", "sigma_qL"} <= set(statement.constants)


def test_variants_of_a_refined_statement_are_reachable() -> None:
    sharp = theorems.get("T2.sharp")
    assert theorems.get("T2.sharp.harmonic") is sharp.variants[0]
    assert theorems.get("T2.sharp.sqrt") is sharp.variants[1]
    assert theorems.get("T2.harmonic") is theorems.get("T2").variants[0]
    with pytest.raises(ValueError, match="no variant"):
        theorems.get("T2.sharp.cosine")
    with pytest.raises(ValueError, match=r"refined: T1\.sharp"):
        theorems.get("T9.sharp")


T_SHARP = 2 - sy.L * sy.mu * sy.M_G * sy.q_min
AVERAGED = {
    # id: (floor, transient coefficient of 1/K)
    "T1.sharp": (
        sy.L * sy.mu * sy.S / (sy.q_min * T_SHARP),
        2 * sy.Delta / (sy.mu * sy.q_min * T_SHARP),
    ),
    "T1.matrix": (
        sy.mu * (sy.M_L + sy.sigma_qL) / (sy.q_min * T_SHARP),
        2 * sy.Delta / (sy.mu * sy.q_min * T_SHARP),
    ),
    "C3.known_q": (
        sy.L * sy.mu * (sy.M + sy.sigma_q2 / sy.q**2) / (2 - sy.L * sy.mu * sy.M_G),
        2 * sy.Delta / (sy.mu * (2 - sy.L * sy.mu * sy.M_G)),
    ),
}


@pytest.mark.parametrize("result_id", AVERAGED)
def test_averaged_floor_and_rate(result_id: str) -> None:
    # Exactly floor + coefficient/K: SymPy's limit cannot see that the hypotheses keep the
    # coefficient finite (2 - L mu M_G >= 1), so the transient is checked as an identity.
    statement = theorems.get(result_id)
    floor, coefficient = AVERAGED[result_id]
    assert statement.floor is not None
    assert sp.simplify(statement.floor - floor) == 0
    assert statement.rate == 1 / sy.K
    assert sp.simplify(statement.bound - floor - coefficient / sy.K) == 0


@pytest.mark.parametrize(
    ("result_id", "floor"),
    [
        ("T3.sharp", sy.L * sy.mu * sy.S / (2 * sy.c * sy.q_min * T_SHARP)),
        (
            "T3.known_q",
            sy.L
            * sy.mu
            * (sy.q**2 * sy.M + sy.sigma_q2)
            / (2 * sy.c * sy.q * (2 - sy.L * sy.mu * sy.M_G * sy.q)),
        ),
        ("T3.matrix", sy.mu * (sy.M_L + sy.sigma_qL) / (2 * sy.c * sy.q_min * T_SHARP)),
        ("T4.sharp", sp.Integer(0)),
    ],
)
def test_floor_and_rate(result_id: str, floor: sp.Expr) -> None:
    assert_floor_and_rate(theorems.get(result_id), floor)


@pytest.mark.parametrize(
    ("result_id", "contraction"),
    [
        ("T3.sharp", 1 - sy.mu * sy.c * sy.q_min * (2 - sy.L * sy.mu * sy.M_G * sy.q_min)),
        ("T3.matrix", 1 - sy.mu * sy.c * sy.q_min * (2 - sy.L * sy.mu * sy.M_G * sy.q_min)),
        ("T3.known_q", 1 - sy.mu * sy.c * sy.q * (2 - sy.L * sy.mu * sy.M_G * sy.q)),
    ],
)
def test_contraction_is_the_issue_s(result_id: str, contraction: sp.Expr) -> None:
    statement = theorems.get(result_id)
    assert statement.contraction is not None
    assert sp.expand(statement.contraction - contraction) == 0


def test_same_evaluate_keywords_as_the_paper_plus_the_new_constants() -> None:
    paper = {"L": 1, "Delta": 2, "M": 1, "M_G": 1, "q_min": 0.5, "sigma_q2": 1, "K": 10, "mu": 0.5}
    t1 = float(theorems.get("T1").evaluate(**paper))
    assert float(theorems.get("T1.sharp").evaluate(**paper)) == pytest.approx(t1 / 1.75, rel=1e-15)
    matrix = theorems.get("T1.matrix").evaluate(**paper, M_L=1, sigma_qL=1)  # M, sigma_q2 ignored
    assert float(matrix) == pytest.approx(t1 / 1.75, rel=1e-15)
    # vectorized over stepsizes, like the paper's
    mus = np.array([0.25, 0.5, 1.0])
    ratio = theorems.get("T1").evaluate(**{**paper, "mu": mus}) / theorems.get("T1.sharp").evaluate(
        **{**paper, "mu": mus}
    )
    np.testing.assert_allclose(ratio, 2 - mus * 0.5, rtol=1e-14)


def test_t2_sharp_needs_mu_max_and_checks_it_bounds_the_sequence() -> None:
    statement = theorems.get("T2.sharp")
    constants = {"L": 1, "Delta": 1, "M": 1, "M_G": 1, "q_min": 0.5, "sigma_q2": 1, "K": 3}
    with pytest.raises(ValueError, match="mu_max"):
        statement.evaluate(**constants, mu=0.5)
    assert statement.violated_hypotheses(**constants, mu=[0.5, 0.4, 0.6], mu_max=0.5) == (
        "stepsize bound",
    )
    assert statement.violated_hypotheses(**constants, mu=0.5, mu_max=1.5) == ("stepsize condition",)


def test_new_symbols_have_domains() -> None:
    for name, rule in (
        ("q", "0 < q <= 1"),
        ("M_L", "M_L >= 0"),
        ("sigma_qL", "sigma_qL >= 0"),
        ("mu_max", "mu_max > 0"),
    ):
        assert sy.DOMAINS[name].rule == rule
        assert sy.SYMBOLS[name].name == name
    with pytest.raises(ValueError, match=r"q must satisfy 0 < q <= 1"):
        sy.validate({"q": 1.5})
    with pytest.raises(ValueError, match=r"sigma_qL must satisfy sigma_qL >= 0"):
        theorems.get("T1.matrix").evaluate(
            L=1, Delta=1, M_G=1, q_min=1, K=1, mu=1, M_L=0, sigma_qL=-1
        )
