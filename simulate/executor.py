"""The executor of :mod:`simulate.kernels`: chunks in cache, threads, and the random draws.

:func:`run` splits a flat array into chunks of :data:`CHUNK_SIZE` elements (each chunk and
its scratch buffers stay in a core's cache), and above :data:`PARALLEL_MIN_SIZE` elements
into one contiguous range of chunks per thread (NumPy releases the GIL in its loops), as
many threads as other processes leave cores idle (:func:`idle_cores`) unless told otherwise. A
kernel rounds one chunk into a preallocated output slice with chunk-sized scratch buffers
(:class:`Scratch`) and may return positions it leaves to the exact reference, which are
gathered and rounded at the end of each thread's range. A kernel with a ``round_range``
method (the compiled one) is first offered each thread's whole range in one call, with the
thread's generator; where it declines (it would leave anything to the reference, or cannot
make the generator's words itself), the range is rounded by chunks.

Random bits are the generator's raw 64-bit words in order, split in two 32-bit words up to
32 bits (:func:`random_words`); an element's draw is the top ``random_bits`` bits of its
word (:func:`draws_of`, :func:`draw`). Kernels get the words, so that one that needs the draw
scaled to some other bit position shifts the word once. A thread starts from a copy of the
generator advanced to its first word (PCG64 and PCG64DXSM can jump ahead), so the bits are
those of one sequential pass whatever the thread count, and the generator ends where one
pass leaves it. Generators that cannot jump run on one thread.

Compiled paths: with numba installed (the ``fast`` extra), PCG64 and PCG64DXSM words come from
:mod:`simulate.compiled_random`, the same words faster. ``STEPSHRINK_NUMBA=0`` in the
environment turns every compiled path off (:func:`numba_enabled`), and so does
:func:`numpy_only` inside its ``with`` block (how tests compare the two paths); NumPy is the
reference either way.
"""

from __future__ import annotations

import contextlib
import importlib
import math
import os
import threading
import time
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

#: Elements per chunk: per-call overheads stay small next to the work, and a float32 chunk
#: with its scratch buffers stays near a core's 1 MiB L2 cache (measured best of 2**14 to
#: 2**16 on this project's 2-core machine). Even, so that two 32-bit draws share a raw word
#: alike in every chunk.
CHUNK_SIZE = 1 << 16
#: Below this many elements one thread does all the work: starting threads costs more than
#: a thread saves on fewer than eight chunks (an estimate: this shared machine's load hid
#: the break-even point).
PARALLEL_MIN_SIZE = 1 << 19
#: Bit generators whose ``advance`` jumps by raw 64-bit outputs, as threads need.
_JUMPABLE = ("PCG64", "PCG64DXSM")

#: ``reference(values, draws)``: exact rounding of gathered values with their draws.
Reference = Callable[[NDArray[np.floating], NDArray[np.unsignedinteger] | None], NDArray]


class Kernel(Protocol):
    """Round ``x`` into ``out`` (same length); return positions left to the reference.

    ``words`` (stochastic rounding only) are the elements' :func:`random_words`, read-only.
    A kernel may set ``chunk_size`` (even) to get chunks of that size instead of
    :data:`CHUNK_SIZE`: a compiled kernel's call costs more, and its chunk holds no scratch.
    It may also have ``round_range(x, out, bit_generator) -> bool``: round a thread's whole
    range, drawing the words of :func:`random_words` from ``bit_generator`` itself, and
    return True; or return False with the generator untouched (the range is then rounded by
    chunks).
    """

    def __call__(
        self,
        x: NDArray[np.floating],
        out: NDArray[np.floating],
        words: NDArray[np.unsignedinteger] | None,
        scratch: Scratch,
    ) -> NDArray[np.intp] | None: ...


