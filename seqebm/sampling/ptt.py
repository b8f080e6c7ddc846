"""Parallel trajectory tempering: a ladder of models saved along training, from the data's independent-site model
(exactly sampleable) at the bottom to the current model at the top (Bereux et al., ICLR 2025)."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.potts import Potts
from seqebm.rng import RandomStream
from seqebm.sampling.init import init_chains
from seqebm.sampling.samplers import Reduce
from seqebm.sampling.state import ChainState
from seqebm.sampling.tempering import CHECK_STEPS, PROBE_CHAINS, Rung, Tempering, ladder_log_partition, pair_acceptance
from seqebm.stats.frequencies import site_frequencies


def own_profile(model: EnergyModel, n_chains: int = PROBE_CHAINS, sweeps: int = CHECK_STEPS, seed: int = 0) -> torch.Tensor:
    """(L, q) one-site frequencies of the model's own Gibbs chains, ``sweeps`` steps from random: the bottom rung of
    a PTT ladder for a model that carries none (trained with Gibbs, or an older file). Any independent-site model is
    an exact bottom rung; being close to the model only keeps the ladder short."""
    stream = RandomStream(seed=seed, device=model.device)
    start = init_chains(n_chains, model.length, model.q, "random", generator=stream.generator, device=model.device)
    return site_frequencies(model.gibbs(start, sweeps, 1.0, stream)[0], model.q)


class PTTSampler(Tempering):
    """Rungs: the profile model (one-site frequencies ``profile`` (L, q)), the saved ``models`` in training order,
    then the model being sampled. In training, :meth:`adapt` adds a rung whenever the top pair swaps below
    ``swap_target``: the parameters of the last update whose top pair still swapped at the target (or the current
    ones when that update is already a rung, i.e. when a single update moved the model that far). Where two saved
    neighbours swap below half the target (one update moved the model too far, as Adam's first steps do), it bridges
    them with the midpoint of their parameters, a model in its own right; the bottom rung takes part in midpoints in
    the target's own parameters (:meth:`EnergyModel.site_independent`). A model that is already far from the bottom
    when the ladder starts (the switch from Gibbs in training, a low-rank start, a saved ladder whose pairs no longer
    swap) gets its ladder from :meth:`settle`: the parameter path bisected until every pair swaps."""

    name = "ptt"

    def __init__(self, beta: float = 1.0, order: str = "sequential", swap_target: float = 0.3, max_rungs: int = 64,
                 profile: torch.Tensor | None = None, models: list[EnergyModel] | None = None) -> None:
        super().__init__(beta, order, swap_target, max_rungs)
        self.bottom = None if profile is None else Potts.from_profile(profile, frozen=True)
        self.saved = list(models or [])
        # adapt sees swap rates of the chains run before the optimiser step: ``pending`` holds the parameters whose rate
        # the next call measures, ``validated`` the last parameters measured at the target (the rung to add)
        self._pending: EnergyModel | None = None
        self._validated: EnergyModel | None = None

    @classmethod
    def configure(cls, beta: float = 1.0, order: str = "sequential", swap_target: float = 0.3, max_rungs: int = 64,
                  profile: torch.Tensor | None = None, **settings) -> "PTTSampler":
        return cls(beta, order, swap_target, max_rungs, profile)

    def rungs(self, model: EnergyModel) -> list[Rung]:
        if self.bottom is None:
            raise ConfigError("PTT needs the bottom rung: the data's one-site frequencies (profile) or a saved ladder")
        return [Rung(self.bottom.to(model.device), 1.0)] + [Rung(m, self.beta) for m in self.saved] + [Rung(model, self.beta)]

    def adapt(self, model: EnergyModel, blocks: list[ChainState], info: dict) -> list[ChainState]:
        """Save the current parameters as a rung when the top pair's swap rate fell below the target; its chains start
        as copies of the top chains."""
        if not info:
            return blocks
        attempts, accepts = float(info["swap_attempts"][-1]), float(info["swap_accepts"][-1])
        if attempts == 0:
            return blocks
        measured, self._pending = self._pending, _parameters_of(model)
        if accepts / attempts >= self.swap_target:
            self._validated = measured
            return self._bridge_slow_pairs(model, blocks, pair_acceptance(info))
        if len(self.saved) + 2 >= self.max_rungs:
            return blocks
        self.saved.append(self._validated or measured or _parameters_of(model))
        self._validated = None
        top = len(self.saved)  # ladder index of the new rung; the old top moved up by one
        # the old top pair is now the pair of the last two saved rungs: bridged too if it swapped too rarely
        return self._bridge_slow_pairs(model, self._insert_rung(blocks, top, top), pair_acceptance(info))

    def settle(self, model: EnergyModel, blocks: list[ChainState], streams: list[RandomStream],
               reduce: Reduce | None = None) -> list[ChainState]:
        """Bisect the ladder in parameter space, the top pair included, wherever a check run of a few chains per
        block swaps below half the target, until no pair does (or ``max_rungs``). New rungs' chains copy their upper
        neighbour's; the check chains are discarded. With ``reduce`` every process sees the same swap counts."""
        probes = [b.rows(0, PROBE_CHAINS) for b in blocks]
        while len(self.saved) + 2 < self.max_rungs:
            stepped = [self.step(model, p, CHECK_STEPS, s) for p, s in zip(probes, streams)]
            probes = [p for p, _ in stepped]
            counts = {key: sum(i[key] for _, i in stepped) for key in ("swap_attempts", "swap_accepts")}
            if reduce is not None:
                counts = {key: reduce(value) for key, value in counts.items()}
            before = len(self.saved)
            both = self._bridge_slow_pairs(model, blocks + probes, pair_acceptance(counts), top=True)
            blocks, probes = both[: len(blocks)], both[len(blocks):]
            if len(self.saved) == before:
                break
        return blocks

    def _bridge_slow_pairs(self, model: EnergyModel, blocks: list[ChainState], acceptance: torch.Tensor,
                           top: bool = False) -> list[ChainState]:
        """Insert the parameter midpoint into every pair of fixed rungs (``top``: and the top pair) that swaps below
        half the target (one per pair and call: a gap that needs several is bridged over the next updates)."""
        pairs = len(self.saved) + int(top)  # below the top pair, rungs no longer change
        for r in reversed(range(pairs)):  # from the top down, so that insertions leave lower indices valid
            if len(self.saved) + 2 >= self.max_rungs:
                break
            if not float(acceptance[r]) < self.swap_target / 2:
                continue  # swapping well (or never tried)
            upper = self.saved[r] if r < len(self.saved) else _parameters_of(model)
            lower = self.saved[r - 1] if r else upper.site_independent(self.bottom.fields.to(model.device))
            self.saved.insert(r, _midpoint(lower, upper))
            blocks = self._insert_rung(blocks, r + 1, r + 1)
        return blocks

    def conditioned(self, sites: torch.Tensor, values: torch.Tensor) -> "PTTSampler":
        """Every rung conditioned alike: a trajectory ladder of the conditional distributions."""
        out = PTTSampler(self.beta, self.order, self.swap_target, self.max_rungs)
        out.bottom = None if self.bottom is None else self.bottom.condition(sites, values)
        out.saved = [m.condition(sites, values) for m in self.saved]
        return out

    def log_partition(self, model, blocks, reduce):  # noqa: D102 (see Tempering)
        ladder = torch.cat([torch.cat([b.auxiliary["lower"], b.visible[:, None, :]], dim=1) for b in blocks]).transpose(0, 1)
        return ladder_log_partition(self.rungs(model), ladder, reduce)

    def state_arrays(self, resumable: bool = True) -> dict[str, torch.Tensor]:
        out = {} if self.bottom is None else {"bottom/fields": self.bottom.fields}
        for r, m in enumerate(self.saved):
            out.update({f"rung{r}/{name}": t for name, t in m.tensors().items()})
        for key, m in (("pending", self._pending), ("validated", self._validated)):
            if m is not None and resumable:
                out.update({f"{key}/{name}": t for name, t in m.tensors().items()})
        return out

    def load_state_arrays(self, arrays: dict[str, torch.Tensor], model: EnergyModel) -> None:
        if "bottom/fields" in arrays:
            fields = torch.as_tensor(arrays["bottom/fields"], device=model.device, dtype=model.dtype)
            self.bottom = Potts.frozen_independent(fields)
        def rung(prefix: str) -> EnergyModel | None:
            if f"{prefix}/{model.parameter_names[0]}" not in arrays:
                return None
            tensors = {name: torch.as_tensor(arrays[f"{prefix}/{name}"], device=model.device, dtype=model.dtype)
                       for name in model.parameter_names}
            return type(model).from_file(tensors, model.alphabet, {}, _structure(model))

        self.saved = []
        while (saved := rung(f"rung{len(self.saved)}")) is not None:
            self.saved.append(saved)
        self._pending, self._validated = rung("pending"), rung("validated")

    def describe(self) -> dict:
        return {"name": self.name, "rungs": len(self.saved) + 2, "swap_target": self.swap_target}


def _midpoint(a: EnergyModel, b: EnergyModel) -> EnergyModel:
    """The model whose parameters are the average of ``a``'s and ``b``'s (same class); for Potts models, whose energy
    is linear in the parameters, the geometric bridge exp(-(E_a + E_b) / 2)."""
    ta, tb = a.tensors(), b.tensors()
    tensors = {name: (ta[name] + tb[name]) / 2 for name in tb}
    return type(b).from_file(tensors, b.alphabet, {}, _structure(b))


def _parameters_of(model: EnergyModel) -> EnergyModel:
    """A copy of the model's parameters (no metadata, no sampler state): a rung."""
    rung = model.clone()
    rung.metadata, rung.sampler_state = {}, {}
    return rung


def _structure(model: EnergyModel) -> dict:
    """What a rung shares with the model it was saved from (an RBM's hidden-unit type), without a sparse model's
    sparsity mask: a rung saved before a decimation keeps its own couplings (its saved zeros are zeros anyway)."""
    return {k: v for k, v in model.file_record().items() if k not in ("active_pairs", "coupling_mask")}
