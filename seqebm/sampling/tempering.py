"""Replica exchange: parallel tempering in temperature (PT) and parallel trajectory tempering (PTT).

A ladder of rungs, each a model at an inverse temperature, bottom first; the top rung is the model being sampled.
One step: the bottom rung is redrawn exactly (it is chosen exactly sampleable: any model at beta = 0, or an
independent-site model), every other rung makes one Gibbs sweep, then neighbouring rungs exchange configurations
with the exact Metropolis rule on their log weights, w_r(x) = -beta_r F_r(x):

    accept (x_r <-> x_{r+1}) with probability min(1, exp(w_r(x_{r+1}) + w_{r+1}(x_r) - w_r(x_r) - w_{r+1}(x_{r+1})))

Pairs are tried in the deterministic even-odd order (even pairs on even steps, odd pairs on odd steps), the
non-reversible scheme whose walkers travel the ladder ballistically (Syed, Bouchard-Cote, Deligiannidis & Doucet,
JRSS B 2022). A round trip is counted when a walker that came up from the bottom to the top gets back to the bottom.

- **PT**: one model at inverse temperatures 0 = beta_0 < ... < beta_top, chosen so that neighbours swap at about the
  target rate (a Gaussian-energy rule from measured energy spreads, then checked by running the ladder and refined).
- **PTT** (Bereux, Decelle, Furtlehner, Rosset & Seoane, ICLR 2025): models saved along the training trajectory,
  from the data's independent-site (profile) model at the bottom to the current model at the top; during training
  the current parameters become a new rung whenever the top pair's swap rate falls below the target.

The ladder also bridges log Z from the exactly known bottom rung to the top (:func:`ladder_log_partition`).
"""
from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Callable, ClassVar

import torch

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.rng import RandomStream
from seqebm.sampling.samplers import BaseSampler
from seqebm.sampling.state import ChainState

BOTTOM, TOP = 1, 2  # the end of the ladder a walker visited last (0: none yet)
PROBE_CHAINS = 1000  # chains used to choose or fill a ladder
CHECK_STEPS = 50  # ladder steps run to check the swap rates of a chosen ladder
RENEWED = 0.9  # fraction of the top chains that must have come from the bottom for the population to count as renewed


@dataclass(frozen=True)
class Rung:
    model: EnergyModel
    beta: float

    def log_weight(self, states: torch.Tensor) -> torch.Tensor:
        return self.model.log_weight(states, self.beta)


def pair_log_weights(model: EnergyModel, rungs: list[Rung], ladder: torch.Tensor,
                     pairs: list[int]) -> dict[tuple[int, int], torch.Tensor]:
    """{(s, m): float64 log weight of the chains ``ladder[s]`` under rung m} for the two states and two rungs of each
    pair (r, r + 1). Rungs above the bottom (one model class, as in the ladder's sweeps) are evaluated together by
    ``model.ladder_log_weights``; the bottom rung on its own."""
    jobs = [(s, m) for r in pairs for s in (r, r + 1) for m in (r, r + 1)]
    upper = [(s, m - 1) for s, m in jobs if m > 0]
    weights = {}
    if upper:
        values = model.ladder_log_weights([x.model for x in rungs[1:]], [x.beta for x in rungs[1:]], ladder, upper)
        weights = {(s, m + 1): w.double() for (s, m), w in zip(upper, values)}
    for s, m in jobs:
        if m == 0:
            weights[s, m] = rungs[0].log_weight(ladder[s]).double()
    return weights


