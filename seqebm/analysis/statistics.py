"""Statistical agreement of generated sequences with data: one-site frequencies, connected two- and three-site
correlations (Pearson r and slope over all entries, as adabmDCA reports them)."""
from __future__ import annotations

import pandas as pd
import torch

from seqebm.encoding import one_hot
from seqebm.stats.compare import pearson_slope, upper_pairs
from seqebm.stats.frequencies import connected_from_frequencies, pair_frequencies, site_frequencies


def paired_statistics(
    data: torch.Tensor, samples: torch.Tensor, q: int, data_weights: torch.Tensor | None = None
) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """Flat (data, samples) vectors of the one-site frequencies and of the connected correlations (pairs i < j),
    computed once for the table and the scatter plots."""
    fi_d, fij_d = site_frequencies(data, q, data_weights), pair_frequencies(data, q, data_weights)
    fi_s, fij_s = site_frequencies(samples, q), pair_frequencies(samples, q)
    return {
        "site_frequencies": (fi_d.reshape(-1), fi_s.reshape(-1)),
        "connected_correlations": (upper_pairs(connected_from_frequencies(fi_d, fij_d)),
                                   upper_pairs(connected_from_frequencies(fi_s, fij_s))),
    }


def compare_statistics(
    data: torch.Tensor,
    samples: torch.Tensor,
    q: int,
    data_weights: torch.Tensor | None = None,
    n_triplets: int = 0,
    pairs: dict[str, tuple[torch.Tensor, torch.Tensor]] | None = None,
) -> pd.DataFrame:
    """One row per statistic (``site_frequencies``, ``connected_correlations`` and, with ``n_triplets`` > 0,
    ``connected_3pt`` on the most correlated triplets of the data) with columns pearson, slope, n_entries.
    ``pairs`` reuses the output of :func:`paired_statistics`."""
    pairs = pairs if pairs is not None else paired_statistics(data, samples, q, data_weights)
    rows = []
    for name, (x, y) in pairs.items():
        r, slope = pearson_slope(x, y)
        rows.append({"statistic": name, "pearson": r, "slope": slope, "n_entries": int(x.numel())})
    if n_triplets > 0:
        x, y = three_point_correlations(data, samples, q, data_weights, n_triplets)
        r, slope = pearson_slope(x, y)
        rows.append({"statistic": "connected_3pt", "pearson": r, "slope": slope, "n_entries": int(x.numel())})
    return pd.DataFrame(rows).set_index("statistic")


def three_point_correlations(
    data: torch.Tensor, samples: torch.Tensor, q: int, data_weights: torch.Tensor | None, n_triplets: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Connected three-site correlations C_ijk(a,b,c) = <(x_ia - f_ia)(x_jb - f_jb)(x_kc - f_kc)> of data and samples,
    on the ``n_triplets`` (i, a, j, b, k, c) built from the strongest data pair correlations."""
    fi_d = site_frequencies(data, q, data_weights)
    cd = connected_from_frequencies(fi_d, pair_frequencies(data, q, data_weights))
    length = data.shape[1]
    flat = cd.reshape(length * q, length * q).abs()
    site = torch.arange(length * q, device=flat.device) // q
    flat[site[:, None] >= site[None, :]] = 0
    top = torch.topk(flat.reshape(-1), min(n_triplets, flat.numel())).indices
    u, v = top // (length * q), top % (length * q)
    # third variable: the one most correlated with both members of the pair, on another site
    scores = flat + flat.T
    both = scores[u] + scores[v]
    both[site[None, :].expand(len(u), -1) == site[u][:, None]] = -1
    both[site[None, :].expand(len(u), -1) == site[v][:, None]] = -1
    w = both.argmax(1)

    def c3(states, weights, fi):
        x = one_hot(states, q).reshape(states.shape[0], -1) - fi.reshape(1, -1)
        wts = torch.full((states.shape[0],), 1.0 / states.shape[0], device=states.device) if weights is None else weights / weights.sum()
        return (wts[:, None] * x[:, u] * x[:, v] * x[:, w]).sum(0)

    fi_s = site_frequencies(samples, q)
    return c3(data, data_weights, fi_d), c3(samples, None, fi_s)
