"""bounds.prove: proves true claims with certificates, refutes false ones exactly."""

from __future__ import annotations

import pytest
import sympy as sp

from bounds import prove

x, y = sp.symbols("x y", positive=True)
mu, L, M_G, q, q_min, G, M, sigma_q2 = sp.symbols("mu L M_G q_k q_min G M sigma_q2", positive=True)
LEMMA3_GIVEN = [mu <= 1 / (L * M_G), M_G >= 1, q_min <= q, q <= 1, q_min <= 1]
LEMMA3_LHS = -mu * q * G + L * mu**2 / 2 * (q**2 * (M + M_G * G) + sigma_q2)


def test_lemma3_simplified_form_is_proved() -> None:
    rhs = -mu * q_min / 2 * G + L * mu**2 / 2 * (M + sigma_q2)
    result = prove(rhs >= LEMMA3_LHS, given=LEMMA3_GIVEN)
    assert result.status == "proved"
    assert result.certificate is not None


def test_products_certificate_reverifies_by_expansion() -> None:
    result = prove(x * y <= x, given=[y <= 1])
    assert result.status == "proved"


def test_identity_and_strict() -> None:
    assert prove(sp.Eq((x + y) ** 2, x**2 + 2 * x * y + y**2)).status == "proved"
    assert prove(sp.Lt(x, x + y, evaluate=False)).status == "proved"
    assert prove(sp.Lt(x, x, evaluate=False)).status == "refuted"


def test_false_claim_gives_exact_counterexample() -> None:
    result = prove(x**2 <= x, given=[x >= 1])
    assert result.status == "refuted"
    value = result.counterexample["x"]
    assert isinstance(value, sp.Rational)
    assert value >= 1
    assert value**2 > value


def test_unknown_explains_every_tactic() -> None:
    # Motzkin's polynomial is non-negative but not a sum of squares: true, beyond these
    # tactics, so it must stay unknown (never "proved" by sampling, never refuted).
    a, b = sp.symbols("a b", real=True)
    result = prove(a**4 * b**2 + a**2 * b**4 - 3 * a**2 * b**2 + 1 >= 0)
    assert result.status == "unknown"
    for name in ("positivity", "products", "sos", "refute"):
        assert name in result.explanation


def test_am_gm_has_an_exact_sum_of_squares_certificate() -> None:
    result = prove(x**2 + 1 >= 2 * x)
    assert result.status == "proved"
    assert result.tactic == "sos"


@pytest.mark.parametrize("bad", ["x <= 1", 3, x + 1, sp.And(x < 1, y < 1)])
def test_non_relational_claim_is_rejected(bad: object) -> None:
    with pytest.raises(ValueError, match="claim must be a SymPy relation"):
        prove(bad)


def test_bad_given_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"given\[0\]"):
        prove(x**2 <= x + 1, given=["x > 0"])
    with pytest.raises(ValueError, match="degree"):
        prove(x**2 <= x + 1, degree=0)


def test_docstring_examples() -> None:
    import doctest
    import importlib

    # bounds.proof re-exports the function prove, which shadows the submodule attribute.
    result = doctest.testmod(importlib.import_module("bounds.proof.prove"))
    assert result.attempted >= 3
    assert result.failed == 0


def test_t4_induction_step_of_the_issue_is_proved() -> None:
    # Issue 11's standard step of T4's induction, stated with generic names.
    b, c, q, L, s, nu = sp.symbols("b c q L s nu", positive=True)
    k = sp.Symbol("k", positive=True)
    claim = (1 - b * c * q / k) * nu / k + b**2 * L * s / (2 * k**2) <= nu / (k + 1)
    given = [b * c * q > 1, nu >= b**2 * L * s / (2 * (b * c * q - 1)), k >= 1]
    assert prove(claim, given=given).status == "proved"
    # Without the slope condition it is false (take b c q < 1 and a large nu).
    assert prove(claim, given=given[1:]).status != "proved"
