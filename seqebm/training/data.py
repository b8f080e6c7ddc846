"""The training data as a run needs it: weights, this process's data shards, and the statistics of the whole set
(identical on every process), with the correlation target the run is measured against."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from seqebm.errors import InputError
from seqebm.io.dataset import SequenceDataset
from seqebm.stats.compare import CorrelationTarget, pearson_ceiling
from seqebm.stats.frequencies import pair_frequencies, site_frequencies
from seqebm.stats.weights import sequence_weights
from seqebm.training.parallel import Communicator, combine

CHAIN_CHOICES = (5000, 10000, 20000)


@dataclass
class TrainingData:
    """``shards[b]``: the (states, weights) of data shard b of this process (rows b, b + B, ... of B shards);
    ``shares[b]``: its fraction of the total weight; ``single``/``pair``: one- and two-site frequencies of the whole
    (reweighted) data with the pseudocount; ``target``: its connected correlations."""

    dataset: SequenceDataset
    shards: list[tuple[torch.Tensor, torch.Tensor]]
    shares: list[float]
    pseudocount: float
    single: torch.Tensor
    pair: torch.Tensor
    target: CorrelationTarget

    @classmethod
    def prepare(cls, dataset: SequenceDataset, theta: float, reweight: bool, pseudocount: Callable[[float], float],
                n_blocks: int, blocks: list[int], comm: Communicator, device: torch.device) -> tuple["TrainingData", torch.Tensor, torch.Tensor]:
        """The data of this process; also returns all states and weights (needed once, to choose the chain count).
        ``pseudocount(M_eff)`` gives the pseudocount of the data statistics."""
        states = dataset.tensor(device)
        weights = _weights(dataset, states, theta, reweight, n_blocks, blocks, comm, device)
        dataset = dataset.with_weights(weights)
        pc = pseudocount(dataset.effective_size)
        shards = [(states[b::n_blocks], weights[b::n_blocks]) for b in blocks]
        shard_mass = torch.stack([weights[b::n_blocks].double().sum() for b in range(n_blocks)])
        shares = [float(shard_mass[b] / shard_mass.sum()) for b in blocks]
        stats = combine(
            [(share, {"single": site_frequencies(s, dataset.q, w, pc), "pair": pair_frequencies(s, dataset.q, w, pc)})
             for share, (s, w) in zip(shares, shards)],
            comm,
        )
        data = cls(dataset, shards, shares, pc, stats["single"], stats["pair"], CorrelationTarget(stats["single"], stats["pair"]))
        return data, states, weights

    def batches(self, batch_per_block: int | None, generators: list[torch.Generator]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """This update's (states, weights) per block: the whole shards, or ``batch_per_block`` rows of each drawn
        with its block's generator."""
        if batch_per_block is None:
            return self.shards
        out = []
        for (s, w), gen in zip(self.shards, generators):
            idx = torch.randint(0, s.shape[0], (batch_per_block,), generator=gen, device=s.device)
            out.append((s[idx], w[idx]))
        return out


def _weights(dataset: SequenceDataset, states: torch.Tensor, theta: float, reweight: bool, n_blocks: int, blocks: list[int],
             comm: Communicator, device: torch.device) -> torch.Tensor:
    if not (reweight and theta < 1.0):
        return dataset.weights_tensor(device)
    if comm.world_size == 1:
        return dataset.reweight(theta, device=device).weights_tensor(device)
    # each rank weighs its own rows against all rows; integer counts, so the result is exact
    n = states.shape[0]
    mine = torch.cat([torch.arange(b, n, n_blocks, device=device) for b in blocks])
    weights = torch.zeros(n, dtype=torch.float32, device=device)
    weights[mine] = sequence_weights(states, theta, dataset.q, rows=mine)
    return comm.all_reduce_(weights)


def choose_chains(states: torch.Tensor, q: int, weights: torch.Tensor, target: CorrelationTarget, n_chains: int | None,
                  target_pearson: float | None, generator: torch.Generator, warn: Callable[[str], None]) -> tuple[int, float | None]:
    """(number of chains, Pearson ceiling): ``n_chains`` if given, else the smallest of ``CHAIN_CHOICES`` whose
    ceiling (what that many samples of the data itself reach) clears the target by 0.01; warns when even the
    largest cannot reach the target."""
    if target_pearson is None:
        return n_chains or CHAIN_CHOICES[0], None
    choices = [n_chains] if n_chains else list(CHAIN_CHOICES)
    ceiling = None
    for n in choices:
        ceiling = pearson_ceiling(states, q, weights, n, target=target, generator=generator)
        if ceiling >= target_pearson + 0.01:
            return n, ceiling
    if ceiling < target_pearson:
        warn(
            f"target Pearson {target_pearson} is above what {choices[-1]} chains can show even for a perfect model "
            f"(ceiling {ceiling:.3f}, estimated by resampling the data): training will stop at max_updates; "
            f"use more chains or a lower target"
        )
    return choices[-1], ceiling


def held_out_split(dataset: SequenceDataset, fraction: float, seed: int) -> tuple[SequenceDataset, SequenceDataset]:
    """(training, test) parts of ``dataset``: a random ``fraction`` of the sequences (at least one, fewer than all)
    held out, the same for the same seed (so a resumed run holds out the same ones)."""
    n = dataset.n_sequences
    n_test = min(max(1, round(fraction * n)), n - 2)
    if n_test < 1:
        raise InputError(f"{n} sequences are too few to hold out a test fraction", path=dataset.source or None)
    order = np.random.default_rng(seed).permutation(n)
    return dataset.subset(np.sort(order[n_test:])), dataset.subset(np.sort(order[:n_test]))
