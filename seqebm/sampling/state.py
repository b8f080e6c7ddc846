"""The state of a set of Markov chains, as one immutable value the samplers step from and to."""
from __future__ import annotations

from dataclasses import dataclass, replace

import torch


@dataclass(frozen=True)
class ChainState:
    """Chains of a model at one moment.

    ``visible``: (N, L) long states. ``hidden``: statistics of the hidden units given ``visible`` (E[h | v], (N, H))
    for models that have them, else None. ``beta``: the inverse temperature of every chain (a float), or one per
    chain ((N,) tensor) for tempering. ``replica``: the ladder rung each chain sits on (tempering), else None.
    ``steps``: Gibbs steps (sweeps) run since the chains were initialised.
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

    def head(self, n: int) -> "ChainState":
        """The first ``n`` chains."""
        pick = lambda t: t[:n] if isinstance(t, torch.Tensor) and t.ndim > 0 else t  # noqa: E731
        return ChainState(self.visible[:n], pick(self.hidden), pick(self.beta), pick(self.replica), self.steps)
