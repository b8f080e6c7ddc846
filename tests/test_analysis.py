import numpy as np
import pandas as pd
import pytest
import torch

from seqebm import Potts
from seqebm.analysis import (
    adversarial_accuracy, compare_statistics, contact_precision, coupling_error, edge_roc, fit_pca, frobenius_scores,
    gzip_entropy_ratio, label_proportions, nearest_training_distance, read_distance_map,
    read_pair_scores, spectrum_score, transfer_labels,
)
from seqebm.encoding import one_hot
from tests.paths import DATA
from tests.exact import all_states, random_potts, random_rbm

PF72 = DATA / "protein_PF00072_response_regulator"


def test_identical_sets_have_pearson_one():
    x = torch.randint(0, 4, (500, 8), generator=torch.Generator().manual_seed(0))
    table = compare_statistics(x, x, 4, n_triplets=50)
    assert np.allclose(table["pearson"], 1.0) and np.allclose(table["slope"], 1.0)


def test_pca_of_data_has_the_expected_variances():
    x = torch.randint(0, 3, (2000, 6), generator=torch.Generator().manual_seed(1))
    pca = fit_pca(x, 3, n_components=4)
    proj = pca.transform(x, 3) / pca.scale
    torch.testing.assert_close(proj.double().var(0, unbiased=False), pca.explained_variance.double(), rtol=1e-4, atol=1e-6)
    assert torch.allclose(proj.mean(0), torch.zeros(4), atol=1e-5)
    assert bool((pca.explained_variance[:-1] >= pca.explained_variance[1:]).all())
    # top eigenvalue of the one-hot covariance, checked with numpy
    oh = one_hot(x, 3).reshape(2000, -1).double().numpy()
    top = np.linalg.eigvalsh(np.cov(oh.T, bias=True))[-1]
    assert pca.explained_variance[0].item() == pytest.approx(top, rel=1e-4)


def test_label_transfer_of_copies_returns_their_labels():
    x = torch.randint(0, 4, (300, 20), generator=torch.Generator().manual_seed(2))
    labels = pd.Series(np.random.default_rng(0).choice(["a", "b", "c"], 300), name="group")
    picked = torch.arange(0, 300, 3)
    got = transfer_labels(x[picked], x, labels, 4, k=1)
    assert list(got) == list(labels.iloc[picked.numpy()])
    table, jsd = label_proportions(labels, labels)
    assert jsd == pytest.approx(0.0, abs=1e-12)
    assert label_proportions(pd.Series(["a"] * 5), pd.Series(["b"] * 5))[1] == pytest.approx(1.0)


def test_apc_frobenius_hand_computed():
    # L = 3, q = 2, no gap; couplings chosen so that the zero-sum gauge leaves known blocks
    j = torch.zeros(3, 2, 3, 2)
    block = torch.tensor([[1.0, -1.0], [-1.0, 1.0]])  # already zero-sum, Frobenius norm 2
    j[0, :, 1, :] = block
    j[1, :, 0, :] = block.T
    j[1, :, 2, :] = 0.5 * block
    j[2, :, 1, :] = 0.5 * block.T
    f = torch.tensor([[0, 2.0, 0], [2.0, 0, 1.0], [0, 1.0, 0]])
    raw = frobenius_scores(j, gap_index=None, apc=False)
    torch.testing.assert_close(raw, f.double())
    row = f.sum(1) / 2  # means over j != i: [1, 1.5, 0.5]
    total = f[~torch.eye(3, dtype=torch.bool)].mean()  # 1.0
    expected = f - row[:, None] * row[None, :] / total
    expected.fill_diagonal_(0)
    torch.testing.assert_close(frobenius_scores(j, gap_index=None), expected.double())
    # a pure field-like coupling (J_ij(a, b) = u(a)) is gauge, so it scores zero
    g = torch.zeros(3, 2, 3, 2)
    g[0, :, 1, :] = torch.tensor([[1.0, 1.0], [0.0, 0.0]])
    g[1, :, 0, :] = g[0, :, 1, :].T
    assert float(frobenius_scores(g, gap_index=None, apc=False).abs().max()) < 1e-12


def test_precision_of_the_plmdca_baseline_on_pf00072():
    """The bundled plmDCA scores: 1.00 top-L and 0.98 top-2L, ~41% of |i-j| > 4 pairs are contacts (issue 5)."""
    dmap = read_distance_map(PF72 / "PF00072_struct.dat.gz")
    scores = read_pair_scores(PF72 / "plmDCA_score_PF00072_train0.6.txt.gz")
    summary, curve = contact_precision(scores, dmap, length=112)
    assert summary["PPV@L"].iloc[0] == pytest.approx(1.0, abs=0.005)
    assert summary["PPV@2L"].iloc[0] == pytest.approx(0.98, abs=0.006)
    assert summary["contact_fraction"].iloc[0] == pytest.approx(0.41, abs=0.01)
    assert int(curve["contact"].sum()) == 2385


