"""Maximum-likelihood training of Potts models and RBMs in a chosen, verified MCMC regime.

Regimes: ``rdm`` (chains restarted from p0 and run exactly k steps every update: out of equilibrium),
``cd`` (chains started from data, k steps), ``pcd`` (persistent chains, k steps), ``eq`` (persistent chains whose
mixing is measured every few updates, with the sweeps per update doubled whenever they stop mixing).
"""
from __future__ import annotations

import csv
import math
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import torch

from seqebm.device import make_generator, resolve_device
from seqebm.errors import ConfigError, InputError, SeqebmError, TrainingDiverged
from seqebm.io._files import atomic_write
from seqebm.io.dataset import SequenceDataset
from seqebm.memory import check_memory, training_memory
from seqebm.models.base import EnergyModel
from seqebm.models.files import load_model, save_model
from seqebm.models.potts import Potts
from seqebm.models.rbm import RBM
from seqebm.sampling import gibbs, init_chains, rbm_gibbs
from seqebm.stats.compare import connected_from_frequencies, pearson_ceiling, pearson_slope, upper_pairs
from seqebm.stats.frequencies import pair_frequencies, site_frequencies
from seqebm.training.config import TrainConfig
from seqebm.training.mixing import equilibration_from_random, mixing_test
from seqebm.training.moments import potts_gradient, potts_moments, rbm_gradient, rbm_moments
from seqebm.training.optim import Optimizer
from seqebm.training.parallel import Communicator, block_seed, combine, local_blocks

LOG_COLUMNS = ["update", "seconds", "pearson", "slope", "mixing_time", "sweeps", "log_grad_norm"]
# options that change the dynamics: a resumed run must use the same values
DYNAMICS = ("model", "hidden", "regime", "k", "n_chains", "init", "beta", "order", "optimizer", "lr", "l1", "l2",
            "pseudocount", "batch_size", "centered", "theta", "reweight", "seed", "chain_blocks")
