"""Data-parallel training on torch.distributed (NCCL on CUDA, gloo on CPU).

Each process (rank) holds a share of the chains and of the data. The chains are split into ``chain_blocks``
blocks, each with its own random stream; the data into the same number of strided shards (rows s, s + B, ...).
A rank runs Gibbs sweeps on its blocks without any communication, computes the statistics of its blocks and
shards, and one all-reduce per update sums them; every rank then takes the same optimiser step, so the
parameters stay identical. A single process with ``chain_blocks = B`` performs the same arithmetic as B
processes, which is how the distributed run is tested against a single-process one.

Launch (one process per GPU, or several CPU processes)::

    torchrun --nproc-per-node 4 -m seqebm fit family.fasta --distributed --out run
    torchrun --nnodes 2 --node-rank 0 --master-addr HOST --master-port 29500 --nproc-per-node 8 \\
        -m seqebm fit family.fasta --distributed --out /shared/run
"""
from __future__ import annotations

import os
from typing import Sequence

import torch

from seqebm.errors import ConfigError


class Communicator:
    """A single process: rank 0 of 1; reductions are the identity."""

    rank = 0
    world_size = 1

    @property
    def is_writer(self) -> bool:
        """Only rank 0 writes logs, checkpoints and models."""
        return self.rank == 0

    def all_reduce_(self, tensor: torch.Tensor, op: str = "sum") -> torch.Tensor:
        return tensor

    def all_gather(self, tensor: torch.Tensor) -> list[torch.Tensor]:
        return [tensor]


class DistributedCommunicator(Communicator):
    """torch.distributed collectives on the default process group."""

    def __init__(self) -> None:
        import torch.distributed as dist

        if not dist.is_initialized():
            raise ConfigError("torch.distributed is not initialised (use init_distributed or launch with torchrun)")
        self._dist = dist
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        self._nccl = dist.get_backend() == "nccl"

    def all_reduce_(self, tensor: torch.Tensor, op: str = "sum") -> torch.Tensor:
        ops = {"sum": self._dist.ReduceOp.SUM, "max": self._dist.ReduceOp.MAX}
        self._dist.all_reduce(tensor, op=ops[op])
        return tensor

    def all_gather(self, tensor: torch.Tensor) -> list[torch.Tensor]:
        parts = [torch.empty_like(tensor) for _ in range(self.world_size)]
        self._dist.all_gather(parts, tensor.contiguous())
        return parts


def init_distributed(device: str = "auto") -> tuple[DistributedCommunicator, torch.device]:
    """Join the process group that ``torchrun`` describes in the environment; returns the communicator and this
    rank's device (``cuda:LOCAL_RANK`` with NCCL when CUDA is used, the CPU with gloo otherwise)."""
    import torch.distributed as dist

    missing = [v for v in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT") if v not in os.environ]
    if missing and not dist.is_initialized():
        raise ConfigError(
            f"--distributed needs the environment torchrun sets ({', '.join(missing)} missing): "
            "launch with torchrun --nproc-per-node N -m seqebm fit ... --distributed"
        )
    use_cuda = device in ("auto", "cuda") and torch.cuda.is_available()
    if device == "cuda" and not use_cuda:
        raise ConfigError("--device cuda requested but CUDA is not available")
    if use_cuda:
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        torch.cuda.set_device(local_rank)
        dev = torch.device("cuda", local_rank)
    else:
        dev = torch.device("cpu")
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return DistributedCommunicator(), dev


def block_seed(seed: int, block: int) -> int:
    """Seed of chain block ``block`` when there are several (block streams never coincide with ``seed``'s)."""
    return (int(seed) * 1_000_003 + 7_919 * (block + 1)) % (2**63 - 1)


def local_blocks(chain_blocks: int, comm: Communicator) -> list[int]:
    """The block (and data shard) indices this rank owns: a contiguous range."""
    if chain_blocks % comm.world_size:
        raise ConfigError(f"chain_blocks={chain_blocks} must be a multiple of the number of processes ({comm.world_size})")
    per_rank = chain_blocks // comm.world_size
    return list(range(comm.rank * per_rank, (comm.rank + 1) * per_rank))


def combine(parts: Sequence[tuple[float | torch.Tensor, dict]], comm: Communicator) -> dict:
    """sum_p alpha_p * stats_p over this rank's parts, then summed over ranks: statistics of the whole set when
    each part's statistics are normalised within the part and alpha_p is its share of the total weight."""
    total = {}
    for alpha, stats in parts:
        for key, value in stats.items():
            term = value * alpha
            total[key] = term if key not in total else total[key] + term
    return {key: comm.all_reduce_(value) for key, value in total.items()}
