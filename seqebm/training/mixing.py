"""Is a set of Markov chains at equilibrium? The "t vs t/2" test (as adabmDCA uses it).

Run the chains for t steps. If they have mixed, a chain at time t is as similar to itself at t/2 as it is to an
independent chain at t: compare the mean sequence identity (overlap) of (x_n(t/2), x_n(t)) with that of
(x_n(t), x_m(t)), n != m. The mixing time is the first t (powers of two) where the difference is within noise.
"""
from __future__ import annotations

from dataclasses import dataclass

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


def t_vs_half_t(earlier: torch.Tensor, later: torch.Tensor, n_sigma: float = 3.0) -> tuple[bool, float, float, float]:
    """(passed, self overlap, cross overlap, tolerance) for snapshots at t/2 (``earlier``) and t (``later``)."""
    n = later.shape[0]
    self_o = overlaps(earlier, later)
    shift = max(1, n // 2)
    cross_o = overlaps(later, later.roll(shift, dims=0))  # pairs of different chains
    se = torch.sqrt(self_o.var() / n + cross_o.var() / n)
    tol = float(n_sigma * se) + 1e-3
    s, c = float(self_o.mean()), float(cross_o.mean())
    return s - c <= tol, s, c, tol


def mixing_test(
    model: EnergyModel,
    chains: torch.Tensor,
    t_max: int,
    beta: float = 1.0,
    generator: torch.Generator | None = None,
    order: str = "sequential",
    n_sigma: float = 3.0,
) -> MixingResult:
    """Run ``chains`` (a copy) up to ``t_max`` steps and find the first t in 1, 2, 4, ..., t_max passing t vs t/2
    (t = 1 compares the chains after one step with where they started)."""
    times = [0, 1]
    while times[-1] < t_max:
        times.append(times[-1] * 2)
    snaps = sample_trajectory(model, chains, times, beta=beta, generator=generator, order=order)
    s = c = tol = float("nan")
    for t in times[1:]:
        passed, s, c, tol = t_vs_half_t(snaps[t // 2], snaps[t], n_sigma)
        if passed:
            return MixingResult(True, t, times[-1], s, c, tol)
    return MixingResult(False, None, times[-1], s, c, tol)