class Tempering(BaseSampler):
    """What PT and PTT share: ladders of chains, exact bottom draws, Gibbs sweeps per rung, even-odd swaps."""

    name: ClassVar[str] = ""
    regenerates: ClassVar[bool] = True

    def __init__(self, beta: float = 1.0, order: str = "sequential", swap_target: float = 0.3, max_rungs: int = 64) -> None:
        super().__init__(beta, order)
        if not 0 < swap_target < 1:
            raise ConfigError(f"swap_target must be in (0, 1), got {swap_target}")
        if max_rungs < 2:
            raise ConfigError(f"max_rungs must be >= 2, got {max_rungs}")
        self.swap_target, self.max_rungs = float(swap_target), int(max_rungs)

    @abstractmethod
    def rungs(self, model: EnergyModel) -> list[Rung]:
        """The ladder for target ``model``, bottom first (exactly sampleable), the target last."""

    # ------------------------------------------------------------------ the sampler protocol
    def init(self, model: EnergyModel, visible: torch.Tensor, stream: RandomStream | None = None) -> ChainState:
        """Every rung starts from ``visible`` (the bottom is redrawn exactly at every step anyway)."""
        visible = visible.to(device=model.device, dtype=torch.long)
        n_rungs = len(self.rungs(model))
        last_end = torch.zeros(visible.shape[0], n_rungs, dtype=torch.int8, device=visible.device)
        last_end[:, 0] = BOTTOM
        lower = visible[:, None, :].repeat(1, n_rungs - 1, 1)
        return ChainState(visible, beta=self.beta, auxiliary={"lower": lower, "last_end": last_end})

    def step(self, model: EnergyModel, state: ChainState, n_steps: int, stream: RandomStream) -> tuple[ChainState, dict]:
        """``n_steps`` rounds of (exact bottom draw, one sweep per rung, even-odd swaps)."""
        rungs = self.rungs(model)
        ladder = torch.cat([state.auxiliary["lower"], state.visible[:, None, :]], dim=1).transpose(0, 1).contiguous()
        last_end = state.auxiliary["last_end"].t().contiguous()
        if ladder.shape[0] != len(rungs):
            raise ConfigError(f"chains hold {ladder.shape[0]} rungs, the ladder has {len(rungs)}")
        attempts = torch.zeros(len(rungs) - 1, dtype=torch.float64, device=ladder.device)
        accepts = torch.zeros_like(attempts)
        trips = torch.zeros((), dtype=torch.float64, device=ladder.device)
        for t in range(n_steps):
            ladder[0] = rungs[0].model.exact_sample(ladder.shape[1], rungs[0].beta, stream.generator)
            ladder[1:] = model.gibbs_ladder([r.model for r in rungs[1:]], [r.beta for r in rungs[1:]], ladder[1:], 1,
                                            stream, self.order)
            self._swap(model, rungs, ladder, last_end, (state.steps + t) % 2, stream, attempts, accepts)
            trips += self._turn(last_end)
        visible = ladder[-1].clone()
        auxiliary = {"lower": ladder[:-1].transpose(0, 1).contiguous(), "last_end": last_end.t().contiguous()}
        info = {"swap_attempts": attempts, "swap_accepts": accepts, "round_trips": trips}
        return state.replace(visible=visible, hidden=None, steps=state.steps + n_steps, auxiliary=auxiliary), info

    @staticmethod
    def _swap(model: EnergyModel, rungs: list[Rung], ladder: torch.Tensor, last_end: torch.Tensor, parity: int,
              stream: RandomStream, attempts: torch.Tensor, accepts: torch.Tensor) -> None:
        """Metropolis exchanges between rungs r and r + 1 for every r of the given parity, in all chains at once."""
        n = ladder.shape[1]
        pairs = list(range(parity, len(rungs) - 1, 2))
        weights = pair_log_weights(model, rungs, ladder, pairs)
        for r in pairs:
            a, b = ladder[r], ladder[r + 1]
            log_ratio = weights[r + 1, r] + weights[r, r + 1] - weights[r, r] - weights[r + 1, r + 1]
            u = torch.rand(n, generator=stream.generator, device=ladder.device, dtype=torch.float64)
            accept = torch.log(u) < log_ratio
            ladder[r], ladder[r + 1] = torch.where(accept[:, None], b, a), torch.where(accept[:, None], a, b)
            last_end[r], last_end[r + 1] = (torch.where(accept, last_end[r + 1], last_end[r]),
                                            torch.where(accept, last_end[r], last_end[r + 1]))
            attempts[r] += n
            accepts[r] += accept.sum()

    @staticmethod
    def _turn(last_end: torch.Tensor) -> torch.Tensor:
        """Walkers at the top that came from the bottom turn; walkers back at the bottom from the top complete a
        round trip (counted)."""
        arrived = last_end[0] == TOP
        last_end[0] = BOTTOM
        last_end[-1] = torch.where(last_end[-1] == BOTTOM, torch.full_like(last_end[-1], TOP), last_end[-1])
        return arrived.sum().double()

    def renewal_time(self, model: EnergyModel, blocks: list[ChainState], t_max: int, streams: list[RandomStream],
                     reduce=None) -> int | None:
        """Population renewal: steps (run on copies of ``blocks``) until a fraction RENEWED of the top-rung chains hold
        walkers that left the exactly sampled bottom after the start; t_max + 1 if that takes longer. Overlap tests miss
        what this sees: walkers swapped in decorrelate the top chains long before the proportions of modes relax."""
        states = []
        for block in blocks:
            last_end = torch.zeros_like(block.auxiliary["last_end"])
            last_end[:, 0] = BOTTOM
            states.append(block.replace(auxiliary={**block.auxiliary, "last_end": last_end}))
        for t in range(1, t_max + 1):
            stepped = [self.step(model, state, 1, stream) for state, stream in zip(states, streams)]
            states = [state for state, _ in stepped]
            counts = torch.stack([torch.stack([(s.auxiliary["last_end"][:, -1] != 0).sum(), torch.tensor(s.n_chains)])
                                  for s in states]).sum(0).double()
            if reduce is not None:
                counts = reduce(counts)
            if float(counts[0]) >= RENEWED * float(counts[1]):
                return t
        return t_max + 1

    # ------------------------------------------------------------------ ladder changes (training)
    def _insert_rung(self, blocks: list[ChainState], position: int, source: int) -> list[ChainState]:
        """Blocks with a new rung at ``position`` (ladder index) whose chains copy those of rung ``source``."""
        out = []
        for state in blocks:
            full = torch.cat([state.auxiliary["lower"], state.visible[:, None, :]], dim=1)
            lower = torch.cat([full[:, :position], full[:, source : source + 1], full[:, position:-1]], dim=1)
            ends = state.auxiliary["last_end"]
            last_end = torch.cat([ends[:, :position], torch.zeros_like(ends[:, :1]), ends[:, position:]], dim=1)
            out.append(state.replace(auxiliary={"lower": lower, "last_end": last_end}))
        return out


