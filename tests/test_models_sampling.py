import pytest
import torch

from seqebm.errors import ConfigError, ShapeError
from seqebm.models import Potts, native
from seqebm.sampling import RandomStream, init_chains, log_times, sample, sample_trajectory
from seqebm.stats import pair_frequencies, site_frequencies
from tests.exact import (
    all_states, brute_potts_energy, brute_rbm_free_energy, exact_marginals, random_potts, random_rbm,
)

N_CHAINS = 40000


def assert_marginals_close(samples: torch.Tensor, fi_exact, fij_exact, q: int, n_sigma: float = 5.0):
    """Empirical one- and two-site marginals of independent samples within n_sigma binomial errors."""
    n = samples.shape[0]
    fi = site_frequencies(samples, q, dtype=torch.float64)
    fij = pair_frequencies(samples, q, dtype=torch.float64)
    for emp, ref in ((fi, fi_exact), (fij, fij_exact)):
        sigma = torch.sqrt(ref * (1 - ref) / n) + 1e-4
        z = ((emp - ref).abs() / sigma).max()
        assert z < n_sigma, f"max deviation {z:.2f} sigma"


def test_potts_energy_matches_brute_force():
    model = random_potts(4, 3)
    x = all_states(4, 3)
    torch.testing.assert_close(model.energy(x).double(), brute_potts_energy(model, x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("order", ["sequential", "permutation", "random"])
@pytest.mark.parametrize("beta", [1.0, 0.5])
@pytest.mark.parametrize("kernel", ["native", "torch"])
def test_potts_gibbs_reproduces_exact_marginals(order, beta, kernel, monkeypatch):
    monkeypatch.setenv("SEQEBM_NATIVE", "1" if kernel == "native" else "0")
    if kernel == "native" and native.kernel() is None:
        pytest.skip("no C compiler: the compiled kernel is not built here")
    model = random_potts(4, 3, scale=0.6)
    x = all_states(4, 3)
    fi, fij = exact_marginals(model.energy(x), x, 3, beta)
    samples = sample(model, N_CHAINS, k=30, beta=beta, seed=1, order=order)
    assert_marginals_close(samples, fi, fij, 3)


def test_potts_gibbs_detects_a_wrong_distribution():
    """The marginal check has power: samples of another model fail it."""
    model, other = random_potts(4, 3, seed=0), random_potts(4, 3, seed=5)
    x = all_states(4, 3)
    fi, fij = exact_marginals(model.energy(x), x, 3)
    with pytest.raises(AssertionError):
        assert_marginals_close(sample(other, N_CHAINS, k=30, seed=1), fi, fij, 3)


def test_q2_potts_equals_ising():
    g = torch.Generator().manual_seed(3)
    length = 5
    h = torch.randn(length, generator=g)
    j = torch.randn(length, length, generator=g)
    j = (j + j.T) / 2
    j.fill_diagonal_(0)
    model = Potts.from_ising(h, j)
    x = all_states(length, 2)
    s = 2 * x.double() - 1
    ising = -(s @ h.double()) - 0.5 * ((s @ j.double()) * s).sum(1)
    torch.testing.assert_close(model.energy(x).double(), ising, atol=1e-5, rtol=1e-5)
    # any q = 2 Potts model maps back to an Ising model with the same distribution
    generic = random_potts(length, 2, seed=4)
    h2, j2 = generic.to_ising()
    back = Potts.from_ising(h2, j2)
    diff = generic.energy(x).double() - back.energy(x).double()
    assert float(diff.max() - diff.min()) < 1e-5


def test_zero_sum_gauge_keeps_the_distribution():
    model = random_potts(4, 3, seed=2)
    gauged = model.zero_sum_gauge()
    x = all_states(4, 3)
    diff = model.energy(x).double() - gauged.energy(x).double()
    assert float(diff.max() - diff.min()) < 1e-5
    assert float(gauged.couplings.sum(1).abs().max()) < 1e-5
    assert float(gauged.couplings.sum(3).abs().max()) < 1e-5
    assert float(gauged.fields.sum(1).abs().max()) < 1e-5


def test_asymmetric_couplings_rejected():
    with pytest.raises(ConfigError):
        Potts(torch.zeros(3, 2), torch.randn(3, 2, 3, 2))
    with pytest.raises(ShapeError):
        Potts(torch.zeros(3, 2), torch.zeros(3, 2, 3, 3))


@pytest.mark.parametrize("q", [None, 3])
def test_rbm_free_energy_matches_brute_force(q):
    model = random_rbm(4 if q else 6, 3, q)
    v = all_states(model.length, model.q)
    torch.testing.assert_close(model.free_energy(v).double(), brute_rbm_free_energy(model, v), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("q", [None, 3])
def test_rbm_gibbs_reproduces_exact_marginals(q):
    model = random_rbm(4 if q else 6, 3, q, scale=0.8)
    v = all_states(model.length, model.q)
    fi, fij = exact_marginals(model.free_energy(v), v, model.q)
    samples = sample(model, N_CHAINS, k=30, seed=2)
    assert_marginals_close(samples, fi, fij, model.q)


def test_rbm_gibbs_returns_hidden_probabilities_of_final_state():
    model = random_rbm(6, 3, None)
    start = torch.randint(0, 2, (50, 6))
    v, ph = model.gibbs(start, 3, stream=RandomStream(torch.Generator().manual_seed(0)))
    torch.testing.assert_close(ph, model.hidden_probabilities(v))
    # conditional p(v | h) normalises for Potts visible units
    potts = random_rbm(4, 3, 3)
    p = potts.visible_probabilities(torch.randint(0, 2, (7, 3)).float())
    torch.testing.assert_close(p.sum(-1), torch.ones(7, 4))


def test_rbm_bernoulli_conditionals_are_exact():
    model = random_rbm(6, 3, None)
    v = all_states(6, 2)
    hs = all_states(3, 2).float()
    # p(h_mu = 1 | v) from the joint by enumeration
    e = torch.stack([model.energy(v, h.expand(v.shape[0], -1)) for h in hs], 1).double()
    p_h = torch.softmax(-e, 1)
    ref = p_h @ hs.double()
    torch.testing.assert_close(model.hidden_probabilities(v).double(), ref, atol=1e-6, rtol=1e-6)


def test_reproducible_with_seed_and_generator():
    model = random_potts(6, 4)
    a = sample(model, 100, 5, seed=7)
    b = sample(model, 100, 5, seed=7)
    c = sample(model, 100, 5, seed=8)
    assert torch.equal(a, b) and not torch.equal(a, c)
    g = torch.Generator().manual_seed(3)
    first = sample(model, 10, 5, generator=g)
    g.manual_seed(3)  # reseeding the same generator object reproduces the run
    assert torch.equal(first, sample(model, 10, 5, generator=g))


def test_trajectory_snapshots_equal_a_straight_run():
    model = random_rbm(6, 3, None)
    start = torch.randint(0, 2, (20, 6), generator=torch.Generator().manual_seed(0))
    snaps = sample_trajectory(model, start, [0, 1, 5, 12], generator=torch.Generator().manual_seed(1))
    straight, _ = model.gibbs(start, 12, stream=RandomStream(torch.Generator().manual_seed(1)))
    assert sorted(snaps) == [0, 1, 5, 12]
    assert torch.equal(snaps[0], start)
    assert torch.equal(snaps[12], straight)
    assert log_times(100000, per_decade=2) == [1, 3, 10, 32, 100, 316, 1000, 3162, 10000, 31623, 100000]


def test_chain_initialisations():
    g = torch.Generator().manual_seed(0)
    profile = torch.tensor([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]])
    x = init_chains(40000, 2, 3, "profile", profile=profile, generator=g)
    torch.testing.assert_close(site_frequencies(x, 3), profile, atol=0.01, rtol=0)
    data = torch.tensor([[0, 1], [2, 2]])
    x = init_chains(1000, 2, 3, "data", data=data, weights=torch.tensor([1.0, 0.0]), generator=g)
    assert bool((x == data[0]).all())
    x = init_chains(5, 2, 3, data)
    assert torch.equal(x[:2], data) and x.shape == (5, 2)
    with pytest.raises(ConfigError):
        init_chains(5, 2, 3, "bogus")
    with pytest.raises(ShapeError):
        init_chains(5, 2, 3, torch.tensor([[0, 7]]))


def test_cached_coupling_tables_follow_in_place_parameter_changes():
    """The kernel keeps the stacked tables between calls; an in-place change of the parameters (an optimiser step)
    must invalidate them, or the chains would sample the old model."""
    from seqebm.models import potts_gibbs

    model = random_potts(4, 3, scale=1.0)
    stream = RandomStream(torch.Generator().manual_seed(0))
    start = torch.zeros(20000, 4, dtype=torch.long)
    model.gibbs(start, 2, stream=stream)
    first = potts_gibbs.TABLES.get([model.fields], [model.couplings], [1.0])
    assert potts_gibbs.TABLES.get([model.fields], [model.couplings], [1.0]) is first  # unchanged: reused
    with torch.no_grad():
        model.couplings.zero_()  # in place, as an optimiser step: now independent sites
        model.fields.mul_(2.0)
    samples = model.gibbs(start, 3, stream=stream)[0]
    expected = torch.softmax(model.fields.double(), 1)
    observed = site_frequencies(samples, 3, dtype=torch.float64)
    sigma = torch.sqrt(expected * (1 - expected) / 20000)
    assert float(((observed - expected).abs() / sigma).max()) < 5
