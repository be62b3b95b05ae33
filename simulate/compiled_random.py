"""NumPy's PCG64 and PCG64DXSM raw words, compiled: the words of ``random_raw``, faster.

``bit_generator.random_raw`` makes an indirect call per word; here numba runs the linear
congruential generator in :data:`LANES` interleaved chains (lane ``j`` makes words ``j``,
``j + LANES``, ...: itself an LCG with multiplier ``A**LANES`` and increment
``inc * (A**(LANES-1) + ... + A + 1)``), so the 128-bit multiplications of the chains overlap
instead of waiting on each other. numba has no 128-bit integer, so :func:`_mul_add` emits
LLVM's ``i128`` directly.

The definitions are NumPy's (``numpy/random/src/pcg64/pcg64.h``): PCG64 steps
``s <- s * A + inc`` with the 128-bit multiplier, then outputs XSL-RR of the new state; PCG64DXSM
outputs DXSM of the current state, then steps with the 64-bit "cheap" multiplier.

The state is read and written in place through ``bit_generator.ctypes.state_address`` where
the layout of NumPy's state struct is the one :func:`_layout_is_native` probes once (reading
and writing ``bit_generator.state``, a dict, costs about 9 µs a call, more than the words of
a 64K-element chunk take to make); elsewhere through ``bit_generator.state``. Only imported
when numba is installed (:func:`simulate.executor.compiled_random`).
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable
from typing import Any

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic
from numpy.typing import NDArray

#: Interleaved chains, written out in :func:`fill_words` (PCG64 on this project's 2.45 GHz EPYC,
#: measured: 1.6 ns/word with 4 lanes, 1.4 with 8, 2.3 with one chain; NumPy 2.7-2.9). Eight
#: chains are about the multiplier's throughput limit: three 64-bit multiplications a word.
LANES = 8
_MASK = (1 << 64) - 1
#: PCG64's multiplier (PCG_DEFAULT_MULTIPLIER_128) and PCG64DXSM's (PCG_CHEAP_MULTIPLIER_128),
#: which DXSM's output function also uses.
PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645
CHEAP_MULTIPLIER = 0xDA942042E4DD58B5


def _lane_constants(multiplier: int, lanes: int) -> tuple[int, int]:
    """``(A**lanes, 1 + A + ... + A**(lanes-1))`` modulo ``2**128``."""
    power, total = 1, 0
    for _ in range(lanes):
        total = (total + power) & ((1 << 128) - 1)
        power = (power * multiplier) & ((1 << 128) - 1)
    return power, total


def parameters(multiplier: int, lanes: int = LANES) -> NDArray[np.uint64]:
    """The six words ``fill`` steps with: the multiplier, ``A**lanes`` and the lane sum.

    Each is split into its low and high 64 bits. Tests plant wrong ones here.
    """
    power, total = _lane_constants(multiplier, lanes)
    return np.array(
        [value >> shift & _MASK for value in (multiplier, power, total) for shift in (0, 64)],
        dtype=np.uint64,
    )


_PARAMETERS = {
    np.random.PCG64: parameters(PCG64_MULTIPLIER),
    np.random.PCG64DXSM: parameters(CHEAP_MULTIPLIER),
}
_DXSM = {np.random.PCG64: False, np.random.PCG64DXSM: True}


def _mul_add_typing(
    typingctx: Any, alo: Any, ahi: Any, blo: Any, bhi: Any, clo: Any, chi: Any
) -> Any:
    """``a * b + c`` modulo ``2**128`` on (low, high) uint64 pairs; returns (low, high)."""
    sig = types.UniTuple(types.uint64, 2)(*([types.uint64] * 6))

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        i64, i128 = ir.IntType(64), ir.IntType(128)
        shift = ir.Constant(i128, 64)

        def join(low: Any, high: Any) -> Any:
            return builder.or_(
                builder.zext(low, i128), builder.shl(builder.zext(high, i128), shift)
            )

        a, b, c = join(*args[0:2]), join(*args[2:4]), join(*args[4:6])
        result = builder.add(builder.mul(a, b), c)
        low = builder.trunc(result, i64)
        high = builder.trunc(builder.lshr(result, shift), i64)
        return context.make_tuple(builder, signature.return_type, [low, high])

    return sig, codegen


# Typed Any: mypy would read the typing function's parameters as the call's.
_mul_add: Any = intrinsic(_mul_add_typing)


def _as_pointer_typing(typingctx: Any, address: Any) -> Any:
    """The uint64 ``address`` as a pointer to uint64 words (for ``numba.carray``)."""
    sig = types.CPointer(types.uint64)(types.uint64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.inttoptr(args[0], ir.IntType(64).as_pointer())

    return sig, codegen


_as_pointer: Any = intrinsic(_as_pointer_typing)
_U = np.uint64


@numba.njit(inline="always")
def _xsl_rr(low: np.uint64, high: np.uint64) -> np.uint64:
    value = low ^ high
    rotation = high >> _U(58)
    return (value >> rotation) | (value << ((_U(64) - rotation) & _U(63)))


@numba.njit(inline="always")
def _dxsm(low: np.uint64, high: np.uint64) -> np.uint64:
    low = low | _U(1)
    high = high ^ (high >> _U(32))
    high = high * _U(CHEAP_MULTIPLIER)
    high = high ^ (high >> _U(48))
    return high * low


@numba.njit(inline="always")
def fill_words(
    out: NDArray[np.uint64], state: NDArray[np.uint64], p: NDArray[np.uint64], dxsm: bool
) -> None:
    """Fill ``out`` with raw words from ``state = [low, high, inc low, inc high]``, in place.

    ``p`` is :func:`parameters`. PCG64's lanes hold states after their step (its output is of
    the new state), DXSM's before it; either way the state one sequential pass reaches after
    the interleaved words is a lane's, and the tail runs sequentially from it.
    """
    count = out.size
    low, high, inc_low, inc_high = state[0], state[1], state[2], state[3]
    m_low, m_high = p[0], p[1]
    zero = _U(0)
    rounds = count // 8
    if rounds >= 2:
        lane_m_low, lane_m_high = p[2], p[3]
        lane_inc_low, lane_inc_high = _mul_add(inc_low, inc_high, p[4], p[5], zero, zero)
        if not dxsm:
            low, high = _mul_add(low, high, m_low, m_high, inc_low, inc_high)
        # Eight chains in scalars, so that they stay in registers, each line written out
        # (an array of lanes cost an allocation a call: the fused loop of
        # simulate.compiled_kernels calls this once per block).
        l0, h0 = low, high
        l1, h1 = _mul_add(l0, h0, m_low, m_high, inc_low, inc_high)
        l2, h2 = _mul_add(l1, h1, m_low, m_high, inc_low, inc_high)
        l3, h3 = _mul_add(l2, h2, m_low, m_high, inc_low, inc_high)
        l4, h4 = _mul_add(l3, h3, m_low, m_high, inc_low, inc_high)
        l5, h5 = _mul_add(l4, h4, m_low, m_high, inc_low, inc_high)
        l6, h6 = _mul_add(l5, h5, m_low, m_high, inc_low, inc_high)
        l7, h7 = _mul_add(l6, h6, m_low, m_high, inc_low, inc_high)
        for r in range(rounds):
            i = 8 * r
            if dxsm:
                out[i], out[i + 1] = _dxsm(l0, h0), _dxsm(l1, h1)
                out[i + 2], out[i + 3] = _dxsm(l2, h2), _dxsm(l3, h3)
                out[i + 4], out[i + 5] = _dxsm(l4, h4), _dxsm(l5, h5)
                out[i + 6], out[i + 7] = _dxsm(l6, h6), _dxsm(l7, h7)
            else:
                out[i], out[i + 1] = _xsl_rr(l0, h0), _xsl_rr(l1, h1)
                out[i + 2], out[i + 3] = _xsl_rr(l2, h2), _xsl_rr(l3, h3)
                out[i + 4], out[i + 5] = _xsl_rr(l4, h4), _xsl_rr(l5, h5)
                out[i + 6], out[i + 7] = _xsl_rr(l6, h6), _xsl_rr(l7, h7)
                if r == rounds - 1:
                    # The state after word i + 7 is lane 7's, before its next step.
                    low, high = l7, h7
                    break
            l0, h0 = _mul_add(l0, h0, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
            l1, h1 = _mul_add(l1, h1, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
            l2, h2 = _mul_add(l2, h2, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
            l3, h3 = _mul_add(l3, h3, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
            l4, h4 = _mul_add(l4, h4, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
            l5, h5 = _mul_add(l5, h5, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
            l6, h6 = _mul_add(l6, h6, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
            l7, h7 = _mul_add(l7, h7, lane_m_low, lane_m_high, lane_inc_low, lane_inc_high)
        if dxsm:
            # The state before word 8 * rounds is lane 0's after its last step.
            low, high = l0, h0
        done = 8 * rounds
    else:
        done = 0
    for i in range(done, count):
        if dxsm:
            out[i] = _dxsm(low, high)
            low, high = _mul_add(low, high, m_low, m_high, inc_low, inc_high)
        else:
            low, high = _mul_add(low, high, m_low, m_high, inc_low, inc_high)
            out[i] = _xsl_rr(low, high)
    state[0], state[1] = low, high


@numba.njit(nogil=True, cache=True)
def fill(
    out: NDArray[np.uint64], state: NDArray[np.uint64], p: NDArray[np.uint64], dxsm: bool
) -> None:
    """:func:`fill_words`, with the generator kind a constant in each of its two copies."""
    if dxsm:
        fill_words(out, state, p, True)
    else:
        fill_words(out, state, p, False)


@numba.njit(nogil=True, cache=True)
def _fill_at(
    out: NDArray[np.uint64], state_address: np.uint64, p: NDArray[np.uint64], dxsm: bool
) -> None:
    """:func:`fill` on the generator's own state words (``state_address``: its ctypes one)."""
    # NumPy's pcg64_state struct starts with a pointer to {state, inc}.
    inner = numba.carray(_as_pointer(state_address), 1)[0]
    fill(out, numba.carray(_as_pointer(inner), 4), p, dxsm)


