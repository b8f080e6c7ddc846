"""Parallel tempering (PT) and parallel trajectory tempering (PTT) sample multimodal distributions exactly where
Gibbs does not, and bridge log Z from the bottom rung (checked against exact enumeration)."""
from __future__ import annotations

import math

import pytest
import torch

from seqebm.models import RBM, Potts
from seqebm.sampling import ChainState, GibbsSampler, PTSampler, PTTSampler, RandomStream, sample
from seqebm.sampling.registry import recorded_sampler
from seqebm.sampling.tempering import pair_acceptance
from seqebm.stats import site_frequencies
from tests.exact import all_states

N_CHAINS = 4000


def curie_weiss(length: int = 12, coupling: float = 4.0, field: float = 0.03) -> Potts:
    """A ferromagnet deep in its ordered phase: two basins (mostly up / mostly down), the up one favoured."""
    j = torch.full((length, length), coupling / length)
    j.fill_diagonal_(0)
    return Potts.from_ising(torch.full((length,), field), j)


def three_cluster_rbm() -> tuple[RBM, torch.Tensor]:
    """12 Bernoulli visibles, 3 hidden units each switching on its own block of 4 sites: three well-separated modes."""
    weights = torch.full((12, 3), -4.0)
    for mu in range(3):
        weights[4 * mu : 4 * mu + 4, mu] = 6.0
    patterns = torch.zeros(4, 12)
    for mu in range(3):
        patterns[mu, 4 * mu : 4 * mu + 4] = 1
    return RBM(weights, torch.full((12,), -2.0), torch.full((3,), -10.0)), patterns


def exact(model) -> tuple[torch.Tensor, torch.Tensor, float]:
    x = all_states(model.length, model.q)
    log_w = model.log_weight(x).double()
    return x, torch.softmax(log_w, 0), float(torch.logsumexp(log_w, 0))


def assert_matches(samples: torch.Tensor, x: torch.Tensor, p: torch.Tensor, basin, n_basins: int, q: int) -> None:
    """Basin occupancies and one-site marginals of independent samples within 5 standard errors of the exact ones."""
    n = samples.shape[0]
    for k in range(n_basins):
        exact_k = float(p[basin(x) == k].sum())
        got = float((basin(samples) == k).double().mean())
        assert abs(got - exact_k) < 5 * math.sqrt(exact_k * (1 - exact_k) / n) + 1e-3, (k, got, exact_k)
    fi = torch.einsum("n,nia->ia", p, torch.nn.functional.one_hot(x, q).double())
    sigma = torch.sqrt(fi * (1 - fi) / n) + 1e-4
    assert float(((site_frequencies(samples, q, dtype=torch.float64) - fi).abs() / sigma).max()) < 5


def run(sampler, model, start: torch.Tensor, steps: int, seed: int = 1) -> tuple[ChainState, dict]:
    stream = RandomStream(torch.Generator().manual_seed(seed))
    state = sampler.init(model, start, stream)
    return sampler.step(model, state, steps, stream)


def magnetised(x: torch.Tensor) -> torch.Tensor:
    return (x.double().mean(1) > 0.5).long()


def test_pt_samples_two_basins_exactly_where_gibbs_stays_in_one():
    model = curie_weiss()
    x, p, log_z = exact(model)
    start = torch.zeros(N_CHAINS, model.length, dtype=torch.long)  # every chain in the disfavoured basin
    pt = PTSampler()
    state, info = run(pt, model, start, 200)
    assert_matches(state.visible, x, p, magnetised, 2, 2)
    assert pt.betas[0] == 0 and pt.betas[-1] == 1 and info["round_trips"] > N_CHAINS
    assert abs(pt.log_partition(model, [state], None) - log_z) < 0.05
    cost = 200 * (len(pt.betas) - 1)  # rung-sweeps of the PT run
    gibbs, _ = run(GibbsSampler(), model, start, cost)
    with pytest.raises(AssertionError):
        assert_matches(gibbs.visible, x, p, magnetised, 2, 2)


def test_ptt_with_a_trajectory_ladder_samples_exactly():
    model = curie_weiss()
    x, p, log_z = exact(model)
    profile = torch.einsum("n,nia->ia", p, torch.nn.functional.one_hot(x, 2).double()).float()
    trajectory = [curie_weiss(coupling=4.0 * t) for t in (0.2, 0.4, 0.55, 0.7, 0.85)]
    ptt = PTTSampler(profile=profile, models=trajectory)
    state, info = run(ptt, model, torch.zeros(N_CHAINS, model.length, dtype=torch.long), 300)
    assert_matches(state.visible, x, p, magnetised, 2, 2)
    assert abs(ptt.log_partition(model, [state], None) - log_z) < 0.05


