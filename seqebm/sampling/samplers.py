"""Samplers: ``init`` turns visible states into a :class:`ChainState`, ``step`` runs it forward.

The protocol (blackjax style, with torch's mutable random streams passed explicitly)::

    state = sampler.init(model, visible, stream)
    state, info = sampler.step(model, state, n_steps, stream)

``info`` is a dict of diagnostic tensors that add up over blocks of chains (empty for Gibbs; swap counts for
tempering). Training also calls ``adapt`` after every parameter update (tempering grows its ladder there) and
saves ``state_arrays`` / ``describe()`` with checkpoints and model files. Samplers hold only their settings and
ladders; the model supplies its Gibbs kernel through the model contract, so a sampler works for every model.
A new sampler is one class registered in :mod:`seqebm.sampling.registry`.
"""
from __future__ import annotations

from typing import Callable, ClassVar

import torch

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.potts_gibbs import ORDERS
from seqebm.rng import RandomStream
from seqebm.sampling.state import ChainState

Reduce = Callable[..., torch.Tensor]  # comm.all_reduce_(tensor, op="sum" | "max")


class BaseSampler:
    """Settings every sampler has (inverse temperature of the sampled chains, Potts site order) and the defaults
    of the optional parts of the protocol."""

    name: ClassVar[str] = ""
    # chains are regenerated from an exactly sampled source (tempering): once renewed, they have forgotten their start
    regenerates: ClassVar[bool] = False

    def __init__(self, beta: float = 1.0, order: str = "sequential") -> None:
        if not beta > 0:
            raise ConfigError(f"beta must be > 0, got {beta}")
        if order not in ORDERS:
            raise ConfigError(f"site order must be one of {ORDERS}, not {order!r}")
        self.beta, self.order = float(beta), order

    @classmethod
    def configure(cls, beta: float = 1.0, order: str = "sequential", **settings) -> "BaseSampler":
        """The sampler from the training options (settings it does not use are ignored)."""
        return cls(beta, order)

    def init(self, model: EnergyModel, visible: torch.Tensor, stream: RandomStream | None = None) -> ChainState:
        return ChainState(visible.to(device=model.device, dtype=torch.long), beta=self.beta)

    def step(self, model: EnergyModel, state: ChainState, n_steps: int, stream: RandomStream) -> tuple[ChainState, dict]:
        raise NotImplementedError

    def adapt(self, model: EnergyModel, blocks: list[ChainState], info: dict) -> list[ChainState]:
        """After a parameter update in training (``info``: this update's step diagnostics summed over every block of
        every process, so all processes decide alike). Returns the blocks, changed if the sampler changed."""
        return blocks

    def settle(self, model: EnergyModel, blocks: list[ChainState], streams: list[RandomStream],
               reduce: Reduce | None = None) -> list[ChainState]:
        """Before chains that were just initialised start running (a new run, a change of sampler): the blocks with
        whatever the sampler needs to work for ``model`` (a trajectory ladder for a model far from its bottom rung)."""
        return blocks

    def renewal_time(self, model: EnergyModel, blocks: list[ChainState], t_max: int, streams: list[RandomStream],
                     reduce: Reduce | None = None) -> int | None:
        """For samplers that regenerate chains from an exactly sampled source (tempering): the steps until every
        chain has been replaced from it, or t_max + 1 when that takes longer; None for samplers without one."""
        return None

    def log_partition(self, model: EnergyModel, blocks: list[ChainState], reduce: Reduce) -> float | None:
        """An estimate of log Z of ``model`` from the chains, where the sampler can make one."""
        return None

    def state_arrays(self, resumable: bool = True) -> dict[str, torch.Tensor]:
        """Tensors to save with checkpoints (``resumable``: everything training needs to continue exactly) and model
        files (what sampling needs: a ladder)."""
        return {}

    def load_state_arrays(self, arrays: dict[str, torch.Tensor], model: EnergyModel) -> None:
        """Restore what :meth:`state_arrays` saved (``model``: the target, whose class and structure rungs share)."""

    def conditioned(self, sites: torch.Tensor, values: torch.Tensor) -> "BaseSampler":
        """The sampler for the model conditioned on x[sites] = values (see :meth:`EnergyModel.condition`): samplers
        that hold models of their own (a trajectory ladder) condition them too."""
        return self

    def describe(self) -> dict:
        """A JSON record of the sampler (its name and settings)."""
        return {"name": self.name}


class GibbsSampler(BaseSampler):
    """Gibbs sampling at inverse temperature ``beta``: sweeps of single-site updates in ``order`` for Potts models,
    block updates (h | v, then v | h) for RBMs."""

    name = "gibbs"

    def step(self, model: EnergyModel, state: ChainState, n_steps: int, stream: RandomStream) -> tuple[ChainState, dict]:
        visible, hidden = model.gibbs(state.visible, n_steps, beta=float(state.beta), stream=stream, order=self.order)
        return state.replace(visible=visible, hidden=hidden, steps=state.steps + n_steps), {}


Sampler = BaseSampler