def pair_acceptance(info: dict) -> torch.Tensor:
    """Swap acceptance of each neighbouring pair (NaN where never tried)."""
    attempts = info["swap_attempts"]
    return torch.where(attempts > 0, info["swap_accepts"] / attempts.clamp_min(1), torch.full_like(attempts, float("nan")))


def ladder_log_partition(rungs: list[Rung], ladder: torch.Tensor, reduce: Callable | None = None) -> float:
    """log Z of the top rung: the exact log Z of the bottom rung plus, for each neighbouring pair, log(Z_{r+1} / Z_r)
    by Bennett's acceptance ratio from samples of both rungs, ``ladder`` (R, N, L) holding N samples of each rung.
    With d(x) = w_{r+1}(x) - w_r(x), the estimate C solves

        sum_{x ~ rung r} sigmoid(d(x) - C) = sum_{x ~ rung r+1} sigmoid(C - d(x))

    (Bennett, J. Comput. Phys. 1976; the minimum-variance bridge between two sample sets). ``reduce`` sums over
    processes (distributed runs, where each holds some of the chains)."""
    log_z = rungs[0].model.exact_log_partition(rungs[0].beta)
    if log_z is None:
        raise ConfigError("the bottom rung of the ladder has no closed-form log Z")
    for r in range(len(rungs) - 1):
        a, b = ladder[r], ladder[r + 1]
        d_a = (rungs[r + 1].log_weight(a) - rungs[r].log_weight(a)).double()
        d_b = (rungs[r + 1].log_weight(b) - rungs[r].log_weight(b)).double()
        log_z += _bennett(d_a, d_b, reduce)
    return float(log_z)


def _bennett(d_a: torch.Tensor, d_b: torch.Tensor, reduce: Callable | None, iterations: int = 60) -> float:
    """The root C of sum_a sigmoid(d_a - C) - sum_b sigmoid(C - d_b) (decreasing in C), by bisection between the
    extreme values of d (where it changes sign)."""
    bounds = torch.stack([-torch.cat([d_a, d_b]).min(), torch.cat([d_a, d_b]).max()])
    if reduce is not None:
        bounds = reduce(bounds, op="max")
    low, high = float(-bounds[0]) - 1.0, float(bounds[1]) + 1.0
    for _ in range(iterations):
        c = (low + high) / 2
        excess = (torch.sigmoid(d_a - c).sum() - torch.sigmoid(c - d_b).sum()).reshape(1)
        if reduce is not None:
            excess = reduce(excess)
        low, high = (c, high) if float(excess) > 0 else (low, c)
    return (low + high) / 2


def gaussian_spacing(energy_spread: float, target: float) -> float:
    """The inverse-temperature step at which two replicas with Gaussian energies of standard deviation
    ``energy_spread`` swap with probability ``target``: acceptance = erfc(d_beta sigma / 2)."""
    erfcinv = float(torch.special.erfinv(torch.tensor(1.0 - target, dtype=torch.float64)))
    return 2 * erfcinv / max(energy_spread, 1e-12)


def energy_spread(model: EnergyModel, states: torch.Tensor, beta: float, epsilon: float = 1e-3) -> float:
    """Standard deviation over ``states`` of the energy conjugate to beta, -d w(x) / d beta (the energy for a Potts
    model; for an RBM the mean joint energy given the visible states), by a central difference."""
    low, high = max(beta - epsilon, 0.0), beta + epsilon
    energy = -(model.log_weight(states, high) - model.log_weight(states, low)).double() / (high - low)
    return float(energy.std())
