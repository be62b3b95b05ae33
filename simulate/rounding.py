"""Bit-exact rounding of float16/float32/float64 arrays into any :class:`~simulate.formats.Format`.

The rounding works on the integer bit pattern of the float64 value (float16 and float32
inputs are widened first, which is exact), so every decision is taken on the input's exact
value: there is no double rounding through an intermediate type. For a finite ``x`` with
float64 significand ``s`` (hidden bit included) and exponent ``e0`` (``|x| = s * 2**e0``), the
target quantum is ``2**qe`` with ``qe = max(exponent(x), emin) - mantissa_bits`` (``qe = emin``
below the normal range of a format without subnormals, whose only candidates there are 0 and
``min_normal``). Then ``kept = s >> (qe - e0)`` is the magnitude truncated toward zero, in
quanta, and the discarded remainder decides whether to step one quantum away from zero.

Rounding modes (``rounding``):

``"rne"``  nearest, ties to even (ties to the even significand; in a format without mantissa
           bits every significand is 1 and ties go away from zero, as ml_dtypes' E8M0 cast)
``"rna"``  nearest, ties away from zero
``"rtz"``  toward zero
``"rup"``  toward +infinity
``"rdn"``  toward -infinity
``"sr"``   stochastic: away from zero with probability ``floor(f * 2**r) / 2**r`` for the
           discarded fraction ``f`` of a quantum and ``r = random_bits``; unbiased exactly when
           the discarded part has at most ``r`` bits (docs/spec.md section 5)

Overflow: a rounded magnitude above ``max_finite`` becomes infinity, NaN or ``max_finite``
by the format's ``overflow`` policy, except that a rounding directed toward zero (``rtz``;
``rdn`` for positive and ``rup`` for negative values) gives ``max_finite`` (IEEE 754-2019
section 7.4). Infinite inputs stay infinite where the format has infinities and otherwise
become NaN (policy "nan") or ``max_finite`` (policy "saturate"). NaN stays NaN, also in a
format that cannot encode it (FP6, FP4): the simulator needs to see a diverged value, and
:func:`simulate.bits.encode` rejects it. Zero keeps its sign. In a format without zero
(E8M0) zero and negative values become NaN, and positive values below the smallest
power of two become it.

How it is computed: :func:`quantize` hands each chunk of the array to the fastest kernel of
:mod:`simulate.kernels` for the input type, format and mode (under the chunked, threaded
executor of :mod:`simulate.executor`); :func:`quantize_exact` here is the reference that
every kernel is tested against bit for bit, and the one the kernels leave their few
uncovered inputs to. float16 input is widened exactly to float32 (or float64 for a format
whose values float32 cannot hold) and the result cast back.
"""

from __future__ import annotations

import sys
from functools import partial
from typing import Any, Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

from plumbing import validate
from simulate import executor, kernels
from simulate.formats import BlockFormat, Format, block_names, resolve

#: The rounding modes: the one list every module and the command line take their names from.
Rounding = Literal["rne", "rna", "rtz", "rup", "rdn", "sr"]
ROUNDING_MODES: tuple[str, ...] = get_args(Rounding)
DETERMINISTIC_MODES: tuple[str, ...] = tuple(mode for mode in ROUNDING_MODES if mode != "sr")

#: Random bits per stochastic rounding unless told otherwise: at least the discarded bits
#: of a normal float32 input rounded into any preset narrower than fp32 (at most 22, for
#: fp4), so the rounding is exactly unbiased there.
DEFAULT_RANDOM_BITS = 24
MAX_RANDOM_BITS = 62

_FLOAT_DTYPES = (np.float16, np.float32, np.float64)
_SIGN = np.uint64(1 << 63)
_ABS = np.uint64((1 << 63) - 1)
_FRACTION = np.uint64((1 << 52) - 1)


