"""Gibbs samplers for Potts models and RBMs, chain initialisation and trajectory recording."""
from __future__ import annotations

import torch

from seqebm.device import make_generator
from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.potts import Potts
from seqebm.models.rbm import RBM
from seqebm.sampling.init import INITS, init_chains
from seqebm.sampling.potts_gibbs import ORDERS, potts_gibbs
from seqebm.sampling.rbm_gibbs import rbm_gibbs


def gibbs(
    model: EnergyModel,
    states: torch.Tensor,
    k: int,
    beta: float = 1.0,
    generator: torch.Generator | None = None,
    order: str = "sequential",
) -> torch.Tensor:
    """``k`` Gibbs steps of ``model`` (sweeps for Potts, block steps for RBMs) from (N, L) ``states``."""
    if isinstance(model, Potts):
        return potts_gibbs(model, states, k, beta=beta, order=order, generator=generator)
    if isinstance(model, RBM):
        return rbm_gibbs(model, states, k, beta=beta, generator=generator)[0]
    raise ConfigError(f"no sampler for {type(model).__name__}")


def sample(
    model: EnergyModel,
    n: int,
    k: int,
    init: str | torch.Tensor = "random",
    beta: float = 1.0,
    seed: int | None = None,
    data: torch.Tensor | None = None,
    weights: torch.Tensor | None = None,
    profile: torch.Tensor | None = None,
    order: str = "sequential",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """``n`` samples: chains initialised by ``init`` (see :func:`init_chains`) then ``k`` Gibbs steps. (n, L) long."""
    if n < 1:
        raise ConfigError(f"number of samples must be >= 1, got {n}")
    gen = generator if generator is not None else make_generator(seed, model.device)
    states = init_chains(n, model.length, model.q, init, data, weights, profile, gen, model.device)
    return gibbs(model, states, k, beta=beta, generator=gen, order=order)


def sample_trajectory(
    model: EnergyModel,
    states: torch.Tensor,
    times: list[int],
    beta: float = 1.0,
    generator: torch.Generator | None = None,
    order: str = "sequential",
) -> dict[int, torch.Tensor]:
    """Run chains up to ``max(times)`` steps, keeping a copy of the states only at each requested time.

    ``times`` are step counts (0 = the initial states); memory is one snapshot per time, not per step.
    """
    wanted = sorted(set(int(t) for t in times))
    if not wanted or wanted[0] < 0:
        raise ConfigError("times must be non-negative step counts")
    snapshots: dict[int, torch.Tensor] = {}
    current, now = states.to(model.device).long(), 0
    for t in wanted:
        current = gibbs(model, current, t - now, beta=beta, generator=generator, order=order)
        now = t
        snapshots[t] = current.clone()
    return snapshots


def log_times(t_max: int, per_decade: int = 4, include_zero: bool = False) -> list[int]:
    """Integer, roughly log-spaced times 1 ... t_max (for quality-vs-sampling-time curves)."""
    if t_max < 1:
        raise ConfigError("t_max must be >= 1")
    import numpy as np

    n = max(2, int(np.ceil(np.log10(t_max) * per_decade)) + 1)
    times = sorted({int(round(v)) for v in np.logspace(0, np.log10(t_max), n)} | {t_max})
    return ([0] if include_zero else []) + times


__all__ = [
    "INITS", "ORDERS", "gibbs", "init_chains", "log_times", "potts_gibbs", "rbm_gibbs", "sample", "sample_trajectory",
]
