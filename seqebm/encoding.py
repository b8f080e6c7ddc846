"""Integer sequence states and their one-hot encoding: the representation every layer above shares."""
from __future__ import annotations

import torch

from seqebm.errors import ShapeError


def one_hot(states: torch.Tensor, q: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """(..., L) integer states -> (..., L, q) one-hot tensor of ``dtype`` on the same device."""
    out = torch.zeros(*states.shape, q, dtype=dtype, device=states.device)
    out.scatter_(-1, states.long().unsqueeze(-1), 1)
    return out


def check_states(states, length: int, q: int) -> torch.Tensor:
    """``states`` as an (N, ``length``) long tensor with values in range(``q``); a clear error otherwise."""
    if not isinstance(states, torch.Tensor):
        states = torch.as_tensor(states)
    if states.ndim != 2 or states.shape[1] != length:
        raise ShapeError(f"states must be (N, {length}), got {tuple(states.shape)}")
    if states.is_floating_point():
        raise ShapeError(f"states must be integers in range({q}), got a floating-point tensor")
    if states.numel() and (int(states.min()) < 0 or int(states.max()) >= q):
        raise ShapeError(f"states must lie in range({q})")
    return states.long()
