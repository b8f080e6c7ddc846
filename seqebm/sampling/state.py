"""The state of a set of Markov chains, as one immutable value the samplers step from and to."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Mapping

import torch


@dataclass(frozen=True)
class ChainState:
    """Chains of a model at one moment.

    ``visible``: (N, L) long states of the chains that sample the model (for tempering: the top rung). ``hidden``:
    statistics of the hidden units given ``visible`` (E[h | v], (N, H)) for models that have them, else None.
    ``beta``: the inverse temperature of ``visible``. ``steps``: sampler steps run since initialisation.
    ``auxiliary``: what else a sampler must carry from step to step (tempering: the chains of the lower rungs and
    where each walker last turned), every tensor chain-major (first axis N), so that blocks of chains concatenate and
    split along it (checkpoints, distributed runs).
    """

    visible: torch.Tensor
    hidden: torch.Tensor | None = None
    beta: float = 1.0
    steps: int = 0
    auxiliary: Mapping[str, torch.Tensor] = field(default_factory=dict)

    @property
    def n_chains(self) -> int:
        return int(self.visible.shape[0])

    def replace(self, **changes) -> "ChainState":
        """A copy with ``changes`` (the dataclass is frozen)."""
        return replace(self, **changes)

    def take(self, n: int) -> "ChainState":
        """The first ``n`` chains (with their auxiliary state)."""
        return self.rows(0, n)

    def rows(self, start: int, stop: int) -> "ChainState":
        """Chains ``start`` to ``stop`` (with their auxiliary state)."""
        pick = slice(start, stop)
        return ChainState(self.visible[pick], None if self.hidden is None else self.hidden[pick], self.beta, self.steps,
                          {k: v[pick] for k, v in self.auxiliary.items()})

    def tiled(self, n: int) -> "ChainState":
        """``n`` chains (``n`` >= the current count): chain i is a copy of chain i mod N, auxiliary state included.
        Copies share their past, not their future: each draws its own randomness from the next step on."""
        index = torch.arange(n, device=self.visible.device) % self.n_chains
        return ChainState(self.visible[index], None if self.hidden is None else self.hidden[index], self.beta, self.steps,
                          {k: v[index] for k, v in self.auxiliary.items()})

    @staticmethod
    def concat(states: list["ChainState"]) -> "ChainState":
        """The chains of several blocks as one state (same sampler, same step count)."""
        first = states[0]
        hidden = None if first.hidden is None else torch.cat([s.hidden for s in states])
        return ChainState(torch.cat([s.visible for s in states]), hidden, first.beta, first.steps,
                          {k: torch.cat([s.auxiliary[k] for s in states]) for k in first.auxiliary})
