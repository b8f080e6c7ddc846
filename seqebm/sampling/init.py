"""Initial states of Markov chains: uniform random, rows of a dataset, the independent-site profile, or given."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError, ShapeError
from seqebm.rng import sample_categorical
from seqebm.stats.frequencies import site_frequencies

INITS = ("random", "data", "profile")


def init_chains(
    n_chains: int,
    length: int,
    q: int,
    init: str | torch.Tensor = "random",
    data: torch.Tensor | None = None,
    weights: torch.Tensor | None = None,
    profile: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """(n_chains, length) long states.

    ``random``: uniform over the q states. ``data``: rows of ``data`` drawn with probability proportional to
    ``weights``. ``profile``: each site independently from ``profile`` (L, q), or from the weighted site
    frequencies of ``data``. A tensor is used as given (repeated if it has fewer rows).
    """
    device = torch.device(device)
    if isinstance(init, torch.Tensor):
        if init.ndim != 2 or init.shape[1] != length:
            raise ShapeError(f"initial states must be (N, {length}), got {tuple(init.shape)}")
        if init.is_floating_point() or (init.numel() and (int(init.min()) < 0 or int(init.max()) >= q)):
            raise ShapeError(f"initial states must be integers in range({q})")
        reps = -(-n_chains // init.shape[0])
        return init.to(device=device, dtype=torch.long).repeat(reps, 1)[:n_chains].clone()
    if init == "random":
        return torch.randint(0, q, (n_chains, length), generator=generator, device=device)
    if init == "data":
        if data is None:
            raise ConfigError("init='data' needs the training data")
        data = data.to(device)
        w = torch.ones(data.shape[0], device=device) if weights is None else weights.to(device=device, dtype=torch.float32)
        rows = torch.multinomial(w, n_chains, replacement=True, generator=generator)
        return data[rows].long().clone()
    if init == "profile":
        if profile is None:
            if data is None:
                raise ConfigError("init='profile' needs a profile (L, q) or the training data")
            profile = site_frequencies(data.to(device), q, None if weights is None else weights.to(device))
        profile = profile.to(device)
        if profile.shape != (length, q):
            raise ShapeError(f"profile must be ({length}, {q}), got {tuple(profile.shape)}")
        logits = torch.log(profile.clamp_min(1e-12)).expand(n_chains, length, q)
        u = torch.rand(n_chains, length, generator=generator, device=device, dtype=profile.dtype)
        return sample_categorical(logits, u)
    raise ConfigError(f"unknown chain initialisation {init!r}: use one of {INITS} or a tensor of states")
