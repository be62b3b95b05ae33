"""Saving and loading trajectories: .npz without pickles plus a JSON summary."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

import simulate
from simulate import problems
from simulate.quantizer import SyntheticShrinkage
from simulate.trajectory import Trajectory, load


def small_run() -> Trajectory:
    problem = problems.quadratic([0.5, 1.0, 2.0], seed=1)
    return simulate.run(
        problem,
        steps=7,
        replicas=5,
        stepsize=0.2,
        seed=3,
        gradient_quantizer=SyntheticShrinkage(0.5, sigma_q2=0.01),
    )


def test_round_trip_is_bit_exact(tmp_path: Path) -> None:
    run = small_run()
    npz, summary = run.save(tmp_path / "run")
    assert npz.suffix == ".npz"
    assert summary.suffix == ".json"
    back = load(npz)
    for f in fields(Trajectory):
        a, b = getattr(run, f.name), getattr(back, f.name)
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype, f.name
            assert a.tobytes() == b.tobytes(), f.name
        else:
            assert a == b, f.name
    digest = json.loads(summary.read_text(encoding="utf-8"))
    assert digest["steps"] == 7
    assert digest["replicas"] == 5
    assert not digest["interrupted"]
    assert digest["final_gap"]["mean"] == run.gap_mean[-1]
    assert digest["meta"]["gradient_quantizer"]["q_min"] == 0.5
    with np.load(npz, allow_pickle=False) as archive:  # loads with pickles disabled
        assert "header" in archive.files


def test_loading_something_else_fails(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    np.savez(path, header=np.array(json.dumps({"level": 0.9, "steps": 1, "interrupted": False})))
    with pytest.raises(ValueError, match="path is not a saved trajectory"):
        load(path)