def supports(bit_generator: object) -> bool:
    """Whether :func:`random_raw` makes this generator's words: PCG64 and PCG64DXSM exactly.

    Subclasses are refused: they may define their words otherwise.
    """
    return type(bit_generator) in _PARAMETERS


def _state_words(bit_generator: Any) -> NDArray[np.uint64]:
    state = bit_generator.state["state"]
    return np.array(
        [state["state"] & _MASK, state["state"] >> 64, state["inc"] & _MASK, state["inc"] >> 64],
        dtype=np.uint64,
    )


def _state_pointer(bit_generator: Any) -> int:
    # NumPy's pcg64_state struct starts with a pointer to {state, inc}.
    return ctypes.c_uint64.from_address(bit_generator.ctypes.state_address).value


@functools.cache
def _layout_is_native() -> bool:
    """Whether NumPy's state words lie as ``fill`` reads them: low then high, state then inc.

    True with a native 128-bit integer on a little-endian machine; elsewhere (NumPy's emulated
    128-bit math puts the high word first) :func:`random_raw` goes through ``.state``.
    """
    for kind in _PARAMETERS:
        bit_generator = kind(np.random.SeedSequence(0x5EED_CAFE))
        bit_generator.random_raw(3)
        found = (ctypes.c_uint64 * 4).from_address(_state_pointer(bit_generator))
        if list(found) != _state_words(bit_generator).tolist():
            return False
    return True


