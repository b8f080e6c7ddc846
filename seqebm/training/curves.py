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
