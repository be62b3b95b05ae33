"""Correctly rounded arithmetic in a low-precision format: add, sub, mul, div, fma, sqrt.

Every operation returns ``round(z)``, the exact real result ``z`` of the operation on its
(format-representable) operands rounded once into ``fmt`` in the requested mode, with the
format's overflow, NaN and signed-zero conventions (those of :func:`simulate.quantize`).

How the exact result is reached in NumPy float64 (docs/spec.md section 5)
-----------------------------------------------------------------
Each operation first computes ``y = RN64(z)``, the float64 nearest to ``z``, together with
the exact residual ``z - y`` (or a float64 with its sign), by an error-free transformation:

- add/sub: TwoSum (Knuth): ``s = a + b``, ``t = (a - (s - bb)) + (b - bb)`` with
  ``bb = s - a``; then ``a + b = s + t`` exactly.
- mul: for precision ``p <= 26`` the product of two operands has at most ``2p <= 52``
  significant bits, so ``a * b`` is exact in float64 (residual 0).
- fma: ``a * b`` is exact (as for mul), then TwoSum of it and ``c``.
- div: ``q = a / b`` and the residual ``a - q b``, which is a float64 (a classical property
  of a correctly rounded quotient); it is computed as ``(a - P) - E`` where ``P + E = q b``
  by TwoProduct with Dekker's splitting (NumPy has no fma); ``a - P`` is exact by
  Sterbenz's lemma. ``z - q`` has the sign of ``(a - q b) / b``.
- sqrt: ``s = sqrt(a)``, residual ``a - s s`` by TwoProduct in the same way; ``z - s`` has
  its sign.

Why the nudge makes one rounding of ``y`` correct
-------------------------------------------------
Let the *grid* be the multiples of ``2**(E - m - g)`` with ``E = max(floor(log2|y|), emin)``,
``m`` the format's mantissa bits and ``g = 1`` (deterministic modes) or ``g = random_bits``
(``"sr"``). Every decision point of the rounding (representable values and midpoints; for
``"sr"`` also the ``2**-r`` sub-steps of a quantum at which its probability changes) lies on
the grid, and grid points are float64 numbers because ``m + g <= 51``. Since ``y`` is the
float64 nearest to ``z``, no grid point lies strictly between ``z`` and ``y``. So if ``y`` is
off the grid, ``z`` and ``y`` sit in the same open cell and round identically in every mode
(for ``"sr"``, with the same probability). If ``y`` is on the grid and ``z != y``, moving
``y`` one float64 ulp toward ``z`` puts it strictly inside ``z``'s cell: the grid spacing is at
least two float64 ulps (``m + g <= 51``; below a power of two both halve). This is the
condition ``53 > p + 1`` of docs/spec.md section 5, sharpened for stochastic rounding to
``p + random_bits <= 52``. For ``"rne"`` the nudge is unnecessary for the five basic
operations when ``53 >= 2p + 2`` (the double rounding is innocuous), and is skipped there;
not for fma, whose exact result can sit just off a midpoint.

Correctly rounded stochastic rounding means: the result rounds away from zero with
probability ``floor(f 2**r) / 2**r``, where ``f`` is the exact discarded fraction of a quantum
of the *exact* result ``z`` and ``r = random_bits``; the same definition as
:func:`simulate.quantize`, applied to ``z`` rather than to a float64 approximation of it.
It is unbiased exactly when ``f`` has at most ``r`` bits, and biased by less than
``2**-r`` quanta otherwise.

Ranges: formats with ``precision <= 26`` (fp32 and everything narrower) and exponents within
``[-300, 300]`` (so no intermediate float64 value overflows or underflows); wider formats are
rejected. An exactly zero sum is ``+0`` except that it is ``-0`` when both addends are
``-0`` or the mode is ``"rdn"`` (IEEE 754-2019 section 6.3; ``"sr"`` follows ``"rne"``).

References
----------
.. [1] T. J. Dekker, "A floating-point technique for extending the available precision",
       Numer. Math. 18, 1971.
.. [2] J.-M. Muller et al., *Handbook of Floating-Point Arithmetic*, 2nd ed., 2018,
       sections 4.3-4.4 (error-free transformations, exact residuals of ÷ and √).
.. [3] S. Boldo and G. Melquiond, "When double rounding is odd", 2005 (why ``53 >= 2p+2``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from plumbing import validate
from simulate.formats import Format, resolve
from simulate.rounding import DEFAULT_RANDOM_BITS, check_rounding, quantize

__all__ = ["MAX_PRECISION", "add", "div", "fma", "mul", "sqrt", "sub"]

FloatArray = NDArray[np.float64]

#: Widest precision for which a product of two operands is exact in float64.
MAX_PRECISION = 26
#: Largest exponent magnitude for which no float64 intermediate under- or overflows.
MAX_EXPONENT = 300
_SPLITTER = float(2**27 + 1)


# Error-free transformations -------------------------------------------------------------
def _two_sum(a: FloatArray, b: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(s, t)`` with ``s = RN(a + b)`` and ``s + t = a + b`` exactly (Knuth)."""
    s = a + b
    b_virtual = s - a
    a_virtual = s - b_virtual
    return s, (a - a_virtual) + (b - b_virtual)


