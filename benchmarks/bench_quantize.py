"""Elements per second of ``quantize`` and ``quantize_blocks`` against every peer, in one run.

For ``--n`` standard normal values (seed 0) in float32 and float64, and every format of the
spec table, the fastest call of ``--repeat`` rounds (interleaved across the contenders of a
row, so that all of them meet the same load on a shared machine; in a round each contender
is called back to back for :data:`BURST_SECONDS`, so that none is timed on cores another
left idle) of:

* ours: ``quantize(x, fmt, "rne")`` and ``quantize(x, fmt, "sr", rng=...)`` (all cores; the
  compiled kernels where numba is installed), RNE again on the NumPy kernels alone
  (``executor.numpy_only()``, the path without numba), and the torch backend
  ``quantize(torch_tensor, fmt, "rne")`` on the CPU (on ``--slow-n``);
* torch: ``t.to(dtype).to(t.dtype)`` at 1 thread and at torch's default thread count (fp16,
  bf16, fp8 E4M3/E5M2, E8M0);
* ml_dtypes: ``x.astype(T).astype(x.dtype)``; NumPy: the same with its float16;
* torchao: fp6/fp4 element casts (``custom_fp_utils``, float32 only);
* gfloat ``round_ndarray`` and pychop ``Chop`` (pure NumPy, two orders of magnitude slower:
  timed on ``--slow-n`` values; the rate per element is what is compared).

Block formats (MX, NVFP4) on an ``(n / 4096, 4096)`` float32 array against torchao's
``to_mx``/``to_dtype`` and ``NVFP4Tensor.to_nvfp4``/``dequantize``, with our peak memory
(tracemalloc) over the input's size. A peer that is not installed is skipped with a note.
Ratios are within this run; speed is printed, never asserted. The run ends with the worst
ratio of each kind: RNE over the fastest peer, SR over RNE, MX over torchao.

    python benchmarks/bench_quantize.py [--n 8388608] [--repeat 7] [--slow-n 200000]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import time
import tracemalloc
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from simulate import executor, formats, quantize, quantize_blocks

ELEMENT_FORMATS = (
    "fp16",
    "bf16",
    "tf32",
    "fp8_e4m3",
    "fp8_e5m2",
    "fp6_e3m2",
    "fp6_e2m3",
    "fp4_e2m1",
    "e8m0",
)
BLOCK_FORMATS = ("mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4", "nvfp4")
ML_DTYPES_NAMES = {
    "bf16": "bfloat16",
    "fp8_e4m3": "float8_e4m3fn",
    "fp8_e5m2": "float8_e5m2",
    "fp6_e3m2": "float6_e3m2fn",
    "fp6_e2m3": "float6_e2m3fn",
    "fp4_e2m1": "float4_e2m1fn",
    "e8m0": "float8_e8m0fnu",
}
TORCH_NAMES = {
    "fp16": "float16",
    "bf16": "bfloat16",
    "fp8_e4m3": "float8_e4m3fn",
    "fp8_e5m2": "float8_e5m2",
    "e8m0": "float8_e8m0fnu",
}
GFLOAT_NAMES = {
    "fp16": "format_info_binary16",
    "bf16": "format_info_bfloat16",
    "fp8_e4m3": "format_info_ocp_e4m3",
    "fp8_e5m2": "format_info_ocp_e5m2",
    "fp6_e3m2": "format_info_ocp_e3m2",
    "fp6_e2m3": "format_info_ocp_e2m3",
    "fp4_e2m1": "format_info_ocp_e2m1",
    "e8m0": "format_info_ocp_e8m0",
}
TORCHAO_ELEMENTS = {"fp6_e3m2": (3, 2), "fp6_e2m3": (2, 3), "fp4_e2m1": (2, 1)}


def optional(name: str) -> Any | None:
    """The module ``name`` if it imports (quietly: torchao and pychop talk on import)."""
    try:
        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
            warnings.catch_warnings(),
        ):
            warnings.simplefilter("ignore")
            return importlib.import_module(name)
    except Exception:  # a broken install counts as absent
        return None


#: Seconds each contender is called back to back in a round, every call timed: this VM's
#: cores take about 20 ms of work to return to full speed after an idle spell (measured:
#: 4M-element fp16 casts 30 ms after a sleep ran at 1,676 M/s for ours and 1,442 for torch
#: on the first call, 5,185 and 4,562 after 20 ms of calls, 5,446 and 4,722 after 50 ms).
#: Timing one call per round measured whichever contender followed an idle one cold.
BURST_SECONDS = 0.05


def best_rates(contenders: dict[str, tuple[Callable[[], object], int, int]]) -> dict[str, float]:
    """Elements per second of each contender's fastest timed call, ``label -> rate``.

    ``contenders`` maps a label to ``(call, elements, rounds)``. After one warm-up call of
    each, the rounds are interleaved, so that every contender of a row meets the same load
    on a shared machine; in a round a contender is called back to back for
    :data:`BURST_SECONDS` (at least once), each call timed. The best, not the median, since
    other processes only ever slow a call down.
    """
    for call, _, _ in contenders.values():
        call()
    fastest = dict.fromkeys(contenders, float("inf"))
    for round_ in range(max(repeats for _, _, repeats in contenders.values())):
        for label, (call, _, repeats) in contenders.items():
            if round_ >= repeats:
                continue
            burst_end = time.perf_counter() + BURST_SECONDS
            while True:
                start = time.perf_counter()
                call()
                stop = time.perf_counter()
                fastest[label] = min(fastest[label], stop - start)
                if stop >= burst_end:
                    break
    return {label: contenders[label][1] / seconds for label, seconds in fastest.items()}


def element_peers(
    name: str, x: np.ndarray, slow: np.ndarray, modules: dict[str, Any]
) -> dict[str, tuple[Callable[[], object], int]]:
    """``label -> (call, elements)`` of every installed peer that has ``name``."""
    peers: dict[str, tuple[Callable[[], object], int]] = {}
    torch = modules["torch"]
    if torch is not None and name in TORCH_NAMES:
        tensor, target = torch.from_numpy(x), getattr(torch, TORCH_NAMES[name])
        threads = torch.get_num_threads()

        def torch_cast(count: int, tensor: Any = tensor, target: Any = target) -> Callable:
            def call() -> object:
                torch.set_num_threads(count)
                try:
                    return tensor.to(target).to(tensor.dtype)
                finally:
                    torch.set_num_threads(threads)

            return call

        peers["torch 1 thread"] = (torch_cast(1), x.size)
        peers[f"torch {threads} threads"] = (torch_cast(threads), x.size)
    ml_dtypes = modules["ml_dtypes"]
    if ml_dtypes is not None and name in ML_DTYPES_NAMES:
        ml_type = getattr(ml_dtypes, ML_DTYPES_NAMES[name])
        peers["ml_dtypes"] = (lambda: x.astype(ml_type).astype(x.dtype), x.size)
    if name == "fp16":
        peers["numpy"] = (lambda: x.astype(np.float16).astype(x.dtype), x.size)
    utils = modules["torchao.prototype.custom_fp_utils"]
    if (
        utils is not None
        and torch is not None
        and name in TORCHAO_ELEMENTS
        and x.dtype == np.float32
    ):
        ebits, mbits = TORCHAO_ELEMENTS[name]
        tensor = torch.from_numpy(x)

        def torchao_cast() -> object:
            packed = utils._f32_to_floatx_unpacked(tensor, ebits, mbits)
            return utils._floatx_unpacked_to_f32(packed, ebits, mbits)

        peers["torchao"] = (torchao_cast, x.size)
    gfloat, gfloat_formats = modules["gfloat"], modules["gfloat.formats"]
    if gfloat is not None and gfloat_formats is not None and name in GFLOAT_NAMES:
        info = getattr(gfloat_formats, GFLOAT_NAMES[name])
        peers["gfloat"] = (lambda: gfloat.round_ndarray(info, slow), slow.size)
    pychop = modules["pychop"]
    if pychop is not None and name != "e8m0":
        fmt = formats.get(name)
        with contextlib.redirect_stdout(io.StringIO()):
            chop = pychop.Chop(fmt.exponent_bits, fmt.mantissa_bits, rmode=1)
        peers["pychop"] = (lambda: chop(slow), slow.size)
    return peers


def numpy_kernels(call: Callable[[], object]) -> Callable[[], object]:
    """``call`` on the NumPy kernels alone (:func:`simulate.executor.numpy_only`)."""

    def without_numba() -> object:
        with executor.numpy_only():
            return call()

    return without_numba


def measure_elements(
    name: str, x: np.ndarray, args: argparse.Namespace, modules: dict[str, Any]
) -> dict[str, Any]:
    slow = x[: args.slow_n].copy()
    rng = np.random.default_rng(1)
    contenders: dict[str, tuple[Callable[[], object], int, int]] = {
        "rne": (lambda: quantize(x, name, "rne"), x.size, args.repeat),
        "sr": (lambda: quantize(x, name, "sr", rng=rng), x.size, args.repeat),
        "numpy rne": (numpy_kernels(lambda: quantize(x, name, "rne")), x.size, args.repeat),
    }
    torch = modules["torch"]
    if torch is not None:
        tensor = torch.from_numpy(slow)
        contenders["torch backend"] = (lambda: quantize(tensor, name, "rne"), slow.size, 2)
    peers = element_peers(name, x, slow, modules)
    for label, (call, count) in peers.items():
        contenders[label] = (call, count, args.repeat if count == x.size else 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # peers' own overflow and cast warnings
        rates = best_rates(contenders)
    row: dict[str, Any] = {
        key: rates[key] for key in ("rne", "sr", "numpy rne", "torch backend") if key in rates
    }
    row["peers"] = {label: rates[label] for label in peers}
    return row


def torchao_blocks(name: str, modules: dict[str, Any]) -> Callable[[Any], object] | None:
    """torchao's quantize-dequantize for a block format (None if torchao is absent)."""
    torch = modules["torch"]
    mx = modules["torchao.prototype.mx_formats.mx_tensor"]
    nvfp4 = modules["torchao.prototype.mx_formats.nvfp4_tensor"]
    if torch is None or mx is None:
        return None
    if name == "nvfp4":
        if nvfp4 is None:
            return None

        def nvfp4_round_trip(tensor: Any) -> object:
            scale = nvfp4.per_tensor_amax_to_scale(tensor.abs().max())
            quantized = nvfp4.NVFP4Tensor.to_nvfp4(tensor, per_tensor_scale=scale)
            return quantized.dequantize(torch.float32)

        return nvfp4_round_trip
    elements = {
        "mxfp8_e4m3": torch.float8_e4m3fn,
        "mxfp8_e5m2": torch.float8_e5m2,
        "mxfp6_e3m2": "fp6_e3m2",
        "mxfp6_e2m3": "fp6_e2m3",
        "mxfp4": torch.float4_e2m1fn_x2,
    }
    element = elements[name]

    def mx_round_trip(tensor: Any) -> object:
        scale, data = mx.to_mx(tensor, element, 32)
        return mx.to_dtype(data, scale, element, 32, torch.float32)

    return mx_round_trip