def read_state(bit_generator: np.random.BitGenerator) -> NDArray[np.uint64]:
    """A copy of the generator's state as :func:`fill_words` steps it: ``[low, high, inc low,
    inc high]`` (:func:`supports` must hold)."""
    if _layout_is_native():
        return np.array((ctypes.c_uint64 * 4).from_address(_state_pointer(bit_generator)))
    return _state_words(bit_generator)


def write_state(bit_generator: np.random.BitGenerator, state: NDArray[np.uint64]) -> None:
    """Set the generator's state to the words of :func:`read_state` (stepped by
    :func:`fill_words`); its buffered 32-bit half is left as it is."""
    if _layout_is_native():
        (ctypes.c_uint64 * 2).from_address(_state_pointer(bit_generator))[:] = state[:2].tolist()
        return
    whole = bit_generator.state
    whole["state"]["state"] = int(state[0]) | int(state[1]) << 64
    bit_generator.state = whole


def fill_parameters(bit_generator: np.random.BitGenerator) -> tuple[NDArray[np.uint64], bool]:
    """The ``p`` and ``dxsm`` arguments of :func:`fill_words` for this generator's kind."""
    kind = type(bit_generator)
    return _PARAMETERS[kind], _DXSM[kind]


def advance_with(
    bit_generator: np.random.BitGenerator,
    loop: Callable[[NDArray[np.uint64], NDArray[np.uint64], bool], bool],
) -> bool:
    """Call ``loop(state, p, dxsm)`` on a copy of the generator's state, under its lock.

    The loop makes its words with :func:`fill` (or :func:`fill_words`) from ``state``; where
    it returns True the generator takes the state it stepped to, else it is left as it was.
    The generator must be one :func:`supports`.
    """
    parameters, dxsm = fill_parameters(bit_generator)
    with bit_generator.lock:
        state = read_state(bit_generator)
        if not loop(state, parameters, dxsm):
            return False
        write_state(bit_generator, state)
    return True


