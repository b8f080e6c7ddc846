"""Samplers: ``init`` turns visible states into a :class:`ChainState`, ``step`` runs it forward.

The protocol (blackjax style, with torch's mutable random streams passed explicitly)::

    state = sampler.init(model, visible)
    state, info = sampler.step(model, state, n_steps, stream)

``info`` is a dict of diagnostics (empty for plain Gibbs; swap rates for tempering). Samplers hold only their
settings (inverse temperature, site order); the model supplies its Gibbs kernel through the model contract, so a
sampler works for every model. A new sampler is one class registered in ``SAMPLERS``.
"""
from __future__ import annotations

from typing import ClassVar, Protocol

import torch

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.potts_gibbs import ORDERS
from seqebm.rng import RandomStream
from seqebm.sampling.state import ChainState


class Sampler(Protocol):
    name: ClassVar[str]

    def init(self, model: EnergyModel, visible: torch.Tensor) -> ChainState: ...

    def step(self, model: EnergyModel, state: ChainState, n_steps: int, stream: RandomStream) -> tuple[ChainState, dict]: ...


class GibbsSampler:
    """Gibbs sampling at inverse temperature ``beta``: sweeps of single-site updates in ``order`` for Potts models,
    block updates (h | v, then v | h) for RBMs."""

    name = "gibbs"

    def __init__(self, beta: float = 1.0, order: str = "sequential") -> None:
        if not beta > 0:
            raise ConfigError(f"beta must be > 0, got {beta}")
        if order not in ORDERS:
            raise ConfigError(f"site order must be one of {ORDERS}, not {order!r}")
        self.beta, self.order = float(beta), order

    def init(self, model: EnergyModel, visible: torch.Tensor) -> ChainState:
        return ChainState(visible.to(device=model.device, dtype=torch.long), beta=self.beta)

    def step(self, model: EnergyModel, state: ChainState, n_steps: int, stream: RandomStream) -> tuple[ChainState, dict]:
        visible, hidden = model.gibbs(state.visible, n_steps, beta=float(state.beta), stream=stream, order=self.order)
        return state.replace(visible=visible, hidden=hidden, steps=state.steps + n_steps), {}


SAMPLERS: dict[str, type] = {"gibbs": GibbsSampler}


def make_sampler(name: str = "gibbs", **settings) -> Sampler:
    """The sampler called ``name`` with its ``settings``; a clear error for an unknown name."""
    if name not in SAMPLERS:
        raise ConfigError(f"unknown sampler {name!r}: use one of {', '.join(SAMPLERS)}")
    return SAMPLERS[name](**settings)