@dataclass
class Scratch:
    """Chunk-sized buffers of one thread, reused for every chunk it rounds."""

    size: int
    buffers: dict[tuple[Any, ...], np.ndarray] = field(default_factory=dict)

    def get(self, name: str, dtype: type, count: int) -> np.ndarray:
        # Keyed by the type as given, not its dtype string: a kernel calls this a few times
        # per chunk, and the string conversion cost a microsecond each (measured).
        key = (name, dtype)
        buffer = self.buffers.get(key)
        if buffer is None:
            buffer = self.buffers[key] = np.empty(self.size, dtype)
        return buffer if count == self.size else buffer[:count]

    def filled(self, value: np.generic, count: int) -> np.ndarray:
        """A read-only buffer of ``value``: NumPy's minimum and maximum run their vector
        loops on two arrays, not on an array and a scalar (measured 2x faster)."""
        key = ("filled", type(value), value.tobytes())
        buffer = self.buffers.get(key)
        if buffer is None:
            buffer = self.buffers[key] = np.full(self.size, value)
            buffer.flags.writeable = False
        return buffer[:count]


_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _affinity() -> Collection[int]:
    try:
        return os.sched_getaffinity(0)
    except AttributeError:  # not on Linux
        return range(os.cpu_count() or 1)


def max_threads() -> int:
    """Threads the executor may use: the cores this process may run on."""
    return len(_affinity())


#: Linux's CPU times: a line ``cpuN user nice system idle iowait irq softirq steal ...`` per
#: core, in clock ticks.
STAT_PATH = "/proc/stat"
#: The time constant of :class:`OthersLoad`'s average: long enough to smooth the clock ticks
#: of calls made milliseconds apart, short enough to follow a job that starts or stops.
LOAD_SECONDS = 10.0
#: How old :class:`OthersLoad`'s average may be before a call reads ``/proc/stat`` again:
#: the read costs about 40 µs (measured), a sixth of the smallest call that runs on threads,
#: and the average hardly moves in a hundredth of its time constant.
REREAD_SECONDS = 0.1


def busy_seconds(cores: Collection[int]) -> float | None:
    """CPU seconds these cores have been busy since boot, time taken by other virtual
    machines (steal) included; None where there is no ``/proc/stat``."""
    try:
        with open(STAT_PATH, encoding="ascii") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    ticks = 0
    for line in lines:
        if not line.startswith("cpu"):  # the others are long (interrupt counts)
            continue
        name, *fields = line.split()
        if name[3:].isdigit() and int(name[3:]) in cores:
            user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
            ticks += user + nice + system + irq + softirq + steal
    return ticks / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """CPU seconds this process has run, all its threads."""
    times = os.times()
    return times.user + times.system


@dataclass
class OthersLoad:
    """The cores other processes keep busy, averaged exponentially over :data:`LOAD_SECONDS`.

    Each update counts the busy time of the process's cores less its own over the time since
    the one before, as a constant rate over that gap (so that many small gaps average as one
    long one).
    """

    when: float
    busy: float
    own: float
    average: float

    def update(self, when: float, busy: float, own: float) -> float:
        if when > self.when:
            gap = when - self.when
            rate = ((busy - self.busy) - (own - self.own)) / gap
            decay = math.exp(-gap / LOAD_SECONDS)
            self.average = self.average * decay + rate * (1.0 - decay)
            self.when, self.busy, self.own = when, busy, own
        return max(0.0, self.average)


def _load_average_less_one() -> float | None:
    """The 1-minute load average less this process's own running thread."""
    try:
        return max(0.0, os.getloadavg()[0] - 1.0)
    except (AttributeError, OSError):  # no load average on this platform
        return None


def _others_now() -> OthersLoad | None:
    busy = busy_seconds(_affinity())
    if busy is None:
        return None
    # Before any history, the load average's guess.
    return OthersLoad(time.monotonic(), busy, own_seconds(), _load_average_less_one() or 0.0)


_OTHERS = _others_now()
_OTHERS_LOCK = threading.Lock()


def _others_load() -> float | None:
    """The cores other processes keep busy: :data:`_OTHERS`, updated at most every
    :data:`REREAD_SECONDS`; without ``/proc/stat``, the load average's guess."""
    if _OTHERS is not None:
        now = time.monotonic()
        with _OTHERS_LOCK:
            if now - _OTHERS.when < REREAD_SECONDS:
                return max(0.0, _OTHERS.average)
            busy = busy_seconds(_affinity())
            if busy is not None:
                return _OTHERS.update(now, busy, own_seconds())
    return _load_average_less_one()


