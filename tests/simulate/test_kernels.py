"""The executor of ``simulate.kernels``: the same bits on any thread count, and chunked blocks.

Threads split an array into contiguous ranges of chunks, each drawing its random bits from a
copy of the generator jumped ahead to its first word; these tests show the result, and the
generator's state afterwards, equal to one sequential pass and to the exact reference with
the draws of one sequential pass. ``quantize_blocks`` rounds MX chunk by chunk on integer
patterns, NVFP4 with whole blocks along the last axis chunk by chunk on the flat array, and
every other case slice by slice; all are held bit for bit to the unchunked construction
``_blocked`` that ``encode_blocks`` uses. Every test runs on the compiled kernels and on the
NumPy ones (the ``kernel_path`` fixture).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from simulate import executor, formats
from simulate.arith import divide_exactly_rounded
from simulate.rounding import ROUNDING_MODES, quantize, quantize_exact
from simulate.scaling import (
    _blocked,
    _dequantize,
    _divide,
    block_format_names,
    get_block_format,
    quantize_blocks,
)

pytestmark = pytest.mark.usefixtures("kernel_path")


def same_bits(a: NDArray[np.floating], b: NDArray[np.floating]) -> bool:
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    return bool(((a.view(unsigned) == b.view(unsigned)) | (np.isnan(a) & np.isnan(b))).all())


def gradients(count: int, dtype: type, seed: int = 0) -> NDArray[np.floating]:
    rng = np.random.default_rng(seed)
    values = rng.standard_normal(count) * np.exp2(rng.integers(-24, 12, count))
    values[::997] = 0.0
    values[5], values[7], values[11] = np.nan, np.inf, -np.inf
    return values.astype(dtype)


SIZE = 5 * executor.CHUNK_SIZE + 123  # several chunks and a ragged end


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ["fp16", "bf16", "fp8_e4m3", "fp4_e2m1", "e8m0"])
@pytest.mark.parametrize("random_bits", [8, 24, 40])
def test_stochastic_rounding_gives_the_same_bits_on_any_thread_count(
    name: str, dtype: type, random_bits: int
) -> None:
    x = gradients(SIZE, dtype)
    results, states = [], []
    for threads in (1, 2, 3, 7):
        rng = np.random.default_rng(42)
        results.append(quantize(x, name, "sr", rng=rng, random_bits=random_bits, threads=threads))
        states.append(rng.bit_generator.state)
    draws = executor.draw(np.random.default_rng(42).bit_generator, x.size, random_bits)
    with np.errstate(invalid="ignore", over="ignore"):
        reference = quantize_exact(
            x.astype(np.float64), formats.get(name), "sr", draws, random_bits
        )
    assert same_bits(results[0], reference.astype(dtype))
    assert all(same_bits(result, results[0]) for result in results[1:])
    assert all(state == states[0] for state in states[1:])


def test_threads_split_the_work_only_where_it_pays() -> None:
    assert executor.thread_count(executor.PARALLEL_MIN_SIZE - 1, None, None) == 1
    assert executor.thread_count(1 << 30, None, None) == executor.idle_cores()
    assert 1 <= executor.idle_cores() <= executor.max_threads()
    assert executor.thread_count(3 * executor.CHUNK_SIZE, 8, None) == 3  # whole chunks only


def test_others_load_averages_the_busy_time_that_is_not_this_process() -> None:
    load = executor.OthersLoad(when=0.0, busy=0.0, own=0.0, average=0.0)
    tau = executor.LOAD_SECONDS
    # Two cores busy for one time constant, one of them this process: 1 - 1/e on average.
    assert load.update(tau, 2 * tau, tau) == pytest.approx(1 - np.exp(-1))
    # Many small steps average as one long one.
    steps = executor.OthersLoad(when=0.0, busy=0.0, own=0.0, average=0.0)
    for k in range(1, 1001):
        steps.update(k * tau / 1000, 2 * k * tau / 1000, k * tau / 1000)
    assert steps.average == pytest.approx(load.average)
    # Then only this process, on both cores: the others' share decays.
    assert load.update(5 * tau, 10 * tau, 9 * tau) == pytest.approx((1 - np.exp(-1)) * np.exp(-4))
    assert load.update(4 * tau, 0.0, 50.0) == load.average  # a clock that went back
    # Accounting that leaves the others below zero counts as none.
    assert executor.OthersLoad(when=0.0, busy=0.0, own=0.0, average=-0.2).update(0.0, 0, 0) == 0


def test_busy_seconds_reads_the_process_cores_of_proc_stat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  900 900 900 900 900 900 900 900 0 0\n"
        "cpu0 100 10 20 5000 7 1 2 3 50 0\n"
        "cpu1 200 0 0 9000 0 0 0 0 0 0\n"
        "cpu2 400 0 0 9000 0 0 0 0 0 0\n"
        "intr 12345 6 7\n"
    )
    monkeypatch.setattr(executor, "STAT_PATH", str(stat))
    ticks = executor.os.sysconf("SC_CLK_TCK")
    assert executor.busy_seconds({0, 2}) == pytest.approx((136 + 400) / ticks)
    monkeypatch.setattr(executor, "STAT_PATH", str(tmp_path / "absent"))
    assert executor.busy_seconds({0}) is None


@pytest.mark.parametrize(
    ("others", "cores", "idle"),
    [(0.0, 2, 2), (0.4, 2, 2), (0.6, 2, 1), (1.0, 2, 1), (4.0, 2, 1), (2.0, 8, 6)],
)
def test_idle_cores_are_those_the_other_processes_leave(
    others: float, cores: int, idle: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    load = executor.OthersLoad(when=float("inf"), busy=0.0, own=0.0, average=others)
    monkeypatch.setattr(executor, "_OTHERS", load)
    monkeypatch.setattr(executor, "max_threads", lambda: cores)
    assert executor.idle_cores() == idle


def test_idle_cores_fall_back_to_the_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "_OTHERS", None)
    monkeypatch.setattr(executor, "max_threads", lambda: 4)
    monkeypatch.setattr(executor.os, "getloadavg", lambda: (2.2, 0.0, 0.0))
    assert executor.idle_cores() == 3


def test_a_generator_that_cannot_jump_runs_on_one_thread() -> None:
    x = gradients(SIZE, np.float32)
    sfc = np.random.Generator(np.random.SFC64(5))
    assert executor.thread_count(x.size, 4, sfc.bit_generator) == 1
    result = quantize(x, "fp8_e5m2", "sr", rng=sfc, threads=4)
    again = quantize(x, "fp8_e5m2", "sr", rng=np.random.Generator(np.random.SFC64(5)), threads=1)
    assert same_bits(result, again)


def test_deterministic_rounding_is_the_same_on_any_thread_count() -> None:
    x = gradients(SIZE, np.float64)
    for mode in ("rne", "rup"):
        one = quantize(x, "fp16", mode, threads=1)
        assert same_bits(quantize(x, "fp16", mode, threads=2), one)


def test_a_planted_wrong_draw_is_caught() -> None:
    """The comparison with the reference sees draws given to the wrong elements."""
    x = gradients(SIZE, np.float32)
    draws = executor.draw(np.random.default_rng(42).bit_generator, x.size, 24)
    draws = np.roll(draws, 1)  # each element gets its neighbour's draw
    with np.errstate(invalid="ignore", over="ignore"):
        planted = quantize_exact(x.astype(np.float64), formats.get("fp4_e2m1"), "sr", draws, 24)
    ours = quantize(x, "fp4_e2m1", "sr", rng=np.random.default_rng(42), threads=2)
    assert not same_bits(ours, planted.astype(np.float32))


def test_threads_must_be_a_positive_int() -> None:
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="threads must be None or a positive int"):
            quantize(np.ones(3), "fp16", threads=bad)


# Block formats -------------------------------------------------------------------------------
def unchunked(
    x: NDArray[np.floating], name: str, axis: int, mode: str, seed: int, random_bits: int
) -> NDArray[np.floating]:
    bits = random_bits if mode == "sr" else 0
    rng = np.random.default_rng(seed)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        blocked = _blocked(x, get_block_format(name), axis % x.ndim, mode, rng, bits, False)
        return _dequantize(blocked, axis % x.ndim).astype(x.dtype)


def block_inputs(dtype: type) -> dict[str, NDArray[np.floating]]:
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((48, 1024)) * np.exp2(rng.integers(-40, 40, (48, 1)))
    rows[2, 5], rows[3, 700], rows[4, :64] = np.nan, -np.inf, 0.0
    rows[5, 33] = 1e-300 if dtype == np.float64 else 1e-40
    rows[6, 0] = 1e300 if dtype == np.float64 else 3e38
    patterns = rng.integers(0, 1 << 32, (4, 8192), dtype=np.uint64).astype(np.uint32)
    with np.errstate(invalid="ignore", over="ignore"):
        return {
            "rows": rows.astype(dtype),
            "ragged": rows[:, :1000].astype(dtype),
            "float32-patterns": patterns.view(np.float32).astype(dtype),
        }


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", block_format_names())
@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_chunked_blocks_match_the_unchunked_construction(name: str, dtype: type, mode: str) -> None:
    for label, x in block_inputs(dtype).items():
        ours = quantize_blocks(x, name, rounding=mode, rng=np.random.default_rng(9), random_bits=20)
        assert same_bits(ours, unchunked(x, name, -1, mode, 9, 20)), label
    x = block_inputs(dtype)["ragged"]
    along_rows = quantize_blocks(x, name, axis=0, rounding=mode, rng=np.random.default_rng(9))
    assert same_bits(along_rows, unchunked(x, name, 0, mode, 9, 24))


@pytest.mark.parametrize("name", ["mxfp8_e4m3", "mxfp4"])
def test_blocks_give_the_same_bits_on_any_thread_count(name: str) -> None:
    x = gradients(64 * executor.CHUNK_SIZE, np.float32).reshape(-1, 2048)
    one = quantize_blocks(x, name, rounding="sr", rng=np.random.default_rng(1), threads=1)
    two = quantize_blocks(x, name, rounding="sr", rng=np.random.default_rng(1), threads=2)
    assert same_bits(one, two)
    assert same_bits(one, unchunked(x, name, -1, "sr", 1, 24))


@pytest.mark.parametrize("mode", ROUNDING_MODES)
@pytest.mark.parametrize("whole_tensor", [False, True])
def test_nvfp4_in_chunks_matches_the_unchunked_construction(mode: str, whole_tensor: bool) -> None:
    """NVFP4 on the flat array: chunks of whole blocks across rows (not a whole number of
    them), a ragged last chunk, rows of their own ranges, NaN and zero blocks."""
    x = gradients(3 * executor.CHUNK_SIZE + 7 * 16 * 96, np.float32, seed=4).reshape(-1, 16 * 96)
    x *= np.exp2(np.arange(x.shape[0]) % 40 - 20)[:, None].astype(np.float32)
    x[3, 32:48] = 0.0
    bits = 24 if mode == "sr" else 0
    ours = quantize_blocks(
        x, "nvfp4", rounding=mode, rng=np.random.default_rng(2), whole_tensor=whole_tensor
    )
    rng = np.random.default_rng(2)
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        blocked = _blocked(x, get_block_format("nvfp4"), 1, mode, rng, bits, whole_tensor)
        expected = _dequantize(blocked, 1).astype(np.float32)
    assert same_bits(ours, expected)
    assert np.isnan(ours[0]).any()
    assert (ours[3, 32:48] == 0).all()


def test_empty_arrays_round_to_empty_arrays() -> None:
    assert quantize(np.zeros(0, np.float32), "e8m0").shape == (0,)
    rng = np.random.default_rng(0)
    assert quantize(np.zeros((0, 3)), "fp16", "sr", rng=rng).shape == (0, 3)
    assert quantize_blocks(np.zeros((3, 0), np.float32), "mxfp4").shape == (3, 0)


@pytest.mark.parametrize("mode", ROUNDING_MODES)
def test_one_float64_division_rounds_like_the_exact_one_where_it_is_taken(mode: str) -> None:
    """NVFP4's element division ``V / (scale * tensor_scale)`` for float32 ``V``.

    Numerators are put next to the decision points of E2M1 (values and midpoints, for SR
    the 2**-r sub-steps): ``M b`` rounded to float32, and one float32 ulp either side.
    """
    rng = np.random.default_rng(21)
    element = get_block_format("nvfp4").saturating_element
    e4m3 = formats.get("fp8_e4m3")
    count = 200_000
    scales = quantize(rng.uniform(0.01, 448, count), e4m3)
    tensor = rng.uniform(1e-3, 1e3, count).astype(np.float32).astype(np.float64)
    denominator = scales * tensor
    grid_bits = 16 if mode == "sr" else 1
    points = rng.integers(0, 6 << grid_bits, count) / 2.0**grid_bits  # decision points
    near = (points * denominator).astype(np.float32)
    numerator = np.concatenate(
        [near, np.nextafter(near, np.float32(np.inf)), np.nextafter(near, np.float32(0))]
    ).astype(np.float64) * rng.choice([-1.0, 1.0], 3 * count)
    denominator = np.tile(denominator, 3)
    bits = 16 if mode == "sr" else 0
    fast = _divide(
        numerator, denominator, element, mode, np.random.default_rng(4), bits, (24, 4 + 24)
    )
    exact = divide_exactly_rounded(
        numerator, denominator, element, mode, np.random.default_rng(4), bits
    )
    assert same_bits(fast, exact)
    # The inputs have teeth: a float32 division (24 bits, not enough) gets some wrong.
    with np.errstate(over="ignore"):
        narrow = (numerator.astype(np.float32) / denominator.astype(np.float32)).astype(float)
    rng = np.random.default_rng(4)
    options = {"rng": rng, "random_bits": bits} if mode == "sr" else {}
    assert not same_bits(quantize(narrow, element, mode, **options), exact)
    # The shortcut is refused where the argument fails: float64 numerators.
    assert same_bits(
        _divide(numerator, denominator, element, mode, np.random.default_rng(4), bits, (53, 28)),
        exact,
    )
