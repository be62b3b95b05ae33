"""The torch backend gives the NumPy path's bits, computed in torch on the tensor's device.

Every float16 pattern and random float32/float64 patterns, every preset format, all six
modes: ``quantize`` of a tensor equals ``quantize`` of the same array, bit for bit. For
stochastic rounding the same random bits give the same result: a NumPy generator with the
same seed draws the same bits on both paths, and the draws of a ``torch.Generator`` (made on
the device) give the exact reference's result with those draws. Block formats likewise. Run
on the CPU (no accelerator here); the device and dtype of the tensor are kept.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from numpy.typing import NDArray

from simulate import formats, quantize, quantize_blocks, torch_backend
from simulate.quantizer import Quantizer
from simulate.rounding import ROUNDING_MODES, quantize_exact
from simulate.scaling import block_format_names


def same_bits(a: NDArray[np.floating], b: NDArray[np.floating]) -> bool:
    unsigned = np.dtype(f"u{a.dtype.itemsize}")
    return bool(((a.view(unsigned) == b.view(unsigned)) | (np.isnan(a) & np.isnan(b))).all())


def every_float16() -> NDArray[np.float16]:
    return np.arange(1 << 16, dtype=np.uint16).view(np.float16)


def random_patterns(dtype: type, count: int, seed: int) -> NDArray[np.floating]:
    rng = np.random.default_rng(seed)
    if dtype == np.float32:
        return rng.integers(0, 1 << 32, count, dtype=np.uint64).astype(np.uint32).view(np.float32)
    values = rng.standard_normal(count) * np.exp2(rng.integers(-160, 140, count))
    return np.concatenate([values, [0.0, -0.0, np.inf, -np.inf, np.nan]])


INPUTS = {
    "float16-all": every_float16,
    "float32-random": lambda: random_patterns(np.float32, 100_000, 1),
    "float64-random": lambda: random_patterns(np.float64, 100_000, 2),
}


@pytest.mark.parametrize("mode", ROUNDING_MODES)
@pytest.mark.parametrize("name", formats.names())
@pytest.mark.parametrize("inputs", sorted(INPUTS))
def test_tensors_round_to_the_numpy_bits(name: str, mode: str, inputs: str) -> None:
    x = INPUTS[inputs]()
    options = {"rng": np.random.default_rng(7), "random_bits": 20} if mode == "sr" else {}
    ours = quantize(torch.from_numpy(x), name, mode, **options)
    assert isinstance(ours, torch.Tensor)
    assert ours.dtype == torch.from_numpy(x).dtype
    assert ours.device == torch.device("cpu")
    options = {"rng": np.random.default_rng(7), "random_bits": 20} if mode == "sr" else {}
    assert same_bits(ours.numpy(), quantize(x, name, mode, **options))


@pytest.mark.parametrize("name", ["bf16", "fp8_e4m3", "fp4_e2m1", "e8m0"])
def test_torch_generator_draws_give_the_reference_result(name: str) -> None:
    x = random_patterns(np.float32, 50_000, 3)
    generator = torch.Generator().manual_seed(11)
    ours = quantize(torch.from_numpy(x), name, "sr", rng=generator, random_bits=24)
    draws = torch.randint(
        0, 1 << 24, (x.size,), generator=torch.Generator().manual_seed(11), dtype=torch.int64
    )
    with np.errstate(invalid="ignore", over="ignore"):
        reference = quantize_exact(
            x.astype(np.float64), formats.get(name), "sr", draws.numpy().astype(np.uint64), 24
        )
    assert same_bits(ours.numpy(), reference.astype(np.float32))


def test_a_planted_off_by_one_quantum_is_caught() -> None:
    x = random_patterns(np.float32, 10_000, 4)
    ours = quantize(torch.from_numpy(x), "fp8_e5m2").numpy()
    planted = ours.copy()
    index = np.flatnonzero(np.isfinite(planted) & (planted != 0))[0]
    planted[index] = np.nextafter(planted[index], np.float32(np.inf))
    assert same_bits(ours, quantize(x, "fp8_e5m2"))
    assert not same_bits(planted, quantize(x, "fp8_e5m2"))


def test_bfloat16_tensors_round_like_their_float32_values() -> None:
    x = torch.from_numpy(every_float16().astype(np.float32)).to(torch.bfloat16)
    ours = quantize(x, "fp8_e4m3", "rne")
    assert ours.dtype == torch.bfloat16
    widened = quantize(x.to(torch.float32).numpy(), "fp8_e4m3", "rne")
    assert same_bits(ours.to(torch.float32).numpy(), widened)


@pytest.mark.parametrize("mode", ROUNDING_MODES)
@pytest.mark.parametrize("name", block_format_names())
def test_block_formats_on_tensors_match_numpy(name: str, mode: str) -> None:
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((24, 200)) * np.exp2(rng.integers(-30, 30, (24, 1)))).astype(
        np.float32
    )
    x[1, 3], x[2, :40] = np.nan, 0.0
    ours = quantize_blocks(torch.from_numpy(x), name, rounding=mode, rng=np.random.default_rng(8))
    assert isinstance(ours, torch.Tensor)
    expected = quantize_blocks(x, name, rounding=mode, rng=np.random.default_rng(8))
    assert same_bits(ours.numpy(), expected)
    along_rows = quantize_blocks(
        torch.from_numpy(x), name, axis=0, rounding=mode, rng=np.random.default_rng(8)
    )
    expected = quantize_blocks(x, name, axis=0, rounding=mode, rng=np.random.default_rng(8))
    assert same_bits(along_rows.numpy(), expected)


@pytest.mark.parametrize(
    ("fmt", "scaled"),
    [
        ("fp8_e4m3", False),
        ("fp8_e4m3", True),
        ("fp4_e2m1", True),
        ("mxfp4", False),
        ("nvfp4", False),
    ],
)
def test_quantizers_take_tensors(fmt: str, scaled: bool) -> None:
    x = np.random.default_rng(6).standard_normal((4, 64)) * np.array([[1e-3], [1], [1e3], [0]])
    quantizer = Quantizer(fmt, "sr", tensor_scaling=scaled)
    ours = quantizer(torch.from_numpy(x), np.random.default_rng(2))
    assert isinstance(ours, torch.Tensor)
    assert same_bits(ours.numpy(), quantizer(x, np.random.default_rng(2)))


@pytest.mark.parametrize("mode", ["rup", "rdn", "rne"])
def test_quotients_flushed_to_zero_round_as_on_the_numpy_path(mode: str) -> None:
    """1e-300 in an NVFP4 block of 1e30: its float64 quotient underflows."""
    x = np.zeros(32)
    x[0], x[3], x[4], x[20] = 1e30, 1e-300, -1e-300, 5e-310
    ours = quantize_blocks(torch.from_numpy(x), "nvfp4", rounding=mode)
    assert same_bits(ours.numpy(), quantize_blocks(x, "nvfp4", rounding=mode))


def test_bad_tensors_are_rejected() -> None:
    with pytest.raises(ValueError, match="x must be float16, bfloat16, float32 or float64"):
        quantize(torch.arange(3), "fp16")
    with pytest.raises(ValueError, match=r"rng must be a numpy\.random\.Generator or a torch"):
        quantize(torch.ones(3), "fp16", "sr")
    with pytest.raises(ValueError, match="x must have at least one dimension"):
        quantize_blocks(torch.tensor(1.0), "mxfp4")
    assert torch_backend.draws_for(np.random.default_rng(0), 3, 8, torch.device("cpu")) is not None


def test_the_core_does_not_import_torch() -> None:
    code = (
        "import sys, numpy as np, simulate;"
        "simulate.quantize(np.ones(4), 'fp8_e4m3');"
        "simulate.quantize_blocks(np.ones(64), 'mxfp4');"
        "simulate.quantizer.Quantizer('fp16')(np.ones((2, 2)));"
        "assert 'torch' not in sys.modules, 'torch was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
