"""Gibbs sampling of Potts models, site by site, vectorised over chains.

The local field of site i in every chain, h_i(a) + sum_j J_ij(a, x_j), is one fused gather-sum
(``embedding_bag``) over the rows J[i, :, j, x_j] of a (L*q, q) table: L*q operations per chain and site,
so one sweep costs about L*L*q per chain, not the L*L*q*q of a one-hot matmul.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from seqebm.errors import ConfigError
from seqebm.rng import RandomStream, sample_categorical

ORDERS = ("sequential", "permutation", "random")


def coupling_table(couplings: torch.Tensor) -> torch.Tensor:
    """(L, L*q, q) table T with T[i, j*q + b, a] = J_ij(a, b): the rows gathered for site i."""
    length, q = couplings.shape[0], couplings.shape[1]
    return couplings.permute(0, 2, 3, 1).reshape(length, length * q, q).contiguous()


def site_schedule(length: int, n_sweeps: int, order: str, generator: torch.Generator, device: torch.device) -> torch.Tensor:
    """Site indices of ``n_sweeps`` sweeps (n_sweeps * L updates).

    ``sequential``: 0..L-1 each sweep; ``permutation``: a fresh random order each sweep; ``random``: random scan,
    L sites drawn uniformly with replacement per sweep. The same sites are updated in all chains.
    """
    if order == "sequential":
        return torch.arange(length).repeat(n_sweeps)
    if order == "permutation":
        return torch.argsort(torch.rand(n_sweeps, length, generator=generator, device=device), dim=1).reshape(-1).cpu()
    if order == "random":
        return torch.randint(0, length, (n_sweeps * length,), generator=generator, device=device).cpu()
    raise ConfigError(f"site order must be one of {ORDERS}, not {order!r}")


@torch.no_grad()
def potts_gibbs(
    fields: torch.Tensor,
    couplings: torch.Tensor,
    states: torch.Tensor,
    n_sweeps: int,
    beta: float,
    order: str,
    stream: RandomStream,
) -> torch.Tensor:
    """Run ``n_sweeps`` Gibbs sweeps on (N, L) integer ``states`` at inverse temperature ``beta``; returns new states.

    Every site update draws x_i from p(x_i = a | x_-i) proportional to exp(beta (h_i(a) + sum_j J_ij(a, x_j))) exactly.
    """
    if n_sweeps < 0:
        raise ConfigError(f"number of sweeps must be >= 0, got {n_sweeps}")
    device = fields.device
    states = states.to(device=device, dtype=torch.long).clone()
    if n_sweeps == 0 or states.shape[0] == 0:
        return states
    n_chains, length = states.shape
    q = fields.shape[1]
    table = coupling_table(couplings)
    if beta != 1.0:
        table, fields = table * beta, fields * beta
    offsets = torch.arange(length, device=device) * q
    index = states + offsets  # row of the table each (chain, site) points to
    sites = site_schedule(length, n_sweeps, order, stream.generator, device).tolist()
    uniforms = torch.empty(length, n_chains, device=device, dtype=fields.dtype)
    stream.prepare()
    for step, i in enumerate(sites):
        if step % length == 0:
            stream.uniform_(uniforms)
        logits = F.embedding_bag(index, table[i], mode="sum") + fields[i]
        index[:, i] = sample_categorical(logits, uniforms[step % length]) + offsets[i]
    return index - offsets
