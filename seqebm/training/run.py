"""A training run in progress: the one mutable object of a fit (model, chain blocks and their random streams,
optimiser, data, regime, the typed training state and the log), and its two ways to begin: afresh or from a
checkpoint."""
from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import torch

from seqebm.device import make_generator
from seqebm.errors import ConfigError
from seqebm.io.dataset import SequenceDataset
from seqebm.io.reference import reference_rows
from seqebm.memory import check_memory
from seqebm.models.base import EnergyModel
from seqebm.models.record import DataRecord, RunRecord, TrainingState
from seqebm.models.lowrank import low_rank_start_
from seqebm.models.plm import pseudo_likelihood_memory, pseudo_likelihood_potts
from seqebm.models.registry import model_class
from seqebm.rng import RandomStream
from seqebm.sampling.init import init_chains
from seqebm.sampling.registry import make_sampler
from seqebm.sampling.samplers import Sampler
from seqebm.sampling.state import ChainState
from seqebm.stats.compare import CorrelationTarget
from seqebm.stats.frequencies import pair_frequencies, site_frequencies
from seqebm.training.config import DYNAMICS, TrainConfig
from seqebm.training.data import CHAIN_CHOICES, TrainingData, choose_chains
from seqebm.training.optim import Optimizer
from seqebm.training.parallel import Communicator, block_seed, combine, local_blocks
from seqebm.training.persistence import Checkpoint
from seqebm.training.regimes import REGIMES, Regime
from seqebm.training.stepsize import current_lr


@dataclass
class Run:
    """Everything a fit changes as it goes. ``blocks``/``streams``: this process's chain blocks and their random
    streams; ``n_blocks``: blocks over all processes; ``pearson``/``slope``: the last measured agreement."""

    config: TrainConfig
    model: EnergyModel
    sampler: Sampler
    regime: Regime
    data: TrainingData
    blocks: list[ChainState]
    streams: list[RandomStream]
    optimizer: Optimizer
    state: TrainingState
    comm: Communicator
    n_blocks: int
    per_block: int
    warn: Callable[[str], None]
    rows: list[dict] = field(default_factory=list)
    lr_changes: list[dict] = field(default_factory=list)
    pearson: float = float("nan")
    pearson_update: int = 0  # the update at which ``pearson`` was last measured
    slope: float = float("nan")
    deadline: float | None = None  # time.perf_counter() at which this launch's max_seconds ends
    ais_estimate: dict | None = None  # the last AIS record of log Z: the end of training reuses one of its last update

    def seconds_left(self) -> float | None:
        """This launch's time budget left (never negative); None without --max-seconds."""
        return None if self.deadline is None else max(0.0, self.deadline - time.perf_counter())

    def out_of_time(self) -> bool:
        """Whether the budget has ended, agreed by every process (any one out of time stops all, so all take the same
        collectives)."""
        left = self.seconds_left()
        flag = torch.tensor([float(left is not None and left <= 0.0)], device=self.model.device)
        return bool(self.comm.all_reduce_(flag, op="max").item())

    def last_update_seconds(self) -> float:
        """Wall time of the last update (0 before two are logged): the pace budgets are planned with."""
        return max(self.rows[-1]["seconds"] - self.rows[-2]["seconds"], 0.0) if len(self.rows) >= 2 else 0.0

    @property
    def target(self) -> CorrelationTarget:
        return self.data.target

    @property
    def n_chains(self) -> int:
        return self.per_block * self.n_blocks

    def block_frequencies(self, blocks: list[ChainState]) -> tuple[torch.Tensor, torch.Tensor]:
        """One- and two-site frequencies of all chains of ``blocks`` on every process (equal-sized blocks)."""
        share = 1.0 / self.n_blocks
        stats = combine([(share, {"single": site_frequencies(b.visible, self.model.q), "pair": pair_frequencies(b.visible, self.model.q)})
                         for b in blocks], self.comm)
        return stats["single"], stats["pair"]

    def block_pearson(self, blocks: list[ChainState]) -> float:
        """Pearson of the connected correlations of all chains of ``blocks`` against the training data's."""
        return self.target.of_frequencies(*self.block_frequencies(blocks))[0]

    def record(self) -> RunRecord:
        """The run record written into the model's metadata (and so into checkpoints and the model file)."""
        cfg, ds = self.config, self.data.dataset
        training = {**cfg.to_dict(), "n_chains": self.n_chains, "chain_blocks": self.n_blocks,
                    "processes": self.comm.world_size, "lr_changes": self.lr_changes}
        source = str(Path(ds.source).resolve()) if ds.source and Path(ds.source).exists() else ds.source
        data = DataRecord(source, ds.kind, ds.n_sequences, ds.length, ds.q, ds.effective_size, list(ds.shape) if ds.shape else None,
                          self.reference)
        self.state.sampler = self.sampler.name
        self.state.ladder = None if self.sampler.name == "gibbs" else self.sampler.describe()
        return RunRecord(training, data, self.state)

    @functools.cached_property
    def reference(self) -> list[list[str]] | None:
        """Alignment rows kept in the model file, to place new sequences on its columns (chosen once per run)."""
        return reference_rows(self.data.dataset)

    def last_event(self) -> int:
        """The last update whose event changed what the chains measure: a learning-rate change, a change of the
        sweeps per update, of the sampler or of its ladder (a rung added), a restart from fresh chains after a failed
        verification, a decimation, more chains."""
        events = [0, *(int(c["update"]) for c in self.lr_changes), *(d["update"] for d in self.state.decimations),
                  *(v.update for v in self.state.verifications if not v.passed),
                  *self.state.growth_updates(),
                  *(int(b["update"]) - 1 for a, b in zip(self.rows, self.rows[1:]) if _changed(a, b, "sweeps", "rungs"))]
        if self.state.sampler_switch:
            events.append(int(self.state.sampler_switch["update"]))
        return max(events)

    def use_sampler(self, name: str) -> None:
        """Continue with sampler ``name`` (``--sampler auto`` switching to ptt), its chains started from the
        current ones."""
        self.sampler = sampler_for(self.config, name, self.data)
        blocks = [self.sampler.init(self.model, b.visible, s) for b, s in zip(self.blocks, self.streams)]
        self.blocks = self.sampler.settle(self.model, blocks, self.streams, self.comm.all_reduce_)


