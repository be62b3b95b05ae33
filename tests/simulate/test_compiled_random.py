"""``simulate.compiled_random``: the words of NumPy's ``random_raw``, and its state after.

The oracle is NumPy itself: every count around the sixteen interleaved lanes (a whole number
of rounds, a tail, fewer words than a round), both representations of the lanes (IFMA limbs
where this CPU has them; two words a lane, compiled for a CPU without them), seeds from
integers, ``SeedSequence``, ``advance`` and ``jumped``, both state paths (in place and
through ``.state``), calls mixed with NumPy's, and ``simulate.quantize`` with the compiled
path on and off. Planted wrong constants show the comparisons can fail.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from simulate import compiled_random, executor, quantize

GENERATORS = [np.random.PCG64, np.random.PCG64DXSM]
COUNTS = [0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, (1 << 20) + 3]


def seeded(kind: type) -> list[np.random.BitGenerator]:
    """Generators of ``kind`` from every way a state is made."""
    made = [kind(seed) for seed in (0, 1, 12345, 2**63 + 7)]
    made += [kind(np.random.SeedSequence(entropy)) for entropy in (7, 2**100 + 3)]
    made.append(kind(np.random.SeedSequence(9)).advance(2**70 + 5))
    made.append(kind(11).jumped(3))
    made.append(kind(np.random.SeedSequence(5).spawn(2)[1]))
    return made


def twin(bit_generator: np.random.BitGenerator) -> np.random.BitGenerator:
    copy = type(bit_generator)()
    copy.state = bit_generator.state
    return copy


@pytest.fixture(params=[True, False], ids=["in-place", "through-state"])
def state_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both ways of reaching the state: the in-place one this NumPy build allows, and the
    ``.state`` dict that other builds take."""
    assert compiled_random._layout_is_native()  # x86-64 and arm64 NumPy: a native uint128
    if not request.param:
        monkeypatch.setattr(compiled_random, "_layout_is_native", lambda: False)
    return bool(request.param)


@pytest.mark.parametrize("kind", GENERATORS)
@pytest.mark.parametrize("count", COUNTS)
def test_the_words_and_the_state_after_are_random_raws(
    kind: type, count: int, state_path: bool
) -> None:
    for ours in seeded(kind):
        theirs = twin(ours)
        words = compiled_random.random_raw(ours, count)
        assert words.dtype == np.uint64
        assert words.shape == (count,)
        np.testing.assert_array_equal(words, theirs.random_raw(count))
        assert ours.state == theirs.state


@pytest.mark.parametrize("kind", GENERATORS)
def test_read_state_and_write_state_step_the_generator_as_fill_words_does(
    kind: type, state_path: bool
) -> None:
    for ours in seeded(kind):
        theirs = twin(ours)
        for generator in (ours, theirs):  # a buffered half word, which write_state keeps
            np.random.Generator(generator).integers(1 << 32, dtype=np.uint32)
        state = compiled_random.read_state(ours)
        words = np.empty(37, np.uint64)
        compiled_random.fill(words, state, *compiled_random.fill_parameters(ours))
        assert ours.state == theirs.state  # read_state is a copy
        compiled_random.write_state(ours, state)
        np.testing.assert_array_equal(words, theirs.random_raw(37))
        assert ours.state == theirs.state


@pytest.mark.parametrize("kind", GENERATORS)
def test_the_buffered_half_word_is_left_as_random_raw_leaves_it(kind: type) -> None:
    ours = kind(3)
    ours.random_raw(1)
    np.random.Generator(ours).integers(0, 2**32, dtype=np.uint32)  # buffers a 32-bit half
    assert ours.state["has_uint32"] == 1
    theirs = twin(ours)
    np.testing.assert_array_equal(compiled_random.random_raw(ours, 21), theirs.random_raw(21))
    assert ours.state == theirs.state


