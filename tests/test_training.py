import numpy as np
import pytest
import torch

from seqebm import ConfigError, Potts, SequenceDataset, TrainingDiverged
from seqebm.io import get_alphabet
from seqebm.sampling import RandomStream, sample
from seqebm.training import Trainer, fit, mixing_test
from tests.exact import all_states, random_potts, random_rbm


def exact_samples(model: Potts, n: int, seed: int = 0) -> torch.Tensor:
    """i.i.d. samples of a tiny Potts model drawn from its exactly enumerated distribution."""
    states = all_states(model.length, model.q)
    p = torch.softmax(-model.energy(states).double(), 0)
    rows = torch.multinomial(p, n, replacement=True, generator=torch.Generator().manual_seed(seed))
    return states[rows]


def dataset_of(states: torch.Tensor, q: int) -> SequenceDataset:
    alphabet = get_alphabet("".join("ABCDEFGH"[:q]))
    return SequenceDataset(states.numpy(), alphabet, [f"s{i}" for i in range(len(states))])


def test_planted_potts_recovered_in_eq_regime():
    truth = random_potts(5, 3, scale=0.5, seed=11)
    data = dataset_of(exact_samples(truth, 100_000), 3)
    result = fit(data, model="potts", regime="eq", k=5, n_chains=8000, lr=0.2, max_updates=250, target_pearson=None,
                 reweight=False, pseudocount=0.0, seed=1, device="cpu", mix_check_every=25)
    learned = result.model.zero_sum_gauge()
    reference = truth.zero_sum_gauge()
    err = (learned.couplings - reference.couplings).abs().max().item()
    field_err = (learned.fields - reference.fields).abs().max().item()
    assert err < 0.1, err
    assert field_err < 0.15, field_err
    assert result.log["mixing_time"].notna().any()


def ferromagnet(length: int, coupling: float) -> Potts:
    j = torch.full((length, length), coupling)
    return Potts.from_ising(torch.zeros(length), j)


def test_mixing_diagnostic_flags_frozen_chains_and_passes_mixed_ones():
    gen = torch.Generator().manual_seed(0)
    cold = ferromagnet(30, 0.5)  # deep in the ordered phase: chains freeze in +/- states
    chains = sample(cold, 1000, 20, seed=0)
    result = mixing_test(cold, chains, t_max=1, generator=gen)
    assert not result.passed and result.self_overlap > result.cross_overlap + 0.2
    result = mixing_test(cold, chains, t_max=64, generator=gen)
    assert not result.passed
    hot = ferromagnet(30, 0.01)
    result = mixing_test(hot, sample(hot, 1000, 1, seed=0), t_max=16, generator=gen)
    assert result.passed and result.mixing_time <= 4


def test_weights_equal_duplicated_rows_potts_and_rbm():
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 3, (30, 4), generator=g)
    counts = torch.randint(1, 4, (30,), generator=g)
    dup = x.repeat_interleave(counts, 0)
    model = random_potts(4, 3)
    chains = model.statistics(torch.randint(0, 3, (50, 4), generator=g))
    a = model.gradient(model.statistics(x, counts.float()), chains)
    b = model.gradient(model.statistics(dup), chains)
    for name in a:
        torch.testing.assert_close(a[name], b[name])
    for q in (None, 3):
        rbm = random_rbm(4, 3, q)
        xs = x if q else x.clamp(max=1)
        dups = dup if q else dup.clamp(max=1)
        cm = rbm.statistics(torch.randint(0, rbm.q, (40, 4), generator=g))
        for centered in (False, True):
            a = rbm.gradient(rbm.statistics(xs, counts.float()), cm, centered=centered)
            b = rbm.gradient(rbm.statistics(dups), cm, centered=centered)
            for name in a:
                torch.testing.assert_close(a[name], b[name])


def test_rbm_moments_use_hidden_probabilities():
    rbm = random_rbm(6, 3, None)
    v = torch.randint(0, 2, (20, 6))
    m = rbm.statistics(v)
    ph = rbm.hidden_probabilities(v)
    torch.testing.assert_close(m["weights"], v.float().T @ ph / 20)
    torch.testing.assert_close(m["hidden_bias"], ph.mean(0))


