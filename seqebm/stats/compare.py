"""Agreement of sequences with a reference through their connected two-site correlations (the training criterion)."""
from __future__ import annotations

import torch

from seqebm.stats.frequencies import connected_from_frequencies, pair_frequencies, site_frequencies


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


class CorrelationTarget:
    """The connected correlations of a reference set (the training data), over all q x q entries of the pairs
    i < j as adabmDCA computes them, and the (Pearson, slope) of other sets against them: the one implementation
    of "Pearson of connected correlations" that training, verification, ceilings and analysis share."""

    def __init__(self, single: torch.Tensor, pair: torch.Tensor) -> None:
        self.flat = upper_pairs(connected_from_frequencies(single, pair))

    @classmethod
    def from_states(cls, states: torch.Tensor, q: int, weights: torch.Tensor | None = None) -> "CorrelationTarget":
        return cls(site_frequencies(states, q, weights), pair_frequencies(states, q, weights))

    def of_frequencies(self, single: torch.Tensor, pair: torch.Tensor) -> tuple[float, float]:
        """(Pearson, slope) of the connected correlations of one- and two-site frequencies against the target."""
        return pearson_slope(self.flat, upper_pairs(connected_from_frequencies(single, pair)))

    def of_states(self, states: torch.Tensor, q: int, weights: torch.Tensor | None = None) -> tuple[float, float]:
        """(Pearson, slope) of the connected correlations of ``states`` against the target."""
        return self.of_frequencies(site_frequencies(states, q, weights), pair_frequencies(states, q, weights))


def pearson_ceiling(
    data: torch.Tensor,
    q: int,
    weights: torch.Tensor | None,
    n_samples: int,
    target: CorrelationTarget | None = None,
    repeats: int = 3,
    generator: torch.Generator | None = None,
) -> float:
    """The Pearson that ``n_samples`` sequences drawn from the data itself reach against the data.

    A perfect model sampled with ``n_samples`` chains cannot do better on average: finite-sample noise caps it.
    Estimated by resampling rows with probability proportional to their weights, averaged over ``repeats``.
    """
    target = target if target is not None else CorrelationTarget.from_states(data, q, weights)
    probs = torch.ones(data.shape[0], device=data.device) if weights is None else weights.to(data.device).float()
    values = []
    for _ in range(repeats):
        rows = torch.multinomial(probs, n_samples, replacement=True, generator=generator)
        values.append(target.of_states(data[rows], q)[0])
    return float(sum(values) / len(values))