def idle_cores() -> int:
    """Cores the other processes leave to this call (at least 1, at most all).

    On a shared machine a second thread on a busy core only adds switching (measured: with
    the load average at 5 on 2 cores, 2 threads ran slower than 1 at every size); the result
    is the same on any thread count, so the count may follow the load. The others' load is
    the busy time of this process's cores less its own (:class:`OthersLoad`). Not the load
    average: it counts this process's own threads, and more of them than run (measured: a
    loop of torch casts and calls here on both cores held it at 2.2-2.7 after 30 s, and
    every call then ran on one thread); nor Linux's count of tasks runnable now: torch's
    OpenMP threads spin for a few ms after each of its calls, and two threads still ran
    1.1-1.3x faster than one right after a torch call. Without ``/proc/stat``, the 1-minute
    load average.
    """
    cores = max_threads()
    others = _others_load()
    if others is None:
        return cores
    return max(1, min(cores, round(cores - others)))


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_threads(), thread_name_prefix="simulate-kernels")
        return _POOL


#: Set by :func:`numpy_only`: the compiled paths are off while it is True.
_FORCE_NUMPY = False


def numba_enabled() -> bool:
    """Whether compiled (numba) paths may run: not under ``STEPSHRINK_NUMBA=0`` nor
    :func:`numpy_only`. Read at each call (an environment lookup costs well under a
    microsecond), so that a test or a user may flip it at run time."""
    return not _FORCE_NUMPY and os.environ.get("STEPSHRINK_NUMBA", "1") != "0"


@contextlib.contextmanager
def numpy_only() -> Iterator[None]:
    """Inside this block every compiled path is off, as under ``STEPSHRINK_NUMBA=0``."""
    global _FORCE_NUMPY
    before, _FORCE_NUMPY = _FORCE_NUMPY, True
    try:
        yield
    finally:
        _FORCE_NUMPY = before


_COMPILED: dict[str, ModuleType | None] = {}


def compiled_module(name: str) -> ModuleType | None:
    """``simulate.<name>`` if numba is installed and :func:`numba_enabled`, else None.

    The import is tried once per module and remembered: without numba it fails fast every
    later call.
    """
    if not numba_enabled():
        return None
    if name not in _COMPILED:
        try:
            _COMPILED[name] = importlib.import_module(f"simulate.{name}")
        except ImportError as error:
            if error.name is None or error.name.split(".")[0] not in ("numba", "llvmlite"):
                raise
            _COMPILED[name] = None
    return _COMPILED[name]


def raw_words(
    bit_generator: np.random.BitGenerator, count: int, out: NDArray[np.uint64] | None = None
) -> NDArray[np.uint64]:
    """``bit_generator.random_raw(count)``, compiled where :mod:`simulate.compiled_random` can.

    The compiled path fills ``out`` (at least ``count`` words) if given; NumPy's allocates.
    """
    compiled = compiled_module("compiled_random")
    if compiled is not None and compiled.supports(bit_generator):
        return compiled.random_raw(bit_generator, count, out)
    return bit_generator.random_raw(count)


def words_for(count: int, random_bits: int) -> int:
    """Raw 64-bit words that ``count`` draws of ``random_bits`` bits consume."""
    return (count + 1) // 2 if random_bits <= 32 else count


def random_words(
    bit_generator: np.random.BitGenerator,
    count: int,
    random_bits: int,
    out: NDArray[np.uint64] | None = None,
) -> NDArray[np.unsignedinteger]:
    """``count`` random words, one per element: uint32 up to 32 bits, else uint64.

    Up to 32 bits, each raw word feeds two elements (its two halves): half the generator's
    work. Every path of :func:`simulate.quantize` draws through here, so equal seeds give
    equal bits on all of them. ``out``: a buffer of at least :func:`words_for` raw words that
    the compiled generator may fill (the words then share its memory).
    """
    if random_bits <= 32:
        raw = raw_words(bit_generator, words_for(count, random_bits), out)
        return raw.view(np.uint32)[:count]
    return raw_words(bit_generator, count, out)


