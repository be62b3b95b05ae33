"""The measurement definitions of docs/spec.md section 4: q = <Q(g), g>/‖g‖², eps = Q(g) - q g."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulate.measure import mean_ci, normal_quantile, projection, require_measurable

finite = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)


def test_projection_exact_values() -> None:
    g = np.array([[3.0, 4.0], [3.0, 4.0], [1.0, 0.0], [0.0, 0.0]])
    quantized = np.array([[3.0, 4.0], [6.0, 8.0], [1.0, 1.0], [0.0, 0.0]])
    q, eps = projection(g, quantized)
    assert q.tolist() == [1.0, 2.0, 1.0, 1.0]
    assert eps.tolist() == [[0.0, 0.0], [0.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    # rounding 1.07 up to e4m3's 1.125: a single coordinate rounding up gives q > 1
    q_up, _ = projection(np.array([[1.07]]), np.array([[1.125]]))
    assert q_up[0] == pytest.approx(1.125 / 1.07)
    assert q_up[0] > 1
    # underflow of one entry shrinks: q = ‖kept‖²/‖g‖²
    q_down, eps_down = projection(np.array([[1.0, 0.25]]), np.array([[1.0, 0.0]]))
    assert q_down[0] == 1 / 1.0625
    assert eps_down[0].tolist() == [1.0 - 1 / 1.0625, -0.25 / 1.0625]


@given(
    g=hnp.arrays(np.float64, (3, 5), elements=finite),
    noise=hnp.arrays(np.float64, (3, 5), elements=st.floats(-1, 1)),
    shrink=st.floats(0.01, 2.0),
)
@example(g=np.zeros((3, 5)), noise=np.ones((3, 5)), shrink=1.0)
@example(g=np.full((3, 5), 2e-295), noise=np.ones((3, 5)), shrink=1.0)  # ‖g‖² underflows
@example(g=np.full((3, 5), 1e155), noise=np.ones((3, 5)), shrink=0.5)  # ‖g‖² overflows
# ‖g‖² underflows and <Q(g), g> overflows once rescaled by ‖g‖'s peak alone (q = 4.5e307)
@example(g=np.full((3, 5), 2.2250738585072014e-308), noise=np.ones((3, 5)), shrink=1.0)
def test_eps_is_orthogonal_and_reconstructs(
    g: np.ndarray, noise: np.ndarray, shrink: float
) -> None:
    quantized = shrink * g + noise
    # |q| <= ‖Q(g)‖/‖g‖ <= sqrt(5) max|Q(g)| / max|g|: a ratio up to 5e307 keeps q a float64
    g_peak = np.max(np.abs(g), axis=1)
    assume(np.all((np.max(np.abs(quantized), axis=1) * 2e-308 <= g_peak) | (g_peak == 0)))
    q, eps = projection(g, quantized)
    assert np.allclose(q[:, None] * g + eps, quantized, rtol=1e-12, atol=1e-9)
    # orthogonal up to rounding of the products, which scale with ‖g‖ ‖Q(g)‖; g is normalised
    # by its largest entry so that tiny gradients (1e-295) do not underflow the check itself
    peak = np.max(np.abs(g), axis=1, keepdims=True)
    unit = g / np.where(peak == 0, 1.0, peak)
    scale = np.linalg.norm(unit, axis=1) * np.max(np.abs(quantized), axis=1) * np.sqrt(5)
    assert np.all(np.abs(np.einsum("rd,rd->r", eps, unit)) <= 1e-12 * scale)
    # the projection minimises ‖Q(g) - t g‖ over t: any other t does no better (residuals
    # compared in units of their larger peak: squares of 1e-161 lose digits as subnormals)
    other = quantized - (q + 0.01)[:, None] * g
    unit_residual = np.maximum(np.max(np.abs(other), axis=1), np.max(np.abs(eps), axis=1))
    unit_residual = np.where(unit_residual == 0, 1.0, unit_residual)[:, None]
    assert np.all(
        np.linalg.norm(other / unit_residual, axis=1)
        >= np.linalg.norm(eps / unit_residual, axis=1) * (1 - 1e-12)
    )


def test_normal_quantile_and_masked_interval() -> None:
    assert normal_quantile(0.95) == pytest.approx(1.959963984540054)
    assert normal_quantile(0.999) == pytest.approx(3.2905267314918945)
    with pytest.raises(ValueError, match="level must be a finite real number with 0 < level"):
        normal_quantile(1.0)
    values = np.array([[1.0, 2.0, 3.0, np.inf], [5.0, np.nan, 5.0, 5.0]])
    mask = np.array([[True, True, True, False], [True, False, True, True]])
    mean, low, high = mean_ci(values, mask, 2.0)
    assert mean.tolist() == [2.0, 5.0]
    assert low[0] == pytest.approx(2.0 - 2.0 * 1.0 / np.sqrt(3))
    assert high[0] == pytest.approx(2.0 + 2.0 / np.sqrt(3))
    assert low[1] == high[1] == 5.0
    empty = mean_ci(np.ones(3), np.zeros(3, dtype=bool), 2.0)
    assert all(np.isnan(v) for v in empty)


def test_interval_covers_the_mean_at_its_level() -> None:
    # seed 5; 2000 intervals of 100 normal draws at 99%: coverage ~ Binomial(2000, 0.99),
    # mean 1980, sd 4.45; the window [1960, 2000] is beyond 4 sd of the correct level,
    # and a half-width interval (planted bug) covers only ~87%.
    rng = np.random.default_rng(5)
    values = rng.standard_normal((2000, 100))
    mask = np.ones_like(values, dtype=bool)
    z = normal_quantile(0.99)
    _, low, high = mean_ci(values, mask, z)
    covered = int(np.sum((low <= 0) & (high >= 0)))
    assert 1960 <= covered <= 2000
    _, low_bad, high_bad = mean_ci(values, mask, z / 2)
    assert int(np.sum((low_bad <= 0) & (high_bad >= 0))) < 1900


def test_overflowing_gradients_are_not_measurable() -> None:
    # ||g||^2 of the first row overflows: q and eps of it are not numbers
    g = np.array([[1e200, 1e200], [1.0, 2.0], [np.inf, 0.0]])
    with pytest.raises(ValueError, match="it overflows at 2 of 3 samples"):
        require_measurable(g)
    require_measurable(np.array([[1e150, 1e150], [0.0, 0.0]]))
