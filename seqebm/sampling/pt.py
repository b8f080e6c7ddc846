"""Parallel tempering in temperature: one model at inverse temperatures 0 = beta_0 < ... < beta_top."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.rng import RandomStream
from seqebm.sampling.state import ChainState
from seqebm.sampling.tempering import (
    CHECK_STEPS, PROBE_CHAINS, Rung, Tempering, energy_spread, gaussian_spacing, ladder_log_partition, pair_acceptance,
)

ADAPT_SWEEPS = 20  # sweeps at each new temperature before its energy spread is measured


class PTSampler(Tempering):
    """Replicas of the model at a ladder of inverse temperatures ``betas`` (chosen on :meth:`init` when not given,
    so that neighbours swap at about ``swap_target``; recorded by :meth:`describe`)."""

    name = "pt"

    def __init__(self, beta: float = 1.0, order: str = "sequential", swap_target: float = 0.3, max_rungs: int = 64,
                 betas: list[float] | None = None) -> None:
        super().__init__(beta, order, swap_target, max_rungs)
        self.betas = None if betas is None else [float(b) for b in betas]
        if self.betas is not None and (self.betas[0] != 0 or self.betas[-1] != self.beta or sorted(self.betas) != self.betas):
            raise ConfigError(f"PT inverse temperatures must rise from 0 to {self.beta}, got {self.betas}")

    @classmethod
    def configure(cls, beta: float = 1.0, order: str = "sequential", swap_target: float = 0.3, max_rungs: int = 64,
                  **settings) -> "PTSampler":
        return cls(beta, order, swap_target, max_rungs)

    def rungs(self, model: EnergyModel) -> list[Rung]:
        if self.betas is None:
            raise ConfigError("the PT temperature ladder is not chosen yet (init chooses it)")
        return [Rung(model, b) for b in self.betas]

    def init(self, model: EnergyModel, visible: torch.Tensor, stream: RandomStream | None = None) -> ChainState:
        if self.betas is None:
            self.betas = self.choose_betas(model, visible, RandomStream.of(stream, model.device))
        return super().init(model, visible, stream)

    def choose_betas(self, model: EnergyModel, visible: torch.Tensor, stream: RandomStream) -> list[float]:
        """From beta = 0 up: the next inverse temperature is one Gaussian-rule step above the last (from the energy
        spread of chains equilibrated there); then the ladder is run and a rung is inserted in every pair that swaps
        below half the target, until none does."""
        betas = [0.0]
        x = model.exact_sample(min(PROBE_CHAINS, visible.shape[0]), 0.0, stream.generator)
        while betas[-1] < self.beta:
            if len(betas) >= self.max_rungs:
                raise ConfigError(f"the PT ladder needs more than max_rungs={self.max_rungs} rungs to reach beta={self.beta}")
            step = gaussian_spacing(energy_spread(model, x, betas[-1]), self.swap_target)
            betas.append(min(self.beta, betas[-1] + step))
            x = model.gibbs(x, ADAPT_SWEEPS, betas[-1], stream, self.order)[0]
        self.betas = betas
        for _ in range(self.max_rungs):
            probe = super().init(model, x)
            _, info = self.step(model, probe, CHECK_STEPS, stream)
            if not self._insert_where_slow(pair_acceptance(info)):
                break
        return self.betas

    def _insert_where_slow(self, acceptance: torch.Tensor) -> int | None:
        """Insert a rung in the slowest pair if it swaps below half the target; the new ladder index, or None."""
        if len(self.betas) >= self.max_rungs or not bool((acceptance < self.swap_target / 2).any()):
            return None
        r = int(torch.nan_to_num(acceptance, nan=1.0).argmin())
        self.betas.insert(r + 1, (self.betas[r] + self.betas[r + 1]) / 2)
        return r + 1

    def adapt(self, model, blocks, info):
        """The model changes in training: insert a rung where a pair stopped swapping (chains copied from above)."""
        if not info:
            return blocks
        position = self._insert_where_slow(pair_acceptance(info))
        return blocks if position is None else self._insert_rung(blocks, position, position)

    def log_partition(self, model, blocks, reduce):
        ladder = torch.cat([torch.cat([b.auxiliary["lower"], b.visible[:, None, :]], dim=1) for b in blocks]).transpose(0, 1)
        return ladder_log_partition(self.rungs(model), ladder, reduce)

    def state_arrays(self, resumable: bool = True) -> dict[str, torch.Tensor]:
        return {} if self.betas is None else {"betas": torch.tensor(self.betas, dtype=torch.float64)}

    def load_state_arrays(self, arrays, model) -> None:
        if "betas" in arrays:
            self.betas = [float(b) for b in arrays["betas"]]

    def describe(self) -> dict:
        return {"name": self.name, "rungs": len(self.betas or []), "betas": self.betas, "swap_target": self.swap_target}
