"""Automatic chain counts grow near the target (seqebm.training.growth)."""
import pytest
import torch

import seqebm.training.data as training_data
import seqebm.training.growth as growth
from seqebm.models.record import RunRecord
from seqebm.sampling.state import ChainState
from seqebm.stats.compare import CorrelationTarget, pearson_ceiling
from seqebm.training import Trainer
from tests.exact import random_potts
from tests.test_training import dataset_of, exact_samples

CHOICES = (100, 200, 400)


@pytest.fixture
def small_choices(monkeypatch):
    """Chain counts of a size a test can afford (the production ones are 5,000 / 10,000 / 20,000)."""
    monkeypatch.setattr(training_data, "CHAIN_CHOICES", CHOICES)
    monkeypatch.setattr(growth, "CHAIN_CHOICES", CHOICES)


@pytest.fixture(scope="module")
def data():
    return dataset_of(exact_samples(random_potts(10, 3, scale=0.4, seed=3), 4000), 3)


def test_tiled_chains_are_copies_with_their_auxiliary_state():
    state = ChainState(torch.arange(6).reshape(3, 2), torch.rand(3, 4), 0.5, 7, {"rungs": torch.arange(3)[:, None] * 10})
    tiled = state.tiled(6)
    assert tiled.n_chains == 6 and tiled.steps == 7 and tiled.beta == 0.5
    assert torch.equal(tiled.visible, torch.cat([state.visible, state.visible]))
    assert torch.equal(tiled.hidden[3:], state.hidden)
    assert torch.equal(tiled.auxiliary["rungs"][:, 0], torch.tensor([0, 10, 20, 0, 10, 20]))


def test_automatic_count_grows_when_the_next_count_would_show_the_target(small_choices, data):
    warnings = []
    result = Trainer(model="potts", regime="eq", target_pearson=0.75, max_updates=60, device="cpu", reweight=False,
                     seed=0, warn=warnings.append).fit(data)
    state = RunRecord.from_metadata(result.model.metadata).state
    assert [(g["from"], g["to"]) for g in state.chain_growth] == [(200, 400)]
    event = state.chain_growth[0]
    ceilings = state.chain_ceilings
    # grown below the target, at the update whose Pearson projects onto it with the next ceiling
    before = result.log.set_index("update").loc[event["update"], "pearson"]
    assert before < 0.75 <= before * ceilings["400"] / ceilings["200"]
    assert event["projected"] == pytest.approx(before * ceilings["400"] / ceilings["200"])
    # the ceilings are those of the data resampled that many times
    target = CorrelationTarget.from_states(data.tensor(), 3, data.weights_tensor())
    resampled = pearson_ceiling(data.tensor(), 3, data.weights_tensor(), 400, target=target,
                                generator=torch.Generator().manual_seed(1))
    assert abs(ceilings["400"] - resampled) < 0.05
    assert result.chains.shape[0] == 400 and RunRecord.from_metadata(result.model.metadata).training["n_chains"] == 400
    assert result.pearson_ceiling == ceilings["400"]
    assert result.stopped_because == "target_pearson" and state.verifications[-1].passed
    # read first at the mixing time (here the 100-sweep floor halved): there already, so no further sweeps
    assert state.verifications[-1].sweeps == 50
    assert any("continuing with 400 chains" in w for w in warnings)


def test_given_chain_counts_never_grow(small_choices, data):
    result = Trainer(model="potts", regime="eq", target_pearson=0.75, n_chains=200, max_updates=40, device="cpu",
                     reweight=False, seed=0).fit(data)
    state = RunRecord.from_metadata(result.model.metadata).state
    assert not state.chain_growth and not state.chain_ceilings and result.chains.shape[0] == 200


def test_a_grown_run_resumes_with_its_grown_chains(small_choices, data, tmp_path):
    options = dict(model="potts", regime="eq", target_pearson=0.75, device="cpu", reweight=False, seed=0,
                   checkpoint_every=1)
    whole = Trainer(out_dir=tmp_path / "whole", max_updates=60, **options).fit(data)
    grown_at = RunRecord.from_metadata(whole.model.metadata).state.chain_growth[0]["update"]
    Trainer(out_dir=tmp_path / "split", max_updates=grown_at, **options).fit(data)
    resumed = Trainer.resume(tmp_path / "split", data, max_updates=60)
    assert resumed.chains.shape[0] == 400
    assert torch.equal(resumed.chains, whole.chains)
    assert torch.equal(resumed.model.couplings, whole.model.couplings)


