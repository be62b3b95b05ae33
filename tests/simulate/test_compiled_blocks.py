"""The compiled MX loop (``simulate/compiled_blocks.py``): where it is taken, and its teeth.

Its agreement with the exact block construction is shown by ``test_kernels.py``, which runs
on both kernel paths. Here: that ``quantize_blocks`` really takes it, that it gives the NumPy
chunks' bits and leaves the generator where they leave it (NaN blocks, scales at both ends,
products that underflow, float64 and PCG64DXSM included), that it declines what it cannot
do, and that a loop given one wrong constant disagrees.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from numpy.typing import NDArray

from simulate import compiled_blocks, executor, quantize_blocks
from simulate.compiled_kernels import build
from simulate.rounding import ROUNDING_MODES
from simulate.scaling import get_block_format

MX_FORMATS = ("mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4")


def same_bits(a: NDArray[np.floating], b: NDArray[np.floating]) -> bool:
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    return bool((a.view(unsigned) == b.view(unsigned)).all())


def hard_blocks(dtype: type) -> NDArray[np.floating]:
    """Rows over a wide range of scales, with a NaN and an infinity block, a zero block, a
    negative zero, products that underflow, and the largest values of the type."""
    rng = np.random.default_rng(5)
    rows = rng.standard_normal((40, 1024)) * np.exp2(rng.integers(-140, 140, (40, 1)))
    rows[1, 7], rows[2, 100] = np.nan, -np.inf
    rows[3, :32], rows[3, 40] = 0.0, -0.0
    tiny = 1e-300 if dtype == np.float64 else 1e-40
    rows[4, 64:96] = rng.standard_normal(32) * tiny
    rows[4, 64] = 2.0**100  # the block's scale is large: its other elements underflow
    rows[5, 0] = 1e308 if dtype == np.float64 else 3.4e38
    rows[6, :] = 2.0 ** rng.integers(-126, 127, 1024)  # powers of two: scale edges
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        return rows.astype(dtype)


def both_paths(
    x: NDArray[np.floating], name: str, mode: str, kind: type, threads: int
) -> tuple[NDArray[np.floating], NDArray[np.floating], NDArray[np.uint64], NDArray[np.uint64]]:
    """The compiled pass's and the NumPy chunks' results, and each generator's next words."""
    results, next_words = [], []
    for numpy_only in (False, True):
        rng = np.random.Generator(kind(17))
        with executor.numpy_only() if numpy_only else contextlib.nullcontext():
            results.append(
                quantize_blocks(x, name, rounding=mode, rng=rng, random_bits=20, threads=threads)
            )
        next_words.append(rng.bit_generator.random_raw(4))
    return results[0], results[1], next_words[0], next_words[1]


@pytest.fixture
def accepted(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """What each call of ``compiled_blocks.round_range`` returned."""
    calls: list[bool] = []
    original = compiled_blocks.round_range

    def spy(*args: object, **kwargs: object) -> bool:
        calls.append(original(*args, **kwargs))  # type: ignore[arg-type]
        return calls[-1]

    monkeypatch.setattr(compiled_blocks, "round_range", spy)
    return calls


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", MX_FORMATS)
@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_the_compiled_pass_gives_the_bits_of_the_chunks(
    dtype: type, name: str, mode: str, accepted: list[bool]
) -> None:
    x = hard_blocks(dtype)
    ours, chunks, next_ours, next_chunks = both_paths(x, name, mode, np.random.PCG64, 1)
    assert accepted == [True]
    assert same_bits(ours, chunks)
    assert (next_ours == next_chunks).all()


@pytest.mark.parametrize("kind", [np.random.PCG64, np.random.PCG64DXSM])
@pytest.mark.parametrize("name", ["mxfp8_e4m3", "mxfp4"])
def test_two_threads_take_the_compiled_pass_with_the_same_bits(
    kind: type, name: str, accepted: list[bool]
) -> None:
    """Two ranges (each a compiled call making its own words) and a ragged last group."""
    x = np.random.default_rng(1).standard_normal(2 * executor.CHUNK_SIZE + 96).astype(np.float32)
    x = x.reshape(-1, 32)
    ours, chunks, next_ours, next_chunks = both_paths(x, name, "sr", kind, 2)
    assert accepted == [True, True]
    assert same_bits(ours, chunks)
    assert (next_ours == next_chunks).all()


def test_another_generator_is_declined_and_the_chunks_round(accepted: list[bool]) -> None:
    x = hard_blocks(np.float32)
    ours, chunks, next_ours, next_chunks = both_paths(x, "mxfp6_e2m3", "sr", np.random.MT19937, 1)
    assert accepted == [False]
    assert same_bits(ours, chunks)
    assert (next_ours == next_chunks).all()


def test_a_range_of_part_blocks_is_declined() -> None:
    element = get_block_format("mxfp4").saturating_element
    kernel = build(np.dtype(np.float32), element, "rne", 0)
    x = np.ones(48, np.float32)
    assert not compiled_blocks.round_range(
        kernel, x, np.empty_like(x), None, 32, 2, (-127, 127), None
    )


@pytest.mark.parametrize(
    ("position", "planted", "mode"),
    [
        (("block", 2), lambda value: value + 1, "rne"),  # the exponent of 2**emax_elem
        (("block", 3), lambda value: value + 10, "rtz"),  # the smallest scale exponent
        (("block", 4), lambda value: value - 100, "rup"),  # the largest scale exponent
        (("limits", 0), lambda value: value / 2, "sr"),  # the clip
        (("limits", 1), lambda value: value * 0, "rup"),  # the underflow's subnormal
    ],
)
def test_a_loop_with_one_wrong_constant_is_caught(
    position: tuple[str, int], planted: object, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = hard_blocks(np.float32)
    original = compiled_blocks.block_constants
    which, index = position

    def wrong(*args: object) -> tuple[tuple[object, ...], tuple[object, ...]]:
        block, limits = original(*args)  # type: ignore[arg-type]
        target = list(block if which == "block" else limits)
        target[index] = type(target[index])(planted(target[index]))  # type: ignore[operator]
        return (tuple(target), limits) if which == "block" else (block, tuple(target))

    monkeypatch.setattr(compiled_blocks, "block_constants", wrong)
    ours, chunks, _, _ = both_paths(x, "mxfp4", mode, np.random.PCG64, 1)
    assert not same_bits(ours, chunks)
