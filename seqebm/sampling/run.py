"""Running chains: samples of a model, snapshots along one run, log-spaced times."""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
import torch

from seqebm.errors import ConfigError, DynamicsWarning
from seqebm.models.base import EnergyModel
from seqebm.models.record import RunRecord
from seqebm.rng import RandomStream
from seqebm.sampling.defaults import resolve_sampling
from seqebm.sampling.init import init_chains
from seqebm.sampling.registry import recorded_sampler
from seqebm.sampling.samplers import BaseSampler, GibbsSampler, Sampler
from seqebm.sampling.state import ChainState


def sample(
    model: EnergyModel,
    n: int,
    k: int | None = None,
    init: str | torch.Tensor | None = None,
    beta: float | None = None,
    seed: int | None = None,
    data: torch.Tensor | None = None,
    weights: torch.Tensor | None = None,
    profile: torch.Tensor | None = None,
    order: str | None = None,
    generator: torch.Generator | RandomStream | None = None,
    sampler: Sampler | str | None = None,
    fixed: dict[int, int] | None = None,
) -> torch.Tensor:
    """``n`` samples: chains initialised by ``init`` (see :func:`init_chains`) then ``k`` Gibbs steps; (n, L) long.

    ``k``, ``init``, ``beta`` and the site ``order`` default to the dynamics the model was trained with (its
    recorded sampling defaults; k = 1000 from random for a model without a training record), with a
    :class:`~seqebm.errors.DynamicsWarning` when an out-of-equilibrium model is sampled otherwise. ``generator`` (a
    torch.Generator, or a RandomStream to continue) takes precedence over ``seed``. ``sampler`` (a sampler or its
    name: gibbs, pt, ptt) defaults to the one the model records (with its tempering ladder, for ptt); the samples are
    the chains of the target model (the top rung of a ladder). ``fixed`` ({site: state}, 0-based) samples the
    other sites conditionally on those.
    """
    snapshots = sample_snapshots(model, n, None, k, init, beta, seed, data, weights, profile, order, generator, sampler,
                                 warn=lambda message: warnings.warn(message, DynamicsWarning, stacklevel=5), fixed=fixed)
    return next(iter(snapshots.values()))


def sample_snapshots(
    model: EnergyModel,
    n: int,
    times: list[int] | None = None,
    k: int | None = None,
    init: str | torch.Tensor | None = None,
    beta: float | None = None,
    seed: int | None = None,
    data: torch.Tensor | None = None,
    weights: torch.Tensor | None = None,
    profile: torch.Tensor | None = None,
    order: str | None = None,
    generator: torch.Generator | RandomStream | None = None,
    sampler: Sampler | str | None = None,
    warn: Callable[[str], None] | None = None,
    fixed: dict[int, int] | None = None,
) -> dict[int, torch.Tensor]:
    """Samples of ``n`` chains at each of ``times`` (default: the single time ``k``) along one run, with the
    defaults of :func:`sample`; ``warn`` receives the warnings about departing from the training dynamics.
    ``fixed`` ({site: state}, 0-based) clamps sites: the other sites are sampled from the conditional distribution
    (the model conditioned on them, see :meth:`~seqebm.models.base.EnergyModel.condition`)."""
    if n < 1:
        raise ConfigError(f"number of samples must be >= 1, got {n}")
    given = init if isinstance(init, torch.Tensor) else None
    warn = warn or (lambda message: warnings.warn(message, DynamicsWarning, stacklevel=4))
    k, init, beta = resolve_sampling(model, k, None if given is not None else init, beta, warn)
    init = given if given is not None else init
    if isinstance(init, str) and init in ("data", "profile") and data is None and (init == "data" or profile is None):
        raise ConfigError(f"chains start from {'the data' if init == 'data' else 'the data profile'} (init={init!r}): "
                          f"pass the data (--data FILE), or init='random'")
    stream = RandomStream.of(generator, model.device, seed)
    states = init_chains(n, model.length, model.q, init, data, weights, profile, stream.generator, model.device)
    if not isinstance(sampler, BaseSampler):
        sampler = recorded_sampler(model, sampler, beta, order or recorded_order(model))
    times = times if times is not None else [k]
    if not fixed:
        return sample_trajectory(model, states, times, generator=stream, sampler=sampler)
    sites = torch.tensor(sorted(fixed), dtype=torch.long, device=model.device)
    values = torch.tensor([fixed[int(i)] for i in sites], dtype=torch.long, device=model.device)
    if int(sites.min()) < 0 or int(sites.max()) >= model.length or int(values.min()) < 0 or int(values.max()) >= model.q:
        raise ConfigError(f"clamped sites must be in 0..{model.length - 1} with states in 0..{model.q - 1}")
    free = model.free_sites(sites)
    if free.numel() == 0:
        raise ConfigError("every site is clamped: nothing to sample")
    snapshots = sample_trajectory(model.condition(sites, values), states[:, free], times, generator=stream,
                                  sampler=sampler.conditioned(sites, values))
    out = {}
    for t, part in snapshots.items():
        full = states.new_empty(n, model.length)
        full[:, free], full[:, sites] = part, values
        out[t] = full
    return out


def recorded_order(model: EnergyModel) -> str:
    """The site order the model was trained with (sequential when unrecorded)."""
    return RunRecord.from_metadata(model.metadata).training.get("order", "sequential")


def sample_trajectory(
    model: EnergyModel,
    states: torch.Tensor | ChainState,
    times: list[int],
    beta: float = 1.0,
    generator: torch.Generator | RandomStream | None = None,
    order: str = "sequential",
    sampler: Sampler | None = None,
) -> dict[int, torch.Tensor]:
    """Run chains up to ``max(times)`` steps, keeping a copy of the states only at each requested time.

    ``times`` are step counts (0 = the initial states); memory is one snapshot per time, not per step. Passing a
    RandomStream as ``generator`` continues it (the run then equals one straight run on that stream); passing a
    ChainState continues those chains (with a tempering sampler's ladder) instead of initialising new ones (new ones
    are first settled: a trajectory ladder is filled where its pairs do not swap).
    """
    wanted = sorted(set(int(t) for t in times))
    if not wanted or wanted[0] < 0:
        raise ConfigError("times must be non-negative step counts")
    sampler = sampler or GibbsSampler(beta, order)
    stream = RandomStream.of(generator, model.device)
    if not isinstance(states, ChainState):
        states = sampler.settle(model, [sampler.init(model, states, stream)], [stream])[0]
    state = states
    snapshots: dict[int, torch.Tensor] = {}
    now = 0
    for t in wanted:
        state, _ = sampler.step(model, state, t - now, stream)
        now = t
        snapshots[t] = state.visible.clone()
    return snapshots


def log_times(t_max: int, per_decade: int = 4, include_zero: bool = False) -> list[int]:
    """Integer, roughly log-spaced times 1 ... t_max (for quality-vs-sampling-time curves)."""
    if t_max < 1:
        raise ConfigError("t_max must be >= 1")
    n = max(2, int(np.ceil(np.log10(t_max) * per_decade)) + 1)
    times = sorted({int(round(v)) for v in np.logspace(0, np.log10(t_max), n)} | {t_max})
    return ([0] if include_zero else []) + times
