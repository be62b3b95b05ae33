"""NumPy's PCG64 and PCG64DXSM raw words, compiled: the words of ``random_raw``, faster.

``bit_generator.random_raw`` makes an indirect call per word; here the linear congruential
generator runs in :data:`LANES` interleaved chains (lane ``j`` makes words ``j``,
``j + LANES``, ...: itself an LCG with multiplier ``A**LANES`` and increment
``inc * (A**(LANES-1) + ... + A + 1)``), held in vector registers, so that one instruction steps
eight chains. numba has neither a 128-bit integer nor vectors, so this module writes LLVM IR:
``i128`` for the sequential steps (:func:`_mul_add`), and the chains' loop in ``<8 x i64>``
vectors (:func:`_vector_rounds_typing`), each state two 64-bit words a lane (:class:`_Words64`,
any CPU) or, where the CPU has AVX-512 IFMA, three 52-bit limbs (:class:`_Limbs52`).

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
from llvmlite import binding as llvm_binding
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic
from numpy.typing import NDArray

#: Words of a 512-bit vector, and the vectors of interleaved chains: two, so that one vector's
#: step overlaps the other's (PCG64 on this project's AVX-512 Xeon, 64K words a call,
#: measured: with IFMA limbs 0.42 ns/word with two vectors, 0.41 with four; with two-word
#: lanes 0.53 with two, 0.52 with four, and one vector about 0.9 at 4K words; eight scalar
#: chains, the code before, 0.99; NumPy's ``random_raw`` 1.56).
WIDTH = 8
VECTORS = 2
LANES = WIDTH * VECTORS
_MASK = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
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
    """The seven words ``fill`` steps with: the multiplier, ``A**lanes`` and the lane sum,
    each split into its low and high 64 bits, then ``lanes``.

    :func:`fill_words` interleaves only where ``lanes`` is the :data:`LANES` it was compiled
    with (numba's disk cache keeps a caller's copy of it until the caller's own file
    changes), else makes the words sequentially. Tests plant wrong ones here.
    """
    power, total = _lane_constants(multiplier, lanes)
    words = [value >> shift & _MASK for value in (multiplier, power, total) for shift in (0, 64)]
    return np.array([*words, lanes], dtype=np.uint64)


_PARAMETERS = {
    np.random.PCG64: parameters(PCG64_MULTIPLIER),
    np.random.PCG64DXSM: parameters(CHEAP_MULTIPLIER),
}
_DXSM = {np.random.PCG64: False, np.random.PCG64DXSM: True}


_I32, _I64, _I128 = ir.IntType(32), ir.IntType(64), ir.IntType(128)
_VECTOR = ir.VectorType(_I64, WIDTH)


def _join(builder: Any, words: Any) -> Any:
    """The ``i128`` of the (low, high) 64-bit ``words``."""
    low, high = words
    shifted = builder.shl(builder.zext(high, _I128), ir.Constant(_I128, 64))
    return builder.or_(builder.zext(low, _I128), shifted)


def _halves(builder: Any, value: Any) -> tuple[Any, Any]:
    """The low and high 64-bit words of an ``i128``."""
    high = builder.lshr(value, ir.Constant(_I128, 64))
    return builder.trunc(value, _I64), builder.trunc(high, _I64)


def _mul_add_typing(
    typingctx: Any, alo: Any, ahi: Any, blo: Any, bhi: Any, clo: Any, chi: Any
) -> Any:
    """``a * b + c`` modulo ``2**128`` on (low, high) uint64 pairs; returns (low, high)."""
    sig = types.UniTuple(types.uint64, 2)(*([types.uint64] * 6))

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        a, b, c = (_join(builder, args[i : i + 2]) for i in (0, 2, 4))
        result = builder.add(builder.mul(a, b), c)
        return context.make_tuple(builder, signature.return_type, list(_halves(builder, result)))

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


def _splat(builder: Any, value: Any) -> Any:
    """A vector of ``WIDTH`` copies of the uint64 ``value``."""
    single = builder.insert_element(ir.Constant(_VECTOR, None), value, ir.Constant(_I32, 0))
    everywhere = ir.Constant(ir.VectorType(_I32, WIDTH), [0] * WIDTH)
    return builder.shuffle_vector(single, ir.Constant(_VECTOR, None), everywhere)


def _constant(value: int) -> Any:
    return ir.Constant(_VECTOR, [value] * WIDTH)


class _Words64:
    """128-bit states as two 64-bit words a lane, stepped with 32 x 32-bit products.

    No vector instruction gives a 64-bit product's high half, so the low words' full
    product is four ``vpmuludq``; the cross products need only their low halves.
    """

    def parts(self, builder: Any, value: Any) -> list[Any]:
        return list(_halves(builder, value))

    def state(self, builder: Any, parts: list[Any]) -> Any:
        return _join(builder, parts)

    def words(self, builder: Any, parts: list[Any]) -> tuple[Any, Any]:
        return parts[0], parts[1]

    def step(self, builder: Any, parts: list[Any], m: list[Any], c: list[Any]) -> list[Any]:
        b, (low, high), (m_low, m_high), (c_low, c_high) = builder, parts, m, c
        half, mask = _constant(32), _constant(_MASK32)
        m_low_0, m_low_1 = b.and_(m_low, mask), b.lshr(m_low, half)
        low_0, low_1 = b.and_(low, mask), b.lshr(low, half)
        p00, p01 = b.mul(low_0, m_low_0), b.mul(low_0, m_low_1)
        p10, p11 = b.mul(low_1, m_low_0), b.mul(low_1, m_low_1)
        # Sums of a 64-bit product's parts that cannot carry out of 64 bits.
        t = b.add(p10, b.lshr(p00, half))
        w = b.add(b.and_(t, mask), p01)
        product_high = b.add(b.add(p11, b.lshr(t, half)), b.lshr(w, half))
        product_low = b.or_(b.shl(w, half), b.and_(p00, mask))
        cross = b.add(b.mul(low, m_high), b.mul(high, m_low))
        new_low = b.add(product_low, c_low)
        carry = b.zext(b.icmp_unsigned("<", new_low, c_low), _VECTOR)
        return [new_low, b.add(b.add(b.add(product_high, cross), c_high), carry)]


class _Limbs52:
    """128-bit states as 52-, 52- and 24-bit limbs a lane, stepped with AVX-512 IFMA.

    ``vpmadd52luq``/``vpmadd52huq`` add the low or high 52 bits of a 52 x 52-bit product to a
    64-bit lane: nine of them and nine additions, shifts and masks make a step, where two-word
    lanes take four 32-bit and two 64-bit products (each ``vpmullq`` three micro-ops) and about
    twenty other operations.
    """

    _MASK52 = (1 << 52) - 1

    def parts(self, builder: Any, value: Any) -> list[Any]:
        b = builder
        mask = ir.Constant(_I128, self._MASK52)
        return [
            b.trunc(b.and_(b.lshr(value, ir.Constant(_I128, shift)), mask), _I64)
            for shift in (0, 52, 104)
        ]

    def state(self, builder: Any, parts: list[Any]) -> Any:
        b, total = builder, ir.Constant(_I128, 0)
        for part, shift in zip(parts, (0, 52, 104), strict=True):
            total = b.or_(total, b.shl(b.zext(part, _I128), ir.Constant(_I128, shift)))
        return total

    def words(self, builder: Any, parts: list[Any]) -> tuple[Any, Any]:
        b, (l0, l1, l2) = builder, parts
        low = b.or_(l0, b.shl(l1, _constant(52)))
        return low, b.or_(b.lshr(l1, _constant(12)), b.shl(l2, _constant(40)))

    def step(self, builder: Any, parts: list[Any], m: list[Any], c: list[Any]) -> list[Any]:
        b, (l0, l1, l2), (m0, m1, m2) = builder, parts, m

        def low(total: Any, x: Any, y: Any) -> Any:
            return b.call(self._intrinsic(b, "l"), [total, x, y])

        def high(total: Any, x: Any, y: Any) -> Any:
            return b.call(self._intrinsic(b, "h"), [total, x, y])

        # Columns of weight 2**0, 2**52 and 2**104 (higher ones vanish modulo 2**128), the
        # last two summed in two chains each so that the additions overlap.
        r0 = low(c[0], l0, m0)
        r1 = b.add(high(c[1], l0, m0), low(low(_constant(0), l0, m1), l1, m0))
        r2 = b.add(
            high(high(c[2], l0, m1), l1, m0), low(low(low(_constant(0), l0, m2), l1, m1), l2, m0)
        )
        mask, shift = _constant(self._MASK52), _constant(52)
        r1 = b.add(r1, b.lshr(r0, shift))
        r2 = b.add(r2, b.lshr(r1, shift))
        return [b.and_(r0, mask), b.and_(r1, mask), b.and_(r2, _constant((1 << 24) - 1))]

    @staticmethod
    def _intrinsic(builder: Any, half: str) -> Any:
        return cgutils.get_or_insert_function(
            builder.module,
            ir.FunctionType(_VECTOR, [_VECTOR] * 3),
            f"llvm.x86.avx512.vpmadd52{half}.uq.512",
        )


def _vector_output(builder: Any, low: Any, high: Any, dxsm: bool) -> Any:
    """PCG64's XSL-RR or PCG64DXSM's DXSM output of every lane's state."""
    b = builder
    if dxsm:
        low = b.or_(low, _constant(1))
        high = b.xor(high, b.lshr(high, _constant(32)))
        high = b.mul(high, _constant(CHEAP_MULTIPLIER))
        high = b.xor(high, b.lshr(high, _constant(48)))
        return b.mul(high, low)
    rotate = cgutils.get_or_insert_function(
        b.module, ir.FunctionType(_VECTOR, [_VECTOR] * 3), f"llvm.fshr.v{WIDTH}i64"
    )
    value = b.xor(low, high)
    return b.call(rotate, [value, value, b.lshr(high, _constant(58))])


