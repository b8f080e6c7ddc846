"""Generative quality beyond pair statistics: novelty, nearest-neighbour adversarial accuracy, compressibility and
the variance spectrum along the data's principal axes."""
from __future__ import annotations

import gzip

import numpy as np
import torch

from seqebm.analysis.labels import nearest_neighbours
from seqebm.analysis.pca import fit_pca


def nearest_training_distance(samples: torch.Tensor, train: torch.Tensor, q: int) -> torch.Tensor:
    """Hamming distance (number of sites) of each sample to its closest training sequence: 0 means a copy."""
    return nearest_neighbours(samples, train, q, k=1)[1][:, 0]


def adversarial_accuracy(real: torch.Tensor, synthetic: torch.Tensor, q: int, n: int | None = None,
                         generator: torch.Generator | None = None) -> float:
    """AA_TS of Yale et al. 2020 (Neurocomputing 416:244): with d_TS(i) the distance of real i to its nearest synthetic
    sequence and d_TT(i) to its nearest other real one (and symmetrically d_ST, d_SS),
    AA = 1/2 [mean(d_TS > d_TT) + mean(d_ST > d_SS)]. 0.5: indistinguishable; -> 0: copies (overfitting);
    -> 1: synthetic far from real. Ties count 1/2. Computed on n sequences of each set (default: the smaller size)."""
    n = min(real.shape[0], synthetic.shape[0]) if n is None else n
    pick = lambda x: x[torch.randperm(x.shape[0], generator=generator)[:n]] if x.shape[0] > n else x
    t, s = pick(real), pick(synthetic)
    d_ts = nearest_neighbours(t, s, q)[1][:, 0]
    d_tt = nearest_neighbours(t, t, q, exclude_self=True)[1][:, 0]
    d_st = nearest_neighbours(s, t, q)[1][:, 0]
    d_ss = nearest_neighbours(s, s, q, exclude_self=True)[1][:, 0]
    return 0.5 * (_beats(d_ts, d_tt) + _beats(d_st, d_ss))


def _beats(a: torch.Tensor, b: torch.Tensor) -> float:
    """mean(a > b), ties counted as 1/2: Hamming distances are integers, and counting ties as losses would bias
    AA below 0.5 for two samples of the same distribution."""
    return float((a > b).float().mean() + 0.5 * (a == b).float().mean())


def gzip_entropy_ratio(samples: torch.Tensor, data: torch.Tensor, generator: torch.Generator | None = None) -> float:
    """Compressed size of the samples over that of as many data sequences (gzip, level 9, states as bytes).
    About 1: as diverse as the data; < 1: repetitive (mode collapse); > 1: noisier than the data."""
    n = min(samples.shape[0], data.shape[0])
    rows = torch.randperm(data.shape[0], generator=generator)[:n]

    def size(x: torch.Tensor) -> int:
        return len(gzip.compress(x.to(torch.uint8).cpu().numpy().tobytes(), compresslevel=9))

    return size(samples[:n]) / size(data[rows])


def spectrum_score(samples: torch.Tensor, data: torch.Tensor, q: int, data_weights: torch.Tensor | None = None,
                   n_components: int = 10) -> tuple[float, np.ndarray, np.ndarray]:
    """Variance of the samples along each of the data's top principal axes against the data's own variance there:
    score = mean_k |log10(var_samples_k / var_data_k)| (0 = same spectrum). Returns (score, data variances,
    sample variances). A seqebm definition, in the spirit of the PCA comparisons of Yelmen et al. 2021."""
    pca = fit_pca(data, q, data_weights, n_components)
    proj = pca.transform(samples, q) / pca.scale
    var_samples = proj.double().var(0).cpu().numpy()
    var_data = pca.explained_variance.double().cpu().numpy()
    return float(np.mean(np.abs(np.log10(var_samples / var_data)))), var_data, var_samples