def _changed(a: dict, b: dict, *keys: str) -> bool:
    """Whether two log rows differ in any of ``keys`` (NaN equals NaN: a column that does not apply)."""
    def same(x, y) -> bool:
        return x == y or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
    return any(not same(a.get(k), b.get(k)) for k in keys)


def begin(dataset: SequenceDataset, cfg: TrainConfig, comm: Communicator, device: torch.device,
          warn: Callable[[str], None], checkpoint: Checkpoint | None = None) -> Run:
    """A run of ``cfg`` on ``dataset``: afresh, or continuing ``checkpoint`` (same dynamics, checked)."""
    n_blocks = cfg.chain_blocks or comm.world_size
    blocks = local_blocks(n_blocks, comm)
    if cfg.n_chains is not None and cfg.n_chains % n_blocks:
        raise ConfigError(f"n_chains={cfg.n_chains} must be a multiple of the number of chain blocks ({n_blocks})")
    cls = model_class(cfg.model)
    check_memory(
        cls.training_memory(dataset.n_sequences, dataset.length, dataset.q, (cfg.n_chains or CHAIN_CHOICES[0]) // comm.world_size, cfg.hidden),
        f"training a {cfg.model} model on {dataset.n_sequences} x {dataset.length} sequences (q={dataset.q})", device,
        path=dataset.source or None, hint="subsample the sequences, use fewer chains, or a device with more memory",
    )
    shared = make_generator(cfg.seed, device)  # identical on every rank
    # one random stream per chain block; a lone block keeps using the shared stream
    streams = [RandomStream(shared, device)] if n_blocks == 1 else [
        RandomStream(make_generator(block_seed(cfg.seed, b), device), device) for b in blocks]
    if cfg.model == "potts" and dataset.kind == "images" and dataset.length > 400:
        warn("a Potts model on wide binary data is large; --model rbm is the usual choice")
    data, states, weights = TrainingData.prepare(dataset, cfg.theta, cfg.reweight, lambda m: cls.data_pseudocount(cfg.pseudocount, m),
                                                 n_blocks, blocks, comm, device)
    sampler = sampler_for(cfg, checkpoint_sampler(checkpoint) if checkpoint else cfg.sampler, data)
    common = dict(config=cfg, sampler=sampler, regime=REGIMES[cfg.regime](), data=data, comm=comm, n_blocks=n_blocks,
                  warn=warn, optimizer=Optimizer(cfg.optimizer, cfg.lr))
    if checkpoint is not None:
        return _continued(checkpoint, blocks, streams, common)
    n_chains, ceiling = choose_chains(states, dataset.q, weights, data.target, cfg.n_chains, cfg.target_pearson, shared, warn)
    if n_chains % n_blocks:
        raise ConfigError(f"{n_chains} chains cannot be split into {n_blocks} equal blocks; pass n_chains")
    per_block = n_chains // n_blocks
    model = cls.initial(dataset.length, dataset.q, dataset.alphabet, data.single, shared, cfg.hidden, cfg.hidden_type)
    if cfg.start == "plm":
        check_memory(pseudo_likelihood_memory(dataset.length, dataset.q, model.dtype),
                     f"the pseudo-likelihood start of a Potts model of L={dataset.length}, q={dataset.q}", device,
                     path=dataset.source or None, hint="start from the independent-site model (--start profile)")
        model = pseudo_likelihood_potts(states, dataset.q, weights, dataset.alphabet, dtype=model.dtype)
    if cfg.low_rank:
        low_rank_start_(model, data.single, data.pair, cfg.low_rank)
    chains = [sampler.init(model, init_chains(per_block, dataset.length, dataset.q, cfg.init, s, w, None, stream.generator, device),
                           stream) for (s, w), stream in zip(data.shards, streams)]
    chains = sampler.settle(model, chains, streams, comm.all_reduce_)
    state = TrainingState(sweeps=cfg.k, pearson_ceiling=ceiling)
    if cfg.n_chains is None and ceiling is not None:
        state.chain_ceilings = {str(n_chains): ceiling}  # an automatic count: it may grow near the target
    return Run(model=model, blocks=chains, streams=streams, state=state, per_block=per_block, **common)


def sampler_for(cfg: TrainConfig, name: str, data: TrainingData) -> Sampler:
    """The sampler ``name`` with the run's settings (``auto`` starts as Gibbs); PTT's bottom rung is the data's
    independent-site model."""
    return make_sampler("gibbs" if name == "auto" else name, beta=cfg.beta, order=cfg.order, swap_target=cfg.swap_target,
                        max_rungs=cfg.max_rungs, profile=data.single)


def checkpoint_sampler(checkpoint: Checkpoint) -> str:
    """The sampler a checkpointed run's chains were running with."""
    state = RunRecord.from_metadata(checkpoint.model.metadata).state
    return state.sampler if state is not None else "gibbs"


def _continued(checkpoint: Checkpoint, blocks: list[int], streams: list[RandomStream], common: dict) -> Run:
    cfg, n_blocks, warn = common["config"], common["n_blocks"], common["warn"]
    model = checkpoint.model
    record = RunRecord.from_metadata(model.metadata)
    _check_same_data(common["data"].dataset, record.data)
    state = record.state or TrainingState()
    lr_changes = _check_same_dynamics(cfg, n_blocks, record.training, state.update, warn)
    per_block = int(record.training["n_chains"]) // n_blocks
    sampler = common["sampler"]
    sampler.load_state_arrays(model.sampler_state, model)
    saved = ChainState(checkpoint.chains, beta=sampler.beta, steps=checkpoint.chain_steps, auxiliary=checkpoint.chain_aux)
    chains = [saved.rows(b * per_block, (b + 1) * per_block) for b in blocks]
    for stream, b in zip(streams, blocks):
        stream.set_state(torch.as_tensor(checkpoint.rng_states[b]).to(torch.uint8))
    common["optimizer"].load_state(checkpoint.optimizer_state, state.update)
    common["optimizer"].lr = current_lr(cfg.lr, lr_changes)  # automatic changes continue where they were
    run = Run(model=model, blocks=chains, streams=streams, state=state, per_block=per_block, rows=checkpoint.rows,
              lr_changes=lr_changes, **common)
    if run.rows:  # the agreement last measured, as the uninterrupted run would still show it
        run.pearson, run.slope = run.rows[-1]["pearson"], run.rows[-1]["slope"]
        run.pearson_update = int(run.rows[-1]["update"])
    return run


def _check_same_dynamics(cfg: TrainConfig, n_blocks: int, saved: dict, update: int, warn: Callable[[str], None]) -> list[dict]:
    """Refuse a resume that would change the dynamics; a new learning rate is a schedule: allowed, warned and
    recorded. Returns the run's learning-rate changes."""
    saved = {"chain_blocks": 1, **saved}
    lr_changes = list(saved.get("lr_changes", []))
    for key in DYNAMICS:
        value = n_blocks if key == "chain_blocks" else getattr(cfg, key)
        if key == "lr" and saved.get("lr", value) != value:
            warn(f"resuming at update {update} with lr={value} (the run so far used {saved['lr']})")
            lr_changes.append({"update": int(update), "lr": value})
        elif key in saved and saved[key] != value:
            raise ConfigError(f"cannot resume with {key}={value!r}: the run was trained with {saved[key]!r}")
    return lr_changes


def _check_same_data(dataset: SequenceDataset, recorded: DataRecord | None) -> None:
    """A run continues on the data it was trained on: same size, length, states and effective size."""
    if recorded is None or recorded.N == 0:
        return
    here = (dataset.n_sequences, dataset.length, dataset.q)
    there = (recorded.N, recorded.L, recorded.q)
    same_weight = math.isclose(dataset.effective_size, recorded.M_eff, rel_tol=1e-6)
    if here != there or not same_weight:
        raise ConfigError(
            f"the data (N={here[0]}, L={here[1]}, q={here[2]}, M_eff={dataset.effective_size:.1f}) are not those the run "
            f"was trained on (N={there[0]}, L={there[1]}, q={there[2]}, M_eff={recorded.M_eff:.1f}, {recorded.source or 'no file'}): "
            f"pass the training data"
        )


def data_source(out_dir: Path, record: RunRecord) -> str:
    """The training data file a checkpoint records (for resuming without naming the data again)."""
    if record.data is None or not record.data.source:
        raise ConfigError(f"the checkpoint in {out_dir} does not record its training data file: pass the data")
    return record.data.source
