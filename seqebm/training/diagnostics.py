"""What a run logs about its sampler and its likelihood beyond the Pearson: for tempering, the ladder length, the
slowest pair's swap rate and the round trips; and at intervals log Z with the log-likelihood per sequence of the
training data (and of test data when given). log Z comes from the tempering ladder where there is one (every
``loglik_every`` updates), else from annealed importance sampling (``--ais``, every ``ais_every`` updates; on by
default when test data are given)."""
from __future__ import annotations

import torch

from seqebm.io.dataset import SequenceDataset
from seqebm.rng import RandomStream
from seqebm.sampling.ais import ais_log_partition
from seqebm.sampling.tempering import pair_acceptance
from seqebm.training.parallel import Communicator, combine

SAMPLER_COLUMNS = ["rungs", "swap_rate_min", "round_trips", "log_z", "loglik_train", "loglik_test"]
LOG_Z_ERROR = "log_z_se"  # standard error of an AIS log Z (a later column: logs keep their earlier columns' order)
AIS_SEED_OFFSET = 7919  # AIS draws from its own generator (seed + offset + update): training's streams stay untouched


def reduce_info(infos: list[dict], comm: Communicator) -> dict:
    """Step diagnostics summed over this process's blocks, then over processes (every process gets the totals)."""
    if not infos or not infos[0]:
        return {}
    return {key: comm.all_reduce_(sum(i[key] for i in infos)) for key in infos[0]}


def sampler_row(run, info: dict, update: int, test: SequenceDataset | None) -> dict:
    """The sampler's log columns of this update (NaN where they do not apply)."""
    row = dict.fromkeys([*SAMPLER_COLUMNS, LOG_Z_ERROR], float("nan"))
    cfg = run.config
    if info:
        acceptance = pair_acceptance(info)
        row["rungs"] = int(acceptance.numel()) + 1
        row["swap_rate_min"] = float(torch.nan_to_num(acceptance, nan=1.0).min())
        row["round_trips"] = float(info["round_trips"])
        if update % cfg.loglik_every == 0 or update == 1 or update == cfg.max_updates:
            row.update(log_likelihoods(run, test))
    elif uses_ais(run, test) and update % cfg.ais_every == 0:
        row.update(log_likelihoods(run, test, update))
    return row


def uses_ais(run, test: SequenceDataset | None) -> bool:
    """Whether this run estimates log Z by AIS: asked for, or (by default) when there are test data to score."""
    return run.config.ais if run.config.ais is not None else test is not None


def log_likelihoods(run, test: SequenceDataset | None, update: int | None = None) -> dict:
    """log Z of the current model (from the sampler's ladder, else by AIS when ``update`` is given) and the mean
    log-likelihood per sequence of the (weighted) training data and of the test data: log p(x) = w(x) - log Z."""
    estimate = current_log_partition(run, update)
    if estimate is None:
        return {}
    log_z = estimate["value"]
    model = run.model
    train = combine([(share, {"w": (w / w.sum()) @ model.log_weight(s, run.config.beta)}) for share, (s, w) in
                     zip(run.data.shares, run.data.shards)], run.comm)["w"]
    out = {"log_z": log_z, LOG_Z_ERROR: estimate.get("stderr", float("nan")), "loglik_train": float(train) - log_z}
    if test is not None:
        out["loglik_test"] = float(model.log_weight(test.tensor(model.device), run.config.beta).double().mean()) - log_z
    return out


def current_log_partition(run, update: int | None) -> dict | None:
    """{"value", "method", ...} of log Z of the current model: the ladder's Bennett estimate, else AIS (when
    ``update`` is given: its generator is seeded from the run's seed and the update, identical on every process)."""
    log_z = run.sampler.log_partition(run.model, run.blocks, run.comm.all_reduce_)
    if log_z is not None:
        return {"value": log_z, "method": f"{run.sampler.name} ladder (Bennett acceptance ratio)", "beta": run.config.beta}
    if update is None:
        return None
    if run.ais_estimate is None or run.ais_estimate["update"] != update:  # the parameters of one update: one estimate
        cfg = run.config
        stream = RandomStream(seed=cfg.seed + AIS_SEED_OFFSET + update, device=run.model.device)
        estimate = ais_log_partition(run.model, run.data.single, cfg.ais_chains, cfg.ais_temperatures, cfg.beta, stream)
        run.ais_estimate = estimate.record(update, cfg.beta)
    return dict(run.ais_estimate)


def final_log_partition(run, test: SequenceDataset | None) -> dict | None:
    """The estimate of log Z kept with the final model (ladder, else AIS when the run uses it), or None."""
    update = run.state.update
    estimate = current_log_partition(run, update if uses_ais(run, test) else None)
    if estimate is not None:
        estimate["update"] = update
    return estimate