def random_raw(
    bit_generator: np.random.BitGenerator, count: int, out: NDArray[np.uint64] | None = None
) -> NDArray[np.uint64]:
    """The ``count`` words ``bit_generator.random_raw(count)`` returns, and its state after.

    Parameters
    ----------
    bit_generator
        A ``numpy.random.PCG64`` or ``PCG64DXSM`` (:func:`supports`); advanced by ``count``
        words. Its buffered 32-bit half (``has_uint32``, ``uinteger``) is left as it is, as
        ``random_raw`` leaves it.
    count
        Words to make, at least 0.
    out
        A contiguous uint64 array to fill; the first ``count`` words are written and returned.
        Allocated if None.

    Returns
    -------
    numpy.ndarray
        ``count`` uint64 words.
    """
    if not supports(bit_generator):
        raise ValueError(
            f"bit_generator must be numpy.random.PCG64 or PCG64DXSM, not {type(bit_generator)!r}"
        )
    if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
        raise ValueError(f"count must be a non-negative int, not {count!r}")
    if out is None:
        words = np.empty(count, np.uint64)
    else:
        if out.dtype != np.uint64 or out.ndim != 1 or not out.flags.c_contiguous:
            raise ValueError("out must be a contiguous one-dimensional uint64 array")
        if out.size < count:
            raise ValueError(f"out must hold at least count={count} words, not {out.size}")
        words = out[:count]
    kind = type(bit_generator)
    with bit_generator.lock:
        if _layout_is_native():
            address = np.uint64(bit_generator.ctypes.state_address)
            _fill_at(words, address, _PARAMETERS[kind], _DXSM[kind])
        else:
            state = _state_words(bit_generator)
            fill(words, state, _PARAMETERS[kind], _DXSM[kind])
            write_state(bit_generator, state)
    return words