def test_pt_samples_three_rbm_clusters_exactly():
    rbm, patterns = three_cluster_rbm()
    x, p, log_z = exact(rbm)
    basin = lambda v: torch.cdist(v.double(), patterns.double(), p=1).argmin(1)  # noqa: E731
    start = patterns[0].long().expand(N_CHAINS, -1).clone()
    pt = PTSampler()
    state, _ = run(pt, rbm, start, 300, seed=2)
    assert_matches(state.visible, x, p, basin, 4, 2)
    assert abs(pt.log_partition(rbm, [state], None) - log_z) < 0.05
    gibbs, _ = run(GibbsSampler(), rbm, start, 300 * (len(pt.betas) - 1), seed=2)
    with pytest.raises(AssertionError):
        assert_matches(gibbs.visible, x, p, basin, 4, 2)


def test_ptt_without_a_trajectory_settles_a_ladder_for_an_rbm_far_from_its_profile():
    """A model trained with Gibbs (no saved rungs) sampled or continued with PTT: the profile (a Potts model) and the
    RBM never swap; settle bisects the path between the RBM written without weights and the RBM until every pair
    swaps, and the ladder then samples the three clusters exactly."""
    rbm, patterns = three_cluster_rbm()
    x, p, log_z = exact(rbm)
    basin = lambda v: torch.cdist(v.double(), patterns.double(), p=1).argmin(1)  # noqa: E731
    profile = torch.einsum("n,nia->ia", p, torch.nn.functional.one_hot(x, 2).double()).float()
    ptt = PTTSampler(profile=profile)
    stream = RandomStream(torch.Generator().manual_seed(3))
    start = patterns[0].long().expand(N_CHAINS, -1).clone()
    unsettled, info = ptt.step(rbm, ptt.init(rbm, start, stream), 50, stream)
    assert float(info["swap_accepts"][0]) < 0.05 * float(info["swap_attempts"][0])
    state = ptt.settle(rbm, [ptt.init(rbm, start, stream)], [stream])[0]
    assert len(ptt.saved) >= 2 and all(type(m) is RBM for m in ptt.saved)
    state, info = ptt.step(rbm, state, 300, stream)
    assert float(pair_acceptance(info).min()) > ptt.swap_target / 2 and info["round_trips"] > N_CHAINS
    assert_matches(state.visible, x, p, basin, 4, 2)
    assert abs(ptt.log_partition(rbm, [state], None) - log_z) < 0.05
    # the weightless twin of the RBM is the profile's model: equal log weights up to a constant
    twin = rbm.site_independent(ptt.bottom.fields)
    gap = twin.log_weight(x).double() - ptt.bottom.log_weight(x).double()
    assert float(gap.max() - gap.min()) < 1e-4


def test_steps_in_pieces_equal_one_run_and_ptt_grows_its_ladder():
    model = curie_weiss(length=8)
    start = torch.zeros(200, 8, dtype=torch.long)
    whole, _ = run(PTSampler(betas=[0.0, 0.3, 0.6, 1.0]), model, start, 10)
    sampler = PTSampler(betas=[0.0, 0.3, 0.6, 1.0])
    stream = RandomStream(torch.Generator().manual_seed(1))
    state = sampler.init(model, start, stream)
    for _ in range(10):
        state, _ = sampler.step(model, state, 1, stream)
    assert torch.equal(state.visible, whole.visible)

    ptt = PTTSampler(profile=torch.full((8, 2), 0.5))
    state, info = run(ptt, model, start, 4)
    assert len(ptt.rungs(model)) == 2
    assert float(info["swap_accepts"][0] / info["swap_attempts"][0]) < ptt.swap_target / 2
    # a coupled model barely swaps with the profile: it becomes a rung, and the pair (profile, rung), too far apart,
    # is bridged by the midpoint of their parameters (chains copied from the rung above)
    [grown] = ptt.adapt(model, [state], info)
    assert len(ptt.saved) == 2 and grown.auxiliary["lower"].shape[1] == 3
    assert torch.allclose(ptt.saved[0].couplings, model.couplings / 2)
    assert torch.allclose(ptt.saved[0].fields, (model.fields + ptt.bottom.fields) / 2)
    assert torch.equal(ptt.saved[1].couplings, model.couplings)
    assert torch.equal(grown.auxiliary["lower"][:, 1], state.visible) and torch.equal(grown.auxiliary["lower"][:, 2], state.visible)
    more, info = ptt.step(model, grown, 20, RandomStream(torch.Generator().manual_seed(3)))
    assert more.visible.shape == (200, 8)
    before = [float(a / n) for a, n in zip(info["swap_accepts"], info["swap_attempts"])]
    assert min(before[:2]) > 0  # the bridged pairs swap


