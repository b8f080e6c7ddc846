"""More chains near the target, where the chains' sampling noise, not the model, holds the Pearson back.

The Pearson of connected correlations measured on N chains is capped by N: even a perfect model reaches only the
ceiling c(N) (the data resampled N times, :func:`~seqebm.stats.compare.pearson_ceiling`), and a model of Pearson r
measured on N chains shows about r * c(N) (the noise of the chain statistics attenuates the correlation). A run that
chose its chain count automatically starts with the smallest count that can show the target and, once its measured
Pearson is close enough that a larger count would show the target (``pearson * c(next) / c(now) >= target``),
continues with the smallest such count: every chain copied (copies draw their own randomness from then on, so they part
within the mixing time; no further growth is judged before they have). Few chains while far from the target,
enough to verify it at the end.
"""
from __future__ import annotations

import torch

from seqebm.device import make_generator
from seqebm.memory import available_memory
from seqebm.models.registry import model_class
from seqebm.stats.compare import pearson_ceiling
from seqebm.training.data import CHAIN_CHOICES
from seqebm.training.regimes import REGIMES, TrainingRun


def grow_chains_(run: TrainingRun, update: int) -> bool:
    """Continue ``run`` with the next automatic chain count when the measured Pearson projects to the target with
    it; recorded in ``state.chain_growth`` and warned. Whether the chains grew."""
    cfg, state = run.config, run.state
    if not _may_grow(run, update):
        return False
    now = run.n_chains
    bigger = [n for n in CHAIN_CHOICES if n > now and n % now == 0 and n % run.n_blocks == 0]
    if not bigger or run.pearson < cfg.target_pearson * state.chain_ceilings[str(now)]:
        return False  # even a ceiling of 1 could not lift this Pearson to the target
    ceiling_now = state.chain_ceilings[str(now)]
    # the smallest count that would show the target (not just the next one: near the target a model improves by
    # ~0.001 Pearson per update, far slower than a larger count lifts the measurement); ceilings computed lazily
    projections = ((n, run.pearson * _ceiling(run, n) / ceiling_now) for n in bigger)
    following, projected = next(((n, p) for n, p in projections if p >= cfg.target_pearson), (None, 0.0))
    if following is None or not _fits(run, following, update):
        return False
    ceiling_next = _ceiling(run, following)
    per_block = following // run.n_blocks
    run.blocks = [block.tiled(per_block) for block in run.blocks]
    run.per_block = per_block
    state.pearson_ceiling = ceiling_next
    state.chain_growth.append({"update": update, "from": now, "to": following, "pearson": float(run.pearson),
                               "projected": float(projected)})
    run.warn(f"update {update}: Pearson {run.pearson:.3f} on {now} chains (ceiling {ceiling_now:.3f}) would show "
             f"{projected:.3f} on {following} (ceiling {ceiling_next:.3f}): continuing with {following} chains")
    return True


def _may_grow(run: TrainingRun, update: int) -> bool:
    """Only automatic counts (``state.chain_ceilings`` set), persistent chains, below the target, Pearson measured,
    and not while the copies of the last growth may still be alike (they part within the mixing time: until then
    the chains hold fewer independent samples than their number and their Pearson reads low)."""
    cfg, state = run.config, run.state
    grown = state.growth_updates()
    if grown and run.pearson_update <= grown[-1]:
        return False  # the Pearson at hand was measured on the smaller count (models measured every few updates)
    if grown:
        sweeps = max(int(state.sweeps), 1)
        apart = -(-int(state.mixing_time or sweeps) // sweeps) + 1  # updates until copies are a mixing time apart
        if update - grown[-1] < max(apart, 2):
            return False
    return (bool(state.chain_ceilings) and cfg.target_pearson is not None and REGIMES[cfg.regime].persistent
            and run.pearson == run.pearson and run.pearson < cfg.target_pearson)


def _ceiling(run: TrainingRun, n_chains: int) -> float:
    """The Pearson ceiling of ``n_chains`` samples (computed once, kept in the state; the same on every process)."""
    ceilings = run.state.chain_ceilings
    if str(n_chains) not in ceilings:
        dataset, device = run.data.dataset, run.model.device
        generator = make_generator((run.config.seed or 0) + n_chains, device)
        ceilings[str(n_chains)] = pearson_ceiling(dataset.tensor(device), dataset.q, dataset.weights_tensor(device),
                                                  n_chains, target=run.target, generator=generator)
    return ceilings[str(n_chains)]


def _fits(run: TrainingRun, n_chains: int, update: int) -> bool:
    """Whether the extra chains fit the device's free memory, agreed by every process (any one short: none grows);
    else the run keeps its count, said once."""
    cfg, dataset = run.config, run.data.dataset
    cls = model_class(cfg.model)
    def need(n: int) -> int:
        return cls.training_memory(dataset.n_sequences, dataset.length, dataset.q, n // run.comm.world_size, cfg.hidden)
    short = torch.tensor([float(need(n_chains) - need(run.n_chains) > available_memory(run.model.device))],
                         device=run.model.device)
    if not bool(run.comm.all_reduce_(short, op="max").item()):
        return True
    if not any(g.get("to") is None for g in run.state.chain_growth):
        run.state.chain_growth.append({"update": update, "from": run.n_chains, "to": None,
                                       "reason": f"{n_chains} chains do not fit the device's memory"})
        run.warn(f"{n_chains} chains would show the target but do not fit the device's memory: keeping {run.n_chains}")
    return False
