"""Runs that can be watched and budgets that hold: log.csv grows every update, the time estimate follows the
target, --max-seconds bounds the whole run (final checks included) and a run out of time still writes its model."""
import time

import pandas as pd
import pytest

from seqebm.cli.fit import equilibrium_verdict
from seqebm.models.files import load_model
from seqebm.models.record import RunRecord
from seqebm.training import Trainer
from seqebm.training.progress import describe_remaining, time_to_target
from seqebm.training.regimes import run_within_budget
from tests.test_stepsize import planted_data

OPTIONS = dict(model="potts", k=5, n_chains=500, reweight=False, pseudocount=0.0, seed=1, device="cpu",
               warn=lambda m: None)


def test_log_csv_gains_a_row_at_every_update(tmp_path):
    _, data = planted_data()
    seen = []

    def on_update(row):
        seen.append((row["update"], len(pd.read_csv(tmp_path / "log.csv"))))

    Trainer(out_dir=tmp_path, callback=on_update, regime="pcd", max_updates=7, checkpoint_every=50, target_pearson=None,
            **OPTIONS).fit(data)
    assert seen == [(u, u) for u in range(1, 8)]
    log = pd.read_csv(tmp_path / "log.csv")
    assert list(log["update"]) == list(range(1, 8)) and log["lr"].notna().all()


def test_time_to_target_follows_the_pearson_pace():
    rows = [{"update": u, "seconds": 10.0 * u, "pearson": 0.5 + 0.01 * u} for u in range(1, 11)]
    assert time_to_target(rows, 0.95) == pytest.approx((0.95 - 0.6) / 0.01 * 10.0)
    assert time_to_target(rows, None) is None
    assert time_to_target(rows, 0.55) == 0.0
    flat = [{**r, "pearson": 0.7} for r in rows]
    assert time_to_target(flat, 0.95) is None
    assert describe_remaining(flat, 0.95, None) == "target: no estimate (Pearson not rising)"
    assert describe_remaining(rows, 0.95, 20.0) == "budget ends in 0:20"  # 20 s left, target 350 s away
    assert describe_remaining(rows, 0.95, None) == "target in ~5:50"


def test_max_seconds_bounds_the_whole_eq_run_and_the_model_is_written_unverified(tmp_path):
    _, data = planted_data()
    budget = 4.0
    start = time.perf_counter()
    result = Trainer(out_dir=tmp_path, regime="eq", max_updates=100_000, max_seconds=budget, target_pearson=0.9999,
                     **OPTIONS).fit(data)
    spent = time.perf_counter() - start
    assert result.stopped_because == "max_seconds"
    assert spent < budget + 3.0, spent  # training, the final check and the files
    record = RunRecord.from_metadata(load_model(tmp_path / "model.npz").metadata)
    assert record.sampling.equilibrium is False and record.state.stopped_because == "max_seconds"
    assert record.state.random_start_t_max is not None  # the final check ran, in the time left for it
    assert equilibrium_verdict(record).startswith("equilibrium NOT verified (no verification at the target ran)")


class _RunOutOfTime:
    """A run whose time budget has ended."""
    sampler = None
    model = None
    streams = []

    def seconds_left(self):
        return 0.0

    def out_of_time(self):
        return True


def test_a_verification_out_of_time_stops_without_running():
    assert run_within_budget(_RunOutOfTime(), [], 1000) is None
