"""Trainings survive SIGKILL at random moments, SIGINT and SIGTERM: resumed runs end exactly where an
uninterrupted run ends (same seed, CPU), with valid files and no temporary debris."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from seqebm import load_model

UPDATES = 200


def _fit_args(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "seqebm", "fit", str(data), "--updates", str(UPDATES), "--chains", "200", "--target", "0",
            "--k", "5", "--checkpoint-every", "20", "--seed", "3", "--device", "cpu", "--optimizer", "sgd", "--out", str(out),
            *extra]


@pytest.fixture(scope="module")
def straight_run(tiny_msa, tmp_path_factory):
    out = tmp_path_factory.mktemp("straight")
    proc = subprocess.run(_fit_args(tiny_msa, out), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return out


def _checkpoint_update(out: Path) -> int:
    try:
        return int(load_model(out / "checkpoint.npz").metadata["training_state"]["update"])
    except Exception:
        return 0


def _wait_for_checkpoint_after(out: Path, update: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        if (out / "checkpoint.npz").exists() and _checkpoint_update(out) > update:
            return
        time.sleep(0.05)
    raise AssertionError(f"no new checkpoint in {out} (process returned {proc.poll()})")


def test_sigkill_at_random_moments_then_resume_matches_the_straight_run(tiny_msa, straight_run, tmp_path):
    rng = random.Random(int.from_bytes(os.urandom(4), "little"))
    delays = []
    out = tmp_path / "killed"
    for attempt in range(3):
        done = _checkpoint_update(out) if out.exists() else 0
        proc = subprocess.Popen(_fit_args(tiny_msa, out, *(["--resume"] if attempt else [])),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        _wait_for_checkpoint_after(out, done, proc)
        delays.append(round(rng.uniform(0.0, 0.6), 3))
        time.sleep(delays[-1])
        still_running = proc.poll() is None
        proc.kill()
        proc.wait(timeout=30)
        assert still_running, f"the run finished before the kill (delays {delays}); make it longer"
        # whatever moment it died at, the files on disk are complete
        model = load_model(out / "checkpoint.npz")
        assert model.metadata["training_state"]["update"] % 20 == 0
        pd.read_csv(out / "log.csv")
    proc = subprocess.run(_fit_args(tiny_msa, out, "--resume"), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr

    straight = load_model(straight_run / "model.npz")
    resumed = load_model(out / "model.npz")
    for name, tensor in straight.tensors().items():
        assert torch.equal(tensor, resumed.tensors()[name]), f"{name} differs after kills at {delays}"
    log_a, log_b = pd.read_csv(straight_run / "log.csv"), pd.read_csv(out / "log.csv")
    assert list(log_b["update"]) == list(range(1, UPDATES + 1))
    np.testing.assert_array_equal(log_a["pearson"].to_numpy(), log_b["pearson"].to_numpy())
    assert not list(out.glob(".*.tmp")), "temporary files left behind"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_sigint_and_sigterm_write_a_checkpoint_first(tiny_msa, tmp_path, sig):
    out = tmp_path / "run"
    args = _fit_args(tiny_msa, out)
    args[args.index("--checkpoint-every") + 1] = "100000"  # only the signal can write a checkpoint mid-run
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and not (out / "log.csv").exists():
        time.sleep(0.05)
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "checkpoint written" in err and "--resume" in err
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err
    update = _checkpoint_update(out)
    assert 0 < update < UPDATES
    assert len(pd.read_csv(out / "log.csv")) == update