@pytest.mark.parametrize("kind", GENERATORS)
def test_calls_mixed_with_numpys_make_one_stream(kind: type, state_path: bool) -> None:
    stream = kind(np.random.SeedSequence(2024)).random_raw(5000)
    mixed = kind(np.random.SeedSequence(2024))
    parts: list[NDArray[np.uint64]] = []
    for index, count in enumerate([17, 1, 64, 3, 999, 0, 8, 2000, 9, 1899]):
        if index % 2:
            parts.append(mixed.random_raw(count))
        else:
            parts.append(compiled_random.random_raw(mixed, count))
    np.testing.assert_array_equal(np.concatenate(parts), stream)


@pytest.mark.parametrize("kind", GENERATORS)
def test_out_is_filled_and_returned(kind: type) -> None:
    buffer = np.zeros(100, np.uint64)
    words = compiled_random.random_raw(kind(8), 77, out=buffer)
    assert np.shares_memory(words, buffer)
    np.testing.assert_array_equal(buffer[:77], kind(8).random_raw(77))
    assert not buffer[77:].any()


def test_only_pcg64_and_pcg64dxsm_are_supported() -> None:
    assert compiled_random.supports(np.random.PCG64())
    assert compiled_random.supports(np.random.PCG64DXSM())

    class Derived(np.random.PCG64):
        pass

    for other in (np.random.MT19937(), np.random.Philox(), np.random.SFC64(), Derived()):
        assert not compiled_random.supports(other)
    with pytest.raises(ValueError, match=r"bit_generator must be numpy\.random\.PCG64"):
        compiled_random.random_raw(np.random.SFC64(), 4)


@pytest.mark.parametrize("bad", [-1, 2.0, True, "3"])
def test_count_must_be_a_non_negative_int(bad: object) -> None:
    with pytest.raises(ValueError, match="count must be a non-negative int"):
        compiled_random.random_raw(np.random.PCG64(), bad)  # type: ignore[arg-type]


def test_out_must_be_a_long_enough_contiguous_uint64_array() -> None:
    with pytest.raises(ValueError, match="out must be a contiguous one-dimensional uint64"):
        compiled_random.random_raw(np.random.PCG64(), 4, out=np.empty(4, np.int64))
    with pytest.raises(ValueError, match="out must be a contiguous one-dimensional uint64"):
        compiled_random.random_raw(np.random.PCG64(), 4, out=np.empty(8, np.uint64)[::2])
    with pytest.raises(ValueError, match="out must hold at least count=4 words"):
        compiled_random.random_raw(np.random.PCG64(), 4, out=np.empty(3, np.uint64))


def state_words(bit_generator: np.random.BitGenerator) -> NDArray[np.uint64]:
    return compiled_random._state_words(bit_generator)


@pytest.mark.parametrize(
    ("kind", "multiplier"),
    [
        (np.random.PCG64, compiled_random.PCG64_MULTIPLIER),
        (np.random.PCG64DXSM, compiled_random.CHEAP_MULTIPLIER),
    ],
)
def test_planted_wrong_constants_are_caught(kind: type, multiplier: int) -> None:
    """A wrong multiplier, lane multiplier, lane increment sum or increment changes words."""
    count = 1000
    expected = kind(4).random_raw(count)
    dxsm = kind is np.random.PCG64DXSM

    def words(parameters: NDArray[np.uint64], state: NDArray[np.uint64]) -> NDArray[np.uint64]:
        out = np.empty(count, np.uint64)
        compiled_random.fill(out, state.copy(), parameters, dxsm)
        return out

    right = compiled_random.parameters(multiplier)
    np.testing.assert_array_equal(words(right, state_words(kind(4))), expected)
    for index in range(6):
        wrong = right.copy()
        wrong[index] ^= np.uint64(1 << 40)
        assert not np.array_equal(words(wrong, state_words(kind(4))), expected), index
    # Another lane count's constants, labelled as the compiled one's.
    wrong_lanes = compiled_random.parameters(multiplier, lanes=compiled_random.LANES - 1)
    wrong_lanes[6] = compiled_random.LANES
    assert not np.array_equal(words(wrong_lanes, state_words(kind(4))), expected)
    wrong_increment = state_words(kind(4))
    wrong_increment[2] += np.uint64(2)
    assert not np.array_equal(words(right, wrong_increment), expected)