@pytest.mark.parametrize("regime", ["pcd", "eq", "rdm"])
def test_resume_gives_the_same_parameters(tmp_path, regime):
    truth = random_potts(5, 3, seed=2)
    data = dataset_of(exact_samples(truth, 2000), 3)
    opts = dict(model="potts", regime=regime, k=3, n_chains=300, lr=0.1, target_pearson=None, seed=4, device="cpu",
                mix_check_every=3, checkpoint_every=4, optimizer="adam")
    straight = Trainer(out_dir=tmp_path / "a", max_updates=12, **opts).fit(data)
    Trainer(out_dir=tmp_path / "b", max_updates=6, **opts).fit(data)
    resumed = Trainer(out_dir=tmp_path / "b", max_updates=12, **opts).fit(data, resume=True)
    for name, tensor in straight.model.tensors().items():
        assert torch.equal(tensor, resumed.model.tensors()[name]), name
    assert list(resumed.log["update"]) == list(range(1, 13))
    np.testing.assert_allclose(resumed.log["pearson"], straight.log["pearson"])


def test_resume_refuses_changed_dynamics(tmp_path):
    data = dataset_of(exact_samples(random_potts(4, 3), 500), 3)
    opts = dict(model="potts", n_chains=100, target_pearson=None, device="cpu", max_updates=3)
    Trainer(out_dir=tmp_path, regime="pcd", k=2, **opts).fit(data)
    with pytest.raises(ConfigError, match="k=5"):
        Trainer(out_dir=tmp_path, regime="pcd", k=5, **{**opts, "max_updates": 6}).fit(data, resume=True)


def test_rbm_rdm_training_improves_and_records_dynamics():
    g = torch.Generator().manual_seed(0)
    couplings = torch.randn(10, 10, generator=g) * 0.4
    truth = Potts.from_ising(torch.zeros(10), (couplings + couplings.T) / 2)  # correlated binary data
    v = exact_samples(truth, 5000)
    data = SequenceDataset(v.numpy(), get_alphabet("binary"), [f"s{i}" for i in range(5000)], kind="genotypes")
    result = fit(data, model="rbm", hidden=8, regime="rdm", k=10, n_chains=2000, lr=0.3, max_updates=400,
                 target_pearson=None, reweight=False, seed=0, device="cpu")
    assert result.log["pearson"].iloc[0] < 0.5
    assert result.pearson > 0.8
    assert result.model.metadata["sampling"] == {"k": 10, "init": "random", "beta": 1.0, "equilibrium": False, "sampler": "gibbs"}
    assert result.model.metadata["training"]["regime"] == "rdm"


def test_divergence_is_caught_with_update_number():
    data = dataset_of(exact_samples(random_potts(4, 3), 500), 3)
    with pytest.raises(TrainingDiverged, match="update"):
        fit(data, model="potts", regime="pcd", n_chains=100, lr=1e6, max_updates=20, target_pearson=None,
            divergence_bound=50.0, device="cpu")


@pytest.mark.parametrize(
    "options, message",
    [({"regime": "sa"}, "unknown regime"), ({"model": "vae"}, "unknown model"), ({"k": 0}, "k must"),
     ({"lr": -1}, "lr must"), ({"optimizer": "lbfgs"}, "unknown optimizer"), ({"bogus": 1}, "unknown training option")],
)
def test_invalid_options_are_errors(options, message):
    with pytest.raises(ConfigError, match=message):
        Trainer(**options)


def test_pearson_ceiling_warning():
    data = dataset_of(exact_samples(random_potts(6, 3, scale=0.3), 3000), 3)
    warnings = []
    Trainer(model="potts", n_chains=50, target_pearson=0.99, max_updates=1, device="cpu", warn=warnings.append).fit(data)
    assert warnings and "ceiling" in warnings[0]


def test_top_level_api():
    import seqebm
    import seqebm.training

    assert seqebm.fit is seqebm.training.fit and seqebm.load is seqebm.load_model
    data = dataset_of(exact_samples(random_potts(4, 3), 300), 3)
    result = seqebm.fit(data, regime="rdm", k=2, n_chains=100, max_updates=2, target_pearson=None, device="cpu")
    assert result.model.kind == "potts" and len(result.log) == 2