def check_rounding(rounding: str, parameter: str = "rounding") -> Rounding:
    """Return ``rounding`` if it names a mode; raise ValueError naming ``parameter``."""
    if rounding not in ROUNDING_MODES:
        raise ValueError(
            f"{parameter} must be one of {', '.join(ROUNDING_MODES)}, got {rounding!r}"
        )
    return rounding  # type: ignore[return-value]


def check_random_bits(random_bits: int | None) -> int:
    """Return the number of random bits to use; raise ValueError if out of [1, 62]."""
    if random_bits is None:
        return DEFAULT_RANDOM_BITS
    return validate.integer("random_bits", random_bits, minimum=1, maximum=MAX_RANDOM_BITS)


def check_threads(threads: int | None) -> int | None:
    """Return ``threads`` if it is None or a positive int; raise ValueError otherwise."""
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int | np.integer) or threads < 1
    ):
        raise ValueError(f"threads must be None or a positive int, got {threads!r}")
    return None if threads is None else int(threads)


def is_torch_tensor(x: object) -> bool:
    """Whether ``x`` is a torch tensor, without importing torch (no torch, no tensor)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def quantize(
    x: ArrayLike,
    fmt: Format | BlockFormat | str,
    rounding: Rounding | str = "rne",
    rng: Any = None,
    random_bits: int | None = None,
    *,
    threads: int | None = None,
) -> Any:
    """Round every element of ``x`` to the nearest value of ``fmt`` in the given mode.

    Parameters
    ----------
    x : array_like of float16, float32 or float64, or a torch tensor, any shape
        Values to round; Python floats and lists become float64. A torch tensor (float16,
        bfloat16, float32 or float64) is rounded in torch on its own device
        (:mod:`simulate.torch_backend`), with the same bits as the NumPy path.
    fmt : Format, BlockFormat or str
        Target format, or a preset name (see :func:`simulate.formats.names`). A block format
        (or its name, :func:`simulate.formats.block_names`) blocks along the last axis:
        :func:`simulate.scaling.quantize_blocks` with ``axis=-1``.
    rounding : {"rne", "rna", "rtz", "rup", "rdn", "sr"}
        Rounding mode (see the module docstring).
    rng : numpy.random.Generator, optional
        Source of the random bits; required for ``"sr"``, ignored otherwise. A torch tensor
        also accepts a ``torch.Generator`` (draws made on the tensor's device).
    random_bits : int, optional
        Random bits per stochastic rounding, 1 to 62 (default 24).
    threads : int, optional
        Threads to round with (default: from :data:`simulate.executor.PARALLEL_MIN_SIZE`
        elements up, the cores other processes leave idle; one below). The result, random
        bits included, is the same for any count.

    Returns
    -------
    ndarray (or tensor)
        Same shape and dtype as ``x``; every element is a value of ``fmt`` (or NaN). A value
        of a format wider than the input type can overflow that type: bf16's 65536, the
        rounding of float16's 65504, comes back as float16 infinity.

    Raises
    ------
    ValueError
        For an unknown format or mode, a non-float input, a missing ``rng`` with ``"sr"``.
    """
    if isinstance(fmt, BlockFormat) or (isinstance(fmt, str) and fmt in block_names()):
        from simulate.scaling import quantize_blocks  # scaling builds on this module

        return quantize_blocks(x, fmt, -1, rounding, rng, random_bits, threads=threads)
    if is_torch_tensor(x):
        from simulate import torch_backend

        tensor: Any = x
        return torch_backend.quantize(tensor, fmt, rounding, rng, random_bits)
    fmt = resolve(fmt)
    mode = check_rounding(rounding)
    threads = check_threads(threads)
    array = np.asarray(x)
    if array.dtype.kind in "iub":
        if isinstance(x, np.ndarray | np.generic):
            # A NumPy integer array is a typed choice; rounding it silently as float64 would
            # hide a bug upstream. Python numbers and lists are values, taken as float64.
            raise ValueError(f"x must be float16, float32 or float64, got dtype {array.dtype}")
        array = array.astype(np.float64)
    if array.dtype.type not in _FLOAT_DTYPES:
        raise ValueError(f"x must be float16, float32 or float64, got dtype {array.dtype}")
    bits = 0
    if mode == "sr":
        if not isinstance(rng, np.random.Generator):
            raise ValueError("rng must be a numpy.random.Generator for rounding='sr'")
        bits = check_random_bits(random_bits)
    work = working_dtype(array.dtype, fmt)
    values = np.ascontiguousarray(array, dtype=work).reshape(-1)
    reference = reference_for(fmt, mode, bits)
    kernel = kernels.select(work, fmt, mode, bits, reference)
    # NaN and overflow are handled explicitly in the kernels; the float operations on them
    # (and the cast of a wide format's overflow back to float16) must not warn.
    with np.errstate(invalid="ignore", over="ignore", under="ignore"):
        result = executor.run(kernel, reference, values, rng if bits else None, bits, threads)
        return result.reshape(array.shape).astype(array.dtype, copy=False)


def working_dtype(dtype: np.dtype, fmt: Format) -> np.dtype:
    """float16 input is widened (exactly) to float32 when every value of ``fmt`` is a float32."""
    if dtype != np.float16:
        return np.dtype(dtype)
    fits = fmt.mantissa_bits <= 23 and fmt.emax <= 127 and fmt.emin - fmt.mantissa_bits >= -149
    return np.dtype(np.float32 if fits else np.float64)


def reference_for(fmt: Format, mode: str, random_bits: int) -> executor.Reference:
    """``reference(values, draws)``: :func:`quantize_exact` on float32 or float64 values,
    cast back to their type (what kernels leave to the reference goes through it)."""
    return partial(_reference, fmt=fmt, mode=mode, random_bits=random_bits)


def _reference(
    values: NDArray[np.floating],
    draws: NDArray[np.unsignedinteger] | None,
    fmt: Format,
    mode: str,
    random_bits: int,
) -> NDArray[np.floating]:
    with np.errstate(invalid="ignore", over="ignore"):
        exact = quantize_exact(values.astype(np.float64), fmt, mode, draws, random_bits)
        return exact.astype(values.dtype, copy=False)


def quantize_exact(
    x: NDArray[np.float64],
    fmt: Format,
    mode: str,
    draws: NDArray[np.unsignedinteger] | None = None,
    random_bits: int = 0,
) -> NDArray[np.float64]:
    """The reference: every rounding decided on the integer significand (module docstring).

    Parameters
    ----------
    x : ndarray of float64, any shape
    fmt : Format
    mode : one of :data:`ROUNDING_MODES`
    draws : ndarray of unsigned int, shape of ``x``, optional
        For ``"sr"``: one integer in ``[0, 2**random_bits)`` per element (see
        :func:`simulate.executor.draw`); the element steps away from zero when
        ``draw + floor(f 2**random_bits) >= 2**random_bits``.
    random_bits : int
        Bits of each draw.

    Returns
    -------
    ndarray of float64, shape of ``x``
    """
    pattern = np.ascontiguousarray(x).reshape(x.shape).view(np.uint64)
    negative = (pattern & _SIGN) != 0
    magnitude_bits = pattern & _ABS
    biased = (magnitude_bits >> np.uint64(52)).astype(np.int64)
    significand = (magnitude_bits & _FRACTION) | ((biased > 0).astype(np.uint64) << np.uint64(52))
    # |x| = significand * 2**e0; float64 subnormals share e0 = -1074 with biased exponent 1.
    e0 = np.maximum(biased, 1) - 1075
    exponent = np.maximum(biased, 1) - 1023
    # Every float64 subnormal lies below every format's min_normal (emin >= -1022).
    below_normal = (biased == 0) | (exponent < fmt.emin)
    if fmt.subnormals:
        quantum_exponent = np.maximum(exponent, fmt.emin) - fmt.mantissa_bits
    else:
        quantum_exponent = np.where(below_normal, fmt.emin, exponent - fmt.mantissa_bits)
    # shift >= 52 - mantissa_bits > 0; beyond 63 every bit of the 53-bit significand is
    # discarded already, so clipping keeps kept = 0 and remainder = significand exact.
    exact_shift = quantum_exponent - e0
    shift = np.minimum(exact_shift, 63).astype(np.uint64)
    kept = significand >> shift
    remainder = significand & ((np.uint64(1) << shift) - np.uint64(1))
    away = _round_away(kept, remainder, exact_shift, negative, mode, draws, random_bits)
    kept += away
    result = np.ldexp(kept.astype(np.float64), quantum_exponent)

    over = result > fmt.max_finite
    if over.any():
        toward_zero = _toward_zero(negative, mode)
        if fmt.overflow == "inf":
            overflow_value = np.inf
        elif fmt.overflow == "nan":
            overflow_value = np.nan
        else:
            overflow_value = fmt.max_finite
        result[over] = np.where(toward_zero[over], fmt.max_finite, overflow_value)
    if not fmt.has_zero:
        result[result == 0] = fmt.min_normal  # no zero: the smallest power of two instead
    not_finite = biased == 2047
    if not_finite.any():
        is_nan = (magnitude_bits & _FRACTION) != 0
        infinite = not_finite & ~is_nan
        if fmt.has_inf:
            result[infinite] = np.inf
        elif fmt.overflow == "saturate":
            result[infinite] = fmt.max_finite
        else:
            result[infinite] = np.nan
        result[not_finite & is_nan] = np.nan
    result = np.copysign(result, x)
    if not fmt.signed:
        result[negative | (x == 0)] = np.nan
    return result


def _round_away(
    kept: NDArray[np.uint64],
    remainder: NDArray[np.uint64],
    exact_shift: NDArray[np.int64],
    negative: NDArray[np.bool_],
    mode: str,
    draws: NDArray[np.unsignedinteger] | None,
    random_bits: int,
) -> NDArray[np.uint64]:
    """Return 1 where the magnitude steps one quantum away from zero, 0 elsewhere."""
    if mode == "rtz":
        return np.zeros_like(kept)
    inexact = remainder != 0
    if mode == "rup":
        return (inexact & ~negative).astype(np.uint64)
    if mode == "rdn":
        return (inexact & negative).astype(np.uint64)
    if mode == "sr":
        assert draws is not None
        # floor(f * 2**r) for the discarded fraction f = remainder / 2**exact_shift; the
        # unclipped shift matters here (a clipped one would inflate f for tiny inputs).
        scaled_shift = exact_shift - random_bits
        down = np.clip(scaled_shift, 0, 63).astype(np.uint64)
        up = np.clip(-scaled_shift, 0, 63).astype(np.uint64)
        threshold = (remainder >> down) << up
        # Add the random bits below the kept ones and carry, as hardware does: the event
        # every fast kernel reproduces with the same draw.
        return (
            draws.reshape(kept.shape).astype(np.uint64) + threshold >= np.uint64(1 << random_bits)
        ).astype(np.uint64)
    shift = np.minimum(exact_shift, 63).astype(np.uint64)
    half = np.uint64(1) << (shift - np.uint64(1))
    if mode == "rna":
        return (remainder >= half).astype(np.uint64)
    # rne
    above = remainder > half
    tie_to_odd = (remainder == half) & ((kept & np.uint64(1)) != 0)
    return (above | tie_to_odd).astype(np.uint64)


def _toward_zero(negative: NDArray[np.bool_], mode: str) -> NDArray[np.bool_]:
    """Where the rounding direction points toward zero for the value's sign."""
    if mode == "rtz":
        return np.ones_like(negative)
    if mode == "rup":
        return negative
    if mode == "rdn":
        return ~negative
    return np.zeros_like(negative)