def draws_of(words: NDArray[np.unsignedinteger], random_bits: int) -> NDArray[np.unsignedinteger]:
    """The draws in ``[0, 2**random_bits)`` of :func:`random_words`: their top bits."""
    return words >> words.dtype.type(8 * words.itemsize - random_bits)


def draw(
    bit_generator: np.random.BitGenerator, count: int, random_bits: int
) -> NDArray[np.unsignedinteger]:
    """``count`` uniform integers in ``[0, 2**random_bits)``, as :func:`simulate.quantize` uses."""
    return draws_of(random_words(bit_generator, count, random_bits), random_bits)


def thread_count(
    size: int, threads: int | None, bit_generator: object | None, chunk_size: int = CHUNK_SIZE
) -> int:
    """Threads for an array of ``size`` elements (``threads=None``: automatic)."""
    if bit_generator is not None and type(bit_generator).__name__ not in _JUMPABLE:
        return 1
    if threads is None:
        threads = idle_cores() if size >= PARALLEL_MIN_SIZE else 1
    return max(1, min(threads, -(-size // chunk_size)))


def run(
    kernel: Kernel,
    reference: Reference,
    x: NDArray[np.floating],
    rng: np.random.Generator | None,
    random_bits: int,
    threads: int | None,
) -> NDArray[np.floating]:
    """Round the flat contiguous array ``x`` chunk by chunk; the same bits on any thread count.

    ``rng`` (for stochastic rounding) ends in the state one sequential pass leaves it in.
    """
    out = np.empty_like(x)
    if not x.size:
        return out
    bit_generator = rng.bit_generator if rng is not None else None
    chunk_size = getattr(kernel, "chunk_size", CHUNK_SIZE)
    count = thread_count(x.size, threads, bit_generator, chunk_size)
    # Contiguous ranges of whole chunks, one per thread.
    per_thread = -(-x.size // (count * chunk_size)) * chunk_size
    starts = list(range(0, x.size, per_thread))

    def part(start: int) -> None:
        # Error states are per thread; NaN, overflow and the division by a zero's exponent
        # field (kernels.SignedScaleSR) are handled by the kernels.
        with np.errstate(invalid="ignore", over="ignore", under="ignore", divide="ignore"):
            rounds(start)

    def rounds(start: int) -> None:
        stop = min(start + per_thread, x.size)
        generator = bit_generator
        if generator is not None and count > 1:
            generator = type(generator)()
            generator.state = bit_generator.state  # type: ignore[union-attr]
            generator.advance(words_for(start, random_bits))  # type: ignore[attr-defined]
        round_range = getattr(kernel, "round_range", None)
        if round_range is not None and round_range(x[start:stop], out[start:stop], generator):
            return
        scratch = Scratch(chunk_size)
        positions: list[NDArray[np.intp]] = []
        gathered: list[NDArray[np.unsignedinteger]] = []
        for low in range(start, stop, chunk_size):
            high = min(low + chunk_size, stop)
            words = None
            if generator is not None:
                # A thread's chunks reuse one buffer of raw words (the kernel reads them
                # during its call only; the draws gathered for the reference are copies).
                buffer = scratch.get("raw words", np.uint64, words_for(high - low, random_bits))
                words = random_words(generator, high - low, random_bits, buffer)
            left = kernel(x[low:high], out[low:high], words, scratch)
            if left is not None and left.size:
                positions.append(left + low)
                if words is not None:
                    gathered.append(draws_of(words[left], random_bits))
        if positions:
            where = np.concatenate(positions)
            out[where] = reference(x[where], np.concatenate(gathered) if gathered else None)

    if len(starts) == 1:
        part(0)
    else:
        for future in [_pool().submit(part, start) for start in starts]:
            future.result()
    if bit_generator is not None and count > 1:
        bit_generator.advance(words_for(x.size, random_bits))  # type: ignore[attr-defined]
    return out
