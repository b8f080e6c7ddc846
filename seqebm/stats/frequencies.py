"""Weighted one-site frequencies f_i(a), two-site frequencies f_ij(a, b) and connected correlations.

The single implementation used by training (data and chain statistics) and analysis. Inputs are (N, L) integer
states; outputs are dense tensors on the input's device: (L, q) and (L, q, L, q).
"""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError
from seqebm.encoding import one_hot


def normalised_weights(states: torch.Tensor, weights: torch.Tensor | None, dtype: torch.dtype) -> torch.Tensor:
    """(N,) weights summing to 1 (uniform when ``weights`` is None), on the states' device."""
    n = states.shape[0]
    if n == 0:
        raise ConfigError("cannot compute frequencies of an empty set of sequences")
    if weights is None:
        return torch.full((n,), 1.0 / n, dtype=dtype, device=states.device)
    weights = torch.as_tensor(weights, dtype=dtype, device=states.device)
    if weights.shape != (n,):
        raise ConfigError(f"weights of shape {tuple(weights.shape)} for {n} sequences")
    total = weights.sum()
    if not torch.isfinite(total) or total <= 0:
        raise ConfigError("weights must be finite with a positive sum")
    return weights / total


def site_frequencies(
    states: torch.Tensor,
    q: int,
    weights: torch.Tensor | None = None,
    pseudocount: float = 0.0,
    dtype: torch.dtype = torch.float32,
    chunk_size: int = 65536,
) -> torch.Tensor:
    """f_i(a) = sum_n w_n [x_ni = a] / sum_n w_n, then (1 - lambda) f + lambda / q."""
    w = normalised_weights(states, weights, dtype)
    n, length = states.shape
    offsets = torch.arange(length, device=states.device) * q
    freq = torch.zeros(length * q, dtype=dtype, device=states.device)
    for start in range(0, n, chunk_size):  # chunks of rows keep memory at O(chunk_size L)
        block = states[start : start + chunk_size]
        flat = (block.long() + offsets).reshape(-1)
        freq.index_add_(0, flat, w[start : start + chunk_size].repeat_interleave(length))
    freq = freq.reshape(length, q)
    return (1 - pseudocount) * freq + pseudocount / q


def pair_frequencies(
    states: torch.Tensor,
    q: int,
    weights: torch.Tensor | None = None,
    pseudocount: float = 0.0,
    dtype: torch.dtype = torch.float32,
    chunk_size: int = 8192,
) -> torch.Tensor:
    """f_ij(a, b) = sum_n w_n [x_ni = a][x_nj = b] / sum_n w_n, with pseudocount lambda / q^2 off the diagonal.

    The diagonal blocks are f_ii(a, b) = f_i(a) delta_ab (consistent with the one-site pseudocount).
    Computed as X^T diag(w) X over chunks of rows, so memory stays O(chunk_size L q + (L q)^2).
    """
    w = normalised_weights(states, weights, dtype)
    n, length = states.shape
    pair = torch.zeros(length * q, length * q, dtype=dtype, device=states.device)
    for start in range(0, n, chunk_size):
        x = one_hot(states[start : start + chunk_size], q, dtype).reshape(-1, length * q)
        pair.addmm_((x * w[start : start + chunk_size, None]).T, x)
    pair = (1 - pseudocount) * pair.reshape(length, q, length, q) + pseudocount / q**2
    single = site_frequencies(states, q, weights, pseudocount, dtype)
    diag = torch.arange(length, device=states.device)
    pair[diag, :, diag, :] = torch.diag_embed(single)
    return pair


def connected_correlations(
    states: torch.Tensor,
    q: int,
    weights: torch.Tensor | None = None,
    pseudocount: float = 0.0,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """C_ij(a, b) = f_ij(a, b) - f_i(a) f_j(b)."""
    return connected_from_frequencies(*statistics(states, q, weights, pseudocount, dtype))


def connected_from_frequencies(single: torch.Tensor, pair: torch.Tensor) -> torch.Tensor:
    """C_ij(a, b) = f_ij(a, b) - f_i(a) f_j(b) from (L, q) and (L, q, L, q) frequencies."""
    return pair - single[:, :, None, None] * single[None, None, :, :]


def statistics(
    states: torch.Tensor,
    q: int,
    weights: torch.Tensor | None = None,
    pseudocount: float = 0.0,
    dtype: torch.dtype = torch.float32,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(f_i, f_ij) in one call."""
    return (
        site_frequencies(states, q, weights, pseudocount, dtype),
        pair_frequencies(states, q, weights, pseudocount, dtype),
    )
