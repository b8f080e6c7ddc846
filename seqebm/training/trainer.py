"""Maximum-likelihood training of any model (through the model contract) in a chosen, verified MCMC regime.

Configure, then ``fit(dataset)``: each update runs the regime's chains with the sampler, takes one optimiser step on
data statistics minus chain statistics, lets the regime check what it checks, logs a row and checkpoints. What a
regime does lives in :mod:`.regimes`, the run's state in :mod:`.run`, files in :mod:`.persistence`.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd
import torch

from seqebm.device import resolve_device
from seqebm.errors import ConfigError, InputError, SeqebmError, TrainingDiverged
from seqebm.io.dataset import SequenceDataset
from seqebm.io.load import load_dataset
from seqebm.models.base import EnergyModel
from seqebm.models.files import save_model
from seqebm.models.record import RunRecord
from seqebm.training.config import TrainConfig, option_names
from seqebm.sampling.state import ChainState
from seqebm.training.curves import plot_tempering, plot_training_curve
from seqebm.training.data import held_out_split
from seqebm.training.decimation import above_target, decimate_, updates_since_step
from seqebm.training.growth import grow_chains_
from seqebm.training.diagnostics import final_log_partition, reduce_info, sampler_row
from seqebm.training.parallel import Communicator, combine
from seqebm.training.persistence import (
    CHECKPOINT, append_log_row, checkpoint_record, log_frame, read_checkpoint, remove_stale_temporaries, write_checkpoint, write_log,
)
from seqebm.training.progress import describe_remaining
from seqebm.training.run import Run, begin, data_source
from seqebm.training.stepsize import next_step_size

MONITOR_EVERY = 10  # updates between Pearson measurements when the chain statistics do not contain the pair frequencies
# options a resumed run takes from where it runs, not from its checkpoint: the device, and the time budget (per launch)
NOT_RESUMED = ("device", "max_seconds")
# a gauge fixed from minibatch statistics moves a quarter of the way each update (as PGM's normalisation does), so
# that the noise of the minibatch's variance does not jitter the scale of every unit
MINIBATCH_GAUGE_RELAXATION = 0.25


class TrainingInterrupted(SeqebmError):
    """SIGINT/SIGTERM during training; a checkpoint was written first."""


@dataclass
class TrainingResult:
    model: EnergyModel
    log: pd.DataFrame
    chains: torch.Tensor
    config: TrainConfig
    pearson: float
    pearson_ceiling: float | None
    stopped_because: str
    out_dir: Path | None = None
    files: dict = field(default_factory=dict)


class Trainer:
    """Configure, then ``fit(dataset)``. With ``out_dir`` it writes model.npz, checkpoint.npz, log.csv and a curve.

    Options are :class:`TrainConfig` fields, given as a config and/or keywords (keywords win). On resume, the options
    not given here are taken from the checkpoint (:meth:`resume`): every field of a ``config`` object counts as given,
    and so does every keyword."""

    def __init__(
        self,
        config: TrainConfig | None = None,
        out_dir: str | Path | None = None,
        callback: Callable[[dict], None] | None = None,
        warn: Callable[[str], None] | None = None,
        comm: Communicator | None = None,
        **options,
    ) -> None:
        base = config or TrainConfig()
        self.config = base.with_options(**options) if options else base.validate()
        given = option_names() if config is not None else tuple(options)
        self._given = {name: getattr(self.config, name) for name in given}
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.callback = callback
        self.warn = warn or (lambda message: print(f"warning: {message}"))
        self.comm = comm or Communicator()
        self._stop_signal: int | None = None
        self._last_good = 0  # update of the last checkpoint written
        self._test: SequenceDataset | None = None

    @classmethod
    def resume(cls, out_dir: str | Path, dataset: SequenceDataset | str | Path | None = None,
               test: SequenceDataset | None = None, **options) -> TrainingResult:
        """Continue the run in ``out_dir`` from its checkpoint with the options it was started with, except those
        given (a new ``lr`` is a learning-rate schedule; other changes of the dynamics are refused). ``dataset``
        defaults to the data file the checkpoint records. Trainer arguments (callback, warn, comm) pass through."""
        extra = {k: options.pop(k) for k in ("callback", "warn", "comm", "config") if k in options}
        if out_dir is None:
            raise ConfigError("nothing to resume: give the output folder of the run (out_dir)")
        if dataset is None:
            dataset = data_source(Path(out_dir), checkpoint_record(Path(out_dir)))
        if not isinstance(dataset, SequenceDataset):
            dataset = load_dataset(dataset)
        return cls(out_dir=out_dir, **extra, **options).fit(dataset, resume=True, test=test)

    # ------------------------------------------------------------------ the loop
    def fit(self, dataset: SequenceDataset, resume: bool = False, test: SequenceDataset | None = None) -> TrainingResult:
        """Train on ``dataset``; ``resume=True`` continues from ``out_dir/checkpoint.npz`` exactly. ``test``: held-out
        sequences (else the ``test_fraction`` held out of ``dataset``) whose log-likelihood is logged with log Z
        (from a tempering ladder, else by AIS; see :mod:`.diagnostics`)."""
        self._stop_signal = None  # per-fit state: a previous fit's signal must not stop this one
        if test is not None and (test.length, test.q) != (dataset.length, dataset.q):
            raise InputError(f"test data are L={test.length}, q={test.q}; the training data L={dataset.length}, q={dataset.q}",
                             path=test.source or None)
        self._test = test
        if dataset.n_sequences < 2:
            raise InputError(f"{dataset.n_sequences} sequence(s): training needs at least 2", path=dataset.source or None)
        device = resolve_device(self.config.device)
        checkpoint = read_checkpoint(self.out_dir, device) if resume else None
        cfg = self._resolved(dataset, checkpoint)
        if test is None and cfg.test_fraction > 0:
            dataset, self._test = held_out_split(dataset, cfg.test_fraction, cfg.seed)
        run = begin(dataset, cfg, self.comm, device, self.warn, checkpoint)
        self._last_good = run.state.update
        if resume and self._writes:
            remove_stale_temporaries(self.out_dir)
        run.model.metadata.update(run.record().to_metadata())
        if self._writes:
            write_log(self.out_dir / "log.csv", run.rows)  # the log exists as soon as training starts
        stopped = "max_updates"
        clock = time.perf_counter() - run.state.seconds  # the log's seconds run on across resumes
        run.deadline = None if cfg.max_seconds is None else time.perf_counter() + cfg.max_seconds  # per launch
        with self._signals():
            for update in range(run.state.update + 1, cfg.max_updates + 1):
                done = self._update(run, update, clock)
                if done:
                    stopped = done
                    break
        return self._finish(run, stopped, clock)

    def _resolved(self, dataset: SequenceDataset, checkpoint) -> TrainConfig:
        """The run's options: those given, the rest from the checkpoint when resuming, resolved for the data."""
        if checkpoint is None:
            return self.config.resolve(dataset.kind, dataset.length, dataset.q)
        saved = RunRecord.from_metadata(checkpoint.model.metadata).training
        recorded = {k: v for k, v in saved.items() if k in option_names() and k not in NOT_RESUMED}
        return TrainConfig.from_dict({**recorded, **self._given}).resolve(dataset.kind, dataset.length, dataset.q)

    def _update(self, run: Run, update: int, clock: float) -> str | None:
        """One update: chains, gradient step, checks, log row, checkpoint. Returns a stop reason or None."""
        cfg, model = run.config, run.model
        for stream in run.streams:
            stream.new_segment()  # every update's randomness derives from the generator state (what checkpoints keep)
        n_steps = run.regime.sweeps(run)
        stepped = [run.sampler.step(model, run.regime.start(run, b), n_steps, stream) for b, stream in enumerate(run.streams)]
        evolved, info = [state for state, _ in stepped], reduce_info([i for _, i in stepped], self.comm)
        batches = run.data.batches(self._batch_per_block(run), [s.generator for s in run.streams])
        data_stats = self._data_statistics(run, batches)
        chain_stats = combine([(1.0 / run.n_blocks, model.statistics(c.visible, None, 0.0, c.hidden)) for c in evolved], self.comm)
        grads = model.gradient(data_stats, chain_stats, cfg.l1, cfg.l2, cfg.centered, cfg.l1_squared)
        self._monitor(run, update, chain_stats, evolved)
        grad_norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
        lr = run.optimizer.lr
        run.optimizer.step(model.tensors(), grads)
        model.project_(data_stats if cfg.hidden_gauge == "variance" else None,
                       1.0 if batches is run.data.shards else MINIBATCH_GAUGE_RELAXATION)
        if cfg.target_density is not None:
            self._decimate(run, update, chain_stats)
        # persistent regimes continue from these chains (a tempering ladder may have grown a rung for the new
        # parameters); the others keep the last set for the result
        run.blocks = run.sampler.adapt(model, evolved, info)
        self._check_divergence(model, update, cfg.divergence_bound)
        run.regime.after_update(run, update)
        grow_chains_(run, update)
        seconds = time.perf_counter() - clock
        row = {"update": update, "seconds": round(seconds, 3), "pearson": run.pearson, "slope": run.slope,
               "mixing_time": run.state.mixing_time, "sweeps": n_steps, "log_grad_norm": math.log(grad_norm + 1e-30),
               **sampler_row(run, info, update, self._test), "density": getattr(model, "density", float("nan")), "lr": lr}
        run.rows.append(row)
        if self._writes:
            append_log_row(self.out_dir / "log.csv", row)
        if cfg.lr_control:
            self._control_step_size(run, update)
        if self.callback:
            self.callback({**row, "max_updates": cfg.max_updates, "ceiling": run.state.pearson_ceiling,
                           "label": f"{cfg.model} {cfg.regime}-{cfg.k}",
                           "remaining": describe_remaining(run.rows, cfg.target_pearson, run.seconds_left())})
        stop_signal, done = self._stop_reason(run, update)
        run.state.update, run.state.seconds, run.state.pearson = update, seconds, run.pearson
        if stop_signal or done or update % cfg.checkpoint_every == 0 or update == cfg.max_updates:
            self._checkpoint(run)
        if stop_signal:
            where = f"; checkpoint written to {self.out_dir / CHECKPOINT}" if self.out_dir else ""
            raise TrainingInterrupted(f"interrupted by signal {stop_signal} at update {update}{where}")
        return done

    @staticmethod
    def _decimate(run: Run, update: int, chain_stats: dict) -> None:
        """At the Pearson target above the target density: remove the cheapest fraction of couplings (or pairs). After
        a step, the model trains at least ``mix_check_every`` updates before the next (the chains must follow the
        reduced model before their Pearson says anything about it)."""
        cfg, model = run.config, run.model
        settled = updates_since_step(run.state.decimations, update) >= cfg.mix_check_every
        if run.pearson >= cfg.target_pearson and above_target(model, cfg.target_density, cfg.decimation_unit) and settled:
            removed = decimate_(model, chain_stats["couplings"], cfg.decimation_step, cfg.target_density,
                                cfg.decimation_unit)
            if removed:
                run.state.decimations.append({"update": update, "removed": removed, "unit": cfg.decimation_unit,
                                              "density": model.density, "pair_density": model.pair_density,
                                              "pearson_before": run.pearson})

    @staticmethod
    def _control_step_size(run: Run, update: int) -> None:
        """The learning rate of the next updates, from the log rows (see :mod:`.stepsize`)."""
        change = next_step_size(run.rows, run.last_event(), run.config.lr, run.lr_changes)
        if change is not None:
            run.warn(f"update {update}: {change.reason}: learning rate {run.optimizer.lr:.3g} -> {change.lr:.3g}")
            run.optimizer.lr = change.lr
            run.lr_changes.append({"update": update, "lr": change.lr, "reason": change.reason})

    def _batch_per_block(self, run: Run) -> int | None:
        cfg = run.config
        full_batch = cfg.batch_size is None or cfg.batch_size >= run.data.dataset.n_sequences
        return None if full_batch else max(1, cfg.batch_size // run.n_blocks)

    def _data_statistics(self, run: Run, batches) -> dict[str, torch.Tensor]:
        """Data statistics of this update: fixed for full batches of models whose statistics are the frequencies."""
        if batches is run.data.shards:
            cached = run.model.statistics_from_frequencies(run.data.single, run.data.pair)
            if cached is not None:
                return cached
        return combine([(a, run.model.statistics(s, w, run.data.pseudocount)) for a, (s, w) in zip(run.data.shares, batches)],
                       self.comm)

    def _monitor(self, run: Run, update: int, chain_stats: dict, evolved) -> None:
        """Pearson of connected correlations, data vs chains: every update from the chain statistics when they hold
        the pair frequencies, else from the chains every MONITOR_EVERY updates (and the first and last)."""
        freqs = run.model.site_and_pair_frequencies(chain_stats)
        if freqs is None and (update % MONITOR_EVERY == 0 or update == run.config.max_updates or update == 1):
            freqs = run.block_frequencies(evolved)
        if freqs is not None:
            run.pearson, run.slope = run.target.of_frequencies(*freqs)
            run.pearson_update = update

    def _stop_reason(self, run: Run, update: int) -> tuple[int, str | None]:
        """(signal to stop on, stop reason). Decisions that differ between processes (signals, clocks) are agreed on
        with one all-reduce, and only the agreed values are acted on, so every process takes the same collectives;
        a signal that arrives later is kept for the next update."""
        cfg = run.config
        # the regime's final checks get the time they need: training stops early enough to leave it, counting the
        # update that would come next (at the pace of the last one)
        reserve = 0.0 if cfg.max_seconds is None else run.regime.finish_reserve(run) + run.last_update_seconds()
        left = run.seconds_left()
        out_of_time = left is not None and left <= reserve
        flags = torch.tensor([float(self._stop_signal or 0), float(out_of_time)],
                             device=run.model.device)
        stop_signal, out_of_time = (int(v) for v in self.comm.all_reduce_(flags, op="max").tolist())
        decimating = cfg.target_density is not None and (above_target(run.model, cfg.target_density,
                                                                      cfg.decimation_unit) or (
            bool(run.state.decimations) and updates_since_step(run.state.decimations, update) < cfg.mix_check_every))
        done = None
        if cfg.target_pearson is not None and run.pearson >= cfg.target_pearson and not decimating:
            done = run.regime.at_target(run, update)
        return stop_signal, done or ("max_seconds" if out_of_time else None)

    def _finish(self, run: Run, stopped: str, clock: float) -> TrainingResult:
        model, state = run.model, run.state
        state.update = run.rows[-1]["update"] if run.rows else state.update
        state.seconds = time.perf_counter() - clock
        state.stopped_because = stopped
        run.regime.finish(run)
        # kept with the model: scoring turns energies into log-likelihoods with it
        state.log_partition = final_log_partition(run, self._test) or state.log_partition
        record = run.record()
        record.sampling = run.regime.sampling_defaults(run)
        model.metadata.update(record.to_metadata())
        model.sampler_state = run.sampler.state_arrays(resumable=False)  # the ladder travels with the model, for sampling
        log = log_frame(run.rows)
        files = {}
        if self._writes:
            cfg = run.config
            files["model"] = save_model(model, self.out_dir / "model.npz")
            files["log"] = write_log(self.out_dir / "log.csv", run.rows)
            files["curve"] = plot_training_curve(log, self.out_dir / "training_curve.png", f"{cfg.model} {cfg.regime}-{cfg.k}",
                                                 cfg.target_pearson, state.pearson_ceiling, cfg.regime == "eq")
            if run.state.sampler != "gibbs":
                files["tempering"] = plot_tempering(log, self.out_dir / "tempering.png", run.state.sampler)
        chains = torch.cat([b.visible for b in run.blocks])
        return TrainingResult(model, log, chains, run.config, run.pearson, state.pearson_ceiling, stopped,
                              self.out_dir if self._writes else None, files)

    # ------------------------------------------------------------------ helpers
    @property
    def _writes(self) -> bool:
        return self.comm.is_writer and self.out_dir is not None

    def _checkpoint(self, run: Run) -> None:
        """Gather every rank's chains and random states (a collective: all ranks call it), then rank 0 writes."""
        if self.out_dir is None:
            return
        device = run.model.device
        gather = lambda tensor: torch.cat(self.comm.all_gather(tensor))  # noqa: E731
        everything = ChainState.concat(run.blocks)
        chains = gather(everything.visible)
        aux = {key: gather(value) for key, value in everything.auxiliary.items()}
        rng_states = gather(torch.stack([s.get_state() for s in run.streams]).to(device))
        if self.comm.is_writer:
            run.model.metadata.update(run.record().to_metadata())
            run.model.sampler_state = run.sampler.state_arrays()
            write_checkpoint(self.out_dir / CHECKPOINT, run.model, chains, everything.steps, aux, rng_states,
                             run.optimizer.state_arrays(), run.rows)
        self._last_good = run.state.update

    def _check_divergence(self, model: EnergyModel, update: int, bound: float) -> None:
        for name, tensor in model.tensors().items():
            if not bool(torch.isfinite(tensor).all()):
                problem = "NaN/inf"
            elif float(tensor.abs().max()) > bound:
                problem = f"|value| above {bound:g}"
            else:
                continue
            good = self._last_good
            keep = f"; last good checkpoint {self.out_dir / CHECKPOINT} (update {good})" if self.out_dir and good else ""
            raise TrainingDiverged(f"training diverged at update {update}: {name} has {problem} (lower --lr or add regularisation){keep}")

    @contextmanager
    def _signals(self):
        """SIGINT/SIGTERM set a flag the loop acts on (checkpoint, then stop); a second signal stops at once."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def handler(signum, frame):
            if self._stop_signal is not None:
                raise KeyboardInterrupt
            self._stop_signal = signum

        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, old in previous.items():
                signal.signal(sig, old)
