"""Exact enumeration helpers for tiny models (the known answers the samplers are checked against)."""
from __future__ import annotations

import itertools

import torch

from seqebm.models import RBM, Potts


def all_states(length: int, q: int) -> torch.Tensor:
    return torch.tensor(list(itertools.product(range(q), repeat=length)), dtype=torch.long)


def brute_potts_energy(model: Potts, x: torch.Tensor) -> torch.Tensor:
    h, j = model.fields.double(), model.couplings.double()
    out = torch.zeros(x.shape[0], dtype=torch.float64)
    for n in range(x.shape[0]):
        e = 0.0
        for i in range(model.length):
            e -= h[i, x[n, i]]
            for k in range(i + 1, model.length):
                e -= j[i, x[n, i], k, x[n, k]]
        out[n] = e
    return out


def exact_marginals(energies: torch.Tensor, states: torch.Tensor, q: int, beta: float = 1.0):
    """(f_i (L, q), f_ij (L, q, L, q)) of p(x) proportional to exp(-beta E(x)) over the listed states."""
    p = torch.softmax(-beta * energies.double(), 0)
    oh = torch.nn.functional.one_hot(states, q).double()
    fi = torch.einsum("n,nia->ia", p, oh)
    fij = torch.einsum("n,nia,njb->iajb", p, oh, oh)
    return fi, fij


def random_potts(length: int, q: int, scale: float = 0.5, seed: int = 0) -> Potts:
    g = torch.Generator().manual_seed(seed)
    j = torch.randn(length, q, length, q, generator=g) * scale
    j = (j + j.permute(2, 3, 0, 1)) / 2
    return Potts(torch.randn(length, q, generator=g) * scale, j)


def random_rbm(length: int, n_hidden: int, q: int | None, scale: float = 0.7, seed: int = 0) -> RBM:
    g = torch.Generator().manual_seed(seed)
    shape = (length, n_hidden) if q is None else (length, q, n_hidden)
    return RBM(
        torch.randn(shape, generator=g) * scale,
        torch.randn(shape[:-1], generator=g) * scale,
        torch.randn(n_hidden, generator=g) * scale,
    )


def brute_rbm_free_energy(model: RBM, v: torch.Tensor) -> torch.Tensor:
    hs = all_states(model.n_hidden, 2).double()
    e = torch.stack([model.energy(v, h.expand(v.shape[0], -1).float()).double() for h in hs], 1)  # (N, 2^H)
    return -torch.logsumexp(-e, 1)
