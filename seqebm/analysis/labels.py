"""Label clustering: transfer data labels to generated samples, compare label proportions, and measure how well
unsupervised clustering recovers the labels (adjusted Rand index)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.encoding import one_hot
from seqebm.figures import pyplot, save_figure


def nearest_neighbours(queries: torch.Tensor, reference: torch.Tensor, q: int, k: int = 1, chunk_size: int = 2048,
                       exclude_self: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """Indices (n, k) and Hamming distances (n, k) of the k nearest ``reference`` rows to each query row.

    Hamming distance = L - (matching sites), computed by one-hot matmuls in chunks. ``exclude_self`` skips the
    identical index (queries == reference)."""
    length = reference.shape[1]
    ref = one_hot(reference, q).reshape(reference.shape[0], -1)
    idx_out, dist_out = [], []
    for start in range(0, queries.shape[0], chunk_size):
        qx = one_hot(queries[start : start + chunk_size].to(reference.device), q).reshape(-1, length * q)
        dist = length - qx @ ref.T
        if exclude_self:
            rows = torch.arange(qx.shape[0], device=dist.device)
            dist[rows, rows + start] = float("inf")
        d, i = torch.topk(dist, k, dim=1, largest=False)
        idx_out.append(i)
        dist_out.append(d)
    return torch.cat(idx_out), torch.cat(dist_out)


def transfer_labels(samples: torch.Tensor, data: torch.Tensor, labels: pd.Series, q: int, k: int = 5) -> pd.Series:
    """Label of each sample = majority label of its k nearest labelled data sequences (Hamming distance)."""
    idx, _ = nearest_neighbours(samples, data, q, k=min(k, data.shape[0]))
    values = np.asarray(labels.astype(str))
    neighbour_labels = values[idx.cpu().numpy()]
    out = [pd.Series(row).value_counts().index[0] for row in neighbour_labels]
    return pd.Series(out, name=labels.name, dtype="category")


def label_proportions(data_labels: pd.Series, sample_labels: pd.Series, data_weights: np.ndarray | None = None) -> tuple[pd.DataFrame, float]:
    """Table of label proportions (data, weighted data if given, samples) and the Jensen-Shannon divergence (bits)
    between data and sample proportions."""
    data_labels = data_labels.astype(str).reset_index(drop=True)
    sample_labels = sample_labels.astype(str).reset_index(drop=True)
    cats = sorted(set(data_labels) | set(sample_labels))
    table = pd.DataFrame(index=pd.Index(cats, name="label"))
    table["data"] = data_labels.value_counts(normalize=True).reindex(cats, fill_value=0.0)
    if data_weights is not None:
        w = pd.Series(data_weights).groupby(data_labels).sum()
        table["data_weighted"] = (w / w.sum()).reindex(cats, fill_value=0.0)
    table["samples"] = sample_labels.value_counts(normalize=True).reindex(cats, fill_value=0.0)
    return table, jensen_shannon(table["data"].to_numpy(), table["samples"].to_numpy())


def jensen_shannon(p: np.ndarray, r: np.ndarray) -> float:
    """Jensen-Shannon divergence in bits (0 = identical, 1 = disjoint)."""
    p, r = p / p.sum(), r / r.sum()
    m = (p + r) / 2

    def kl(a, b):
        mask = a > 0
        return float((a[mask] * np.log2(a[mask] / b[mask])).sum())

    return 0.5 * kl(p, m) + 0.5 * kl(r, m)


def clustering_ari(projections: np.ndarray, labels: pd.Series, seed: int = 0) -> float:
    """Adjusted Rand index between k-means clusters (k = number of labels) of ``projections`` and ``labels``."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    lab = np.asarray(labels.astype(str))
    n_clusters = len(np.unique(lab))
    if n_clusters < 2:
        return float("nan")
    clusters = KMeans(n_clusters=n_clusters, n_init=10, random_state=seed).fit_predict(projections)
    return float(adjusted_rand_score(lab, clusters))


def plot_label_proportions(table: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    plt = pyplot()

    fig, ax = plt.subplots(figsize=(max(5, 0.5 * len(table) + 2), 3.5))
    table.plot.bar(ax=ax, width=0.8)
    ax.set_ylabel("proportion")
    ax.set_title(title or "label proportions")
    fig.tight_layout()
    return save_figure(fig, path)