def _vector_rounds_typing(dxsm: bool, lanes: Any) -> Any:
    """The interleaved words of :func:`fill_words` as LLVM vector code: ``rounds`` rounds of
    :data:`LANES` words into ``out``, from ``state`` (left as it is) with the constants ``p``
    (:func:`parameters`); returns the state one sequential pass reaches after them (the
    tail's start). ``lanes`` holds the states
    (:class:`_Words64` or :class:`_Limbs52`)."""

    def typing(typingctx: Any, out: Any, rounds: Any, state: Any, p: Any) -> Any:
        if out.layout != "C":
            return None  # the words are stored a vector at a time
        sig = types.UniTuple(types.uint64, 2)(out, rounds, state, p)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            b = builder

            def words_of(position: int, count: int) -> list[Any]:
                kind = signature.args[position]
                array = context.make_array(kind)(context, b, args[position])
                return [
                    b.load(
                        cgutils.get_item_pointer(context, b, kind, array, [ir.Constant(_I64, i)])
                    )
                    for i in range(count)
                ]

            state_words, p_words = words_of(2, 4), words_of(3, 6)
            increment = _join(b, state_words[2:4])
            multiplier = _join(b, p_words[0:2])
            state = _join(b, state_words[0:2])
            if not dxsm:
                state = b.add(b.mul(state, multiplier), increment)
            # Lane j starts at the state j sequential steps on.
            vectors = []
            for _ in range(VECTORS):
                parts = [ir.Constant(_VECTOR, None)] * len(lanes.parts(b, state))
                for j in range(WIDTH):
                    position = ir.Constant(_I32, j)
                    for k, part in enumerate(lanes.parts(b, state)):
                        parts[k] = b.insert_element(parts[k], part, position)
                    state = b.add(b.mul(state, multiplier), increment)
                vectors.append([cgutils.alloca_once_value(b, part) for part in parts])
            last = [cgutils.alloca_once_value(b, part) for part in parts]
            lane_increment = b.mul(increment, _join(b, p_words[4:6]))
            m = [_splat(b, part) for part in lanes.parts(b, _join(b, p_words[2:4]))]
            c = [_splat(b, part) for part in lanes.parts(b, lane_increment)]
            words = context.make_array(signature.args[0])(context, b, args[0]).data
            with cgutils.for_range(b, args[1]) as loop:
                first = b.mul(loop.index, ir.Constant(_I64, LANES))
                for v, stored in enumerate(vectors):
                    parts = [b.load(part) for part in stored]
                    offset = b.add(first, ir.Constant(_I64, WIDTH * v))
                    target = b.bitcast(b.gep(words, [offset]), _VECTOR.as_pointer())
                    word_low, word_high = lanes.words(b, parts)
                    output = _vector_output(b, word_low, word_high, dxsm)
                    b.store(output, target, align=8)
                    if v == VECTORS - 1:
                        for part, kept in zip(parts, last, strict=True):
                            b.store(part, kept)
                    for part, kept in zip(lanes.step(b, parts, m, c), stored, strict=True):
                        b.store(part, kept)
            # PCG64 outputs a lane's new state: the sequential state after the last word is
            # the last lane's before its step. DXSM outputs, then steps: lane 0's after it.
            source, index = (vectors[0], 0) if dxsm else (last, WIDTH - 1)
            position = ir.Constant(_I32, index)
            parts = [b.extract_element(b.load(part), position) for part in source]
            result = _halves(b, lanes.state(b, parts))
            return context.make_tuple(b, signature.return_type, list(result))

        return sig, codegen

    return typing