def test_the_profile_rung_skips_the_pair_term_exactly():
    profile = torch.rand(6, 3)
    profile = profile / profile.sum(1, keepdim=True)
    full = Potts.from_profile(profile)
    frozen = Potts.from_profile(profile, frozen=True)
    x = torch.randint(0, 3, (50, 6))
    assert torch.allclose(frozen.energy(x), full.energy(x)) and frozen.independent
    assert frozen.couplings.stride() == (0, 0, 0, 0)  # no memory for the zeros (L^2 q^2 floats for a protein family)
    assert not full._profile  # the training start (Potts.initial) stays a trainable model


def test_renewal_time_counts_walkers_from_the_bottom():
    model = curie_weiss(length=8)
    pt = PTSampler(betas=[0.0, 0.3, 0.6, 1.0])
    state, _ = run(pt, model, torch.zeros(500, 8, dtype=torch.long), 5)
    t = pt.renewal_time(model, [state], 200, [RandomStream(torch.Generator().manual_seed(4))])
    assert 3 <= t <= 200  # a walker needs at least one step per rung to climb from the bottom to the top
    assert GibbsSampler().renewal_time(model, [state], 200, []) is None


def _spin_data(length: int = 8, n: int = 3000, coupling: float = 1.5):
    from seqebm.io import SequenceDataset, get_alphabet

    model = curie_weiss(length, coupling=coupling)
    x, p, _ = exact(model)
    rows = torch.multinomial(p, n, replacement=True, generator=torch.Generator().manual_seed(0))
    return SequenceDataset(x[rows].numpy(), get_alphabet("binary"), [f"s{i}" for i in range(n)], kind="spins")


@pytest.mark.parametrize("sampler", ["pt", "ptt"])
def test_tempered_training_resumes_exactly_and_the_model_file_carries_the_ladder(tmp_path, sampler):
    from seqebm import Trainer, load_model
    from seqebm.sampling.registry import recorded_sampler

    data = _spin_data()
    opts = dict(model="potts", regime="eq", sampler=sampler, k=2, n_chains=200, lr=0.05, target_pearson=None, seed=3,
                device="cpu", mix_check_every=4, checkpoint_every=3, mix_chains=100, reweight=False, loglik_every=2)
    straight = Trainer(out_dir=tmp_path / "a", max_updates=10, **opts).fit(data)
    Trainer(out_dir=tmp_path / "b", max_updates=5, **opts).fit(data)
    resumed = Trainer.resume(tmp_path / "b", data, max_updates=10)
    for name, tensor in straight.model.tensors().items():
        assert torch.equal(tensor, resumed.model.tensors()[name]), name
    assert torch.equal(straight.chains, resumed.chains)
    log = straight.log
    scored = log["loglik_train"].dropna()
    assert log["rungs"].notna().all() and len(scored) >= 5 and (scored < 0).all()
    loaded = load_model(tmp_path / "a" / "model.npz")
    assert loaded.metadata["sampling"]["sampler"] == sampler and loaded.metadata["training_state"]["ladder"]["name"] == sampler
    again = recorded_sampler(loaded)
    assert len(again.rungs(loaded)) == int(log["rungs"].iloc[-1])
    assert (tmp_path / "a" / "tempering.png").exists()


def test_ladder_log_likelihood_matches_enumeration_after_training():
    """The log-likelihood the run logs (log Z from its PT ladder) equals the exact one of the trained model."""
    from seqebm import Trainer

    data = _spin_data()
    result = Trainer(model="potts", regime="pcd", sampler="pt", k=5, n_chains=3000, lr=0.05, target_pearson=None, seed=0,
                     device="cpu", max_updates=20, reweight=False, loglik_every=20).fit(data)
    model = result.model
    x, _, log_z = exact(model)
    exact_ll = float(model.log_weight(data.tensor()).double().mean()) - log_z
    assert abs(result.log["loglik_train"].iloc[-1] - exact_ll) < 0.05


