"""The state of a set of Markov chains, as one immutable value the samplers step from and to."""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch


@dataclass(frozen=True)
class ChainState:
    """Chains of a model at one moment.

    ``visible``: (N, L) long states. ``hidden``: statistics of the hidden units given ``visible`` (E[h | v], (N, H))
    for models that have them, else None. ``beta``: the inverse temperature the chains run at (Gibbs: one float;
    tempering samplers keep one per chain, an (N,) tensor). ``replica``: for tempering samplers, the ladder rung each
    chain sits on, else None. ``steps``: Gibbs steps (sweeps) run since the chains were initialised.
    """

    visible: torch.Tensor
    hidden: torch.Tensor | None = None
    beta: float | torch.Tensor = 1.0
    replica: torch.Tensor | None = None
    steps: int = 0

    @property
    def n_chains(self) -> int:
        return int(self.visible.shape[0])

    def replace(self, **changes) -> "ChainState":
        """A copy with ``changes`` (the dataclass is frozen)."""
        return replace(self, **changes)
