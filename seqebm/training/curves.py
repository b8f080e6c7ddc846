"""The training curve: Pearson against updates (and the sweeps per update of adaptive regimes), with the
log-likelihood beside it where it was measured, as a PNG."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from seqebm.figures import pyplot, save_figure


def plot_training_curve(log: pd.DataFrame, path: Path, title: str, target: float | None, ceiling: float | None,
                        adaptive_sweeps: bool) -> Path:
    """Pearson of connected correlations (data vs chains) per update, the target and the chain-count ceiling;
    with ``adaptive_sweeps``, the sweeps per update on a second axis; where the log-likelihood was measured (AIS or
    a tempering ladder), a second panel with it beside the curve."""
    scored = "loglik_train" in log and log["loglik_train"].notna().any()
    fig, axes = pyplot().subplots(1, 2 if scored else 1, figsize=(11 if scored else 6, 4), squeeze=False)
    ax = axes[0, 0]
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
    if scored:
        plot_log_likelihood(axes[0, 1], log)
    fig.tight_layout()
    return save_figure(fig, path)


def plot_log_likelihood(ax, log: pd.DataFrame) -> None:
    """Train (and test) log-likelihood per sequence at the updates where log Z was estimated, with the standard
    error of log Z where it is known (AIS)."""
    scored = log.dropna(subset=["loglik_train"])
    error = scored["log_z_se"] if "log_z_se" in scored else None
    ax.errorbar(scored["update"], scored["loglik_train"], yerr=error, fmt="o-", ms=3, capsize=2, label="training data")
    if scored["loglik_test"].notna().any():
        ax.errorbar(scored["update"], scored["loglik_test"], yerr=error, fmt="o-", ms=3, capsize=2, label="test data")
    ax.set_xlabel("update")
    ax.set_ylabel("log-likelihood per sequence")
    ax.legend(fontsize=8)


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
    plot_log_likelihood(axes[2], log)
    for ax in axes:
        ax.set_xlabel("update")
    fig.suptitle(f"{sampler} ladder during training")
    fig.tight_layout()
    return save_figure(fig, path)