def test_divergence_keeps_the_last_good_checkpoint(tmp_path):
    """SGD at lr 40 on this model overshoots more at every update until |J| passes the bound at update 7."""
    from seqebm import load_model

    data = dataset_of(exact_samples(random_potts(4, 3), 500), 3)
    with pytest.raises(TrainingDiverged, match=r"at update 7: couplings .*last good checkpoint .*checkpoint.npz \(update 6\)"):
        fit(data, out_dir=tmp_path, model="potts", regime="pcd", n_chains=100, target_pearson=None, checkpoint_every=2,
            divergence_bound=50.0, device="cpu", optimizer="sgd", seed=1, lr=40, l2=0.0, max_updates=60)
    kept = load_model(tmp_path / "checkpoint.npz")
    assert kept.metadata["training_state"]["update"] == 6
    assert torch.isfinite(kept.couplings).all() and kept.couplings.abs().max() <= 50
    assert not (tmp_path / "model.npz").exists()  # no model file from a diverged run


def test_random_start_check_catches_chains_stuck_in_one_mode():
    """A Curie-Weiss ferromagnet (beta J = 3, weak field): chains started all-down stay in the down mode and pass the
    t vs t/2 test, but chains from random split between both modes; the random-start check sees it. Chains drawn at
    equilibrium pass it."""
    from seqebm.training.mixing import equilibration_from_random, mixing_test

    length = 16
    couplings = torch.full((length, length), 3.0 / length).fill_diagonal_(0)
    model = Potts.from_ising(torch.full((length,), 0.05), couplings)
    gen = torch.Generator().manual_seed(0)
    stuck, _ = model.gibbs(torch.zeros(500, length, dtype=torch.long), 20, stream=RandomStream(gen))
    assert mixing_test(model, stuck, 16, generator=gen).passed
    result = equilibration_from_random(model, stuck, 64, generator=gen)
    assert not result.passed and result.table[-1]["max_site_z"] > 10
    equilibrium = sample(model, 500, 2000, seed=1)
    result = equilibration_from_random(model, equilibrium, 64, generator=gen)
    assert result.passed and result.time <= 16


def test_pcd_end_check_says_whether_the_persistent_chains_kept_up():
    """pcd's end check: on weakly coupled data the persistent chains decorrelate within 2k sweeps (kept up); on a
    two-mode Curie-Weiss ferromagnet (beta J = 3) Gibbs chains do not cross between the modes, however well their
    statistics match the data (Pearson ~1): "equilibrium not established" (not decorrelated, statistics held), with
    the figures in the model file; the check can be turned off."""
    weak = dataset_of(exact_samples(random_potts(5, 3), 2000), 3)
    result = fit(weak, model="potts", regime="pcd", k=2, n_chains=400, max_updates=15, target_pearson=None,
                 reweight=False, seed=0, device="cpu")
    check = result.model.metadata["training_state"]["persistence_check"]
    assert check["kept_up"] and check["mixing_time"] <= 4 and check["sweeps"] == 32 and check["n_chains"] == 400
    assert 0 < check["pearson_before"] <= 1 and 0 < check["pearson_after"] <= 1

    length = 16
    cold = Potts.from_ising(torch.zeros(length), torch.full((length, length), 3.0 / length).fill_diagonal_(0))
    two_modes = dataset_of(sample(cold, 2000, 3000, seed=1), 2)
    warnings = []
    result = fit(two_modes, model="potts", regime="pcd", k=8, n_chains=400, max_updates=30, target_pearson=None,
                 reweight=False, seed=0, device="cpu", lr=0.05, warn=warnings.append)
    check = result.model.metadata["training_state"]["persistence_check"]
    assert not check["kept_up"] and check["mixing_time"] is None and check["sweeps"] == 128
    assert check["pearson_after"] > 0.99 and not check["lagged"]  # the statistics match: only the mixing test sees it
    assert any("pcd-8: equilibrium not established" in w and "more than 128 sweeps" in w for w in warnings)
    with pytest.warns(UserWarning, match="pcd-8 whose persistent chains did not decorrelate between updates"):
        sample(result.model, 10, seed=0)
    result = fit(two_modes, model="potts", regime="pcd", k=8, n_chains=400, max_updates=3, target_pearson=None,
                 reweight=False, seed=0, device="cpu", persistence_check=False)
    assert "persistence_check" not in result.model.metadata["training_state"]


