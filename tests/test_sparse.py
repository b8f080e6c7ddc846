"""Sparse Potts models (issue 15): the pair and coupling masks (file, gradient, sampler), the exact removal cost of a
pair's couplings and of a single coupling, and decimation in training recovering a planted sparse graph."""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from seqebm.benchmarks.ising import exact_ising_samples, planted_model
from seqebm.io.alphabets import BINARY
from seqebm.io.dataset import SequenceDataset
from seqebm.models.files import load_model, save_model
from seqebm.sampling.run import sample
from seqebm.training import Trainer
from seqebm.training.decimation import coupling_cost, decimate_, kept, removal_cost
from tests.exact import all_states, exact_marginals, random_potts


def _sparse(length: int = 6, q: int = 3, seed: int = 1):
    model = random_potts(length, q, scale=0.8, seed=seed)
    mask = torch.rand(length, length, generator=torch.Generator().manual_seed(seed)) < 0.3
    return model.set_pair_mask(mask | mask.t())


def test_sparse_gibbs_is_exact_and_skips_removed_pairs():
    model = _sparse()
    assert 0 < model.density < 1
    off = ~model.pair_mask & ~torch.eye(6, dtype=torch.bool)
    assert float(model.couplings.permute(0, 2, 1, 3)[off].abs().max()) == 0
    states = all_states(6, 3)
    fi, _ = exact_marginals(model.energy(states), states, 3)
    n = 20000
    x = sample(model, n, 30, init="random", seed=2, sampler="gibbs")
    emp = torch.nn.functional.one_hot(x, 3).double().mean(0)
    assert float(((emp - fi).abs() / torch.sqrt(fi * (1 - fi) / n).clamp_min(1e-4)).max()) < 5


def test_mask_survives_model_files_and_gradient_steps(tmp_path):
    model = _sparse()
    back = load_model(save_model(model, tmp_path / "m.npz"))
    assert torch.equal(back.pair_mask, model.pair_mask) and torch.equal(back.couplings, model.couplings)
    grads = model.gradient({"fields": torch.rand(6, 3), "couplings": torch.rand(6, 3, 6, 3)},
                           {"fields": torch.rand(6, 3), "couplings": torch.rand(6, 3, 6, 3)}, centered=False)
    off = ~model.pair_mask
    assert float(grads["couplings"].permute(0, 2, 1, 3)[off].abs().max()) == 0


def test_removal_cost_is_the_exact_likelihood_change():
    """At a model's own statistics (data = model), the log-likelihood lost by removing one pair's couplings (zero-sum
    gauge, one-site parts in the fields) equals the enumerated difference."""
    model = random_potts(4, 3, scale=0.7, seed=3)
    states = all_states(4, 3)
    p = torch.softmax(-model.energy(states).double(), 0)
    _, fij = exact_marginals(model.energy(states), states, 3)
    cost = removal_cost(model, fij, fij)
    assert torch.allclose(cost, removal_cost(model, fij))  # data = model: the fixed-point form
    gauged = model.zero_sum_gauge()
    for i, j in ((0, 1), (1, 3), (2, 3)):
        reduced = gauged.clone()
        reduced.couplings[i, :, j, :] = 0
        reduced.couplings[j, :, i, :] = 0
        log_p = -reduced.energy(states).double() - torch.logsumexp(-reduced.energy(states).double(), 0)
        log_p0 = -model.energy(states).double() - torch.logsumexp(-model.energy(states).double(), 0)
        lost = float((p * (log_p0 - log_p)).sum())
        assert cost[i, j] == pytest.approx(lost, abs=1e-6) and lost > 0


def _decimated_planted_graph(out_dir, unit: str):
    """pcd training with --target-density (the true density, in ``unit``) on exact samples of the planted sparse
    16-spin model: the result, the true edges and their density."""
    truth, j = planted_model()
    data = exact_ising_samples(truth, 5000, seed=0)
    ds = SequenceDataset(data.numpy().astype(np.uint8), BINARY, [f"s{k}" for k in range(5000)], kind="spins")
    edges = (j != 0)
    density = float(edges.sum()) / (16 * 15)
    result = Trainer(model="potts", regime="pcd", n_chains=1000, max_updates=400, target_pearson=0.95, reweight=False,
                     target_density=density, decimation_unit=unit, lr=0.05, seed=0, out_dir=out_dir).fit(ds)
    return result, edges, density


def test_decimation_recovers_a_planted_sparse_graph(tmp_path):
    """Training with --target-density on exact samples of a planted sparse 16-spin model: the decimation stops at the
    target density, is recorded step by step, and keeps the true edges."""
    result, edges, density = _decimated_planted_graph(tmp_path, "pairs")
    model = result.model
    assert model.density == pytest.approx(density, abs=1 / 120)
    steps = model.metadata["training_state"]["decimations"]
    assert len(steps) >= 5 and steps[-1]["density"] == pytest.approx(model.density)
    assert all(b["update"] - a["update"] >= 10 for a, b in zip(steps, steps[1:]))  # trained back between steps
    kept = model.pair_mask
    recovered = float((kept & edges).sum()) / float(edges.sum())
    assert recovered >= 0.85, recovered  # 0.90 measured (37 of 41 edges)
    assert math.isclose(result.log["density"].iloc[-1], model.density)


def _coupling_sparse(length: int = 5, q: int = 3, seed: int = 4):
    model = random_potts(length, q, scale=0.8, seed=seed)
    keep = torch.rand(length, q, length, q, generator=torch.Generator().manual_seed(seed)) < 0.25
    keep = keep & keep.permute(2, 3, 0, 1)
    keep[0, :, 1, :] = keep[1, :, 0, :] = False  # one pair left with no coupling at all
    return model.set_coupling_mask(keep)


