"""Binary floating-point formats as frozen dataclasses, and the one registry of presets.

The registry holds the element formats of docs/spec.md section 5 and the block formats built
on them (OCP MX, NVFP4: :class:`BlockFormat`); :func:`get` looks up either kind by name.

A :class:`Format` describes any binary floating-point format narrow enough to be emulated
exactly in float64: sign bit (or none), ``exponent_bits``, ``mantissa_bits`` (stored
fraction bits, without the hidden bit), ``bias``, whether subnormals exist, which patterns
encode NaN and infinity, and what happens on overflow. Everything else (``max_finite``,
``min_subnormal``, ``unit_roundoff``, ...) is derived, never stored.

NaN and infinity conventions (``nan_inf``):

``"ieee"``
    IEEE 754: the all-ones exponent encodes infinity (zero fraction) and NaN (non-zero
    fraction); the largest finite exponent is one below it.
``"fn"``
    "finite, NaN" (OCP FP8 E4M3, ml_dtypes' ``*fn`` types): no infinity; only the pattern
    with every exponent and mantissa bit set is NaN, so the top binade is finite except its
    last pattern. For the unsigned E8M0 scale format this is the pattern 0xFF.
``"none"``
    No NaN and no infinity (OCP MX FP6 and FP4): every pattern is a finite number.

Overflow policy (``overflow``), applied to a result whose magnitude exceeds ``max_finite``:
``"inf"`` gives infinity (IEEE), ``"saturate"`` gives ``max_finite``, ``"nan"`` gives NaN.
The presets use the policy that makes round-to-nearest casts identical to NumPy's float16
and ml_dtypes': IEEE formats overflow to infinity, FP8 E4M3 and E8M0 to NaN, FP6 and FP4
saturate.

References
----------
.. [1] IEEE Standard for Floating-Point Arithmetic, IEEE 754-2019.
.. [2] OCP 8-bit Floating Point Specification (OFP8), revision 1.0, 2023.
.. [3] OCP Microscaling Formats (MX) Specification, version 1.0, 2023.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from plumbing import validate

NanInf = Literal["ieee", "fn", "none"]
Overflow = Literal["inf", "saturate", "nan"]

_NAN_INF_CONVENTIONS: tuple[str, ...] = ("ieee", "fn", "none")
_OVERFLOW_POLICIES: tuple[str, ...] = ("inf", "saturate", "nan")

#: Widest fraction that float64 emulation handles with room for a rounding bit.
MAX_MANTISSA_BITS = 51


@dataclass(frozen=True)
class Format:
    """A binary floating-point format.

    Parameters
    ----------
    name : str
        Display name (presets use the names of :func:`names`).
    exponent_bits : int
        Width of the exponent field, 1 to 11.
    mantissa_bits : int
        Stored fraction bits (the hidden bit excluded), 0 to 51. A format with no mantissa
        bits (E8M0) has no zero and no subnormals: every pattern but NaN is a power of two.
    bias : int
        Exponent bias: a normal number is ``2**(E - bias) * 1.f`` for biased exponent ``E``.
    signed : bool
        Whether a sign bit exists (False only for scale formats such as E8M0).
    subnormals : bool
        Whether subnormal numbers exist; if False, results below ``min_normal`` round to
        the nearest element of ``{0} ∪ normals`` (flush to zero).
    nan_inf : {"ieee", "fn", "none"}
        Which patterns encode NaN and infinity (see the module docstring).
    overflow : {"inf", "saturate", "nan"}
        The result of a rounding whose magnitude exceeds ``max_finite``.

    Raises
    ------
    ValueError
        If a field is out of range or the combination is impossible (for example
        ``overflow="inf"`` in a format without infinities); the message names the field.
    """

    name: str
    exponent_bits: int
    mantissa_bits: int
    bias: int
    signed: bool = True
    subnormals: bool = True
    nan_inf: NanInf = "ieee"
    overflow: Overflow = "inf"

    def __post_init__(self) -> None:
        for field_name in ("exponent_bits", "mantissa_bits", "bias"):
            validate.integer(field_name, getattr(self, field_name), minimum=None)
        if not 1 <= self.exponent_bits <= 11:
            raise ValueError(f"exponent_bits must be in [1, 11], got {self.exponent_bits}")
        if not 0 <= self.mantissa_bits <= MAX_MANTISSA_BITS:
            raise ValueError(
                f"mantissa_bits must be in [0, {MAX_MANTISSA_BITS}] for float64 emulation, "
                f"got {self.mantissa_bits}"
            )
        if self.nan_inf not in _NAN_INF_CONVENTIONS:
            raise ValueError(f"nan_inf must be one of {_NAN_INF_CONVENTIONS}, got {self.nan_inf!r}")
        if self.overflow not in _OVERFLOW_POLICIES:
            raise ValueError(f"overflow must be one of {_OVERFLOW_POLICIES}, got {self.overflow!r}")
        if self.overflow == "inf" and self.nan_inf != "ieee":
            raise ValueError(
                f"overflow='inf' needs infinities, which nan_inf={self.nan_inf!r} does not have"
            )
        if self.overflow == "nan" and self.nan_inf == "none":
            raise ValueError("overflow='nan' needs a NaN, which nan_inf='none' does not have")
        if self.nan_inf == "ieee" and self.exponent_bits < 2:
            raise ValueError("nan_inf='ieee' needs exponent_bits >= 2 (one binade is reserved)")
        if self.nan_inf == "fn" and self.exponent_bits + self.mantissa_bits < 2 and self.signed:
            raise ValueError("nan_inf='fn' needs at least two exponent+mantissa bits")
        if self.mantissa_bits == 0 and self.subnormals:
            raise ValueError("subnormals=True needs mantissa_bits >= 1 (no subnormal exists)")
        if self.mantissa_bits == 0 and self.nan_inf == "ieee":
            raise ValueError("nan_inf='ieee' needs mantissa_bits >= 1 to tell NaN from infinity")
        if self.emax < self.emin:
            raise ValueError(
                f"bias={self.bias} leaves no normal binade (emin={self.emin}, emax={self.emax})"
            )
        if self.emax > 1023 or self.emin < -1022 or self.emin - self.mantissa_bits < -1074:
            raise ValueError(
                f"bias={self.bias} puts the exponent range [{self.emin}, {self.emax}] outside "
                "float64's normal range, which exact emulation needs"
            )

    # Sizes -----------------------------------------------------------------------------
    @property
    def bits(self) -> int:
        """Total width of a pattern: sign, exponent and mantissa bits."""
        return int(self.signed) + self.exponent_bits + self.mantissa_bits

    @property
    def precision(self) -> int:
        """Significand precision ``p`` in bits, the hidden bit included."""
        return self.mantissa_bits + 1

    @property
    def code_dtype(self) -> type[np.unsignedinteger]:
        """The smallest unsigned NumPy integer type that holds a pattern."""
        if self.bits <= 8:
            return np.uint8
        if self.bits <= 16:
            return np.uint16
        if self.bits <= 32:
            return np.uint32
        return np.uint64

    # Exponent range ----------------------------------------------------------------------
    @property
    def emin(self) -> int:
        """Exponent of the smallest normal number.

        Biased exponent 1, since biased exponent 0 holds zero and the subnormals; in a format
        without mantissa bits (E8M0) there is no zero, and biased exponent 0 is normal.
        """
        return 1 - self.bias if self.has_zero else -self.bias

    @property
    def max_biased_exponent(self) -> int:
        """Largest biased exponent of a finite number."""
        top = (1 << self.exponent_bits) - 1
        if self.nan_inf == "ieee" or (self.nan_inf == "fn" and self.mantissa_bits == 0):
            return top - 1
        return top

    @property
    def emax(self) -> int:
        """Exponent of the largest finite number."""
        return self.max_biased_exponent - self.bias

    # Special values ----------------------------------------------------------------------
    @property
    def has_inf(self) -> bool:
        """Whether the format encodes infinities."""
        return self.nan_inf == "ieee"

    @property
    def has_nan(self) -> bool:
        """Whether the format encodes NaN."""
        return self.nan_inf != "none"

    @property
    def has_zero(self) -> bool:
        """Whether zero is representable: not in formats without mantissa bits (E8M0)."""
        return self.mantissa_bits > 0

    # Representable extremes ----------------------------------------------------------------
    @cached_property
    def max_significand(self) -> int:
        """Largest significand (hidden bit included) of the top finite binade, as an integer."""
        full = (1 << self.precision) - 1
        if self.nan_inf == "fn" and self.mantissa_bits > 0:
            return full - 1  # the all-ones pattern of the top binade is NaN
        return full

    @cached_property
    def max_finite(self) -> float:
        """Largest finite value."""
        return math.ldexp(float(self.max_significand), self.emax - self.mantissa_bits)

    @property
    def min_normal(self) -> float:
        """Smallest positive normal value ``2**emin``."""
        return math.ldexp(1.0, self.emin)

    @property
    def min_subnormal(self) -> float:
        """Smallest positive value: ``2**(emin - mantissa_bits)``, or ``min_normal`` if flushed."""
        if not self.subnormals:
            return self.min_normal
        return math.ldexp(1.0, self.emin - self.mantissa_bits)

    @property
    def machine_epsilon(self) -> float:
        """Distance from 1 to the next larger value, ``2**-mantissa_bits``."""
        return math.ldexp(1.0, -self.mantissa_bits)

    @property
    def unit_roundoff(self) -> float:
        """Relative error bound of round-to-nearest in the normal range, ``2**-precision``."""
        return math.ldexp(1.0, -self.precision)


_PRESETS: dict[str, Format] = {
    fmt.name: fmt
    for fmt in (
        Format("fp32", 8, 23, 127),
        Format("tf32", 8, 10, 127),
        Format("fp16", 5, 10, 15),
        Format("bf16", 8, 7, 127),
        Format("fp8_e4m3", 4, 3, 7, nan_inf="fn", overflow="nan"),
        Format("fp8_e5m2", 5, 2, 15),
        Format("fp6_e3m2", 3, 2, 3, nan_inf="none", overflow="saturate"),
        Format("fp6_e2m3", 2, 3, 1, nan_inf="none", overflow="saturate"),
        Format("fp4_e2m1", 2, 1, 1, nan_inf="none", overflow="saturate"),
        Format("e8m0", 8, 0, 127, signed=False, subnormals=False, nan_inf="fn", overflow="nan"),
    )
}


@dataclass(frozen=True)
class BlockFormat:
    """A block-scaled format (OCP MX, NVFP4); the arithmetic is in :mod:`simulate.scaling`.

    Parameters
    ----------
    name : str
        Registry name (``"mxfp8_e4m3"``, ...).
    element : Format
        Format of the elements.
    scale : Format
        Format of the shared block scale: a power-of-two format (no mantissa bits, E8M0)
        selects the MX rule, any other format the NVFP4 rule (:mod:`simulate.scaling`).
    block_size : int
        Elements per block, ``>= 1``.
    tensor_scale : bool
        Whether a float32 per-tensor scale sits above the block scales (NVFP4); only with a
        non-power-of-two scale format.
    """

    name: str
    element: Format
    scale: Format
    block_size: int
    tensor_scale: bool = False

    def __post_init__(self) -> None:
        for field_name in ("element", "scale"):
            if not isinstance(getattr(self, field_name), Format):
                raise ValueError(
                    f"{field_name} must be a Format, got {getattr(self, field_name)!r}"
                )
        if (
            isinstance(self.block_size, bool)
            or not isinstance(self.block_size, int)
            or self.block_size < 1
        ):
            raise ValueError(f"block_size must be a positive int, got {self.block_size!r}")
        if self.power_of_two_scale and self.tensor_scale:
            raise ValueError("tensor_scale=True needs a non-power-of-two scale format (NVFP4)")
        if not self.power_of_two_scale and not (self.scale.has_zero and self.scale.signed):
            raise ValueError("a non-power-of-two scale format must be signed with a zero")

    @property
    def power_of_two_scale(self) -> bool:
        """Whether block scales are powers of two (MX, E8M0 scales)."""
        return self.scale.mantissa_bits == 0

    @property
    def saturating_element(self) -> Format:
        """The element format with overflow clamped to its maximum (MX, NVFP4 conversion)."""
        return dataclasses.replace(self.element, overflow="saturate")


_BLOCK_PRESETS: dict[str, BlockFormat] = {
    preset.name: preset
    for preset in (
        BlockFormat("mxfp8_e4m3", _PRESETS["fp8_e4m3"], _PRESETS["e8m0"], 32),
        BlockFormat("mxfp8_e5m2", _PRESETS["fp8_e5m2"], _PRESETS["e8m0"], 32),
        BlockFormat("mxfp6_e3m2", _PRESETS["fp6_e3m2"], _PRESETS["e8m0"], 32),
        BlockFormat("mxfp6_e2m3", _PRESETS["fp6_e2m3"], _PRESETS["e8m0"], 32),
        BlockFormat("mxfp4", _PRESETS["fp4_e2m1"], _PRESETS["e8m0"], 32),
        BlockFormat("nvfp4", _PRESETS["fp4_e2m1"], _PRESETS["fp8_e4m3"], 16, tensor_scale=True),
    )
}


def names() -> tuple[str, ...]:
    """Names of the preset element formats, in docs/spec.md section 5's order."""
    return tuple(_PRESETS)


