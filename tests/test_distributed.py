"""Data-parallel training with torch.distributed (gloo, 2 CPU processes) against a single process running the
same chain blocks: identical parameters, one set of output files, resume across launches."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from seqebm import load_model

pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="torch.distributed not built")
OUTPUTS = {"model.npz", "checkpoint.npz", "log.csv", "training_curve.png"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fit(data: Path, out: Path, updates: int, *extra: str, processes: int = 1) -> subprocess.CompletedProcess:
    common = ["fit", str(data), "--updates", str(updates), "--chains", "200", "--target", "0", "--k", "4", "--seed", "5",
              "--device", "cpu", "--optimizer", "adam", "--regime", "pcd", "--checkpoint-every", "5", "--out", str(out), *extra]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    if processes == 1:
        cmd = [sys.executable, "-m", "seqebm", *common, "--chain-blocks", "2"]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(processes), "--master-addr", "127.0.0.1",
               "--master-port", str(_free_port()), "-m", "seqebm", *common, "--distributed"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def _assert_same_parameters(path_a: Path, path_b: Path) -> None:
    a, b = load_model(path_a), load_model(path_b)
    for name, tensor in a.tensors().items():
        torch.testing.assert_close(tensor, b.tensors()[name], rtol=0, atol=1e-6)


def test_two_gloo_processes_match_one_process_and_write_one_set_of_files(tiny_msa, tmp_path):
    proc = _fit(tiny_msa, tmp_path / "dist", 10, processes=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.count("stopped (max_updates)") == 1  # only rank 0 reports
    single = _fit(tiny_msa, tmp_path / "single", 10)
    assert single.returncode == 0, single.stderr
    _assert_same_parameters(tmp_path / "dist" / "model.npz", tmp_path / "single" / "model.npz")
    assert {p.name for p in (tmp_path / "dist").iterdir()} == OUTPUTS
    training = load_model(tmp_path / "dist" / "model.npz").metadata["training"]
    assert training["processes"] == 2 and training["chain_blocks"] == 2 and training["n_chains"] == 200

    # resume the distributed run for 5 more updates: same as the single process trained 15 updates straight
    proc = _fit(tiny_msa, tmp_path / "dist", 15, "--resume", processes=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    straight = _fit(tiny_msa, tmp_path / "straight", 15)
    assert straight.returncode == 0, straight.stderr
    _assert_same_parameters(tmp_path / "dist" / "model.npz", tmp_path / "straight" / "model.npz")
    assert len((tmp_path / "dist" / "log.csv").read_text().splitlines()) == 16


def _worker(rank: int, world: int, port: int, data: str, out: str, record: str) -> None:
    """One rank of an API-level run; every file write is recorded in ``record``.rank."""
    import torch.distributed as dist

    import seqebm.training.trainer as trainer_module
    from seqebm import load_dataset
    from seqebm.training import Trainer
    from seqebm.training.parallel import DistributedCommunicator

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    writes = []
    for name in ("save_model", "write_log", "write_checkpoint", "plot_training_curve"):
        original = getattr(trainer_module, name)

        def recording(*args, _original=original, _name=name, **kwargs):
            writes.append(_name)
            return _original(*args, **kwargs)

        setattr(trainer_module, name, recording)
    result = Trainer(out_dir=out, comm=DistributedCommunicator(), model="rbm", hidden=6, regime="rdm", k=3, n_chains=100,
                     max_updates=6, target_pearson=None, checkpoint_every=3, seed=2, device="cpu").fit(load_dataset(data))
    Path(f"{record}.{rank}").write_text("\n".join(writes))
    torch.save(result.model.weights, f"{record}.weights.{rank}")  # the test's own scratch file
    dist.destroy_process_group()


def test_only_rank_zero_writes_and_ranks_hold_identical_parameters(tiny_msa, tmp_path):
    from seqebm import fit, load_dataset

    record = str(tmp_path / "writes")
    mp.spawn(_worker, args=(2, _free_port(), str(tiny_msa), str(tmp_path / "run"), record), nprocs=2, join=True)
    assert Path(f"{record}.1").read_text() == ""
    written = Path(f"{record}.0").read_text().split("\n")
    assert {"save_model", "write_log", "write_checkpoint", "plot_training_curve"} <= set(written)
    w0 = torch.load(f"{record}.weights.0")
    w1 = torch.load(f"{record}.weights.1")
    assert torch.equal(w0, w1)
    single = fit(load_dataset(tiny_msa), model="rbm", hidden=6, regime="rdm", k=3, n_chains=100, max_updates=6,
                 target_pearson=None, seed=2, device="cpu", chain_blocks=2)
    torch.testing.assert_close(single.model.weights, w0, rtol=0, atol=1e-6)


def test_distributed_without_torchrun_environment_is_a_clear_error(tiny_msa, tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")}
    proc = subprocess.run([sys.executable, "-m", "seqebm", "fit", str(tiny_msa), "--distributed", "--out", str(tmp_path)],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 1
    assert "torchrun --nproc-per-node" in proc.stderr and "Traceback" not in proc.stderr


def test_tempering_replicas_are_chain_blocks_across_processes(tiny_msa, tmp_path):
    """PTT in eq training with 2 gloo processes (each holding one block of chains with its own ladder of chains; the
    ladder of models decided from all-reduced swap counts) gives the parameters and ladder of one process with 2 blocks."""
    extra = ("--regime", "eq", "--sampler", "ptt", "--mix-check-every", "3", "--mix-chains", "100", "--max-sweeps", "16")
    proc = _fit(tiny_msa, tmp_path / "dist", 8, *extra, processes=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    single = _fit(tiny_msa, tmp_path / "single", 8, *extra)
    assert single.returncode == 0, single.stderr[-3000:]
    _assert_same_parameters(tmp_path / "dist" / "model.npz", tmp_path / "single" / "model.npz")
    a, b = load_model(tmp_path / "dist" / "model.npz"), load_model(tmp_path / "single" / "model.npz")
    assert a.metadata["training_state"]["ladder"] == b.metadata["training_state"]["ladder"]
    assert a.metadata["training_state"]["ladder"]["rungs"] >= 2 and sorted(a.sampler_state) == sorted(b.sampler_state)