def test_coupling_mask_is_exact_in_sampling_files_and_gradients(tmp_path):
    model = _coupling_sparse()
    mask = model.coupling_mask
    assert float(model.couplings[~mask].abs().max()) == 0 and not model.pair_mask[0, 1]
    assert model.density == pytest.approx(float(mask.sum()) / (5 * 4 * 9)) and model.pair_density < 1
    back = load_model(save_model(model, tmp_path / "m.npz"))
    assert torch.equal(back.coupling_mask, mask) and torch.equal(back.couplings, model.couplings)
    grads = model.gradient({"fields": torch.rand(5, 3), "couplings": torch.rand(5, 3, 5, 3)},
                           {"fields": torch.rand(5, 3), "couplings": torch.rand(5, 3, 5, 3)}, centered=False)
    assert float(grads["couplings"][~mask].abs().max()) == 0
    states = all_states(5, 3)
    fi, fij = exact_marginals(model.energy(states), states, 3)
    n = 20000
    x = sample(model, n, 30, init="random", seed=2, sampler="gibbs")
    one_hot = torch.nn.functional.one_hot(x, 3).double().reshape(n, -1)
    emp_pair = (one_hot.t() @ one_hot / n).reshape(5, 3, 5, 3)
    sigma = torch.sqrt(fij * (1 - fij) / n).clamp_min(1e-4)
    assert float(((emp_pair - fij).abs() / sigma).max()) < 5


def test_removing_one_coupling_costs_exactly_the_kl_divergence():
    model = random_potts(4, 3, scale=0.7, seed=3).zero_sum_gauge()
    states = all_states(4, 3)
    energy = model.energy(states).double()
    log_p0 = -energy - torch.logsumexp(-energy, 0)
    _, fij = exact_marginals(model.energy(states), states, 3)
    cost = coupling_cost(model, fij)
    for i, a, j, b in ((0, 1, 1, 2), (1, 0, 3, 0), (2, 2, 3, 1)):
        reduced = model.clone()
        reduced.couplings[i, a, j, b] = reduced.couplings[j, b, i, a] = 0
        e = -reduced.energy(states).double()
        lost = float((log_p0.exp() * (log_p0 - (e - torch.logsumexp(e, 0)))).sum())
        assert cost[i, a, j, b] == pytest.approx(lost, abs=1e-7) and cost[j, b, i, a] == pytest.approx(lost, abs=1e-7)
    # a decimation step removes the cheapest couplings, both orientations, and keeps the distribution of the rest
    before = model.clone()
    removed = decimate_(model, fij, 0.25, 0.1)
    assert removed == int(0.25 * 6 * 9) and kept(model) == 6 * 9 - removed
    gone = ~model.coupling_mask & ~torch.eye(4, dtype=torch.bool)[:, None, :, None].expand(4, 3, 4, 3)
    assert float(cost[gone].max()) <= float(cost[model.coupling_mask].min()) + 1e-12
    assert torch.allclose(model.couplings[model.coupling_mask], before.couplings[model.coupling_mask], atol=1e-6)


def test_coupling_decimation_in_training_reaches_the_target_density(tmp_path):
    """--target-density with the default unit (single couplings) on the planted 16-spin graph: stops at the target
    coupling density, recorded step by step, and the pairs it keeps are the true edges."""
    from seqebm.training.config import TrainConfig

    assert TrainConfig().decimation_unit == "couplings"  # the default unit
    result, edges, density = _decimated_planted_graph(tmp_path, "couplings")
    model = result.model
    assert model.coupling_mask is not None
    assert model.density == pytest.approx(density, abs=1 / 480)
    steps = model.metadata["training_state"]["decimations"]
    assert steps[-1]["unit"] == "couplings" and steps[-1]["density"] == pytest.approx(model.density)
    recovered = float((model.pair_mask & edges).sum()) / float(edges.sum())
    assert recovered >= 0.85, recovered


def test_damaged_coupling_masks_are_one_line_model_file_errors(tmp_path):
    from seqebm import ModelFileError

    for damage, message in (("asymmetric", "symmetric"), ("float", "boolean"), ("missing", "coupling_mask")):
        model = _coupling_sparse()
        mask = model.coupling_mask
        if damage == "asymmetric":
            mask = mask.clone()
            mask[2, 0, 3, 1] = not bool(mask[3, 1, 2, 0])
            model.coupling_mask = mask
        elif damage == "float":
            model.coupling_mask = mask.float()
        else:
            model.file_tensors = model.tensors
        path = save_model(model, tmp_path / f"{damage}.npz")
        with pytest.raises(ModelFileError, match=message) as info:
            load_model(path)
        assert "\n" not in str(info.value) and f"{damage}.npz" in str(info.value)


def test_sparse_runs_recorded_before_single_coupling_decimation_resume_with_pairs():
    from seqebm.models.record import RunRecord

    old = RunRecord.from_metadata({"training": {"model": "potts", "sampler": "gibbs", "target_density": 0.2}})
    assert old.training["decimation_unit"] == "pairs"
    new = RunRecord.from_metadata({"training": {"model": "potts", "sampler": "gibbs", "target_density": 0.2,
                                                "decimation_unit": "couplings"}})
    assert new.training["decimation_unit"] == "couplings"
    assert "decimation_unit" not in RunRecord.from_metadata({"training": {"model": "potts"}}).training