def block_names() -> tuple[str, ...]:
    """Names of the preset block formats (MX, then NVFP4)."""
    return tuple(_BLOCK_PRESETS)


def get(name: str) -> Format | BlockFormat:
    """Return the preset called ``name``: an element format or a block format.

    The one registry of formats: element names (:func:`names`) give a :class:`Format`,
    block names (:func:`block_names`) a :class:`BlockFormat`.

    Raises
    ------
    ValueError
        If no preset has that name; the message lists the known names.
    """
    if isinstance(name, str):
        if name in _PRESETS:
            return _PRESETS[name]
        if name in _BLOCK_PRESETS:
            return _BLOCK_PRESETS[name]
    known = ", ".join((*_PRESETS, *_BLOCK_PRESETS))
    raise ValueError(f"unknown format {name!r}; known formats: {known}")


def resolve(fmt: Format | str, parameter: str = "fmt") -> Format:
    """Accept an element :class:`Format` or its preset name; a ValueError names ``parameter``."""
    if isinstance(fmt, Format):
        return fmt
    if isinstance(fmt, str):
        if fmt in _PRESETS:
            return _PRESETS[fmt]
        known = ", ".join(_PRESETS)
        raise ValueError(f"{parameter}: unknown format {fmt!r}; known formats: {known}")
    raise ValueError(f"{parameter} must be a Format or a format name, got {type(fmt).__name__}")


def resolve_block(fmt: BlockFormat | str, parameter: str = "block_format") -> BlockFormat:
    """Accept a :class:`BlockFormat` or its preset name; raise ValueError naming ``parameter``."""
    if isinstance(fmt, BlockFormat):
        return fmt
    if isinstance(fmt, str) and fmt in _BLOCK_PRESETS:
        return _BLOCK_PRESETS[fmt]
    known = ", ".join(_BLOCK_PRESETS)
    raise ValueError(f"unknown block format {fmt!r}; known block formats: {known}")