def test_no_growth_before_the_copies_of_the_last_one_part():
    from types import SimpleNamespace

    from seqebm.models.record import TrainingState
    from seqebm.training.config import TrainConfig

    state = TrainingState(sweeps=128, mixing_time=256, chain_ceilings={"5000": 0.96},
                          chain_growth=[{"update": 59, "from": 5000, "to": 10000}])
    run = SimpleNamespace(config=TrainConfig(regime="eq", target_pearson=0.95), state=state, pearson=0.94)

    def judged(update: int, measured_at: int | None = None) -> bool:
        run.pearson_update = update if measured_at is None else measured_at
        return growth._may_grow(run, update)

    # copies are a mixing time (two updates of 128 sweeps) apart after update 61: judged again from update 62
    assert [judged(update) for update in (60, 61, 62)] == [False, False, True]
    # ... on a Pearson measured after the growth (a model measured every few updates may carry an older one)
    assert not judged(62, measured_at=59)
    run.pearson = 0.95
    assert not judged(62)  # at the target: verification, not more chains


def test_a_failed_verification_is_retried_at_once_when_more_chains_measure_it(monkeypatch):
    from types import SimpleNamespace

    from seqebm.models.record import TrainingState, Verification
    from seqebm.training.config import TrainConfig
    from seqebm.training.regimes import EqRegime

    monkeypatch.setattr(EqRegime, "chains_from_random", lambda self, run, sweeps, early_target=None: ([], 0.96, sweeps))
    failed = [Verification(62, 512, 0.945, False)]
    for growth_events, expected in (([], None), ([{"update": 63, "from": 10000, "to": 20000}], "target_pearson")):
        state = TrainingState(sweeps=128, mixing_time=256, verifications=list(failed), chain_growth=growth_events)
        run = SimpleNamespace(config=TrainConfig(regime="eq", target_pearson=0.95), state=state, warn=print)
        assert EqRegime().at_target(run, 64) == expected


def test_growth_goes_to_the_smallest_count_that_would_show_the_target(small_choices, monkeypatch):
    from types import SimpleNamespace

    from seqebm.models.record import TrainingState
    from seqebm.training.config import TrainConfig

    monkeypatch.setattr(growth, "_fits", lambda run, n_chains, update: True)
    ceilings = {"100": 0.90, "200": 0.93, "400": 0.96}
    # 0.80 would show 0.827 / 0.853 on 200 / 400 chains, 0.83 0.858 / 0.885, 0.86 0.889 / 0.917
    for pearson, expected in ((0.80, None), (0.83, 400), (0.86, 200)):
        blocks = [ChainState(torch.zeros(100, 4, dtype=torch.long))]
        state = TrainingState(sweeps=4, mixing_time=8, chain_ceilings=dict(ceilings))
        run = SimpleNamespace(config=TrainConfig(regime="eq", target_pearson=0.88), state=state, pearson=pearson,
                              pearson_update=10, n_chains=100, n_blocks=1, blocks=blocks, per_block=100, warn=print)
        grown = growth.grow_chains_(run, 10)
        assert grown == (expected is not None)
        assert run.blocks[0].n_chains == (expected or 100)
        if expected:
            assert state.chain_growth[-1]["to"] == expected and state.pearson_ceiling == ceilings[str(expected)]


def test_chains_from_random_are_read_at_the_mixing_time_then_at_twice_it(monkeypatch):
    from types import SimpleNamespace

    import seqebm.training.regimes as regimes
    from seqebm.training.regimes import EqRegime

    for readings, early, expected_runs, expected in (([0.93, 0.96], 0.95, [256, 256], (0.96, 512)),
                                                     ([0.955], 0.95, [256], (0.955, 256)),
                                                     ([0.955], None, [512], (0.955, 512))):
        ran, values = [], iter(readings)
        monkeypatch.setattr(regimes, "run_within_budget", lambda run, blocks, sweeps: ran.append(sweeps) or blocks)
        monkeypatch.setattr(regimes, "init_chains", lambda *args, **kwargs: None)
        run = SimpleNamespace(per_block=4, model=SimpleNamespace(length=3, q=2, device="cpu"),
                              streams=[SimpleNamespace(generator=None)],
                              sampler=SimpleNamespace(init=lambda model, states, stream: "chains"),
                              block_pearson=lambda blocks: next(values))
        fresh, pearson, sweeps = EqRegime().chains_from_random(run, 512, early_target=early)
        assert ran == expected_runs and (pearson, sweeps) == expected and fresh == ["chains"]