def test_coupling_error_and_roc_for_the_true_model():
    truth = random_potts(6, 2, seed=1)
    assert coupling_error(truth, truth) == pytest.approx(0.0, abs=1e-12)
    assert coupling_error(truth.zero_sum_gauge(), truth) == pytest.approx(0.0, abs=1e-10)
    other = random_potts(6, 2, seed=2)
    assert coupling_error(other, truth) > 0.01
    h, j = torch.zeros(6), torch.zeros(6, 6)
    edges = torch.zeros(6, 6, dtype=torch.bool)
    for a, b in ((0, 1), (2, 3), (4, 5), (1, 2)):
        j[a, b] = j[b, a] = 0.8
        edges[a, b] = edges[b, a] = True
    model = Potts.from_ising(h, j)
    auc, curve = edge_roc(frobenius_scores(model.couplings, gap_index=None, apc=False), edges)
    assert auc == pytest.approx(1.0)


def test_rbm_effective_couplings_match_exact_marginal():
    """Small weights: the exact pairwise interaction of the marginal (second finite difference of log p in the
    0/1 gauge) equals the cumulant-expansion couplings up to O(W^3)."""
    rbm = random_rbm(5, 3, None, scale=1.0, seed=4).to(dtype=torch.float64)
    rbm.weights = rbm.weights * 0.01
    eff = rbm.pairwise_model()
    log_p = lambda v: -rbm.free_energy(torch.tensor(v).unsqueeze(0))[0]
    z = [0] * 5
    for i in range(5):
        for k in range(i + 1, 5):
            e_i, e_k, e_ik = list(z), list(z), list(z)
            e_i[i] = e_ik[i] = 1
            e_k[k] = e_ik[k] = 1
            exact = log_p(e_ik) - log_p(e_i) - log_p(e_k) + log_p(z)
            approx = eff.couplings[i, 1, k, 1] - eff.couplings[i, 1, k, 0] - eff.couplings[i, 0, k, 1] + eff.couplings[i, 0, k, 0]
            assert float(approx) == pytest.approx(float(exact), rel=0.01, abs=1e-9)
    # and the whole effective model reproduces log p up to a constant to second order
    v = all_states(5, 2)
    diff = (-rbm.free_energy(v).double()) - (-eff.energy(v).double())
    assert float(diff.max() - diff.min()) < 1e-4


def test_aats_and_novelty_and_gzip():
    g = torch.Generator().manual_seed(0)
    real = torch.randint(0, 4, (1000, 30), generator=g)
    half_a, half_b = real[:500], real[500:]
    assert adversarial_accuracy(half_a, half_b, 4, generator=g) == pytest.approx(0.5, abs=0.08)
    assert adversarial_accuracy(half_a, half_a.clone(), 4, generator=g) < 0.05
    assert float(nearest_training_distance(half_a[:10], real, 4).max()) == 0
    assert gzip_entropy_ratio(half_b, half_a, generator=g) == pytest.approx(1.0, abs=0.05)
    assert gzip_entropy_ratio(half_a[:1].repeat(500, 1), half_b, generator=g) < 0.2
    # structured data (three noisy prototypes): two halves share their principal spectrum, a collapsed set does not
    protos = torch.randint(0, 4, (3, 30), generator=g)
    rows = protos[torch.randint(0, 3, (4000,), generator=g)]
    noise = torch.rand(4000, 30, generator=g) < 0.2
    structured = torch.where(noise, torch.randint(0, 4, (4000, 30), generator=g), rows)
    score, _, _ = spectrum_score(structured[2000:], structured[:2000], 4, n_components=2)
    assert score < 0.05
    collapsed, _, _ = spectrum_score(structured[:2].repeat(1000, 1), structured[:2000], 4, n_components=2)
    assert collapsed > 0.2


def test_distance_map_reading(write):
    path = write("s.dat", "1 5 0.3 6.0\n2 9 0.1 12.0\n")
    dmap = read_distance_map(path)
    assert list(dmap.itertuples(index=False, name=None)) == [(0, 4, 6.0), (1, 8, 12.0)]
    from seqebm import ParseError

    with pytest.raises(ParseError, match=":1"):
        read_distance_map(write("bad.dat", "1 2\n"))
