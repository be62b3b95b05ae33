"""The fast kernels of ``quantize`` agree bit for bit with the exact integer reference.

``quantize`` rounds by the compiled kernel where numba is installed
(``simulate/compiled_kernels.py``), else by table lookup, carries, float addition and
fixed-point stochastic rounding (``simulate/kernels.py``): every test here runs on both
(the ``kernel_path`` fixture). ``quantize_exact`` decides every rounding on the integer
significand. The two are independent implementations of the same definition, so their
agreement in every mode on every float16 pattern and on random float32/float64 patterns (all
exponents, NaN, infinities, signed zeros; 60,000 values, one chunk)
checks both. ``test_kernels.py`` holds both paths over many chunks and threads, and the
oracle tests of the formats hold the reference to ml_dtypes and MPFR.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from simulate import formats
from simulate.executor import draw
from simulate.rounding import DETERMINISTIC_MODES, quantize, quantize_exact

pytestmark = pytest.mark.usefixtures("kernel_path")

CUSTOM_FORMATS = (
    formats.Format("e3m4_bias2", 3, 4, 2),
    formats.Format("e6m9_saturating", 6, 9, 40, nan_inf="none", overflow="saturate"),
    formats.Format("e4m2_fn_flushed", 4, 2, 9, nan_inf="fn", overflow="nan", subnormals=False),
)
FORMATS = tuple(formats.get(name) for name in formats.names()) + CUSTOM_FORMATS


def every_float16() -> NDArray[np.float16]:
    return np.arange(1 << 16, dtype=np.uint16).view(np.float16)


def random_float32(count: int, seed: int) -> NDArray[np.float32]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 1 << 32, count, dtype=np.uint64).astype(np.uint32).view(np.float32)


def random_float64(count: int, seed: int) -> NDArray[np.float64]:
    """Random significands over exponents from far below to far above every preset's range."""
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(count) * np.exp2(rng.integers(-160, 140, count))
    specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 65520.0, -65520.0, 464.0, 2.0**-25]
    return np.concatenate([values, specials])


def same_bits(a: NDArray[np.floating], b: NDArray[np.floating]) -> NDArray[np.bool_]:
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    return (a.view(unsigned) == b.view(unsigned)) | (np.isnan(a) & np.isnan(b))


def exact(x: NDArray[np.floating], fmt: formats.Format, mode: str, seed: int | None, bits: int):
    draws = None if seed is None else draw(np.random.default_rng(seed).bit_generator, x.size, bits)
    with np.errstate(over="ignore", invalid="ignore"):
        return quantize_exact(x.astype(np.float64), fmt, mode, draws, bits).astype(x.dtype)


def gradient_like_float32(count: int, seed: int) -> NDArray[np.float32]:
    """Normal samples over 40 binades: mostly inside the formats' ranges, unlike raw bits."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(count) * np.exp2(rng.integers(-20, 20, count))).astype(np.float32)


INPUTS = {
    "float16-all": every_float16,
    "float32-random": lambda: random_float32(60_000, seed=11),
    "float32-gradient-like": lambda: gradient_like_float32(60_000, seed=13),
    # Few values below fp8's normal range, most below fp4's: both branches of the SR kernel.
    "float32-standard-normal": lambda: (
        np.random.default_rng(17).standard_normal(60_000).astype(np.float32)
    ),
    "float64-random": lambda: random_float64(60_000, seed=12),
    # Up to ~40 with nothing huge: the small formats' top binades and overflow, which the SR
    # kernel rounds on the top binade's grid when the whole chunk fits its count.
    "float32-near-overflow": lambda: (8 * np.random.default_rng(23).standard_normal(60_000)).astype(
        np.float32
    ),
    "float64-near-overflow": lambda: 8 * np.random.default_rng(29).standard_normal(60_000),
    "float64-standard-normal": lambda: np.random.default_rng(19).standard_normal(60_000),
}


@pytest.mark.parametrize("mode", DETERMINISTIC_MODES)
@pytest.mark.parametrize("fmt", FORMATS, ids=lambda fmt: fmt.name)
@pytest.mark.parametrize("inputs", sorted(INPUTS))
def test_deterministic_kernels_match_exact_path(
    fmt: formats.Format, inputs: str, mode: str
) -> None:
    x = INPUTS[inputs]()
    assert same_bits(quantize(x, fmt, mode), exact(x, fmt, mode, None, 0)).all()


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda fmt: fmt.name)
@pytest.mark.parametrize(
    "inputs",
    [
        "float16-all",
        "float32-random",
        "float32-gradient-like",
        "float32-standard-normal",
        "float32-near-overflow",
        "float64-random",
        "float64-standard-normal",
        "float64-near-overflow",
    ],
)
@pytest.mark.parametrize("random_bits", [1, 8, 24, 27, 40])
def test_sr_fast_path_matches_exact_path(
    fmt: formats.Format, inputs: str, random_bits: int
) -> None:
    """Same generator state, same random draws, same bits: the two paths take the same event."""
    x = INPUTS[inputs]()
    fast = quantize(x, fmt, "sr", rng=np.random.default_rng(3), random_bits=random_bits)
    assert same_bits(fast, exact(x, fmt, "sr", 3, random_bits)).all()


def test_a_planted_off_by_one_quantum_is_caught() -> None:
    """The comparison has teeth: nudging one result by a quantum breaks agreement."""
    x = random_float32(10_000, seed=5)
    fast = quantize(x, "fp8_e4m3", "rne")
    reference = exact(x, formats.get("fp8_e4m3"), "rne", None, 0)
    finite = np.flatnonzero(np.isfinite(fast) & (fast != 0))
    planted = fast.copy()
    planted[finite[0]] = np.nextafter(planted[finite[0]], np.float32(np.inf))
    assert same_bits(fast, reference).all()
    assert not same_bits(planted, reference).all()


def test_numpy_integer_arrays_are_rejected_python_numbers_accepted() -> None:
    with pytest.raises(ValueError, match="x must be float16, float32 or float64"):
        quantize(np.arange(3), "fp4_e2m1")
    assert quantize([1, 2, 5], "fp4_e2m1").tolist() == [1.0, 2.0, 4.0]