def test_pcd_end_check_outcomes():
    """Kept up within 2k sweeps whatever the drift; otherwise lagged only when the Pearson moved at fixed parameters
    by more than three measurement noises (either way: chains behind a model that sharpened, or behind one still
    moving towards the data)."""
    from seqebm.training.regimes import persistence_outcome, persistence_verdict

    assert persistence_outcome(16, 8, 0.9, 0.5) == {"kept_up": True, "lagged": False}
    assert persistence_outcome(32, 8, 0.9, 0.89) == {"kept_up": False, "lagged": False}
    assert persistence_outcome(None, 8, 0.66, 0.46) == {"kept_up": False, "lagged": True}
    assert persistence_outcome(64, 8, 0.24, 0.28) == {"kept_up": False, "lagged": True}
    check = {"sweeps": 256, "mixing_time": None, "n_chains": 1000, "pearson_before": 0.665, "pearson_after": 0.457,
             **persistence_outcome(None, 10, 0.665, 0.457)}
    line = persistence_verdict(check, 10)
    assert line.startswith("pcd-10 trained OUT OF EQUILIBRIUM") and "0.665 to 0.457" in line and "more than 256" in line
    # a model file whose record lacks the figures (or holds other types) loads without the check, not with a crash later
    from seqebm.models.record import TrainingState

    assert TrainingState.from_dict({"update": 3, "persistence_check": check}).persistence_check == check
    for broken in ({"kept_up": False}, [1], {**check, "pearson_after": "x"}):
        assert TrainingState.from_dict({"update": 3, "persistence_check": broken}).persistence_check is None


def test_eq_training_records_the_random_start_time_and_samples_longer():
    data = dataset_of(exact_samples(random_potts(5, 3), 2000), 3)
    result = fit(data, model="potts", regime="eq", k=2, n_chains=400, max_updates=15, target_pearson=None, reweight=False,
                 seed=0, device="cpu", mix_check_every=5)
    state = result.model.metadata["training_state"]
    sampling = result.model.metadata["sampling"]
    assert state["random_start_time"] is not None and sampling["equilibrium"] is True
    assert sampling["k"] >= max(2 * state["random_start_time"], 2 * state["mixing_time"], 100)


def test_eq_target_is_verified_from_random_starts():
    data = dataset_of(exact_samples(random_potts(5, 3), 2000), 3)
    result = fit(data, model="potts", regime="eq", k=2, n_chains=2000, max_updates=200, target_pearson=0.9, reweight=False,
                 seed=0, device="cpu", mix_check_every=5, lr=0.05)
    state = result.model.metadata["training_state"]
    assert state["stopped_because"] == "target_pearson"
    check = state["verifications"][-1]
    assert check["passed"] and check["pearson_from_random"] >= 0.89 and check["update"] == state["update"]
    assert result.model.metadata["sampling"]["k"] >= check["sweeps"]


def test_failed_verifications_continue_training_then_stop_unverified(monkeypatch):
    from seqebm.sampling import ChainState
    from seqebm.training.regimes import EqRegime

    calls = []

    def failing(self, run, sweeps, early_target=None):
        calls.append(run.rows[-1]["update"])
        fresh = [ChainState(torch.zeros(run.per_block, run.model.length, dtype=torch.long)) for _ in run.streams]
        return fresh, 0.4, sweeps  # "where random starts go", and the Pearson they reach (below the target)

    monkeypatch.setattr(EqRegime, "chains_from_random", failing)
    data = dataset_of(exact_samples(random_potts(5, 3), 2000), 3)
    result = fit(data, model="potts", regime="eq", k=2, n_chains=500, max_updates=300, target_pearson=0.5, reweight=False,
                 seed=0, device="cpu", max_verifications=3, random_start_check=False)
    state = result.model.metadata["training_state"]
    assert len(calls) == 3 and state["stopped_because"] == "target_pearson_unverified"
    assert all(b - a >= 10 for a, b in zip(calls, calls[1:])), calls  # retried only after mix_check_every updates
    assert [v["passed"] for v in state["verifications"]] == [False] * 3
    assert result.model.metadata["sampling"]["equilibrium"] is False


