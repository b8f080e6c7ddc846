import numpy as np
import pytest
import torch

from seqebm.io import read_msa
from seqebm.stats import connected_correlations, pair_frequencies, sequence_weights, site_frequencies
from tests.paths import PF00014


def brute_force_weights(x: np.ndarray, theta: float) -> np.ndarray:
    n, length = x.shape
    w = np.zeros(n)
    for a in range(n):
        count = 0
        for b in range(n):
            if np.sum(x[a] == x[b]) / length >= theta:
                count += 1
        w[a] = 1.0 / count
    return w


@pytest.mark.parametrize("theta", [0.5, 0.8, 1.0])
def test_weights_against_brute_force(theta):
    rng = np.random.default_rng(1)
    base = rng.integers(0, 4, size=(6, 10))
    x = np.concatenate([base, base[:3]])  # exact duplicates
    x[6:, :3] = rng.integers(0, 4, size=(3, 3))  # near duplicates
    for chunk in (2, 3, 1000):  # blocks smaller than N exercise the triangular accumulation
        w = sequence_weights(torch.as_tensor(x), theta=theta, q=4, chunk_size=chunk).numpy()
        np.testing.assert_allclose(w, brute_force_weights(x, theta), rtol=1e-6)


def test_weights_real_subset_against_brute_force():
    ds = read_msa(PF00014).subset(slice(0, 150))
    w = sequence_weights(ds.tensor(), 0.8, q=21, chunk_size=64).numpy()
    np.testing.assert_allclose(w, brute_force_weights(ds.sequences.astype(int), 0.8), rtol=1e-6)


def numpy_frequencies(x, q, w, lam):
    n, length = x.shape
    w = w / w.sum()
    oh = np.eye(q)[x]  # (n, L, q)
    fi = np.einsum("n,nia->ia", w, oh)
    fij = np.einsum("n,nia,njb->iajb", w, oh, oh)
    fi = (1 - lam) * fi + lam / q
    fij = (1 - lam) * fij + lam / q**2
    for i in range(length):
        fij[i, :, i, :] = np.diag(fi[i])
    return fi, fij


@pytest.mark.parametrize("lam", [0.0, 0.1])
def test_frequencies_against_numpy(lam):
    rng = np.random.default_rng(2)
    x = rng.integers(0, 3, size=(50, 5))
    w = rng.random(50)
    fi_ref, fij_ref = numpy_frequencies(x, 3, w, lam)
    xt, wt = torch.as_tensor(x), torch.as_tensor(w)
    fi = site_frequencies(xt, 3, wt, lam, dtype=torch.float64).numpy()
    fij = pair_frequencies(xt, 3, wt, lam, dtype=torch.float64, chunk_size=7).numpy()
    np.testing.assert_allclose(fi, fi_ref, atol=1e-12)
    np.testing.assert_allclose(fij, fij_ref, atol=1e-12)
    c = connected_correlations(xt, 3, wt, lam, dtype=torch.float64).numpy()
    np.testing.assert_allclose(c, fij_ref - np.einsum("ia,jb->iajb", fi_ref, fi_ref), atol=1e-12)
    assert np.allclose(fi.sum(1), 1)
    assert np.allclose(fij.sum((1, 3)), 1)


def test_duplicating_rows_equals_integer_weights():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, size=(20, 4))
    counts = rng.integers(1, 4, size=20)
    dup = np.repeat(x, counts, axis=0)
    a = pair_frequencies(torch.as_tensor(x), 3, torch.as_tensor(counts, dtype=torch.float64), dtype=torch.float64)
    b = pair_frequencies(torch.as_tensor(dup), 3, dtype=torch.float64)
    torch.testing.assert_close(a, b)
