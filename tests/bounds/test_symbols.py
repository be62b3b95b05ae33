"""bounds.symbols: one symbol per constant, with the right assumptions and domain checks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from bounds import symbols as sy

ISSUE_NAMES = (
    "L", "Delta", "M", "M_V", "M_G", "sigma2", "q_min", "sigma_q2", "c", "mu", "beta", "gamma",
    "K", "k", "F1_gap",
)  # fmt: skip


@pytest.mark.parametrize("name", ISSUE_NAMES)
def test_every_issue_constant_is_a_symbol_named_as_its_keyword(name: str) -> None:
    symbol = sy.SYMBOLS[name]
    assert symbol is getattr(sy, name)
    assert symbol.name == name
    assert name in sy.DOMAINS


@pytest.mark.parametrize(
    ("name", "positive", "nonnegative", "integer"),
    [
        ("L", True, True, None),
        ("Delta", None, True, None),
        ("M", None, True, None),
        ("q_min", True, True, None),
        ("sigma_q2", None, True, None),
        ("c", True, True, None),
        ("mu", True, True, None),
        ("K", True, True, True),
        ("k", True, True, True),
        ("F1_gap", None, True, None),
    ],
)
def test_assumptions(
    name: str, positive: bool | None, nonnegative: bool | None, integer: bool | None
) -> None:
    symbol = sy.SYMBOLS[name]
    assert symbol.is_positive is positive
    assert symbol.is_nonnegative is nonnegative
    assert symbol.is_integer is integer


def test_assumptions_let_sympy_decide_signs() -> None:
    # The noise constant S is non-negative by the symbols' assumptions alone.
    assert sy.S.is_nonnegative is True
    assert (sy.L * sy.mu * sy.S / sy.q_min).is_nonnegative is True
    # ... and a sign that depends on a relation (q_min <= 1) is not decided by assumptions.
    assert (1 - sy.q_min).is_nonnegative is None


def test_validate_returns_float_arrays() -> None:
    out = sy.validate({"L": 2, "K": [1, 2, 3], "q_min": np.array([0.5, 1.0])})
    assert out["L"].dtype == np.float64
    assert out["L"].shape == ()
    np.testing.assert_array_equal(out["K"], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    ("constants", "needle"),
    [
        ({"L": -1.0}, "L must satisfy L > 0"),
        ({"Delta": [1.0, -0.5]}, "Delta must satisfy Delta >= 0"),
        ({"q_min": 0.0}, "q_min must satisfy 0 < q_min <= 1"),
        ({"q_min": 1.5}, "q_min must satisfy 0 < q_min <= 1"),
        ({"M_G": 0.5}, "M_G must satisfy M_G >= 1"),
        ({"sigma_q2": -1e-9}, "sigma_q2 must satisfy sigma_q2 >= 0"),
        ({"K": 2.5}, "K must satisfy K >= 1, integer"),
        ({"K": 0}, "K must satisfy K >= 1, integer"),
        ({"mu": float("nan")}, "mu must be finite"),
        ({"mu": "0.1"}, "mu must be a number"),
        ({"alpha": 1.0}, "unknown constant 'alpha'"),
    ],
)
def test_validate_names_the_constant_and_the_rule(constants: dict, needle: str) -> None:
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        sy.validate(constants)


def test_complete_fills_implied_constants() -> None:
    assert np.asarray(sy.complete({"M_V": 0.5})["M_G"]) == 1.5
    assert np.asarray(sy.complete({"M_G": 3.0})["M_V"]) == 2.0
    assert sy.complete({"sigma2": 2.0}) == {"sigma2": 2.0, "M": 2.0, "M_V": 0.0, "M_G": 1.0}
    with pytest.raises(ValueError, match="M_G must equal 1 \\+ M_V"):
        sy.complete({"M_G": 2.0, "M_V": 0.5})
    with pytest.raises(ValueError, match="either M or sigma2"):
        sy.complete({"M": 1.0, "sigma2": 1.0})


def test_quantities_are_distinct_from_constants() -> None:
    assert not set(sy.QUANTITIES) & set(sy.SYMBOLS)
    assert isinstance(sy.mu_seq, sp.IndexedBase)
