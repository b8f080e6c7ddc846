"""Pseudo-likelihood warm start (seqebm.models.plm) against planted models."""
import pytest
import torch

from seqebm import ConfigError
from seqebm.models.plm import pseudo_likelihood_potts
from seqebm.training import Trainer
from tests.exact import random_potts
from tests.test_training import dataset_of, exact_samples


@pytest.fixture(scope="module")
def planted():
    truth = random_potts(6, 3, scale=0.5, seed=11)
    return truth, exact_samples(truth, 50_000)


def test_unregularised_plm_recovers_a_planted_model(planted):
    truth, states = planted
    model = pseudo_likelihood_potts(states, 3, l2_fields=0.0, l2_couplings=0.0, max_iterations=200)
    reference = truth.zero_sum_gauge()
    assert (model.couplings - reference.couplings).abs().max() < 0.07
    assert (model.fields - reference.fields).abs().max() < 0.05
    # a Potts model: symmetric couplings, no self-couplings
    assert torch.allclose(model.couplings, model.couplings.permute(2, 3, 0, 1))
    assert model.couplings[torch.arange(6), :, torch.arange(6), :].abs().max() == 0


def test_the_penalty_shrinks_and_weights_count_as_copies(planted):
    truth, states = planted
    free = pseudo_likelihood_potts(states[:3000], 3, l2_fields=0.0, l2_couplings=0.0)
    shrunk = pseudo_likelihood_potts(states[:3000], 3)
    assert shrunk.couplings.norm() < 0.9 * free.couplings.norm()
    doubled = pseudo_likelihood_potts(torch.cat([states[:1000], states[:500]]), 3)
    weighted = pseudo_likelihood_potts(states[:1000], 3, weights=torch.cat([torch.full((500,), 2.0), torch.ones(500)]))
    assert torch.allclose(doubled.couplings, weighted.couplings, atol=2e-3)


def test_training_starts_from_the_plm_estimate(planted):
    truth, states = planted
    data = dataset_of(states[:5000], 3)
    start = pseudo_likelihood_potts(data.tensor(), 3)
    result = Trainer(model="potts", start="plm", regime="pcd", k=1, n_chains=100, lr=1e-9, max_updates=1,
                     target_pearson=None, reweight=False, device="cpu").fit(data)
    assert torch.allclose(result.model.zero_sum_gauge().couplings, start.couplings, atol=1e-4)
    with pytest.raises(ConfigError, match="plm"):
        Trainer(model="rbm", start="plm", max_updates=1, device="cpu").fit(data)


def test_the_l1_step_stays_symmetric_when_rounding_left_opposite_signs_near_zero():
    from seqebm import Potts

    couplings = torch.zeros(3, 2, 3, 2)
    couplings[0, 0, 1, 1], couplings[1, 1, 0, 0] = 1e-9, -1e-9  # what a gauge change can leave behind
    model = Potts(torch.zeros(3, 2), couplings, check=False)
    stats = {"fields": torch.full((3, 2), 0.5), "couplings": torch.full((3, 2, 3, 2), 0.25)}
    grad = model.gradient(stats, stats, l1=0.01, centered=False)["couplings"]
    assert torch.equal(grad, grad.permute(2, 3, 0, 1))