def _split(x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Veltkamp's splitting: ``x = hi + lo`` with each part on at most 26 bits."""
    scaled = _SPLITTER * x
    hi = scaled - (scaled - x)
    return hi, x - hi


def _two_product(x: FloatArray, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``(p, e)`` with ``p = RN(x y)`` and ``p + e = x y`` exactly (Dekker)."""
    product = x * y
    x_hi, x_lo = _split(x)
    y_hi, y_lo = _split(y)
    error = ((x_hi * y_hi - product) + x_hi * y_lo + x_lo * y_hi) + x_lo * y_lo
    return product, error


# Rounding of y = RN64(z) given the sign of z - y ------------------------------------------
def _round_nudged(
    approx: FloatArray,
    residual: FloatArray,
    fmt: Format,
    mode: str,
    rng: np.random.Generator | None,
    random_bits: int,
) -> FloatArray:
    """Round the exact ``z`` known as ``approx = RN64(z)`` plus the sign of ``residual``.

    See the module docstring for the argument; non-finite residuals (from non-finite
    operands) count as zero.
    """
    return _quantize(_nudged(approx, residual, fmt, mode, random_bits), fmt, mode, rng, random_bits)


def _grid_bits(fmt: Format, mode: str, random_bits: int) -> int:
    """``m + g``: the grid of decision points has ``2**(m + g)`` cells per binade of ``fmt``."""
    return fmt.mantissa_bits + (random_bits if mode == "sr" else 1)


def _nudged(
    approx: FloatArray, residual: FloatArray, fmt: Format, mode: str, random_bits: int
) -> FloatArray:
    """``approx`` one float64 ulp toward ``z`` where it is on the grid and ``z != approx``."""
    inexact = np.isfinite(residual) & (residual != 0) & np.isfinite(approx) & (approx != 0)
    if not inexact.any():
        return approx
    _, exponent = np.frexp(approx)
    binade = np.maximum(exponent - 1, fmt.emin)
    in_grid_units = np.ldexp(approx, _grid_bits(fmt, mode, random_bits) - binade)
    on_grid = inexact & (in_grid_units == np.trunc(in_grid_units))
    return np.where(on_grid, np.nextafter(approx, np.copysign(np.inf, residual)), approx)


def _grid_candidates(approx: FloatArray, grid_bits: int) -> NDArray[np.bool_]:
    """Where ``approx`` may lie on the grid: the low ``52 - grid_bits`` significand bits are 0.

    A superset of the grid points (:func:`divide_exactly_rounded` proves it); ``approx`` is
    a contiguous float64 array and ``grid_bits <= 51``.
    """
    low_bits = np.uint64((1 << (52 - grid_bits)) - 1)
    return np.bitwise_and(approx.view(np.uint64), low_bits) == 0


def _zero_sum_sign(
    total: FloatArray, left: FloatArray, right: FloatArray, exact_zero: NDArray[np.bool_], mode: str
) -> FloatArray:
    """Give an exactly zero sum its IEEE sign; float64 already did for round-to-nearest."""
    if mode != "rdn" or not exact_zero.any():
        return total
    # Toward -inf the sign of an exact zero is the opposite of RN's for the negated
    # operands: -0 unless both addends are +0.
    with np.errstate(invalid="ignore"):
        return np.where(exact_zero, -((-left) + (-right)), total)


# Boundary -------------------------------------------------------------------------------
def _check_format(fmt: Format | str) -> Format:
    fmt = resolve(fmt)
    if fmt.precision > MAX_PRECISION:
        raise ValueError(
            f"fmt: precision must be <= {MAX_PRECISION} so that products are exact in float64, "
            f"got {fmt.precision} ({fmt.name})"
        )
    if fmt.emax > MAX_EXPONENT or fmt.emin - fmt.mantissa_bits < -MAX_EXPONENT:
        raise ValueError(
            f"fmt: exponents must lie in [-{MAX_EXPONENT}, {MAX_EXPONENT}] so that float64 "
            f"intermediates neither overflow nor underflow, got [{fmt.emin - fmt.mantissa_bits},"
            f" {fmt.emax}] ({fmt.name})"
        )
    return fmt


def _check_random_bits(
    fmt: Format, mode: str, rng: np.random.Generator | None, random_bits: int | None
) -> int:
    if mode != "sr":
        return 0
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator for rounding='sr'")
    limit = 52 - fmt.precision
    if random_bits is None:
        return min(DEFAULT_RANDOM_BITS, limit)
    if not 1 <= validate.integer("random_bits", random_bits, minimum=None) <= limit:
        raise ValueError(
            f"random_bits must be in [1, 52 - precision] = [1, {limit}] for {fmt.name} "
            f"(the rounding grid must stay coarser than float64), got {random_bits}"
        )
    return int(random_bits)


def _operand(x: ArrayLike, fmt: Format, name: str) -> FloatArray:
    array = np.asarray(x)
    if array.dtype.kind not in "fiu" or array.dtype.itemsize > 8:
        raise ValueError(f"{name} must be a real array of float or int values, got {array.dtype}")
    # at least 1-d: the rounding kernels index into their input (callers restore the shape)
    values = np.atleast_1d(array.astype(np.float64))
    representable = (quantize(values, fmt, "rtz") == values) | np.isnan(values)
    if not representable.all():
        bad = values[~representable].flat[0]
        raise ValueError(
            f"{name} must hold values of {fmt.name} (round them with simulate.quantize first); "
            f"{bad!r} is not one"
        )
    return values


def _prepare(
    operands: dict[str, ArrayLike],
    fmt: Format | str,
    rounding: str,
    rng: np.random.Generator | None,
    random_bits: int | None,
) -> tuple[list[FloatArray], Format, str, int, tuple[int, ...]]:
    checked = _check_format(fmt)
    mode = check_rounding(rounding)
    bits = _check_random_bits(checked, mode, rng, random_bits)
    shapes = [np.shape(x) for x in operands.values()]
    try:
        shape = np.broadcast_shapes(*shapes)
    except ValueError:
        raise ValueError(f"operands must have broadcastable shapes, got {shapes}") from None
    values = [_operand(x, checked, name) for name, x in operands.items()]
    return list(np.broadcast_arrays(*values)), checked, mode, bits, shape


def _quantize(
    values: FloatArray,
    fmt: Format,
    mode: str,
    rng: np.random.Generator | None,
    random_bits: int,
) -> FloatArray:
    if mode == "sr":
        return np.asarray(quantize(values, fmt, "sr", rng=rng, random_bits=random_bits), np.float64)
    return np.asarray(quantize(values, fmt, mode), np.float64)


def _shaped(result: FloatArray, shape: tuple[int, ...]) -> FloatArray:
    """Give the result the operands' broadcast shape (0-d operands were computed as 1-d)."""
    return np.asarray(result.reshape(shape), np.float64)


def _fast_rne(fmt: Format, mode: str) -> bool:
    """Round-to-nearest of +, -, ×, ÷, √ may skip the residual when ``53 >= 2p + 2``."""
    return mode == "rne" and 2 * fmt.precision + 2 <= 53


_DOC_PARAMETERS = """
    fmt : Format or str
        The format (or a preset name) the operands belong to and the result is rounded to;
        precision at most 26 (fp32 and narrower).
    rounding : {"rne", "rna", "rtz", "rup", "rdn", "sr"}
        Rounding mode of the single rounding of the exact result.
    rng : numpy.random.Generator, optional
        Source of random bits; required for ``"sr"``.
    random_bits : int, optional
        Random bits per stochastic rounding, 1 to ``52 - precision``
        (default ``min(32, 52 - precision)``).

    Returns
    -------
    ndarray of float64
        The broadcast shape of the operands; every element a value of ``fmt`` (or NaN).

    Raises
    ------
    ValueError
        For an operand that is not a value of ``fmt``, a format wider than the emulation
        allows, an unknown mode, a missing ``rng`` or out-of-range ``random_bits``.
"""


# Operations ----------------------------------------------------------------------------
def add(
    a: ArrayLike,
    b: ArrayLike,
    fmt: Format | str,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> FloatArray:
    (x, y), checked, mode, bits, shape = _prepare({"a": a, "b": b}, fmt, rounding, rng, random_bits)
    return _shaped(_add(x, y, checked, mode, rng, bits), shape)


def sub(
    a: ArrayLike,
    b: ArrayLike,
    fmt: Format | str,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> FloatArray:
    (x, y), checked, mode, bits, shape = _prepare({"a": a, "b": b}, fmt, rounding, rng, random_bits)
    return _shaped(_add(x, -y, checked, mode, rng, bits), shape)


def _add(
    x: FloatArray,
    y: FloatArray,
    fmt: Format,
    mode: str,
    rng: np.random.Generator | None,
    bits: int,
) -> FloatArray:
    with np.errstate(invalid="ignore", over="ignore"):
        total, error = _two_sum(x, y)
    total = _zero_sum_sign(total, x, y, (total == 0) & (error == 0), mode)
    if _fast_rne(fmt, mode):
        return _quantize(total, fmt, mode, rng, bits)
    return _round_nudged(total, error, fmt, mode, rng, bits)


def mul(
    a: ArrayLike,
    b: ArrayLike,
    fmt: Format | str,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> FloatArray:
    (x, y), checked, mode, bits, shape = _prepare({"a": a, "b": b}, fmt, rounding, rng, random_bits)
    with np.errstate(invalid="ignore"):
        product = x * y  # exact: at most 2p <= 52 significant bits
    return _shaped(_quantize(product, checked, mode, rng, bits), shape)


def div(
    a: ArrayLike,
    b: ArrayLike,
    fmt: Format | str,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> FloatArray:
    (x, y), checked, mode, bits, shape = _prepare({"a": a, "b": b}, fmt, rounding, rng, random_bits)
    if _fast_rne(checked, mode):
        with np.errstate(invalid="ignore", divide="ignore"):
            return _shaped(_quantize(x / y, checked, mode, rng, bits), shape)
    return _shaped(divide_exactly_rounded(x, y, checked, mode, rng, bits), shape)


def divide_exactly_rounded(
    x: NDArray[np.floating],
    y: NDArray[np.floating],
    fmt: Format,
    mode: str,
    rng: np.random.Generator | None,
    bits: int,
) -> FloatArray:
    """``round(x / y)`` for any float64 ``x``, ``y`` (not only values of ``fmt``); unchecked.

    ``x`` and ``y`` (float32 or float64) broadcast to a shape of at least one dimension. The
    residual argument needs no property of the operands beyond float64 range (the
    innocuous-double-rounding shortcut does, so it is not taken), so :mod:`simulate.scaling`
    uses this to divide by NVFP4's two-level scale exactly.

    The residual is computed only where the quotient ``y64 = RN64(x / y)`` is a *candidate*:
    its low ``L = 52 - m - g`` significand bits are zero (``m + g <= 51``, module docstring).
    Every grid point is a candidate. In ``fmt``'s normal range, with ``E = floor(log2|y64|)``,
    the grid steps by ``2**(E - m - g)``, which is ``2**L`` float64 ulps of the binade: a
    float64 there is on the grid exactly when its low ``L`` bits are zero. Below
    ``2**emin`` the grid keeps the step ``2**(emin - m - g)``, a multiple of
    ``2**(E - m - g)`` (a float64 normal: the same ``L`` bits), and of ``2**-1074`` times
    ``2**(1074 + emin - m - g) >= 2**L`` (a float64 subnormal: its significand field counts
    units of ``2**-1074``), because ``emin >= -1022``. A non-candidate is therefore off the
    grid, and the module docstring's argument shows that it rounds like ``x / y`` with no
    residual at all: no grid point lies strictly between ``RN64(z)`` and ``z``. The
    candidates (a fraction of about ``2**-L`` of generic quotients, and the exact ones) go
    through :func:`_nudged` with their residuals, which keeps only those on the grid; a zero
    quotient is exact (``x = 0``, or ``y`` infinite) and needs none. One
    rounding of the whole array follows, so stochastic rounding's draws fall on the
    elements in their order.
    """
    return _quantize(nudged_quotient(x, y, fmt, mode, bits), fmt, mode, rng, bits)


def nudged_quotient(
    x: NDArray[np.floating], y: NDArray[np.floating], fmt: Format, mode: str, bits: int
) -> FloatArray:
    """``RN64(x / y)`` nudged where it is on the grid: it rounds like ``x / y`` in ``mode``.

    The float64 array that :func:`divide_exactly_rounded` rounds (its docstring has the
    argument), for callers that clamp it before the rounding.
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        quotient = np.divide(x, y, dtype=np.float64)
        flags = _grid_candidates(quotient, _grid_bits(fmt, mode, bits))
        # A scan of the flags is far cheaper than nonzero's when there are none; zeros are
        # exact (they need no residual) and may be many (sparse gradients, padding).
        if flags.any() and np.logical_and(flags, quotient != 0, out=flags).any():
            candidates = np.nonzero(flags)
            shape = quotient.shape
            numerator = np.broadcast_to(x, shape)[candidates].astype(np.float64)
            denominator = np.broadcast_to(y, shape)[candidates].astype(np.float64)
            approx = quotient[candidates]
            product, error = _two_product(approx, denominator)
            residual = ((numerator - product) - error) * np.sign(denominator)
            quotient[candidates] = _nudged(approx, residual, fmt, mode, bits)
    return quotient


def fma(
    a: ArrayLike,
    b: ArrayLike,
    c: ArrayLike,
    fmt: Format | str,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> FloatArray:
    (x, y, w), checked, mode, bits, shape = _prepare(
        {"a": a, "b": b, "c": c}, fmt, rounding, rng, random_bits
    )
    with np.errstate(invalid="ignore", over="ignore"):
        product = x * y  # exact, as in mul
        total, error = _two_sum(product, w)
    total = _zero_sum_sign(total, product, w, (total == 0) & (error == 0), mode)
    return _shaped(_round_nudged(total, error, checked, mode, rng, bits), shape)


def sqrt(
    a: ArrayLike,
    fmt: Format | str,
    rounding: str = "rne",
    rng: np.random.Generator | None = None,
    random_bits: int | None = None,
) -> FloatArray:
    (x,), checked, mode, bits, shape = _prepare({"a": a}, fmt, rounding, rng, random_bits)
    with np.errstate(invalid="ignore"):
        root = np.sqrt(x)
        if _fast_rne(checked, mode):
            return _shaped(_quantize(root, checked, mode, rng, bits), shape)
        product, error = _two_product(root, root)
        residual = (x - product) - error
    return _shaped(_round_nudged(root, residual, checked, mode, rng, bits), shape)


add.__doc__ = (
    """Correctly rounded ``a + b`` in ``fmt``.

    Parameters
    ----------
    a, b : array_like, broadcastable
        Values of ``fmt`` (NaN allowed)."""
    + _DOC_PARAMETERS
)
sub.__doc__ = (
    """Correctly rounded ``a - b`` in ``fmt``.

    Parameters
    ----------
    a, b : array_like, broadcastable
        Values of ``fmt`` (NaN allowed)."""
    + _DOC_PARAMETERS
)
mul.__doc__ = (
    """Correctly rounded ``a * b`` in ``fmt``.

    Parameters
    ----------
    a, b : array_like, broadcastable
        Values of ``fmt`` (NaN allowed)."""
    + _DOC_PARAMETERS
)
div.__doc__ = (
    """Correctly rounded ``a / b`` in ``fmt`` (``x / ±0`` is ±inf, then the overflow policy).

    Parameters
    ----------
    a, b : array_like, broadcastable
        Values of ``fmt`` (NaN allowed)."""
    + _DOC_PARAMETERS
)
fma.__doc__ = (
    """Correctly rounded ``a * b + c`` in ``fmt``, with a single rounding.

    Parameters
    ----------
    a, b, c : array_like, broadcastable
        Values of ``fmt`` (NaN allowed)."""
    + _DOC_PARAMETERS
)
sqrt.__doc__ = (
    """Correctly rounded square root in ``fmt`` (NaN for negative ``a``; ``sqrt(-0) = -0``).

    Parameters
    ----------
    a : array_like
        Values of ``fmt`` (NaN allowed)."""
    + _DOC_PARAMETERS
)
