"""The memory guard: refuse a computation whose arrays cannot fit, before allocating any.

Callers estimate what a computation needs from its sizes (replicas x dimension x bytes per
value x the number of such arrays alive at once) and call :func:`check_fits`, which compares
the estimate with the memory the operating system reports as available now and refuses with
both figures. An estimate is an order of magnitude, not an accounting: the guard is there so
that ``--replicas 10000000000`` is one clear line instead of a MemoryError (or a machine
swapping for minutes), not to squeeze the last gigabyte.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["FLOAT_BYTES", "available_bytes", "check_fits", "format_bytes"]

#: Bytes of one float64 or int64 value.
FLOAT_BYTES = 8


def available_bytes() -> int:
    """Memory available to a new allocation now, in bytes.

    ``MemAvailable`` of ``/proc/meminfo`` on Linux (what the kernel can give without
    swapping); elsewhere the free physical pages from ``os.sysconf``; if neither is known, the
    physical memory.
    """
    meminfo = Path("/proc/meminfo")
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    for name in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            pages = os.sysconf(name)
        except (ValueError, OSError, AttributeError):
            continue
        if pages > 0:
            return int(pages) * int(page)
    return 2**63


def format_bytes(count: float) -> str:
    """``count`` bytes as a short human figure (``"80 GB"``, ``"1.2e+03 TB"``)."""
    if not math.isfinite(count):
        return "an unbounded amount"
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= size:
            value = count / size
            return f"{value:.3g} {unit}" if value < 1e4 else f"{value:.2e} {unit}"
    return f"{int(count)} bytes"


def check_fits(needed: float, what: str) -> None:
    """Raise ValueError when ``needed`` bytes exceed the memory available now.

    Parameters
    ----------
    needed : float
        The estimate, in bytes (a float: sizes multiplied together may exceed any int64).
    what : str
        What needs it, naming the parameters (``"replicas x dim = 10000000000 x 16"``).

    Raises
    ------
    ValueError
        ``"<what> needs about <figure> of memory; <figure> is available"``.
    """
    available = available_bytes()
    if not needed <= available:
        raise ValueError(
            f"{what} needs about {format_bytes(needed)} of memory; "
            f"{format_bytes(available)} is available"
        )
