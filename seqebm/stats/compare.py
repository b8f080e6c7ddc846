"""Agreement of two sets of sequences through their connected two-site correlations (the training criterion)."""
from __future__ import annotations

import torch

from seqebm.stats.frequencies import pair_frequencies, site_frequencies


def connected_from_frequencies(single: torch.Tensor, pair: torch.Tensor) -> torch.Tensor:
    """C_ij(a, b) = f_ij(a, b) - f_i(a) f_j(b)."""
    return pair - single[:, :, None, None] * single[None, None, :, :]


def upper_pairs(corr: torch.Tensor) -> torch.Tensor:
    """All q x q entries of the pairs i < j of an (L, q, L, q) tensor, flattened."""
    length = corr.shape[0]
    i, j = torch.triu_indices(length, length, offset=1, device=corr.device)
    return corr[i, :, j, :].reshape(-1)


def pearson_slope(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Pearson correlation of two flat tensors and the least-squares slope of y against x."""
    x = x.double() - x.double().mean()
    y = y.double() - y.double().mean()
    sxx, syy, sxy = (x * x).sum(), (y * y).sum(), (x * y).sum()
    if float(sxx) == 0.0 or float(syy) == 0.0:
        return float("nan"), float("nan")
    return float(sxy / torch.sqrt(sxx * syy)), float(sxy / sxx)


def correlation_agreement(
    reference: torch.Tensor, states: torch.Tensor, q: int, weights: torch.Tensor | None = None
) -> tuple[float, float]:
    """(Pearson, slope) of the connected correlations of ``states`` against ``reference`` (an (L, q, L, q) tensor
    of connected correlations, e.g. the data's), over all entries of pairs i < j as adabmDCA computes it."""
    single = site_frequencies(states, q, weights)
    pair = pair_frequencies(states, q, weights)
    return pearson_slope(upper_pairs(reference), upper_pairs(connected_from_frequencies(single, pair)))


def pearson_ceiling(
    data: torch.Tensor,
    q: int,
    weights: torch.Tensor | None,
    n_samples: int,
    reference: torch.Tensor | None = None,
    repeats: int = 3,
    generator: torch.Generator | None = None,
) -> float:
    """The Pearson that ``n_samples`` sequences drawn from the data itself reach against the data.

    A perfect model sampled with ``n_samples`` chains cannot do better on average: finite-sample noise caps it.
    Estimated by resampling rows with probability proportional to their weights, averaged over ``repeats``.
    """
    if reference is None:
        reference = connected_from_frequencies(site_frequencies(data, q, weights), pair_frequencies(data, q, weights))
    probs = torch.ones(data.shape[0], device=data.device) if weights is None else weights.to(data.device).float()
    values = []
    for _ in range(repeats):
        rows = torch.multinomial(probs, n_samples, replacement=True, generator=generator)
        values.append(correlation_agreement(reference, data[rows], q)[0])
    return float(sum(values) / len(values))