@pytest.mark.parametrize("name", ["pt", "ptt"])
def test_design_sampling_low_temperature_and_clamped_sites_with_tempering(name):
    """Design sampling with tempering (issue 15): at beta = 1.2 with site 0 clamped to the disfavoured 'down' state
    (the 'up' basin keeps 3 % of the conditional distribution), PT and PTT (its whole trajectory ladder conditioned
    alike) sample the exact conditional distribution."""
    from seqebm.sampling.run import sample

    model, beta = curie_weiss(coupling=2.0), 1.2
    x, _, _ = exact(model)
    keep = x[:, 0] == 0
    x = x[keep]
    p = torch.softmax(model.log_weight(x, beta).double(), 0)
    if name == "pt":
        sampler = PTSampler(beta=beta)
    else:
        profile = torch.full((model.length, 2), 0.5)
        sampler = PTTSampler(beta=beta, profile=profile, models=[curie_weiss(coupling=2.0 * t) for t in (0.25, 0.5, 0.75)])
    samples = sample(model, N_CHAINS, 200, init="random", beta=beta, seed=3, sampler=sampler, fixed={0: 0})
    assert (samples[:, 0] == 0).all()
    assert_matches(samples, x, p, magnetised, 2, 2)


def test_auto_switch_to_ptt_settles_the_ladder_and_measures_the_tempered_chains_at_once():
    """--sampler auto: when Gibbs needs more sweeps than the budget, training continues with PTT; the ladder from
    the profile to the (by then strongly coupled) model is settled at the switch, so its first tempered update
    already swaps on every pair, and the tempered chains' mixing time is measured at the switch, not at the next
    check."""
    from seqebm import Trainer
    from seqebm.models.record import RunRecord

    result = Trainer(model="potts", regime="eq", sampler="auto", auto_mixing_budget=1, k=2, n_chains=400, lr=0.1,
                     target_pearson=None, seed=3, device="cpu", mix_check_every=5, mix_chains=200, reweight=False,
                     max_updates=7, centered=True).fit(_spin_data())
    switch = RunRecord.from_metadata(result.model.metadata).state.sampler_switch
    assert switch is not None and switch["to"] == "ptt"
    log = result.log.set_index("update")
    assert log["rungs"].loc[: switch["update"]].isna().all()
    tempered = log.loc[switch["update"] + 1 :]
    assert len(tempered) >= 2 and (tempered["rungs"] >= 3).all()
    assert (tempered["swap_rate_min"] >= 0.15).all()
    assert math.isfinite(log.loc[switch["update"], "mixing_time"])


def test_auto_stays_with_gibbs_where_tempering_would_cost_more():
    """--sampler auto tries PTT when Gibbs exceeds the budget, but keeps Gibbs where Gibbs mixes within the sweeps the
    tempered ladder would need (rungs above the bottom x its mixing time); the trial is recorded and the chains go on
    with Gibbs (no ladder columns in the log)."""
    from seqebm import Trainer
    from seqebm.models.record import RunRecord

    result = Trainer(model="potts", regime="eq", sampler="auto", auto_mixing_budget=2, k=2, n_chains=400, lr=0.1,
                     target_pearson=None, seed=3, device="cpu", mix_check_every=5, mix_chains=200, reweight=False,
                     max_updates=7, centered=True).fit(_spin_data(coupling=1.0))
    state = RunRecord.from_metadata(result.model.metadata).state
    assert state.sampler == "gibbs" and state.sampler_switch is None
    assert [t["kept"] for t in state.ptt_trials] == ["gibbs"]
    trial = state.ptt_trials[0]
    assert trial["gibbs_mixing_time"] > 2 and trial["gibbs_mixing_time"] <= trial["ptt_cost"]
    assert trial["ptt_cost"] == (trial["rungs"] - 1) * trial["ptt_mixing_time"]
    assert result.log["rungs"].isna().all()


def test_ptt_samples_a_model_that_carries_no_ladder():
    """`sample --sampler ptt` on a model trained with Gibbs (no saved rungs, no data profile in the file): the bottom
    rung is the independent-site model of the model's own Gibbs chains, settled rungs bridge it, and the samples
    cover the three clusters in their exact proportions."""
    rbm, patterns = three_cluster_rbm()
    assert not rbm.sampler_state
    x, p, _ = exact(rbm)
    basin = lambda v: torch.cdist(v.double(), patterns.double(), p=1).argmin(1)  # noqa: E731
    start = patterns[0].long().expand(N_CHAINS, -1).clone()
    samples = sample(rbm, N_CHAINS, k=300, init=start, seed=4, sampler="ptt")
    assert_matches(samples, x, p, basin, 4, 2)
    gibbs = sample(rbm, N_CHAINS, k=300, init=start, seed=4, sampler="gibbs")
    with pytest.raises(AssertionError):
        assert_matches(gibbs, x, p, basin, 4, 2)
    # a model that carries a PT ladder (temperatures, no bottom rung) gets the same
    rbm.sampler_state = {"betas": torch.tensor([0.0, 0.5, 1.0])}
    assert len(recorded_sampler(rbm, "ptt").rungs(rbm)) >= 2
