"""bounds.tightness: every bound, paper and refined, against PEPit's worst case (issue 12).

PEPit's answers are checked against closed forms first (the exact worst cases known for
gradient descent), then every bound on a small grid must be at least the worst case (to the
solver's tolerance, 1e-6 relative) and T1.sharp must equal it (1e-4 relative), for fixed and
adversarial shrinkage. A planted wrong bound is caught by the same comparison.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from bounds import theorems, tightness

SOLVER_TOLERANCE = 1e-6
TIGHT_TOLERANCE = 1e-4
#: Absolute slack where a worst case is zero (h = 1/L, c = L: one step reaches the minimum).
ABSOLUTE = tightness.ZERO


def holds(row: tightness.Comparison) -> bool:
    return row.bound >= row.worst_case * (1 - SOLVER_TOLERANCE) - ABSOLUTE


@pytest.mark.parametrize(("h", "steps"), [(0.5, 3), (1.0, 2), (0.25, 4)])
def test_smooth_average_is_the_closed_form(h: float, steps: int) -> None:
    # Sum of h (1 - L h/2) ||g_k||^2 <= F(x_1) - F(x_{K+1}), attained by F = (L/2) x^2.
    found = tightness.worst_case("avg_grad_norm2", [h] * steps, L=1.0)
    assert found == pytest.approx(1 / (steps * h * (1 - h / 2)), rel=SOLVER_TOLERANCE)


@pytest.mark.parametrize("L", [1e-300, 1e300])
def test_extreme_smoothness_constants_give_the_closed_forms(L: float) -> None:
    # the closed forms at L != 1: h L (1 - h L/2) sum ||g||^2 <= L (F(x_1) - F(x_{K+1})), and the
    # gap rate depends on h L and c/L only (the solver works at L = 1 whatever L is)
    h = 0.5 / L
    found = tightness.worst_case("avg_grad_norm2", [h] * 3, L=L)
    assert found == pytest.approx(L / (3 * 0.5 * 0.75), rel=SOLVER_TOLERANCE)
    gap = tightness.worst_case(
        "optimality_gap", [h] * 3, L=L, function_class="strongly_convex", c=0.5 * L
    )
    assert gap == pytest.approx(0.75**6, rel=SOLVER_TOLERANCE)


@pytest.mark.parametrize(("h", "c", "steps"), [(0.5, 0.5, 3), (1.0, 0.25, 2), (0.25, 0.9, 3)])
def test_strongly_convex_gap_is_the_closed_form(h: float, c: float, steps: int) -> None:
    # GD on L-smooth c-strongly convex functions: F(x_{k+1}) - F* <= max((1-hc)^2, (1-hL)^2)
    # per step, attained on quadratics.
    found = tightness.worst_case(
        "optimality_gap", [h] * steps, L=1.0, function_class="strongly_convex", c=c
    )
    expected = max((1 - h * c) ** 2, (1 - h) ** 2) ** steps
    assert found == pytest.approx(expected, rel=SOLVER_TOLERANCE)


def test_pl_value_is_at_most_the_descent_and_pl_rate_and_at_least_the_convex_one() -> None:
    # PEPit's PL constraints contain the descent lemma and PL, so it is at most 1 - c h (2 - L h)
    # per step; the strongly convex class is inside the PL class.
    h, c, steps = 0.5, 0.5, 3
    pl = tightness.worst_case("optimality_gap", [h] * steps, L=1.0, function_class="pl", c=c)
    convex = tightness.worst_case(
        "optimality_gap", [h] * steps, L=1.0, function_class="strongly_convex", c=c
    )
    assert convex * (1 - SOLVER_TOLERANCE) <= pl <= (1 - c * h * (2 - h)) ** steps


def test_both_solvers_agree() -> None:
    steps = [0.5, 1.0, 0.5]
    values = [
        tightness.worst_case("weighted_grad_sum", steps, L=1.0, weights=[1.0, 1.0, 1.0], solver=s)
        for s in tightness.SOLVERS
    ]
    assert values[0] == pytest.approx(values[1], rel=1e-5)


FIXED = {
    "q_values": (1.0, 0.5, 0.25),
    "mu_L_values": (0.5, 1.0),
    "horizons": (1, 4),
    "c_over_L_values": (0.5,),
}
ADVERSARIAL = {
    "q_values": (0.5,),
    "mu_L_values": (0.5,),
    "horizons": (3,),
    "c_over_L_values": (0.5,),
    "adversarial": True,
}
FAMILIES = {
    "non-convex": ("T1", "T1.sharp", "T1.matrix", "T2", "T2.sharp", "C3", "C3.known_q"),
    "linear rate": ("T3", "T3.sharp", "T3.known_q", "T3.matrix"),
    "diminishing": ("T4", "T4.sharp"),
}


@pytest.mark.parametrize("grid", [FIXED, ADVERSARIAL], ids=["fixed", "adversarial"])
@pytest.mark.parametrize("family", FAMILIES)
def test_every_bound_is_at_least_the_worst_case(family: str, grid: dict) -> None:
    rows = tightness.table(FAMILIES[family], **grid)
    assert {row.theorem for row in rows} == set(FAMILIES[family])
    failing = [row for row in rows if not holds(row)]
    assert not failing, failing
    if grid is ADVERSARIAL:
        assert any(row.adversarial for row in rows)
        # the worst sequence is the all-q_min one (smaller steps descend less)
        assert all(set(row.shrinkage) == {0.5} for row in rows)
    for row in rows:
        if row.theorem in ("T1.sharp", "T2.sharp", "C3.known_q", "T1.matrix"):
            assert row.ratio == pytest.approx(1.0, rel=TIGHT_TOLERANCE), row
        if row.theorem == "T1":
            # T1 is off by exactly the descent factor 2 - L mu M_G q_min (noise off, M_G = 1)
            assert row.ratio == pytest.approx(2 - row.mu_L * row.q, rel=TIGHT_TOLERANCE), row
            assert 1 - TIGHT_TOLERANCE <= row.ratio <= 2


def test_t3_sharp_is_tight_on_pl_at_c_equal_l() -> None:
    # c = L: F = (L/2)||x||^2 meets descent lemma and PL with equality, so the rate is exact
    row = tightness.compare("T3.sharp", q=0.5, mu_L=1.0, K=3, c_over_L=1.0, function_class="pl")
    assert row is not None
    assert row.ratio == pytest.approx(1.0, rel=TIGHT_TOLERANCE)


def test_a_wrong_bound_is_caught() -> None:
    # T1/2 (a sharpening by 2, not by 2 - L mu M_G q_min) falls below the worst case
    row = tightness.compare("T1", q=1.0, mu_L=1.0, K=2)
    assert row is not None
    planted = tightness.Comparison(**{**row.__dict__, "bound": row.bound / 2})
    assert holds(row)
    assert not holds(planted)


def test_grid_leaves_out_the_strongly_convex_class_at_c_equal_l() -> None:
    points = tightness.grid(("T3",), q_values=(1.0,), mu_L_values=(1.0,), horizons=(1,))
    classes = [(p["function_class"], p["c_over_L"]) for p in points]
    assert ("strongly_convex", 1.0) not in classes
    assert ("pl", 1.0) in classes
    assert ("strongly_convex", 0.5) in classes


def test_points_outside_the_hypotheses_are_skipped() -> None:
    # C3 needs mu <= q_min/(L M_G): mu L = 1 with q_min = 1/2 breaks it
    assert tightness.compare("C3", q=0.5, mu_L=1.0, K=1) is None
    assert tightness.compare("T1", q=0.5, mu_L=1.5, K=1) is None


def test_summary_reports_worst_median_largest() -> None:
    rows = tightness.table(
        ("T1", "T1.sharp"), q_values=(1.0, 0.5), mu_L_values=(0.5,), horizons=(1,)
    )
    groups = {g["theorem"]: g for g in tightness.summary(rows)}
    assert groups["T1"]["cases"] == 2
    assert groups["T1"]["worst"] == pytest.approx(1.5, rel=TIGHT_TOLERANCE)
    assert groups["T1"]["largest"] == pytest.approx(1.75, rel=TIGHT_TOLERANCE)
    assert groups["T1.sharp"]["median"] == pytest.approx(1.0, rel=TIGHT_TOLERANCE)
    figure = tightness.ratio_figure(rows)
    assert len(figure.axes) == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: tightness.worst_case("gap", [0.5], L=1.0), "quantity must be one of"),
        (lambda: tightness.worst_case("avg_grad_norm2", [], L=1.0), "at least one step"),
        (lambda: tightness.worst_case("avg_grad_norm2", [-1.0], L=1.0), "stepsizes"),
        (
            lambda: tightness.worst_case("optimality_gap", [0.5], L=1.0, function_class="smooth"),
            "function_class must be 'smooth' for",
        ),
        (
            lambda: tightness.worst_case("optimality_gap", [0.5], L=1.0, function_class="pl"),
            "c must satisfy 0 < c <= L",
        ),
        (
            lambda: tightness.worst_case(
                "optimality_gap", [0.5], L=1.0, function_class="strongly_convex", c=1.0
            ),
            "c < L for PEPit's strongly_convex class",
        ),
        (lambda: tightness.compare("T9", q=1.0, mu_L=1.0, K=1), "theorem must be one of"),
        (lambda: tightness.compare("T1", q=0.0, mu_L=1.0, K=1), "q must satisfy"),
        (lambda: tightness.compare("T1", q=1.0, mu_L=1.0, K=0), "K must be an integer"),
        (lambda: tightness.compare("T3", q=1.0, mu_L=1.0, K=1), "c_over_L must satisfy"),
        (
            lambda: tightness.compare("T1", q=1.0, mu_L=1.0, K=1, function_class="pl"),
            "function_class must be one of smooth",
        ),
    ],
)
def test_bad_input_names_the_parameter(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_every_handled_theorem_is_registered() -> None:
    for theorem in tightness.THEOREMS:
        assert theorems.get(theorem).id == theorem


def test_pepit_is_imported_only_on_use() -> None:
    code = "import sys, bounds.tightness; print('PEPit' in sys.modules, 'cvxpy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
