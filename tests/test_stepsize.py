"""Automatic step-size control: the detector on known series, the rate it sets, and a training it rescues."""
import math

import numpy as np
import pytest

from seqebm.training import Trainer
from seqebm.training.stepsize import (
    DOWN, MIN_SCALE, RESTORE_WINDOW, UP, WINDOW, Trend, diagnose, next_step_size, settled_rows,
)
from tests.exact import random_potts
from tests.test_training import dataset_of, exact_samples


def rows_of(pearson, slope=None, grad=None, start=1):
    n = len(pearson)
    slope = slope if slope is not None else [1.0] * n
    grad = grad if grad is not None else [0.0] * n
    return [{"update": start + i, "pearson": p, "slope": s, "log_grad_norm": g, "sweeps": 10}
            for i, (p, s, g) in enumerate(zip(pearson, slope, grad))]


def test_trend_measures_swings_and_progress():
    swing = Trend.of([0.5, 0.7, 0.5, 0.7, 0.5, 0.7])
    assert swing.alternation == 1.0 and swing.amplitude == pytest.approx(0.2) and swing.efficiency == pytest.approx(0.2)
    rise = Trend.of([0.1, 0.2, 0.3, 0.4])
    assert rise.alternation == 0.0 and rise.efficiency == pytest.approx(1.0) and rise.net == pytest.approx(0.3)


def test_diagnosis_of_period_two_swings_falls_and_growing_gradients():
    assert diagnose(rows_of([0.45, 0.71, 0.46, 0.70, 0.45, 0.71])).startswith("Pearson swings")
    assert diagnose(rows_of([0.9, 0.88, 0.86, 0.84, 0.83, 0.80])).startswith("Pearson falls")
    assert diagnose(rows_of([0.9] * 6, slope=[1.5, 0.07, 1.5, 0.07, 1.5, 0.07])).startswith("correlation slope")
    assert diagnose(rows_of([0.5, 0.5, 0.5, 0.49, 0.49, 0.48], grad=[0.0, 0.3, 0.6, 0.9, 1.2, 1.5])).startswith("gradient")
    # not a problem: steady progress, measurement noise, a growing gradient while the Pearson rises or stays at its
    # ceiling (near convergence the gradient is noise), too few rows
    assert diagnose(rows_of([1.0] * 6, grad=[-3.0, -2.5, -2.0, -1.5, -1.0, -0.5])) is None
    assert diagnose(rows_of([0.3, 0.4, 0.5, 0.6, 0.7, 0.8])) is None
    noise = 0.93 + 0.002 * np.random.default_rng(0).standard_normal(40)
    assert all(diagnose(rows_of(list(noise[i:i + WINDOW]))) is None for i in range(34))
    assert diagnose(rows_of([0.3, 0.4, 0.5, 0.6, 0.7, 0.8], grad=[0.0, 0.3, 0.6, 0.9, 1.2, 1.5])) is None
    assert diagnose(rows_of([0.45, 0.71, 0.46, 0.70, 0.45])) is None


def test_rows_after_an_event_are_judged_alone():
    swinging = rows_of([0.45, 0.71, 0.46, 0.70, 0.45, 0.71, 0.46, 0.72])
    assert [r["update"] for r in settled_rows(swinging, 5)] == [7, 8]
    assert next_step_size(swinging, 5, 0.02, []) is None  # the swing happened before the event
    change = next_step_size(swinging, 0, 0.02, [])
    assert change.lr == pytest.approx(0.02 * DOWN) and change.reason.startswith("Pearson swings")


def test_the_rate_is_restored_after_smooth_progress_but_never_to_a_rate_that_swung():
    smooth = rows_of(list(np.linspace(0.3, 0.8, RESTORE_WINDOW + 2)), start=20)
    halved_twice = [{"update": 5, "lr": 0.01, "reason": "Pearson swings by 0.2 per update"},
                    {"update": 12, "lr": 0.005, "reason": "Pearson swings by 0.1 per update"}]
    up = next_step_size(smooth, 12, 0.02, halved_twice)
    assert up.lr == pytest.approx(0.005 * UP) and up.reason.startswith("smooth")
    # 0.01 swung: the rate may come back to 0.01 / sqrt(2), not to 0.01
    again = next_step_size(smooth, 12, 0.02, [*halved_twice, {"update": 13, "lr": 0.005 * UP, "reason": "smooth"}])
    assert again is None
    # a manual rate (resume with --lr) has no reason: it is the new base, and nothing restores above it
    assert next_step_size(smooth, 12, 0.003, [{"update": 12, "lr": 0.003}]) is None
    # the floor
    floor = [{"update": 12, "lr": 0.02 * MIN_SCALE, "reason": "Pearson swings"}]
    assert next_step_size(rows_of([0.45, 0.71] * 5, start=14), 12, 0.02, floor) is None


