"""The training curve: Pearson against updates (and the sweeps per update of adaptive regimes), as a PNG."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from seqebm.figures import pyplot, save_figure


def plot_training_curve(log: pd.DataFrame, path: Path, title: str, target: float | None, ceiling: float | None,
                        adaptive_sweeps: bool) -> Path:
    """Pearson of connected correlations (data vs chains) per update, the target and the chain-count ceiling;
    with ``adaptive_sweeps``, the sweeps per update on a second axis."""
    fig, ax = pyplot().subplots(figsize=(6, 4))
    valid = log.dropna(subset=["pearson"])
    ax.plot(valid["update"], valid["pearson"], label="Pearson C_ij (data vs chains)")
    if target:
        ax.axhline(target, color="k", ls="--", lw=0.8, label=f"target {target}")
    if ceiling:
        ax.axhline(ceiling, color="gray", ls=":", lw=0.8, label=f"ceiling for the chain count {ceiling:.3f}")
    ax.set_xlabel("update")
    ax.set_ylabel("Pearson")
    ax.set_title(title + (" (adaptive sweeps)" if adaptive_sweeps else ""))
    if adaptive_sweeps:
        ax2 = ax.twinx()
        ax2.step(log["update"], log["sweeps"], color="tab:orange", where="post", label="sweeps / update")
        ax2.set_ylabel("sweeps per update", color="tab:orange")
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_tempering(log: pd.DataFrame, path: Path, sampler: str) -> Path:
    """The tempering ladder over training: its length and slowest pair's swap rate, round trips, and the
    log-likelihood per sequence of the training (and test) data estimated from log Z of the ladder."""
    fig, axes = pyplot().subplots(1, 3, figsize=(14, 3.8))
    valid = log.dropna(subset=["rungs"])
    axes[0].step(valid["update"], valid["rungs"], where="post", color="tab:blue", label="rungs")
    axes[0].set_ylabel("rungs")
    twin = axes[0].twinx()
    twin.plot(valid["update"], valid["swap_rate_min"], color="tab:red", lw=0.8, label="slowest pair's swap rate")
    twin.set_ylabel("slowest pair's swap rate", color="tab:red")
    twin.set_ylim(0, 1)
    axes[1].plot(valid["update"], valid["round_trips"].cumsum(), color="tab:green")
    axes[1].set_ylabel("round trips (cumulative)")
    scored = log.dropna(subset=["loglik_train"])
    axes[2].plot(scored["update"], scored["loglik_train"], "o-", ms=3, label="training data")
    if scored["loglik_test"].notna().any():
        axes[2].plot(scored["update"], scored["loglik_test"], "o-", ms=3, label="test data")
    axes[2].set_ylabel("log-likelihood per sequence")
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.set_xlabel("update")
    fig.suptitle(f"{sampler} ladder during training")
    fig.tight_layout()
    return save_figure(fig, path)
