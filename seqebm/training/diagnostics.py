"""What a run logs about its sampler beyond the Pearson: for tempering, the ladder length, the slowest pair's swap
rate, the round trips, and every few updates log Z from the ladder with the log-likelihood per sequence of the
training data (and of test data when given)."""
from __future__ import annotations

import torch

from seqebm.io.dataset import SequenceDataset
from seqebm.sampling.tempering import pair_acceptance
from seqebm.training.parallel import Communicator, combine

SAMPLER_COLUMNS = ["rungs", "swap_rate_min", "round_trips", "log_z", "loglik_train", "loglik_test"]


def reduce_info(infos: list[dict], comm: Communicator) -> dict:
    """Step diagnostics summed over this process's blocks, then over processes (every process gets the totals)."""
    if not infos or not infos[0]:
        return {}
    return {key: comm.all_reduce_(sum(i[key] for i in infos)) for key in infos[0]}


def sampler_row(run, info: dict, update: int, test: SequenceDataset | None) -> dict:
    """The sampler's log columns of this update (NaN where they do not apply)."""
    row = dict.fromkeys(SAMPLER_COLUMNS, float("nan"))
    if not info:
        return row
    acceptance = pair_acceptance(info)
    row["rungs"] = int(acceptance.numel()) + 1
    row["swap_rate_min"] = float(torch.nan_to_num(acceptance, nan=1.0).min())
    row["round_trips"] = float(info["round_trips"])
    if update % run.config.loglik_every == 0 or update == 1 or update == run.config.max_updates:
        row.update(log_likelihoods(run, test))
    return row


def log_likelihoods(run, test: SequenceDataset | None) -> dict:
    """log Z of the current model from the sampler's ladder, and the mean log-likelihood per sequence of the
    (weighted) training data and of the test data: log p(x) = w(x) - log Z."""
    log_z = run.sampler.log_partition(run.model, run.blocks, run.comm.all_reduce_)
    if log_z is None:
        return {}
    model = run.model
    train = combine([(share, {"w": (w / w.sum()) @ model.log_weight(s, run.config.beta)}) for share, (s, w) in
                     zip(run.data.shares, run.data.shards)], run.comm)["w"]
    out = {"log_z": log_z, "loglik_train": float(train) - log_z}
    if test is not None:
        out["loglik_test"] = float(model.log_weight(test.tensor(model.device), run.config.beta).double().mean()) - log_z
    return out