def test_random_start_agreement_handles_saturated_sites():
    """A site whose state never varies (frequency 0 or 1 in both sets) must count as agreeing, not as NaN."""
    from seqebm.training.mixing import _agreement

    sums = torch.tensor([100.0, 5.0, 1.0, 100.0, 0.0, 0.0, 100.0], dtype=torch.float64)  # n, sum E, sum E^2, counts
    result = _agreement(sums, sums.clone(), 3.0)
    assert result["agree"] and result["max_site_z"] == 0.0


def test_default_l2_caps_couplings_of_pairs_the_chains_never_visit():
    """A pair seen in the data (frequency f) but never by the chains: without a penalty Adam raises its coupling by
    about lr every update, without bound; with the persistent-regime default L2 it settles at f / l2."""
    from seqebm.models.potts import PERSISTENT_POTTS_L2
    from seqebm.training.config import TrainConfig
    from seqebm.training.optim import Optimizer

    assert TrainConfig(regime="eq", model="potts").resolve().l2 == PERSISTENT_POTTS_L2
    assert TrainConfig(regime="pcd").resolve("msa", 50).l2 == PERSISTENT_POTTS_L2
    assert TrainConfig(regime="rdm").resolve().l2 == 0.0
    assert TrainConfig(regime="eq", model="rbm").resolve().l2 == 0.0
    assert TrainConfig(regime="eq", l2=0.0).resolve().l2 == 0.0
    assert TrainConfig(regime="eq").l2 is None  # resolving returns a new config, never changes the caller's

    f = 2e-4  # one sequence in M_eff = 5,000
    final = {}
    for l2 in (0.0, PERSISTENT_POTTS_L2):
        model = Potts.zeros(3, 2)
        data = {"fields": torch.zeros(3, 2), "couplings": torch.zeros(3, 2, 3, 2)}
        data["couplings"][0, 1, 2, 1] = data["couplings"][2, 1, 0, 1] = f
        chains = {"fields": torch.zeros(3, 2), "couplings": torch.zeros(3, 2, 3, 2)}
        optimizer = Optimizer("adam", 0.02)
        for _ in range(400):
            optimizer.step(model.tensors(), model.gradient(data, chains, l2=l2))
        final[l2] = float(model.couplings[0, 1, 2, 1])
    assert final[0.0] == pytest.approx(0.02 * 400, rel=0.02)  # grows by lr per update
    assert final[PERSISTENT_POTTS_L2] == pytest.approx(f / PERSISTENT_POTTS_L2, rel=0.05)


def test_resume_api_takes_options_from_the_checkpoint(tmp_path, tiny_msa):
    """seqebm.fit(..., resume=True) and Trainer.resume behave as `seqebm fit --resume`: options not given come from
    the checkpoint, the data file from its record; the result equals an uninterrupted run."""
    import seqebm

    opts = dict(model="potts", regime="pcd", k=3, n_chains=200, lr=0.05, target_pearson=None, seed=4, device="cpu",
                checkpoint_every=4)
    straight = seqebm.fit(tiny_msa, out_dir=tmp_path / "a", max_updates=10, **opts)
    seqebm.fit(tiny_msa, out_dir=tmp_path / "b", max_updates=6, **opts)
    resumed = seqebm.fit(tiny_msa, out_dir=tmp_path / "b", resume=True, max_updates=10)  # nothing else given
    for name, tensor in straight.model.tensors().items():
        assert torch.equal(tensor, resumed.model.tensors()[name]), name
    seqebm.fit(tiny_msa, out_dir=tmp_path / "c", max_updates=6, **opts)
    again = Trainer.resume(tmp_path / "c", max_updates=10)  # the data file recorded in the checkpoint
    assert torch.equal(again.model.couplings, straight.model.couplings)
    assert again.config.k == 3 and again.config.n_chains == 200 and again.config.regime == "pcd"
    with pytest.raises(ConfigError, match="cannot resume with k=5"):
        Trainer.resume(tmp_path / "c", max_updates=12, k=5)


def test_a_trainer_object_fits_again_after_an_interruption(tmp_path):
    """Per-fit state is reset: a signal received during one fit does not stop the next one."""
    data = dataset_of(exact_samples(random_potts(4, 3), 500), 3)
    trainer = Trainer(out_dir=tmp_path, model="potts", regime="pcd", n_chains=100, target_pearson=None, device="cpu", max_updates=5)
    trainer._stop_signal = 2  # as left by an interrupted fit
    assert len(trainer.fit(data).log) == 5


