"""Is a set of Markov chains at equilibrium? The "t vs t/2" test (as adabmDCA uses it).

Run the chains for t steps. If they have mixed, a chain at time t is as similar to itself at t/2 as it is to an
independent chain at t: compare the mean sequence identity (overlap) of (x_n(t/2), x_n(t)) with that of
(x_n(t), x_m(t)), n != m. The mixing time is the first t (powers of two) where the difference is within noise.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import torch

from seqebm.models.base import EnergyModel
from seqebm.sampling import sample_trajectory


@dataclass
class MixingResult:
    passed: bool
    mixing_time: int | None  # first t passing the test; None if none up to t_max
    t_max: int
    self_overlap: float  # at the last time tested
    cross_overlap: float
    tolerance: float


def overlaps(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Per-row sequence identity of two (N, L) state tensors."""
    return (a == b).float().mean(1)


def overlap_sums(earlier: torch.Tensor, later: torch.Tensor) -> torch.Tensor:
    """[n, sum s, sum s^2, sum c, sum c^2] (float64) of the self overlaps s_n = overlap(x_n(t/2), x_n(t)) and the
    cross overlaps c_n = overlap(x_n(t), x_m(t)) with m = n + n/2 (mod n), a different chain. Sums add up across
    blocks of chains and across processes, so the test can use every chain of a distributed run."""
    n = later.shape[0]
    self_o = overlaps(earlier, later).double()
    cross_o = overlaps(later, later.roll(max(1, n // 2), dims=0)).double()
    return torch.stack([torch.tensor(float(n), dtype=torch.float64, device=later.device), self_o.sum(), (self_o**2).sum(),
                        cross_o.sum(), (cross_o**2).sum()])


def decide(sums: torch.Tensor, n_sigma: float = 3.0) -> tuple[bool, float, float, float]:
    """(passed, self overlap, cross overlap, tolerance) from :func:`overlap_sums` totals: passed when the self
    overlap exceeds the cross overlap by no more than ``n_sigma`` standard errors (+ 1e-3)."""
    n, s1, s2, c1, c2 = (float(v) for v in sums)
    s, c = s1 / n, c1 / n
    var_s = max(s2 - n * s * s, 0.0) / max(n - 1, 1)
    var_c = max(c2 - n * c * c, 0.0) / max(n - 1, 1)
    tol = n_sigma * math.sqrt(var_s / n + var_c / n) + 1e-3
    return s - c <= tol, s, c, tol


def t_vs_half_t(earlier: torch.Tensor, later: torch.Tensor, n_sigma: float = 3.0) -> tuple[bool, float, float, float]:
    """(passed, self overlap, cross overlap, tolerance) for snapshots at t/2 (``earlier``) and t (``later``)."""
    return decide(overlap_sums(earlier, later), n_sigma)


def mixing_test(
    model: EnergyModel,
    chains: torch.Tensor | Sequence[torch.Tensor],
    t_max: int,
    beta: float = 1.0,
    generator: torch.Generator | Sequence[torch.Generator] | None = None,
    order: str = "sequential",
    n_sigma: float = 3.0,
    reduce: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> MixingResult:
    """Run ``chains`` (a copy) up to ``t_max`` steps and find the first t in 1, 2, 4, ..., t_max passing t vs t/2
    (t = 1 compares the chains after one step with where they started).

    ``chains`` may be a list of blocks, each run with its own generator of ``generator`` (a list); ``reduce``
    sums the overlap statistics across processes (distributed training), so every process reaches the same verdict.
    """
    blocks = [chains] if isinstance(chains, torch.Tensor) else list(chains)
    gens = list(generator) if isinstance(generator, (list, tuple)) else [generator] * len(blocks)
    times = [0, 1]
    while times[-1] < t_max:
        times.append(times[-1] * 2)
    trajectories = [sample_trajectory(model, block, times, beta=beta, generator=gen, order=order) for block, gen in zip(blocks, gens)]
    s = c = tol = float("nan")
    for t in times[1:]:
        sums = sum(overlap_sums(snaps[t // 2], snaps[t]) for snaps in trajectories)
        if reduce is not None:
            sums = reduce(sums)
        passed, s, c, tol = decide(sums, n_sigma)
        if passed:
            return MixingResult(True, t, times[-1], s, c, tol)
    return MixingResult(False, None, times[-1], s, c, tol)
