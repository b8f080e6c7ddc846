"""PCA of one-hot sequences: components fitted on the (weighted, centred) data, data and samples projected onto
the same axes, with projections scaled by 1/sqrt(number of one-hot variables) as the literature plots them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.encoding import one_hot
from seqebm.figures import pyplot, save_figure


@dataclass
class PCAResult:
    components: torch.Tensor  # (n_components, L*q)
    mean: torch.Tensor  # (L*q,)
    explained_variance: torch.Tensor  # (n_components,) eigenvalues of the weighted covariance
    scale: float  # 1 / sqrt(L*q)

    def transform(self, states: torch.Tensor, q: int) -> torch.Tensor:
        x = one_hot(states.to(self.mean.device), q).reshape(states.shape[0], -1)
        return (x - self.mean) @ self.components.T * self.scale


def fit_pca(states: torch.Tensor, q: int, weights: torch.Tensor | None = None, n_components: int = 3) -> PCAResult:
    """Principal axes of the weighted covariance of the one-hot data (eigendecomposition of (L q) x (L q))."""
    x = one_hot(states, q, torch.float64).reshape(states.shape[0], -1)
    w = torch.full((x.shape[0],), 1.0 / x.shape[0], dtype=torch.float64, device=x.device) if weights is None else (
        weights.double() / weights.double().sum())
    mean = w @ x
    xc = x - mean
    cov = (xc * w[:, None]).T @ xc
    evals, evecs = torch.linalg.eigh(cov)
    order = torch.argsort(evals, descending=True)[:n_components]
    return PCAResult(evecs[:, order].T.float(), mean.float(), evals[order].float(), 1.0 / float(np.sqrt(x.shape[1])))


def pca_frame(pca: PCAResult, q: int, sets: dict[str, torch.Tensor], labels: dict[str, pd.Series] | None = None) -> pd.DataFrame:
    """Long table of projections: columns set, PC1..PCn (and label when given)."""
    frames = []
    for name, states in sets.items():
        proj = pca.transform(states, q).cpu().numpy()
        frame = pd.DataFrame(proj, columns=[f"PC{i + 1}" for i in range(proj.shape[1])])
        frame.insert(0, "set", name)
        if labels and name in labels and labels[name] is not None:
            frame["label"] = np.asarray(labels[name])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def plot_pca(frame: pd.DataFrame, path: str | Path, title: str = "", pairs=((1, 2), (1, 3), (2, 3))) -> Path:
    """Side-by-side panels, one column per set (data, generated, ...), rows = PC pairs; coloured by label if present."""
    plt = pyplot()

    sets = list(dict.fromkeys(frame["set"]))
    pairs = [p for p in pairs if f"PC{max(p)}" in frame.columns]
    fig, axes = plt.subplots(len(pairs), len(sets), figsize=(4 * len(sets), 3.6 * len(pairs)), squeeze=False)
    has_label = "label" in frame.columns and frame["label"].notna().any()
    categories = sorted(frame["label"].dropna().astype(str).unique()) if has_label else []
    cmap = plt.get_cmap("tab20" if len(categories) > 10 else "tab10")
    lims = {c: (frame[c].min(), frame[c].max()) for c in frame.columns if c.startswith("PC")}
    for col, name in enumerate(sets):
        sub = frame[frame["set"] == name]
        for row, (a, b) in enumerate(pairs):
            ax = axes[row, col]
            xa, xb = f"PC{a}", f"PC{b}"
            if has_label and sub["label"].notna().any():
                for k, cat in enumerate(categories):
                    part = sub[sub["label"].astype(str) == cat]
                    ax.scatter(part[xa], part[xb], s=2, alpha=0.5, color=cmap(k % cmap.N), label=cat)
            else:
                ax.hexbin(sub[xa], sub[xb], gridsize=60, bins="log", cmap="viridis", mincnt=1,
                          extent=(*lims[xa], *lims[xb]))
            ax.set_xlim(*lims[xa])
            ax.set_ylim(*lims[xb])
            ax.set_xlabel(xa)
            ax.set_ylabel(xb)
            if row == 0:
                ax.set_title(f"{name} (n={len(sub)})")
    if has_label:
        handles, names = axes[0, 0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, names, loc="center right", markerscale=4, fontsize=7)
            fig.subplots_adjust(right=0.85)
    if title:
        fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 0.85 if has_label else 1, 0.96 if title else 1))
    return save_figure(fig, path)