def test_validation_never_changes_the_callers_config():
    from seqebm.training.config import TrainConfig

    config = TrainConfig(regime="eq", optimizer="sgd")
    trainer = Trainer(config, model="potts")
    assert config.lr is None and config.l2 is None and config.model is None
    assert trainer.config.lr is None  # resolved per fit, from the data
    resolved = config.resolve("msa", 50)
    assert (resolved.lr, resolved.l2, resolved.model) == (0.05, 5e-4, "potts")
    assert config.with_options(optimizer="adam").resolve().lr == 0.02  # no stale lr carried over
    with pytest.raises(Exception):
        config.lr = 1.0  # frozen


def test_a_stop_agreed_by_the_processes_checkpoints_and_stops_every_process(tmp_path):
    """In a distributed run, another process's signal reaches this one through the all-reduce of the stop flags:
    this process then checkpoints and stops too, though it received no signal itself."""
    from seqebm.training.parallel import Communicator
    from seqebm.training.trainer import TrainingInterrupted

    class OtherRankSignalled(Communicator):
        calls = 0

        def all_reduce_(self, tensor, op="sum"):
            if op == "max":
                self.calls += 1
                if self.calls == 3:  # the flags of update 3: another process got SIGTERM
                    tensor[0] = 15
            return tensor

    data = dataset_of(exact_samples(random_potts(4, 3), 500), 3)
    trainer = Trainer(out_dir=tmp_path, comm=OtherRankSignalled(), model="potts", regime="pcd", n_chains=100,
                      target_pearson=None, device="cpu", max_updates=10, checkpoint_every=100)
    with pytest.raises(TrainingInterrupted, match="signal 15 at update 3"):
        trainer.fit(data)
    from seqebm import load_model

    assert load_model(tmp_path / "checkpoint.npz").metadata["training_state"]["update"] == 3


def test_resume_checks_the_data_and_keeps_recorded_options(tmp_path):
    """Other data are refused; divergence_bound comes from the checkpoint, max_seconds (a per-launch budget) does
    not; every field of a config object counts as given."""
    from seqebm.training.config import TrainConfig

    data = dataset_of(exact_samples(random_potts(4, 3), 500), 3)
    opts = dict(model="potts", regime="pcd", k=2, n_chains=100, target_pearson=None, device="cpu", checkpoint_every=2)
    Trainer(out_dir=tmp_path, max_updates=4, divergence_bound=50.0, max_seconds=1000.0, **opts).fit(data)
    with pytest.raises(ConfigError, match="not those the run was trained on"):
        Trainer.resume(tmp_path, data.subset(np.arange(400)), max_updates=6)
    result = Trainer.resume(tmp_path, data, max_updates=6)
    assert result.config.divergence_bound == 50.0 and result.config.max_seconds is None
    with pytest.raises(ConfigError, match="cannot resume with k=10"):  # k=10 is the default, but given in the config
        Trainer(TrainConfig(**{**opts, "k": 10, "max_updates": 8}), out_dir=tmp_path).fit(data, resume=True)
    assert TrainConfig(target_pearson=0).target_pearson is None


def test_default_optimizer_depends_on_model_data_and_regime():
    """SGD for RBMs of binary data with persistent chains (where Adam does not learn, see RBM.persistent_optimizer),
    Adam otherwise; a given optimizer is kept, and the learning rate follows the optimizer chosen."""
    from seqebm.training.config import TrainConfig

    for regime in ("pcd", "eq"):
        binary = TrainConfig(regime=regime, model="rbm").resolve("genotypes", 805, 2)
        assert (binary.optimizer, binary.lr) == ("sgd", 0.05)
        protein = TrainConfig(regime=regime, model="rbm").resolve("msa", 112, 21)
        assert (protein.optimizer, protein.lr) == ("adam", 0.02)
        assert TrainConfig(regime=regime, model="potts").resolve("spins", 64, 2).optimizer == "adam"
    assert TrainConfig(regime="rdm", model="rbm").resolve("genotypes", 805, 2).optimizer == "adam"
    assert TrainConfig(regime="eq", model="rbm", optimizer="adam").resolve("genotypes", 805, 2).optimizer == "adam"
    assert TrainConfig(regime="eq", model="rbm").optimizer is None  # resolving never changes the caller's config
