"""Is a set of Markov chains at equilibrium? The "t vs t/2" test (as adabmDCA uses it).

Run the chains for t steps. If they have mixed, a chain at time t is as similar to itself at t/2 as it is to an
independent chain at t: compare the mean sequence identity (overlap) of (x_n(t/2), x_n(t)) with that of
(x_n(t), x_m(t)), n != m. The mixing time is the first t (powers of two) where the difference is within noise.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Sequence

import torch

from seqebm.models.base import EnergyModel
from seqebm.rng import RandomStream
from seqebm.sampling.init import init_chains
from seqebm.sampling.run import sample_trajectory
from seqebm.sampling.samplers import GibbsSampler, Sampler
from seqebm.sampling.state import ChainState
from seqebm.stats.frequencies import site_frequencies


@dataclass
class MixingResult:
    passed: bool
    mixing_time: int | None  # first t passing the test; None if none up to t_max
    t_max: int
    self_overlap: float  # at the last time tested
    cross_overlap: float
    tolerance: float
    renewal_time: int | None = None  # tempering: steps until every chain came from the exactly sampled bottom
    final_states: list[torch.Tensor] = field(default_factory=list)  # each block's visible states at t_max


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
    return _count_and_sums(n, self_o, cross_o)


def _count_and_sums(n: int, *values: torch.Tensor) -> torch.Tensor:
    """[n, sum v, sum v^2 for each of ``values``] in float64: statistics that add up across blocks and processes."""
    parts = [torch.tensor(float(n), dtype=torch.float64, device=values[0].device)]
    for v in values:
        parts += [v.sum(), (v**2).sum()]
    return torch.stack(parts)


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


def _visible(block: torch.Tensor | ChainState) -> torch.Tensor:
    return block.visible if isinstance(block, ChainState) else block


def _blocks(chains, generator, device) -> tuple[list, list[RandomStream]]:
    """A tensor, a ChainState or a list of blocks (of either), with one random stream per block (the same one
    repeated if a single generator or stream is given)."""
    blocks = [chains] if isinstance(chains, (torch.Tensor, ChainState)) else list(chains)
    if isinstance(generator, (list, tuple)):
        return blocks, [RandomStream.of(g, device) for g in generator]
    return blocks, [RandomStream.of(generator, device)] * len(blocks)


def mixing_test(
    model: EnergyModel,
    chains: torch.Tensor | ChainState | Sequence[torch.Tensor | ChainState],
    t_max: int,
    beta: float = 1.0,
    generator: torch.Generator | RandomStream | Sequence[torch.Generator | RandomStream] | None = None,
    order: str = "sequential",
    n_sigma: float = 3.0,
    reduce: Callable[[torch.Tensor], torch.Tensor] | None = None,
    sampler: Sampler | None = None,
) -> MixingResult:
    """Run ``chains`` (a copy) up to ``t_max`` steps and find the first t in 1, 2, 4, ..., t_max passing t vs t/2
    (t = 1 compares the chains after one step with where they started).

    ``chains`` may be a list of blocks, each run with its own stream of ``generator`` (a list); ``reduce``
    sums the overlap statistics across processes (distributed training), so every process reaches the same verdict.
    ``sampler`` (default: Gibbs at ``beta`` in ``order``) runs the chains. For a tempering sampler the chains must
    also renew (every chain replaced by a walker from the exactly sampled bottom rung, see
    :meth:`~seqebm.sampling.tempering.Tempering.renewal_time`): the mixing time is the longer of the two.
    """
    sampler = sampler or GibbsSampler(beta, order)
    blocks, streams = _blocks(chains, generator, model.device)
    blocks = [b if isinstance(b, ChainState) else sampler.init(model, b, s) for b, s in zip(blocks, streams)]
    times = [0, 1]
    while times[-1] < t_max:
        times.append(times[-1] * 2)
    trajectories = [sample_trajectory(model, block, times, generator=stream, sampler=sampler) for block, stream in zip(blocks, streams)]
    final = [snaps[times[-1]] for snaps in trajectories]
    result = MixingResult(False, None, times[-1], float("nan"), float("nan"), float("nan"), final_states=final)
    for t in times[1:]:
        sums = sum(overlap_sums(snaps[t // 2], snaps[t]) for snaps in trajectories)
        if reduce is not None:
            sums = reduce(sums)
        passed, s, c, tol = decide(sums, n_sigma)
        result = MixingResult(passed, t if passed else None, times[-1], s, c, tol, final_states=final)
        if passed:
            break
    renewal = sampler.renewal_time(model, blocks, times[-1], streams, reduce)
    if renewal is None:
        return result
    renewed = renewal <= times[-1]
    mixing_time = max(result.mixing_time, renewal) if result.passed and renewed else None
    return replace(result, passed=result.passed and renewed, mixing_time=mixing_time, renewal_time=renewal)


@dataclass
class RandomStartResult:
    passed: bool
    time: int | None  # first t (powers of two) where fresh chains agree with the reference chains; None if none
    t_max: int
    table: list[dict]  # per t: mean energies of fresh and reference chains, tolerance, largest site z, its bound
    timed_out: bool = False  # stopped by max_seconds before t_max (t_max is then the last time tested)


def state_sums(model: EnergyModel, states: torch.Tensor) -> torch.Tensor:
    """[n, sum E, sum E^2, counts of each (site, state)] (float64), E the energy of the visible states (the free
    energy for an RBM): sums add up across blocks and processes."""
    energy = model.free_energy(states).double()
    n = states.shape[0]
    counts = site_frequencies(states, model.q, dtype=torch.float64).reshape(-1) * n
    head = _count_and_sums(n, energy)
    return torch.cat([head, counts.to(head.device)])


def _agreement(fresh: torch.Tensor, ref: torch.Tensor, n_sigma: float) -> dict:
    """Energy means within n_sigma standard errors, and every one-site frequency within the two-sample z bound
    sqrt(2 ln(2 L q)) + 1 (the expected maximum of L q standard normal deviates, plus a margin)."""
    n_f, n_r = float(fresh[0]), float(ref[0])
    mean_f, mean_r = float(fresh[1]) / n_f, float(ref[1]) / n_r
    var_f, var_r = max(float(fresh[2]) / n_f - mean_f**2, 0.0), max(float(ref[2]) / n_r - mean_r**2, 0.0)
    tol = n_sigma * math.sqrt(var_f / n_f + var_r / n_r) + 1e-6 * abs(mean_r)
    f_f, f_r = fresh[3:] / n_f, ref[3:] / n_r
    pooled = (fresh[3:] + ref[3:]) / (n_f + n_r)
    se = torch.sqrt((pooled * (1 - pooled)).clamp_min(0.0) * (1 / n_f + 1 / n_r)).clamp_min(1e-12)
    z = float(((f_f - f_r).abs() / se).max())
    z_bound = math.sqrt(2 * math.log(2 * f_f.numel())) + 1.0
    return {"energy_fresh": mean_f, "energy_reference": mean_r, "energy_tolerance": tol, "max_site_z": z, "z_bound": z_bound,
            "agree": abs(mean_f - mean_r) <= tol and z <= z_bound}


def equilibration_from_random(
    model: EnergyModel,
    reference: torch.Tensor | ChainState | Sequence[torch.Tensor | ChainState],
    t_max: int,
    beta: float = 1.0,
    generator: torch.Generator | RandomStream | Sequence[torch.Generator | RandomStream] | None = None,
    order: str = "sequential",
    n_sigma: float = 3.0,
    reduce: Callable[[torch.Tensor], torch.Tensor] | None = None,
    sampler: Sampler | None = None,
    max_seconds: float | None = None,
) -> RandomStartResult:
    """How long chains started from uniform random states take to agree with ``reference`` chains (the persistent
    chains of an equilibrium training): the first t in 1, 2, 4, ..., t_max where as many fresh chains agree with them
    in mean energy (within ``n_sigma`` standard errors) and in every one-site frequency (see :func:`_agreement`).

    The t vs t/2 test on persistent chains only says they decorrelate; a model whose persistent chains sit in one
    region while chains from random go elsewhere (slow or multimodal landscape) passes it. This test does not.
    ``max_seconds`` stops the doubling once spent (all processes agree through ``reduce``); the result says so."""
    clock = time.perf_counter()
    sampler = sampler or GibbsSampler(beta, order)
    blocks, streams = _blocks(reference, generator, model.device)
    ref = sum(state_sums(model, _visible(block)) for block in blocks)
    if reduce is not None:
        ref = reduce(ref)
    fresh = [sampler.init(model, init_chains(_visible(block).shape[0], model.length, model.q, "random", generator=stream.generator,
                                             device=model.device), stream) for block, stream in zip(blocks, streams)]
    table, t, now = [], 1, 0
    while t <= t_max:
        fresh = [sampler.step(model, f, t - now, stream)[0] for f, stream in zip(fresh, streams)]
        now = t
        sums = sum(state_sums(model, f.visible) for f in fresh)
        if reduce is not None:
            sums = reduce(sums)
        row = {"t": t, **_agreement(sums, ref, n_sigma)}
        table.append(row)
        if row["agree"]:
            return RandomStartResult(True, t, t_max, table)
        out_of_time = torch.tensor([float(max_seconds is not None and time.perf_counter() - clock >= max_seconds)])
        if reduce is not None:
            out_of_time = reduce(out_of_time.to(model.device), op="max")
        if t < t_max and bool(out_of_time.item()):
            return RandomStartResult(False, None, t, table, timed_out=True)
        t *= 2
    return RandomStartResult(False, None, t_max, table)