@pytest.mark.parametrize("kind", GENERATORS)
def test_constants_of_another_lane_count_make_the_words_sequentially(kind: type) -> None:
    """A caller compiled (and cached) with another :data:`LANES` than the constants it is
    given gets NumPy's words, not words of mismatched lanes."""
    dxsm = kind is np.random.PCG64DXSM
    multiplier = compiled_random.CHEAP_MULTIPLIER if dxsm else compiled_random.PCG64_MULTIPLIER
    out = np.empty(1000, np.uint64)
    for lanes in (compiled_random.LANES // 2, compiled_random.LANES * 2):
        state = state_words(kind(4))
        parameters = compiled_random.parameters(multiplier, lanes)
        compiled_random.fill(out, state, parameters, dxsm)
        np.testing.assert_array_equal(out, kind(4).random_raw(1000))


def test_the_lanes_are_limbs_exactly_where_the_cpu_has_ifma() -> None:
    """Against the kernel's own list of this CPU's features, not LLVM's."""
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    limbs = isinstance(compiled_random._LANES, compiled_random._Limbs52)
    assert limbs == ("avx512ifma" in flags)


GENERIC_CHECK = """
import numpy as np
from simulate import compiled_random
assert isinstance(compiled_random._LANES, compiled_random._Words64), compiled_random._LANES
for kind in (np.random.PCG64, np.random.PCG64DXSM):
    for count in (0, 17, 16 * 5 + 3, 1 << 16):
        ours, theirs = kind(31), kind(31)
        words = compiled_random.random_raw(ours, count)
        np.testing.assert_array_equal(words, theirs.random_raw(count))
        assert ours.state == theirs.state
print("ok")
"""


def test_the_two_word_lanes_give_numpys_words_compiled_for_a_cpu_without_ifma() -> None:
    """numba compiled for Haswell (AVX2, no IFMA; runs on any newer x86-64 CPU) takes the
    two-word lanes, whatever this machine has."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        pytest.skip("the two-word lanes are the only ones off x86-64: the tests above")
    env = {**os.environ, "NUMBA_CPU_NAME": "haswell"}
    done = subprocess.run(
        [sys.executable, "-c", GENERIC_CHECK],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_the_switch_and_numpy_only_turn_the_compiled_path_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert executor.numba_enabled()
    assert executor.compiled_module("compiled_random") is compiled_random
    with executor.numpy_only():
        assert not executor.numba_enabled()
        assert executor.compiled_module("compiled_random") is None
    assert executor.numba_enabled()
    monkeypatch.setenv("STEPSHRINK_NUMBA", "0")
    assert not executor.numba_enabled()
    assert executor.compiled_module("compiled_random") is None

    calls = []
    monkeypatch.setattr(compiled_random, "random_raw", lambda *args: calls.append(args))
    executor.raw_words(np.random.PCG64(1), 10)
    assert not calls
    monkeypatch.setenv("STEPSHRINK_NUMBA", "1")
    executor.raw_words(np.random.PCG64(1), 10)
    assert len(calls) == 1
    executor.raw_words(np.random.MT19937(1), 10)  # NumPy's words: not supported here
    assert len(calls) == 1


@pytest.mark.parametrize("name", ["bf16", "fp8_e4m3", "fp4_e2m1"])
@pytest.mark.parametrize("random_bits", [13, 40])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kind", GENERATORS)
def test_quantize_gives_the_same_bits_compiled_and_on_numpy(
    name: str, random_bits: int, threads: int, kind: type
) -> None:
    x = np.random.default_rng(0).standard_normal(3 * executor.CHUNK_SIZE + 101)
    x = x.astype(np.float32)
    compiled_rng = np.random.Generator(kind(77))
    compiled = quantize(x, name, "sr", rng=compiled_rng, random_bits=random_bits, threads=threads)
    numpy_rng = np.random.Generator(kind(77))
    with executor.numpy_only():
        reference = quantize(x, name, "sr", rng=numpy_rng, random_bits=random_bits, threads=threads)
    np.testing.assert_array_equal(compiled.view(np.uint32), reference.view(np.uint32))
    assert compiled_rng.bit_generator.state == numpy_rng.bit_generator.state
