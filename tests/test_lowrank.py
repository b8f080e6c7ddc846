"""The low-rank (Hopfield-Potts) start of RBMs (issue 16) against its definition and a planted structure."""
import pytest
import torch

from seqebm.errors import ConfigError
from seqebm.io.alphabets import BINARY
from seqebm.io.dataset import SequenceDataset
from seqebm.models import RBM, Potts
from seqebm.models.lowrank import SMOOTHING, hopfield_patterns, low_rank_start_
from seqebm.stats import pair_frequencies, site_frequencies
from seqebm.training.trainer import Trainer


def clustered_states(n: int = 2000, length: int = 30, flip: float = 0.15, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two mirror-image clusters (a centre and its complement) with ``flip`` noise; returns (states, centre)."""
    g = torch.Generator().manual_seed(seed)
    centre = (torch.rand(length, generator=g) < 0.5).long()
    side = (torch.rand(n, generator=g) < 0.5).long()[:, None]
    states = torch.where(side == 1, centre, 1 - centre)
    return states ^ (torch.rand(n, length, generator=g) < flip).long(), centre


def test_the_first_pattern_is_the_planted_cluster_direction():
    states, centre = clustered_states()
    patterns, lam = hopfield_patterns(site_frequencies(states, 2), pair_frequencies(states, 2), 3)
    # the clusters make one direction with a large eigenvalue; noise gives the others lambda ~ 1
    assert lam[0] > 5 and (len(lam) == 1 or lam[1] < 1.5)
    direction = patterns[:, 1, 0] - patterns[:, 0, 0]  # the weight of state 1 against state 0, site by site
    cosine = torch.nn.functional.cosine_similarity(direction, (2 * centre - 1).double(), dim=0)
    assert abs(float(cosine)) > 0.98


@pytest.mark.parametrize("q", [2, 3])
def test_gaussian_units_start_at_the_mean_field_hopfield_potts_model(q):
    """Gaussian units make the marginal exactly pairwise: the started RBM is the Hopfield-Potts model, couplings
    J = sum_k xi_k xi_k^T and naive mean-field fields log f_i(a) - sum_(j != i, b) J_ij(a, b) f_j(b), whatever the
    gauge the visible layer stores its weights in (both compared in the zero-sum gauge)."""
    g = torch.Generator().manual_seed(1)
    states = torch.randint(0, q, (3000, 12), generator=g)
    states[:, 6:] = torch.where(torch.rand(3000, 6, generator=g) < 0.8, states[:, :6], states[:, 6:])  # correlated pairs
    single, pair = site_frequencies(states, q, dtype=torch.float64), pair_frequencies(states, q, dtype=torch.float64)
    patterns, _ = hopfield_patterns(single, pair, 4)
    model = RBM.initial(12, q, BINARY if q == 2 else None, single, g, hidden=6, hidden_type="gaussian").to(dtype=torch.float64)
    low_rank_start_(model, single, pair, 4)
    n = patterns.shape[-1]
    assert n == 4 and torch.allclose(model.weights[..., n:].abs().max(), torch.tensor(0.0, dtype=torch.float64), atol=0.1)
    model.weights[..., n:] = 0  # the other units' small random weights aside
    couplings = torch.einsum("iak,jbk->iajb", patterns, patterns)
    couplings[torch.arange(12), :, torch.arange(12), :] = 0  # a site with itself: only a = b occurs, a field
    f1 = (1 - SMOOTHING) * single + SMOOTHING / q
    fields = torch.log(f1) - torch.einsum("iajb,jb->ia", couplings, f1)
    expected = Potts(fields, couplings, check=False).zero_sum_gauge()
    started = model.pairwise_model().zero_sum_gauge()
    torch.testing.assert_close(started.couplings.double(), expected.couplings, atol=1e-9, rtol=0)
    torch.testing.assert_close(started.fields.double(), expected.fields, atol=1e-9, rtol=0)


def test_low_rank_start_gives_training_a_head_start_on_clustered_data():
    """Same seed, same data: the RBM started from the data's principal direction already has the correlations of the
    clusters at its first update; the random start does not."""
    states, _ = clustered_states(n=1000, length=20)
    data = SequenceDataset(states.numpy(), BINARY, [f"s{i}" for i in range(1000)], kind="spins")
    first = {}
    for rank in (0, 1):
        trainer = Trainer(model="rbm", hidden=8, regime="rdm", k=10, n_chains=500, max_updates=1, target_pearson=None,
                          low_rank=rank, seed=0, reweight=False)
        first[rank] = trainer.fit(data).pearson
    assert first[1] > 0.6 and first[0] < 0.1  # measured: 0.72 and 0.03
    with pytest.raises(ConfigError, match="--model rbm"):
        Trainer(model="potts", low_rank=2).fit(data)
