"""Annealed importance sampling (Neal 2001; for RBMs Salakhutdinov & Murray 2008): log Z of any model from an
exactly solvable start, the independent-site model of a profile (the data's one-site frequencies).

The path of unnormalised log densities, for t from 0 to 1,

    log pi_t(x) = (1 - t) w_0(x) + w(x; t beta)

joins the independent-site model w_0(x) = sum_i log f_i(x_i) (exact samples, exact log Z_0) to the model at its
inverse temperature beta (``log_weight``): at t the model's own kernel at inverse temperature t beta, with the
site fields of the start added (``with_site_fields``), leaves pi_t invariant. Chains start as exact samples of pi_0;
each temperature adds log pi_t(x) - log pi_{t'}(x) to their log weight, then runs one Gibbs sweep at t. Then
Z / Z_0 is the mean importance weight: log Z = log Z_0 + logsumexp(log w) - log N, whose standard error follows from
the spread of the weights (delta method). The estimate is unbiased in Z, so slightly low on average in log Z: too few
temperatures show as a small effective sample size and a large standard error, which the estimate reports.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.potts import Potts
from seqebm.rng import RandomStream


@dataclass(frozen=True)
class AISEstimate:
    log_z: float
    stderr: float  # standard error of log Z (delta method on the importance weights)
    effective_samples: float  # (sum w)^2 / sum w^2
    n_chains: int
    n_temperatures: int

    def describe(self) -> str:
        return (f"AIS ({self.n_chains} chains, {self.n_temperatures} temperatures, effective samples "
                f"{self.effective_samples:.0f}, standard error {self.stderr:.3f})")

    def record(self, update: int | None = None, beta: float = 1.0) -> dict:
        """The form model files keep (``training_state.log_partition``)."""
        return {"value": self.log_z, "method": self.describe(), "stderr": self.stderr, "update": update, "beta": beta}


def ais_log_partition(model: EnergyModel, profile: torch.Tensor, n_chains: int = 500, n_temperatures: int = 1000,
                      beta: float = 1.0, stream: RandomStream | torch.Generator | None = None, seed: int | None = None,
                      pseudocount: float = 1e-3) -> AISEstimate:
    """log Z of ``model`` at ``beta`` by AIS from the independent-site model of ``profile`` (L, q) one-site
    frequencies (mixed with ``pseudocount`` of the uniform distribution, so that every state can be reached)."""
    if n_chains < 2 or n_temperatures < 1:
        raise ConfigError(f"AIS needs >= 2 chains and >= 1 temperature, got {n_chains} and {n_temperatures}")
    if tuple(profile.shape) != (model.length, model.q):
        raise ConfigError(f"the AIS start profile must be ({model.length}, {model.q}), got {tuple(profile.shape)}")
    stream = RandomStream.of(stream, model.device, seed)
    start = Potts.from_profile(profile.to(model.device, model.dtype), model.alphabet, pseudocount=pseudocount, frozen=True)
    states = start.exact_sample(n_chains, 1.0, stream.generator)
    log_w = torch.zeros(n_chains, dtype=torch.float64, device=model.device)
    temperatures = torch.linspace(0.0, 1.0, n_temperatures + 1).tolist()
    with torch.no_grad():
        start_weight = start.log_weight(states).double()
        for previous, t in zip(temperatures[:-1], temperatures[1:]):
            # log pi_t(x) - log pi_previous(x)
            log_w += ((previous - t) * start_weight + model.log_weight(states, t * beta).double()
                      - model.log_weight(states, previous * beta).double())
            if t < 1.0:
                kernel = model.with_site_fields(start.fields * ((1 - t) / (t * beta)))
                states = kernel.gibbs(states, 1, t * beta, stream)[0]
                start_weight = start.log_weight(states).double()
    log_z0 = start.exact_log_partition(1.0) + float(model.log_weight(states[:1], 0.0)[0])
    return _estimate(log_w, log_z0, n_temperatures)


def _estimate(log_w: torch.Tensor, log_z0: float, n_temperatures: int) -> AISEstimate:
    n = log_w.numel()
    weights = torch.exp(log_w - log_w.max())
    mean = weights.mean()
    stderr = float(weights.std() / (mean * math.sqrt(n)))
    effective = float(weights.sum() ** 2 / (weights * weights).sum())
    log_z = log_z0 + float(torch.logsumexp(log_w, 0)) - math.log(n)
    return AISEstimate(log_z, stderr, effective, n, n_temperatures)