CHAIN_CHOICES = (5000, 10000, 20000)


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
    """Configure, then ``fit(dataset)``. With ``out_dir`` it writes model.npz, checkpoint.npz, log.csv and a curve."""

    def __init__(
        self,
        config: TrainConfig | None = None,
        out_dir: str | Path | None = None,
        callback: Callable[[dict], None] | None = None,
        warn: Callable[[str], None] | None = None,
        comm: Communicator | None = None,
        **options,
    ) -> None:
        config = config or TrainConfig()
        if options:
            config = TrainConfig.from_dict({**config.to_dict(), **options})
        self.config = config.validate()
        self.out_dir = None if out_dir is None else Path(out_dir)
        self.callback = callback
        self.warn = warn or (lambda message: print(f"warning: {message}"))
        self._stop_signal: int | None = None
        self.comm = comm or Communicator()
        self.n_blocks = 1

    # ------------------------------------------------------------------ setup
    def _prepare_data(self, dataset: SequenceDataset, device: torch.device, blocks: list[int]):
        """Weights, data shards of this rank and the statistics of the whole data set (identical on every rank)."""
        cfg, comm, n_blocks = self.config, self.comm, self.n_blocks
        states = dataset.tensor(device)
        n = states.shape[0]
        if cfg.reweight and cfg.theta < 1.0:
            if comm.world_size == 1:
                weights = dataset.reweight(cfg.theta, device=device).weights_tensor(device)
            else:  # each rank weighs its own rows against all rows; integer counts, so the result is exact
                from seqebm.stats.weights import sequence_weights

                mine = torch.cat([torch.arange(b, n, n_blocks, device=device) for b in blocks])
                weights = torch.zeros(n, dtype=torch.float32, device=device)
                weights[mine] = sequence_weights(states, cfg.theta, dataset.q, rows=mine)
                comm.all_reduce_(weights)
        else:
            weights = dataset.weights_tensor(device)
        dataset = dataset.with_weights(weights)
        pseudocount = cfg.pseudocount if cfg.pseudocount is not None else 1.0 / max(dataset.effective_size, 1.0)
        if cfg.model == "rbm":
            pseudocount = cfg.pseudocount or 0.0
        shards = [(states[b::n_blocks], weights[b::n_blocks]) for b in blocks]
        shard_mass = torch.stack([weights[b::n_blocks].double().sum() for b in range(n_blocks)])
        shares = [float(shard_mass[b] / shard_mass.sum()) for b in blocks]
        stats = combine(
            [(share, {"single": site_frequencies(s, dataset.q, w, pseudocount), "pair": pair_frequencies(s, dataset.q, w, pseudocount)})
             for share, (s, w) in zip(shares, shards)],
            comm,
        )
        reference = connected_from_frequencies(stats["single"], stats["pair"])
        return dataset, states, weights, shards, shares, pseudocount, stats["single"], stats["pair"], reference

    def _initial_model(self, dataset: SequenceDataset, single: torch.Tensor, device, gen) -> EnergyModel:
        cfg = self.config
        if cfg.model == "potts":
            return Potts.from_profile(single, dataset.alphabet)
        profile = single.clamp(1e-6, 1 - 1e-6)
        if dataset.q == 2:
            model = RBM.random(dataset.length, cfg.hidden, std=0.01, device=device, generator=gen)
            model.visible_bias = torch.log(profile[:, 1] / profile[:, 0])
        else:
            model = RBM.random(dataset.length, cfg.hidden, q=dataset.q, std=0.01, alphabet=dataset.alphabet, device=device, generator=gen)
            logp = torch.log(profile)
            model.visible_bias = logp - logp.mean(1, keepdim=True)
        return model

    def _choose_chains(self, states, q, weights, reference, gen) -> tuple[int, float | None]:
        cfg = self.config
        if cfg.target_pearson is None:
            return cfg.n_chains or CHAIN_CHOICES[0], None
        choices = [cfg.n_chains] if cfg.n_chains else list(CHAIN_CHOICES)
        ceiling = None
        for n in choices:
            ceiling = pearson_ceiling(states, q, weights, n, reference=reference, generator=gen)
            if ceiling >= cfg.target_pearson + 0.01:
                return n, ceiling
        if ceiling < cfg.target_pearson:
            self.warn(
                f"target Pearson {cfg.target_pearson} is above what {choices[-1]} chains can show even for a perfect model "
                f"(ceiling {ceiling:.3f}, estimated by resampling the data): training will stop at max_updates; "
                f"use more chains or a lower target"
            )
        return choices[-1], ceiling

    # ------------------------------------------------------------------ chains
    def _run_chains(self, model, chains, n_steps, data_states, data_weights, gen):
        """One update's chain evolution per regime; returns (chains after the update, hidden probs or None)."""
        cfg = self.config
        n_chains = chains.shape[0]
        if cfg.regime == "rdm":
            start = init_chains(n_chains, model.length, model.q, cfg.init, data_states, data_weights, None, gen, model.device)
        elif cfg.regime == "cd":
            rows = torch.multinomial(data_weights, n_chains, replacement=True, generator=gen)
            start = data_states[rows]
        else:
            start = chains
        if isinstance(model, RBM):
            return rbm_gibbs(model, start, n_steps, beta=cfg.beta, generator=gen)
        return gibbs(model, start, n_steps, beta=cfg.beta, generator=gen, order=cfg.order), None

    def _chain_correlations(self, blocks: list[torch.Tensor], q: int) -> torch.Tensor:
        """Connected correlations of all chains (every block of every rank)."""
        share = 1.0 / self.n_blocks
        stats = combine([(share, {"single": site_frequencies(b, q), "pair": pair_frequencies(b, q)}) for b in blocks], self.comm)
        return connected_from_frequencies(stats["single"], stats["pair"])

    # ------------------------------------------------------------------ main loop
    def fit(self, dataset: SequenceDataset, resume: bool = False) -> TrainingResult:
        """Train on ``dataset``; ``resume=True`` continues from ``out_dir/checkpoint.npz`` exactly."""
        cfg, comm = self.config, self.comm
        if dataset.n_sequences < 2:
            raise InputError(f"{dataset.n_sequences} sequence(s): training needs at least 2", path=dataset.source or None)
        device = resolve_device(cfg.device)
        n_blocks = self.n_blocks = cfg.chain_blocks or comm.world_size
        blocks = local_blocks(n_blocks, comm)
        if cfg.n_chains is not None and cfg.n_chains % n_blocks:
            raise ConfigError(f"n_chains={cfg.n_chains} must be a multiple of the number of chain blocks ({n_blocks})")
        check_memory(
            training_memory(dataset.n_sequences, dataset.length, dataset.q, cfg.model, (cfg.n_chains or CHAIN_CHOICES[0]) // comm.world_size, cfg.hidden),
            f"training a {cfg.model} model on {dataset.n_sequences} x {dataset.length} sequences (q={dataset.q})", device,
            path=dataset.source or None, hint="subsample the sequences, use fewer chains, or a device with more memory",
        )
        gen = make_generator(cfg.seed, device)  # shared stream: identical on every rank
        # one random stream per chain block; a lone block keeps using the shared stream
        gens = [gen] if n_blocks == 1 else [make_generator(block_seed(cfg.seed, b), device) for b in blocks]
        if cfg.model == "potts" and dataset.kind in ("images",) and dataset.length > 400:
            self.warn("a Potts model on wide binary data is large; --model rbm is the usual choice")
        dataset, states, weights, shards, shares, pseudocount, single, pair, reference = self._prepare_data(dataset, device, blocks)
        ref_flat = upper_pairs(reference)
        writer = comm.is_writer and self.out_dir is not None

        checkpoint = self.out_dir / "checkpoint.npz" if self.out_dir else None
        if resume:
            if checkpoint is None or not checkpoint.exists():
                raise ConfigError(f"nothing to resume: no checkpoint in {self.out_dir}")
            model, extra = load_model(checkpoint, device=device, with_extra=True)
            state = model.metadata.get("training_state", {})
            saved = {"chain_blocks": 1, **model.metadata.get("training", {})}
            lr_changes = list(saved.get("lr_changes", []))
            for key in DYNAMICS:
                value = n_blocks if key == "chain_blocks" else getattr(cfg, key)
                if key == "lr" and saved.get("lr", value) != value:  # a learning-rate change is a schedule: allowed, recorded
                    self.warn(f"resuming at update {state.get('update')} with lr={value} (the run so far used {saved['lr']})")
                    lr_changes.append({"update": int(state.get("update", 0)), "lr": value})
                elif key in saved and saved[key] != value and not (key == "n_chains" and cfg.n_chains is None):
                    raise ConfigError(f"cannot resume with {key}={value!r}: the run was trained with {saved[key]!r}")
            n_chains = int(saved["n_chains"])
            ceiling = state.get("pearson_ceiling")
            per_block = n_chains // n_blocks
            all_chains = torch.as_tensor(extra["chains"], device=device).long()
            chains = [all_chains[b * per_block : (b + 1) * per_block] for b in blocks]
            rng_states = extra.get("rng_states", extra["rng_state"][None])
            for g, b in zip(gens, blocks):
                g.set_state(torch.as_tensor(rng_states[b]).to(torch.uint8))
            optimizer = Optimizer(cfg.optimizer, cfg.lr)
            optimizer.load_state({k[4:]: torch.as_tensor(v, device=device) for k, v in extra.items() if k.startswith("opt/")}, state["update"])
            start_update, sweeps = int(state["update"]), int(state["sweeps"])
            mixing_time = state.get("mixing_time")
            elapsed0 = float(state["seconds"])
            rows = _log_from_array(extra["log"], start_update) if "log" in extra else _read_log(self.out_dir / "log.csv", start_update)
            verifications = list(state.get("verifications", []))
            if writer:
                _remove_stale_temporaries(self.out_dir)
        else:
            n_chains, ceiling = self._choose_chains(states, dataset.q, weights, reference, gen)
            if n_chains % n_blocks:
                raise ConfigError(f"{n_chains} chains cannot be split into {n_blocks} equal blocks; pass n_chains")
            per_block = n_chains // n_blocks
            model = self._initial_model(dataset, single, device, gen)
            chains = [init_chains(per_block, dataset.length, dataset.q, cfg.init, s, w, None, g, device)
                      for (s, w), g in zip(shards, gens)]
            optimizer = Optimizer(cfg.optimizer, cfg.lr)
            start_update, sweeps, mixing_time, elapsed0, rows = 0, cfg.k, None, 0.0, []
            verifications, lr_changes = [], []
        del states  # from here on a rank only needs its shards
        cfg_record = {**cfg.to_dict(), "n_chains": n_chains, "pseudocount": cfg.pseudocount, "chain_blocks": n_blocks,
                      "processes": comm.world_size, "lr_changes": lr_changes}
        model.metadata.update({
            "training": cfg_record,
            "data": {"source": dataset.source, "kind": dataset.kind, "N": dataset.n_sequences, "L": dataset.length,
                     "q": dataset.q, "M_eff": dataset.effective_size, "image_shape": list(dataset.shape) if dataset.shape else None},
        })
        full_batch = cfg.batch_size is None or cfg.batch_size >= dataset.n_sequences
        data_moments = {"fields": single, "couplings": pair} if cfg.model == "potts" and full_batch else None
        batch_per_block = None if full_batch else max(1, cfg.batch_size // n_blocks)
        block_share = 1.0 / n_blocks

        if writer:
            _write_log(self.out_dir / "log.csv", rows)  # the log exists as soon as training starts
        previous_handlers = self._install_signal_handlers()
        t0 = time.perf_counter() - elapsed0
        pearson = slope = float("nan")
        stopped = "max_updates"
        last_good = start_update
        try:
            for update in range(start_update + 1, cfg.max_updates + 1):
                for g in gens:
                    torch.randint(0, 2, (1,), generator=g, device=device)  # ties every update's random streams to the generator state
                n_steps = sweeps if cfg.regime == "eq" else cfg.k
                evolved = [self._run_chains(model, c, n_steps, s, w, g) for c, (s, w), g in zip(chains, shards, gens)]
                new_chains = [c for c, _ in evolved]
                batches = shards
                if batch_per_block is not None:
                    batches = []
                    for (s, w), g in zip(shards, gens):
                        idx = torch.randint(0, s.shape[0], (batch_per_block,), generator=g, device=device)
                        batches.append((s[idx], w[idx]))
                if isinstance(model, Potts):
                    dm = data_moments
                    if dm is None:
                        dm = combine([(a, potts_moments(s, dataset.q, w, pseudocount)) for a, (s, w) in zip(shares, batches)], comm)
                    cm = combine([(block_share, potts_moments(c, model.q)) for c in new_chains], comm)
                    grads = potts_gradient(model, dm, cm, cfg.l1, cfg.l2)
                    chain_corr = connected_from_frequencies(cm["fields"], cm["couplings"])
                    pearson, slope = pearson_slope(ref_flat, upper_pairs(chain_corr))
                else:
                    dm = combine([(a, rbm_moments(model, s, w)) for a, (s, w) in zip(shares, batches)], comm)
                    cm = combine([(block_share, rbm_moments(model, c, None, h)) for c, h in evolved], comm)
                    grads = rbm_gradient(model, dm, cm, cfg.centered, cfg.l1, cfg.l2)
                    if update % 10 == 0 or update == cfg.max_updates or update == 1:
                        pearson, slope = pearson_slope(ref_flat, upper_pairs(self._chain_correlations(new_chains, dataset.q)))
                grad_norm = math.sqrt(sum(float((g * g).sum()) for g in grads.values()))
                optimizer.step(model.tensors(), grads)
                chains = new_chains  # persistent regimes continue from them; the others keep the last set for the result
                self._check_divergence(model, update, checkpoint, last_good)

                if cfg.regime == "eq" and (update % cfg.mix_check_every == 0 or update == 1):
                    per_block_mix = max(2, min(cfg.mix_chains // n_blocks, per_block))
                    result = mixing_test(model, [c[:per_block_mix] for c in chains], 2 * sweeps, beta=cfg.beta, generator=gens,
                                         order=cfg.order, reduce=comm.all_reduce_)
                    # passing at t means x(t/2) and x(t) are already independent: t/2 sweeps per update give
                    # decorrelated persistent chains; failing up to 2 * sweeps means the sweeps must at least double
                    mixing_time = result.mixing_time if result.passed else 2 * sweeps  # a lower bound when failing
                    needed = mixing_time // 2 if result.passed else 2 * sweeps
                    if needed > sweeps:
                        sweeps = min(cfg.max_sweeps, 1 << (int(needed) - 1).bit_length())
                seconds = time.perf_counter() - t0
                row = {"update": update, "seconds": round(seconds, 3), "pearson": pearson, "slope": slope,
                       "mixing_time": mixing_time, "sweeps": n_steps, "log_grad_norm": math.log(grad_norm + 1e-30)}
                rows.append(row)
                if self.callback:
                    self.callback({**row, "max_updates": cfg.max_updates, "ceiling": ceiling})
                # stop decisions that differ between processes (signals, clocks) are agreed on with one all-reduce
                flags = torch.tensor([float(self._stop_signal or 0),
                                      float(cfg.max_seconds is not None and seconds >= cfg.max_seconds)], device=device)
                stop_signal, out_of_time = (int(v) for v in comm.all_reduce_(flags, op="max").tolist())
                done = None
                if cfg.target_pearson is not None and pearson >= cfg.target_pearson:
                    done = "target_pearson"
                elif out_of_time:
                    done = "max_seconds"
                if done == "target_pearson" and cfg.regime == "eq" and cfg.verify_equilibrium:
                    last = verifications[-1] if verifications else None
                    if last and not last["passed"] and update < last["update"] + cfg.mix_check_every:
                        done = None  # after a failed verification, train a few updates before trying again
                    else:
                        fresh, check = self._verify_from_random(model, gens, per_block, mixing_time or sweeps, ref_flat, dataset.q, update)
                        verifications.append(check)
                        if not check["passed"]:
                            if len(verifications) < cfg.max_verifications:
                                chains, done = fresh, None  # continue training from where chains from random go
                            else:
                                done = "target_pearson_unverified"
                state = {"update": update, "sweeps": sweeps, "mixing_time": mixing_time, "seconds": seconds,
                         "pearson": pearson, "pearson_ceiling": ceiling, "verifications": verifications}
                if checkpoint and (update % cfg.checkpoint_every == 0 or done or update == cfg.max_updates or stop_signal):
                    self._write_checkpoint(model, chains, optimizer, gens, state, rows, writer)
                    last_good = update
                if stop_signal:
                    raise TrainingInterrupted(
                        f"interrupted by signal {stop_signal} at update {update}; checkpoint written to {checkpoint}"
                        if checkpoint else f"interrupted by signal {stop_signal} at update {update}"
                    )
                if done:
                    stopped = done
                    break
        finally:
            self._restore_signal_handlers(previous_handlers)

        final_state = {"update": rows[-1]["update"] if rows else start_update, "sweeps": sweeps, "mixing_time": mixing_time,
                       "seconds": time.perf_counter() - t0, "pearson": pearson, "pearson_ceiling": ceiling,
                       "stopped_because": stopped, "verifications": verifications}
        random_start = None
        if cfg.regime == "eq" and cfg.random_start_check:
            random_start = self._check_random_start(model, chains, gens, sweeps, mixing_time)
            final_state["random_start_time"] = random_start.time
            final_state["random_start_t_max"] = random_start.t_max
        model.metadata["training_state"] = final_state
        model.metadata["sampling"] = sampling_defaults(cfg, mixing_time, random_start, verifications)
        log = pd.DataFrame(rows, columns=LOG_COLUMNS)
        files = {}
        if writer:
            files["model"] = save_model(model, self.out_dir / "model.npz")
            files["log"] = _write_log(self.out_dir / "log.csv", rows)
            files["curve"] = plot_training_curve(log, self.out_dir / "training_curve.png", cfg, ceiling)
        return TrainingResult(model, log, torch.cat(chains), cfg, pearson, ceiling, stopped, self.out_dir if writer else None, files)

    # ------------------------------------------------------------------ helpers
    def _check_divergence(self, model, update, checkpoint, last_good) -> None:
        bound = self.config.divergence_bound
        for name, tensor in model.tensors().items():
            if not bool(torch.isfinite(tensor).all()):
                problem = "NaN/inf"
            elif float(tensor.abs().max()) > bound:
                problem = f"|value| above {bound:g}"
            else:
                continue
            keep = f"; last good checkpoint {checkpoint} (update {last_good})" if checkpoint and last_good else ""
            raise TrainingDiverged(
                f"training diverged at update {update}: {name} has {problem} (lower --lr or add regularisation){keep}"
            )

    def _verify_from_random(self, model, gens, per_block, mixing_time, ref_flat, q, update):
        """At the Pearson target of an eq run: do chains started from random, run for twice the mixing time, reach
        it too? If not, the persistent chains sit where the model's long runs do not go; training then continues from
        the fresh chains, so the gradient sees where the model really goes."""
        cfg = self.config
        k = int(max(2 * mixing_time, 100))
        fresh = [gibbs(model, init_chains(per_block, model.length, model.q, "random", generator=g, device=model.device), k,
                       beta=cfg.beta, generator=g, order=cfg.order) for g in gens]
        pearson, _ = pearson_slope(ref_flat, upper_pairs(self._chain_correlations(fresh, q)))
        passed = pearson >= cfg.target_pearson - cfg.verify_tolerance
        if not passed:
            self.warn(f"update {update}: persistent chains reach the target but chains from random reach Pearson {pearson:.3f} "
                      f"after {k} sweeps; continuing training from them")
        return fresh, {"update": update, "sweeps": k, "pearson_from_random": float(pearson), "passed": bool(passed)}

    def _check_random_start(self, model, chains, gens, sweeps, mixing_time):
        """Equilibrium check the persistent chains cannot give: chains from random must reach the persistent chains'
        energy. Its time sets the default sampling length; failing it is reported, not hidden."""
        cfg = self.config
        per_block = max(2, min(cfg.mix_chains // self.n_blocks, chains[0].shape[0]))
        t_max = 1 << max(int(8 * max(sweeps, mixing_time or 1)) - 1, 1).bit_length()
        result = equilibration_from_random(model, [c[:per_block] for c in chains], min(t_max, 16 * cfg.max_sweeps), beta=cfg.beta,
                                           generator=gens, order=cfg.order, reduce=self.comm.all_reduce_)
        if not result.passed:
            last = result.table[-1]
            self.warn(
                f"chains started from random did not reach the energy of the persistent chains within {result.t_max} sweeps "
                f"(mean energy {last['energy_fresh']:.2f} vs {last['energy_reference']:.2f}, largest one-site z "
                f"{last['max_site_z']:.1f} vs bound {last['z_bound']:.1f}): the persistent chains passed "
                f"the mixing test but may not represent the model's equilibrium (slow or multimodal landscape); "
                f"long samples from random may differ from the training statistics"
            )
        return result

    def _write_checkpoint(self, model, chains, optimizer, gens, state, rows, writer: bool) -> None:
        """Gather every rank's chains and random states (a collective: all ranks call it), then rank 0 writes."""
        device = chains[0].device
        all_chains = torch.cat(self.comm.all_gather(torch.cat(chains)))
        local_states = torch.stack([g.get_state() for g in gens]).to(device)
        rng_states = torch.cat(self.comm.all_gather(local_states))
        if not writer:
            return
        model.metadata["training_state"] = state
        # the log travels inside the checkpoint: a kill between the two writes cannot leave them out of step
        extra = {"chains": all_chains.detach().cpu().numpy(), "rng_state": rng_states[0].cpu().numpy(),
                 "rng_states": rng_states.cpu().numpy(), "log": _log_to_array(rows)}
        extra.update({f"opt/{k}": v.detach().cpu().numpy() for k, v in optimizer.state_arrays().items()})
        save_model(model, self.out_dir / "checkpoint.npz", extra_arrays=extra)
        _write_log(self.out_dir / "log.csv", rows)

    def _install_signal_handlers(self):
        import threading

        if threading.current_thread() is not threading.main_thread():
            return None

        def handler(signum, frame):
            if self._stop_signal is not None:  # a second signal: stop now
                raise KeyboardInterrupt
            self._stop_signal = signum

        previous = {}
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, handler)
        return previous

    def _restore_signal_handlers(self, previous) -> None:
        for sig, old in (previous or {}).items():
            signal.signal(sig, old)


def sampling_defaults(cfg: TrainConfig, mixing_time: int | None, random_start=None, verifications: list | None = None) -> dict:
    """How ``seqebm sample`` should run this model by default (the dynamics it was trained with).

    An eq model is sampled from random for twice the longer of its mixing time and the time chains from random took
    to reach the persistent chains' energy; if they never did, for the longest time tried, flagged not equilibrium."""
    if cfg.regime == "rdm":
        return {"k": cfg.k, "init": cfg.init, "beta": cfg.beta, "equilibrium": False}
    if cfg.regime == "eq" and (mixing_time or random_start is not None):
        verified = [v for v in verifications or [] if v["passed"]]
        if (random_start is not None and not random_start.passed) or (verifications and not verified):
            longest = max([random_start.t_max if random_start else 0, 2 * (mixing_time or 0), 100,
                           *(v["sweeps"] for v in verifications or [])])
            return {"k": int(longest), "init": "random", "beta": cfg.beta, "equilibrium": False}
        k = max(2 * (mixing_time or 1), 2 * (random_start.time if random_start else 0), 100, *(v["sweeps"] for v in verified))
        return {"k": int(k), "init": "random", "beta": cfg.beta, "equilibrium": True}
    return {"k": 1000, "init": "random", "beta": cfg.beta, "equilibrium": False}


def _write_log(path: Path, rows: list[dict]) -> Path:
    with atomic_write(path, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=LOG_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def _log_to_array(rows: list[dict]) -> np.ndarray:
    """Log rows as a float64 (n, len(LOG_COLUMNS)) array, None as NaN."""
    table = np.full((len(rows), len(LOG_COLUMNS)), np.nan)
    for i, row in enumerate(rows):
        for j, key in enumerate(LOG_COLUMNS):
            if row.get(key) is not None:
                table[i, j] = float(row[key])
    return table


def _log_from_array(table: np.ndarray, up_to: int) -> list[dict]:
    rows = []
    for values in np.asarray(table, dtype=np.float64).reshape(-1, len(LOG_COLUMNS)):
        row = dict(zip(LOG_COLUMNS, (float(v) for v in values)))
        row["update"], row["sweeps"] = int(row["update"]), int(row["sweeps"])
        row["mixing_time"] = None if math.isnan(row["mixing_time"]) else int(row["mixing_time"])
        if row["update"] <= up_to:
            rows.append(row)
    return rows


def _remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of atomic writes that a killed run left behind (``.<name>.<random>.tmp``)."""
    for path in folder.glob(".*.tmp"):
        try:
            path.unlink()
        except OSError:
            pass


def _read_log(path: Path, up_to: int) -> list[dict]:
    if not path.exists():
        return []
    table = pd.read_csv(path)
    table = table[table["update"] <= up_to]
    rows = table.to_dict("records")
    for row in rows:
        row["update"] = int(row["update"])
        for key in ("mixing_time",):
            if pd.isna(row.get(key)):
                row[key] = None
    return rows


def plot_training_curve(log: pd.DataFrame, path: Path, cfg: TrainConfig, ceiling: float | None) -> Path:
    """Pearson (and sweeps per update) against updates, as a PNG."""
    from seqebm.analysis.figures import pyplot, save_figure

    fig, ax = pyplot().subplots(figsize=(6, 4))
    valid = log.dropna(subset=["pearson"])
    ax.plot(valid["update"], valid["pearson"], label="Pearson C_ij (data vs chains)")
    if cfg.target_pearson:
        ax.axhline(cfg.target_pearson, color="k", ls="--", lw=0.8, label=f"target {cfg.target_pearson}")
    if ceiling:
        ax.axhline(ceiling, color="gray", ls=":", lw=0.8, label=f"ceiling for the chain count {ceiling:.3f}")
    ax.set_xlabel("update")
    ax.set_ylabel("Pearson")
    ax.set_title(f"{cfg.model} {cfg.regime}-{cfg.k}" + (" (adaptive sweeps)" if cfg.regime == "eq" else ""))
    if cfg.regime == "eq":
        ax2 = ax.twinx()
        ax2.step(log["update"], log["sweeps"], color="tab:orange", where="post", label="sweeps / update")
        ax2.set_ylabel("sweeps per update", color="tab:orange")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)