def peak_memory_ratio(action: Callable[[], object], input_bytes: int) -> float:
    """Peak of NumPy's traced allocations during ``action`` over the input's size."""
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / input_bytes
    finally:
        tracemalloc.stop()


def measure_blocks(
    name: str, x: np.ndarray, args: argparse.Namespace, modules: dict[str, Any]
) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    rows = x.reshape(-1, 4096)
    contenders: dict[str, tuple[Callable[[], object], int, int]] = {
        "rne": (lambda: quantize_blocks(rows, name), x.size, args.repeat),
        "sr": (lambda: quantize_blocks(rows, name, rounding="sr", rng=rng), x.size, args.repeat),
    }
    torch = modules["torch"]
    if torch is not None:
        tensor = torch.from_numpy(rows[: max(1, args.slow_n // 4096)].copy())
        contenders["torch backend"] = (lambda: quantize_blocks(tensor, name), tensor.numel(), 2)
    peer = torchao_blocks(name, modules)
    if peer is not None:
        whole = torch.from_numpy(rows)
        contenders["torchao"] = (lambda: peer(whole), x.size, args.repeat)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row: dict[str, Any] = best_rates(contenders)
    row["memory"] = peak_memory_ratio(lambda: quantize_blocks(rows, name), rows.nbytes)
    return row


def fastest(peers: dict[str, float]) -> tuple[str, float] | None:
    return max(peers.items(), key=lambda item: item[1]) if peers else None


def print_elements(results: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """The element table; returns the targets missed."""
    header = (
        f"{'format':<9} {'input':<7} {'RNE':>7} {'SR':>7} {'SR/RNE':>6} {'NumPy':>7} "
        f"{'torch be':>8} "
        f"{'fastest peer':>18} {'rate':>7} {'RNE/peer':>8}   all peers (M/s)"
    )
    print(header)
    print("-" * len(header))
    missed = []
    for (name, dtype), row in results.items():
        best = fastest(row["peers"])
        sr_ratio = row["sr"] / row["rne"]
        ratio = row["rne"] / best[1] if best else float("nan")
        backend = f"{row['torch backend'] / 1e6:8.1f}" if "torch backend" in row else f"{'-':>8}"
        peer_text = ", ".join(f"{k} {v / 1e6:.3g}" for k, v in row["peers"].items())
        print(
            f"{name:<9} {dtype:<7} {row['rne'] / 1e6:7.1f} {row['sr'] / 1e6:7.1f} "
            f"{sr_ratio:6.2f} {row['numpy rne'] / 1e6:7.1f} {backend} "
            f"{best[0] if best else '-':>18} "
            f"{best[1] / 1e6 if best else float('nan'):7.1f} {ratio:8.2f}   {peer_text}"
        )
        if best and ratio < 1.0:
            missed.append(f"{name} {dtype} RNE/{best[0]} {ratio:.2f}")
        if sr_ratio < 0.5:
            missed.append(f"{name} {dtype} SR/RNE {sr_ratio:.2f}")
    return missed


def print_blocks(results: dict[str, dict[str, Any]]) -> list[str]:
    header = (
        f"{'format':<11} {'RNE':>7} {'SR':>7} {'SR/RNE':>6} {'torchao':>8} {'RNE/ao':>7} "
        f"{'peak mem/input':>14} {'torch be':>8}"
    )
    print(header)
    print("-" * len(header))
    missed = []
    for name, row in results.items():
        ao = row.get("torchao")
        ratio = row["rne"] / ao if ao else float("nan")
        backend = f"{row['torch backend'] / 1e6:8.1f}" if "torch backend" in row else f"{'-':>8}"
        print(
            f"{name:<11} {row['rne'] / 1e6:7.1f} {row['sr'] / 1e6:7.1f} "
            f"{row['sr'] / row['rne']:6.2f} {ao / 1e6 if ao else float('nan'):8.1f} "
            f"{ratio:7.2f} {row['memory']:14.2f} {backend}"
        )
        if ao and ratio < 1.0:
            missed.append(f"{name} RNE/torchao {ratio:.2f}")
        if row["memory"] > 2.0:
            missed.append(f"{name} peak memory {row['memory']:.2f}x the input")
    return missed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1 << 23, help="elements (a multiple of 4096)")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs (best)")
    parser.add_argument("--slow-n", type=int, default=200_000, help="elements for slow peers")
    parser.add_argument("--formats", nargs="*", default=None, help="subset of the formats")
    args = parser.parse_args(argv)
    if args.n < 4096 or args.n % 4096 or args.repeat < 1 or args.slow_n < 4096:
        parser.error("--n must be a positive multiple of 4096; --repeat >= 1; --slow-n >= 4096")

    names = (
        "torch",
        "ml_dtypes",
        "gfloat",
        "gfloat.formats",
        "pychop",
        "torchao.prototype.custom_fp_utils",
        "torchao.prototype.mx_formats.mx_tensor",
        "torchao.prototype.mx_formats.nvfp4_tensor",
    )
    modules = {name: optional(name) for name in names}
    for name in ("torch", "ml_dtypes", "gfloat", "pychop", "torchao.prototype.custom_fp_utils"):
        if modules[name] is None:
            print(f"note: {name.split('.')[0]} is not installed (or fails to import): skipped")
    if modules["pychop"] is not None:
        modules["pychop"].backend("numpy")
    torch = modules["torch"]
    threads = torch.get_num_threads() if torch is not None else "-"
    print(
        f"n = {args.n:,} standard normal values (slow peers and the torch backend: "
        f"{args.slow_n:,}), best of {args.repeat} rounds of {BURST_SECONDS * 1e3:.0f} ms; "
        f"M elements/s; torch threads {threads}"
    )
    data = np.random.default_rng(0).standard_normal(args.n)
    chosen = args.formats or list(ELEMENT_FORMATS) + list(BLOCK_FORMATS)
    element_results = {}
    for dtype in (np.float32, np.float64):
        x = data.astype(dtype)
        for name in ELEMENT_FORMATS:
            if name in chosen:
                element_results[(name, np.dtype(dtype).name)] = measure_elements(
                    name, x, args, modules
                )
    missed = print_elements(element_results)
    print()
    x32 = data.astype(np.float32)
    block_results = {
        name: measure_blocks(name, x32, args, modules) for name in BLOCK_FORMATS if name in chosen
    }
    if block_results:
        missed += print_blocks(block_results)
    print()
    element_ratios = [
        row["rne"] / fastest(row["peers"])[1] for row in element_results.values() if row["peers"]
    ]
    sr_ratios = [row["sr"] / row["rne"] for row in element_results.values()]
    block_ratios = [
        row["rne"] / row["torchao"] for row in block_results.values() if "torchao" in row
    ]
    for label, values in (
        ("RNE / fastest peer", element_ratios),
        ("SR / RNE", sr_ratios),
        ("block RNE / torchao", block_ratios),
    ):
        print(f"worst {label}: {min(values):.2f}" if values else f"worst {label}: -")
    print("targets missed: " + ("; ".join(missed) if missed else "none"))


if __name__ == "__main__":
    main()
