"""DCA sequence reweighting: w_n = 1 / #{m : identity(n, m) >= theta}."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError
from seqebm.encoding import one_hot


def sequence_weights(
    states: torch.Tensor,
    theta: float = 0.8,
    q: int | None = None,
    chunk_size: int = 4096,
    rows: torch.Tensor | None = None,
) -> torch.Tensor:
    """Weights of an (N, L) integer alignment, on the tensor's device.

    ``rows`` (indices): only the weights of those rows, each compared with all N sequences (how the ranks of a
    distributed run share the work); the counts are integers, so the result equals the full computation's.

    identity(n, m) is the fraction of the L columns where n and m carry the same state (gaps included), and
    each sequence counts itself. Blocks of ``chunk_size`` rows are compared with one-hot matmuls; only blocks
    of the upper triangle are computed (the similarity is symmetric), so memory is O(chunk_size^2 + N) and
    the cost half the full N^2 L q product.
    """
    if not 0.0 < theta <= 1.0:
        raise ConfigError(f"identity threshold theta must be in (0, 1], got {theta}")
    if states.ndim != 2:
        raise ConfigError(f"states must be (N, L), got shape {tuple(states.shape)}")
    states = states.long()
    n, length = states.shape
    q = int(states.max()) + 1 if q is None else q
    counts = torch.zeros(n, dtype=torch.float64, device=states.device)
    min_matches = theta * length - 1e-4
    dtype = torch.float32
    blocks = [(s, min(s + chunk_size, n)) for s in range(0, n, chunk_size)]
    if rows is not None:
        rows = torch.as_tensor(rows, device=states.device).long()
        counts = torch.zeros(rows.shape[0], dtype=torch.float64, device=states.device)
        for a0 in range(0, rows.shape[0], chunk_size):
            xa = one_hot(states[rows[a0 : a0 + chunk_size]], q, dtype).reshape(-1, length * q)
            for b0, b1 in blocks:
                xb = one_hot(states[b0:b1], q, dtype).reshape(b1 - b0, -1)
                counts[a0 : a0 + chunk_size] += ((xa @ xb.T) >= min_matches).sum(1)
        return (1.0 / counts).to(torch.float32)
    for bi, (a0, a1) in enumerate(blocks):
        xa = one_hot(states[a0:a1], q, dtype).reshape(a1 - a0, -1)
        for b0, b1 in blocks[bi:]:
            xb = xa if b0 == a0 else one_hot(states[b0:b1], q, dtype).reshape(b1 - b0, -1)
            similar = (xa @ xb.T) >= min_matches
            counts[a0:a1] += similar.sum(1)
            if b0 != a0:
                counts[b0:b1] += similar.sum(0)
    return (1.0 / counts).to(torch.float32)

