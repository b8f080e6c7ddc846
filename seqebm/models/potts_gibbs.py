"""Gibbs sampling of Potts models, site by site, vectorised over chains.

The local field of site i in every chain, h_i(a) + sum_j J_ij(a, x_j), is one fused gather-sum
(``embedding_bag``) over the rows J[i, :, j, x_j] of a (L*q, q) table: L*q operations per chain and site,
so one sweep costs about L*L*q per chain, not the L*L*q*q of a one-hot matmul. On CPU the site loop runs compiled
(``potts_sweep.c``, see :mod:`seqebm.models.native`) where a C compiler works: the same arithmetic without the ten
or so tensor calls per site update that dominate with few chains; the torch loop runs everywhere else.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from seqebm.errors import ConfigError, ShapeError
import seqebm.models.native as native
from seqebm.rng import RandomStream, sample_categorical

ORDERS = ("sequential", "permutation", "random")


def coupling_table(couplings: torch.Tensor, stride: int | None = None) -> torch.Tensor:
    """(L, L*q, q) table T with T[i, j*q + b, a] = J_ij(a, b): the rows gathered for site i. With ``stride`` > q the
    rows are padded with zeros to that length (the compiled kernel's vector width)."""
    length, q = couplings.shape[0], couplings.shape[1]
    table = couplings.permute(0, 2, 3, 1).reshape(length, length * q, q)
    return (table if stride in (None, q) else F.pad(table, (0, stride - q))).contiguous()


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


class _Tables:
    """The stacked, beta-scaled coupling tables and fields of the last ladders swept, kept while their parameters are
    unchanged: a tempering sampler sweeps its ladder one sweep per call, and rebuilding R tables of L*L*q*q numbers
    every call cost more than the sweep itself. An entry holds its source tensors (so their storage cannot be
    reused by other tensors) and is valid while each is the same object at the same version (in-place updates,
    such as an optimiser step, bump the version). One entry: the tables of a large ladder are as big as all its rungs'
    couplings, and the kernel used to hold them only during a call."""

    def __init__(self, size: int = 1) -> None:
        self.size = size
        self.entries: list[tuple[list[torch.Tensor], list[int], tuple, tuple[torch.Tensor, torch.Tensor]]] = []

    def get(self, fields: list[torch.Tensor], couplings: list[torch.Tensor], betas: list[float],
            stride: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(L, R L q, stride) tables and (R, L, stride) fields, beta-scaled (stride q unless given)."""
        sources = [*fields, *couplings]
        versions = [t._version for t in sources]
        stride = stride or fields[0].shape[1]
        layout = (list(betas), stride)
        for n, (held, held_versions, held_layout, tables) in enumerate(self.entries):
            same = len(held) == len(sources) and all(a is b for a, b in zip(held, sources))
            if same and held_versions == versions and held_layout == layout:
                self.entries.insert(0, self.entries.pop(n))
                return tables
        pad = stride - fields[0].shape[1]
        tables = (torch.cat([coupling_table(j, stride) * b for j, b in zip(couplings, betas)], dim=1),
                  torch.stack([F.pad(h, (0, pad)) * b for h, b in zip(fields, betas)]))
        self.entries = [(sources, versions, layout, tables), *self.entries][: self.size]
        return tables

    def clear(self) -> None:
        self.entries = []


TABLES = _Tables()

SPARSE_SWEEP_DENSITY = 0.5  # above this density the dense sweep is faster than visiting neighbour lists


def sweep_neighbours(pair_mask: torch.Tensor | None, device: torch.device) -> list[torch.Tensor] | None:
    """What a sweep visits under an (L, L) pair mask with zero diagonal: per site, its coupled sites (and itself) when
    the mask keeps at most SPARSE_SWEEP_DENSITY of the pairs; None (every site, the dense sweep) otherwise."""
    length = 0 if pair_mask is None else pair_mask.shape[0]
    if pair_mask is None or float(pair_mask.sum()) > SPARSE_SWEEP_DENSITY * length * (length - 1):
        return None
    return neighbour_lists(pair_mask, device)


def neighbour_lists(pair_mask: torch.Tensor, device: torch.device) -> list[torch.Tensor]:
    """Per site i, the sites coupled to it under an (L, L) boolean mask, plus i itself (J_ii = 0 adds nothing and
    keeps every list non-empty)."""
    mask = pair_mask.clone()
    mask.fill_diagonal_(True)
    return [row.nonzero().flatten().to(device) for row in mask]


@torch.no_grad()
def potts_gibbs(
    fields: torch.Tensor,
    couplings: torch.Tensor,
    states: torch.Tensor,
    n_sweeps: int,
    beta: float,
    order: str,
    stream: RandomStream,
    neighbours: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """Run ``n_sweeps`` Gibbs sweeps on (N, L) integer ``states`` at inverse temperature ``beta``; returns new states.

    Every site update draws x_i from p(x_i = a | x_-i) proportional to exp(beta (h_i(a) + sum_j J_ij(a, x_j))) exactly.
    ``neighbours[i]`` (a sparse model's coupled sites) restricts the sum to them.
    """
    return potts_gibbs_ladder([fields], [couplings], [beta], states[None], n_sweeps, order, stream, neighbours)[0]


@torch.no_grad()
def potts_gibbs_ladder(
    fields: list[torch.Tensor],
    couplings: list[torch.Tensor],
    betas: list[float],
    states: torch.Tensor,
    n_sweeps: int,
    order: str,
    stream: RandomStream,
    neighbours: list[torch.Tensor] | None = None,
) -> torch.Tensor:
    """Gibbs sweeps of R Potts models at once (a tempering ladder): rung r is (fields[r], couplings[r]) at betas[r]
    and holds the chains ``states[r]`` ((R, N, L) integer states). The R coupling tables are stacked, so every site
    update of every chain of every rung is one gather-sum (a rung's chains index its own block of rows): the fixed
    cost per site update is paid once per ladder, not once per rung. With ``neighbours`` (sparse models: the sites
    each site is coupled to in any rung) the gather-sum visits only those sites' rows."""
    if n_sweeps < 0:
        raise ConfigError(f"number of sweeps must be >= 0, got {n_sweeps}")
    device = fields[0].device
    states = states.to(device=device, dtype=torch.long).clone()
    n_rungs, n_chains, length = states.shape
    if n_sweeps == 0 or n_chains == 0:
        return states
    q = fields[0].shape[1]
    library = _native_kernel(fields, couplings)
    if library is not None and (int(states.min()) < 0 or int(states.max()) >= q):
        raise ShapeError(f"states must lie in 0..{q - 1}, got {int(states.min())}..{int(states.max())}")
    table, field_stack = TABLES.get(fields, couplings, betas, native.padded_alphabet(q) if library else None)
    offsets = torch.arange(length, device=device) * q
    rung_offsets = torch.arange(n_rungs, device=device)[:, None, None] * (length * q)
    # table row of each (chain, site), row-major whatever the layout of ``states`` (the compiled loop needs it)
    index = (states + offsets + rung_offsets).reshape(n_rungs * n_chains, length).contiguous()
    chain_offsets = rung_offsets.reshape(n_rungs, 1).expand(n_rungs, n_chains).reshape(-1)
    sites = site_schedule(length, n_sweeps, order, stream.generator, device)
    uniforms = torch.empty(length, n_rungs * n_chains, device=device, dtype=field_stack.dtype)
    stream.prepare()
    if library is not None:
        csr = None if neighbours is None else _compressed_rows(neighbours)
        for start in range(0, len(sites), length):
            stream.uniform_(uniforms)
            native.potts_sites(library, table, field_stack, index, sites[start:start + length], uniforms, n_chains, q, csr)
    else:
        _torch_site_loop(table, field_stack, index, sites.tolist(), uniforms, offsets[:, None] + chain_offsets,
                         (n_rungs, n_chains, q), stream, neighbours)
    return (index - chain_offsets[:, None] - offsets).reshape(n_rungs, n_chains, length)


def native_ladder_log_weights(fields: list[torch.Tensor], couplings: list[torch.Tensor], betas: list[float],
                              states: torch.Tensor, jobs: list[tuple[int, int]],
                              neighbours: list[torch.Tensor] | None = None) -> torch.Tensor | None:
    """(P, N) float64 log weights beta_m (sum_i h_i(x_i) + 1/2 sum_ij J_ij(x_i, x_j)) of ``states[s]`` ((S, N, L))
    under rung m = (fields[m], couplings[m], betas[m]), for each (s, m) of ``jobs``, from the tables the ladder's
    Gibbs sweeps use (cached: no rebuild after a sweep); None where the compiled kernel does not run (then the caller
    evaluates each model's log weight)."""
    library = _native_kernel(fields, couplings)
    if library is None or not jobs or states.shape[1] == 0:
        return None
    q = fields[0].shape[1]
    table, field_stack = TABLES.get(fields, couplings, betas, native.padded_alphabet(q))
    csr = None if neighbours is None else _compressed_rows(neighbours)
    return native.potts_log_weights(library, table, field_stack, states.to(torch.long), torch.tensor(jobs), q, csr)


def _native_kernel(fields: list[torch.Tensor], couplings: list[torch.Tensor]):
    """The compiled kernel where it applies to every rung (all CPU float32: stacking mixed dtypes would promote the
    tables), else None."""
    same = all(t.dtype == fields[0].dtype and t.device == fields[0].device for t in [*fields, *couplings])
    return native.kernel(fields[0]) if same else None


def _torch_site_loop(table: torch.Tensor, field_stack: torch.Tensor, index: torch.Tensor, sites: list[int],
                     uniforms: torch.Tensor, row_base: torch.Tensor, shape: tuple[int, int, int], stream: RandomStream,
                     neighbours: list[torch.Tensor] | None) -> None:
    """The site updates with torch calls (any device and dtype): ``row_base[i]`` is the row of state 0 of site i in
    each chain's table block; ``index`` is updated in place."""
    n_rungs, n_chains, q = shape
    length = index.shape[1]
    for step, i in enumerate(sites):
        if step % length == 0:
            stream.uniform_(uniforms)
        rows = index if neighbours is None else index[:, neighbours[i]]
        logits = F.embedding_bag(rows, table[i], mode="sum").view(n_rungs, n_chains, q) + field_stack[:, i, None, :]
        index[:, i] = sample_categorical(logits.view(-1, q), uniforms[step % length]) + row_base[i]


def _compressed_rows(neighbours: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """Neighbour lists as (pointers, indices), compressed-row form: site i's neighbours are
    indices[pointers[i]:pointers[i + 1]]."""
    counts = torch.tensor([len(n) for n in neighbours], dtype=torch.long)
    pointers = torch.cat([torch.zeros(1, dtype=torch.long), counts.cumsum(0)])
    return pointers, torch.cat(neighbours).to(torch.long).cpu().contiguous()