def has_ifma() -> bool:
    """Whether numba compiles for this machine's CPU and it has AVX-512 IFMA (then the lanes
    are :class:`_Limbs52`)."""
    config: Any = numba.config
    if config.CPU_NAME or config.CPU_FEATURES:
        return False  # compiled for another CPU (a portable cache): the generic code
    features = llvm_binding.get_host_cpu_features()
    return bool(features.get("avx512ifma")) and bool(features.get("avx512f"))


_LANES = _Limbs52() if has_ifma() else _Words64()
_xsl_rr_rounds: Any = intrinsic(_vector_rounds_typing(False, _LANES))
_dxsm_rounds: Any = intrinsic(_vector_rounds_typing(True, _LANES))


@numba.njit(inline="always")
def fill_words(
    out: NDArray[np.uint64], state: NDArray[np.uint64], p: NDArray[np.uint64], dxsm: bool
) -> None:
    """Fill ``out`` with raw words from ``state = [low, high, inc low, inc high]``, in place.

    ``p`` is :func:`parameters`. Whole rounds of :data:`LANES` words are made in vectors
    (:func:`_vector_rounds_typing`), the tail sequentially from the state they reach.
    """
    count = out.size
    low, high, inc_low, inc_high = state[0], state[1], state[2], state[3]
    m_low, m_high = p[0], p[1]
    rounds = count // LANES if p[6] == LANES else 0
    if rounds and dxsm:
        low, high = _dxsm_rounds(out, rounds, state, p)
    elif rounds:
        low, high = _xsl_rr_rounds(out, rounds, state, p)
    for i in range(LANES * rounds, count):
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