def planted_data():
    truth = random_potts(8, 3, scale=0.8, seed=3)
    return truth, dataset_of(exact_samples(truth, 20000), 3)


def test_training_that_swings_is_rescued_and_resumes_with_the_rate_it_reached(tmp_path):
    """SGD at a rate far too large for persistent chains: without control the Pearson swings to the end; with it
    the rate falls, the log and the model file record each change, and a resumed run continues at the last rate."""
    truth, data = planted_data()
    options = dict(model="potts", regime="eq", k=5, n_chains=1000, optimizer="sgd", lr=5.0, target_pearson=None,
                   reweight=False, pseudocount=0.0, seed=1, device="cpu", mix_check_every=25, warn=lambda m: None)
    wild = Trainer(lr_control=False, max_updates=40, **options).fit(data)
    assert wild.log["lr"].eq(5.0).all()
    calm = Trainer(out_dir=tmp_path, lr_control=True, max_updates=40, checkpoint_every=20, **options).fit(data)
    changes = calm.model.metadata["training"]["lr_changes"]
    assert changes and changes[0]["lr"] == pytest.approx(2.5) and all("reason" in c for c in changes)
    last = calm.log["pearson"].iloc[-10:]
    assert (last.diff().abs().mean() < wild.log["pearson"].iloc[-10:].diff().abs().mean() / 2)
    assert last.mean() > wild.log["pearson"].iloc[-10:].mean()
    for update, lr in zip(calm.log["update"], calm.log["lr"]):  # the log's rate is the one in force at each step
        in_force = [c["lr"] for c in changes if c["update"] < update]
        assert lr == pytest.approx(in_force[-1] if in_force else 5.0)
    resumed = Trainer.resume(tmp_path, data, max_updates=60, warn=lambda m: None)
    assert resumed.log["lr"].iloc[40] == pytest.approx(changes[-1]["lr"])
    assert not math.isnan(resumed.pearson)


def test_events_include_sweep_and_ladder_changes_but_not_missing_columns():
    from seqebm.training.run import _changed

    nan = float("nan")
    assert not _changed({"sweeps": 10, "rungs": nan}, {"sweeps": 10, "rungs": nan}, "sweeps", "rungs")
    assert _changed({"sweeps": 10, "rungs": 2.0}, {"sweeps": 10, "rungs": 4.0}, "sweeps", "rungs")
    assert _changed({"sweeps": 10, "rungs": nan}, {"sweeps": 32, "rungs": nan}, "sweeps", "rungs")


def test_a_ladder_that_grows_every_update_halves_the_rate_although_each_rung_is_an_event():
    """Tempering: a rung added at each of 4 updates means each step moves the model beyond the swap target. The
    other rules restart their window at every new rung (the chains changed); this one reads the rows since the
    last rate change, so it sees the growth."""
    rows = [{**row, "rungs": rungs} for row, rungs in zip(rows_of([0.5, 0.9, 0.6, 0.95, 0.7, 0.97]), [3, 3, 4, 5, 6, 8])]
    change = next_step_size(rows, 5, 0.05, [])  # the last rung came at update 6: the usual window is empty
    assert change.lr == pytest.approx(0.025) and "ladder grew" in change.reason and "8 rungs" in change.reason
    # three growing updates, or growth before the last rate change, are not enough
    assert next_step_size(rows[:5], 4, 0.05, []) is None
    assert next_step_size(rows, 5, 0.05, [{"update": 3, "lr": 0.025, "reason": "ladder"}]) is None
    steady = [{**row, "rungs": 6} for row in rows]
    assert next_step_size(steady, 0, 0.05, []) is None


def test_slow_cycles_of_the_slope_are_caught_and_drifts_or_noise_are_not():
    from seqebm.training.stepsize import CYCLE_WINDOW

    # measured on the 8x8 Ising data (eq, tempered chains, Adam 0.01): a cycle of ~10 updates, not a period-2 swing
    measured = [1.05, 0.73, 0.58, 0.68, 0.86, 1.10, 1.21, 1.20, 1.14, 0.99, 0.81, 0.73]
    assert len(measured) == CYCLE_WINDOW
    assert diagnose(rows_of([0.998] * 12, slope=measured)).startswith("correlation slope cycles")
    assert diagnose(rows_of([0.998] * 11, slope=measured[:11])) is None  # fewer rows than a window
    # a slow steady drift of the slope, and a slope that wanders by its noise, are not cycles
    assert diagnose(rows_of([0.95] * 12, slope=list(np.linspace(0.8, 1.0, 12)))) is None
    noise = 0.92 + 0.02 * np.random.default_rng(1).standard_normal(60)
    assert all(diagnose(rows_of([0.94] * 12, slope=list(noise[i:i + 12]))) is None for i in range(48))
