"""`seqebm bench images`: RBMs on binarised MNIST trained with rdm-10, rdm-100 and pcd-100, sampled from random for
log-spaced times (Decelle, Furtlehner & Seoane, NeurIPS 2021; Agoritsas et al., ICML 2023).

Claim: an out-of-equilibrium (rdm-k) model generates its best samples near t = k; after that quality degrades
(memory effect: the dynamics drifts away from what was learned, with a loss of diversity)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.analysis.labels import label_proportions, transfer_labels
from seqebm.analysis.quality import adversarial_accuracy, gzip_entropy_ratio
from seqebm.benchmarks.common import write_summary
from seqebm.device import make_generator
from seqebm.figures import pyplot, save_figure
from seqebm.io.bundled import bundled_path
from seqebm.io.load import load_dataset
from seqebm.sampling.init import init_chains
from seqebm.sampling.run import log_times, sample_trajectory
from seqebm.training.trainer import Trainer



def settings(quick: bool) -> dict:
    """Sizes of a quick (CPU, minutes) and a full (GPU) run."""
    if quick:
        return dict(n_images=2000, hidden=64, n_chains=500, n_eval=500, t_max=10**4, lr=0.01,
                    regimes={"rdm-10": (dict(regime="rdm", k=10), 400), "rdm-100": (dict(regime="rdm", k=100), 80),
                             "pcd-100": (dict(regime="pcd", k=100), 80)})
    return dict(n_images=10000, hidden=500, n_chains=5000, n_eval=2000, t_max=10**5, lr=0.01,
                regimes={"rdm-10": (dict(regime="rdm", k=10), 5000), "rdm-100": (dict(regime="rdm", k=100), 2000),
                         "pcd-100": (dict(regime="pcd", k=100), 2000), "eq": (dict(regime="eq", k=100), 2000)})


def quality_curve(model, data: torch.Tensor, times: list[int], n: int, seed: int,
                  digits: pd.Series | None = None) -> tuple[pd.DataFrame, dict[int, torch.Tensor]]:
    """AA_TS, gzip entropy ratio, pixel-density error and (with the data's digit labels) the Jensen-Shannon
    divergence between the digit proportions of data and samples (each sample labelled by its 5 nearest data
    images): diversity lost to a few digits shows there. n chains started from random, scored at each time."""
    gen = make_generator(seed, model.device)
    start = init_chains(n, model.length, 2, "random", generator=gen, device=model.device)
    snaps = sample_trajectory(model, start, times, generator=gen)
    rows = []
    density = data.float().mean(0)
    eval_gen = torch.Generator().manual_seed(seed)
    for t in times:
        x = snaps[t].cpu()
        rows.append({"t": t, "AA_TS": adversarial_accuracy(data, x, 2, n=n, generator=eval_gen),
                     "gzip ratio": gzip_entropy_ratio(x, data, eval_gen),
                     "pixel density error": float((x.float().mean(0) - density).abs().mean())})
        if digits is not None:
            sample_digits = transfer_labels(x, data, digits, 2, k=5)
            table, divergence = label_proportions(digits, sample_digits)
            rows[-1]["digit JS divergence"] = divergence
            rows[-1]["digits covered (>2%)"] = int((table["samples"] > 0.02).sum())
    return pd.DataFrame(rows), snaps


def run(out_dir: str | Path, quick: bool = True, device: str = "cpu", seed: int = 0, log=print,
        config: dict | None = None, data_dir: str | Path | None = None) -> pd.DataFrame:
    """Train the three RBMs, score their samples along time; write results.csv, figures and summary.md."""
    out = Path(out_dir)
    cfg = config or settings(quick)
    images = load_dataset(bundled_path("mnist", data_dir), labels=bundled_path("mnist_labels", data_dir))
    out.mkdir(parents=True, exist_ok=True)  # only once the data are found: a failed run leaves nothing behind
    rows_idx = torch.randperm(images.n_sequences, generator=torch.Generator().manual_seed(seed))[: cfg["n_images"]]
    data = images.subset(rows_idx.numpy())
    data_states = data.tensor()
    digits = data.labels["digit"].reset_index(drop=True)
    times = log_times(cfg["t_max"], per_decade=3)
    curves, grids = [], {}
    for name, (opts, updates) in cfg["regimes"].items():
        trainer = Trainer(model="rbm", hidden=cfg["hidden"], n_chains=cfg["n_chains"], max_updates=updates, target_pearson=None,
                          reweight=False, lr=cfg["lr"], optimizer="adam", seed=seed, device=device, **opts)
        result = trainer.fit(data)
        curve, snaps = quality_curve(result.model, data_states, times, cfg["n_eval"], seed + 1, digits)
        curve.insert(0, "training", name)
        curve.insert(1, "k", opts["k"])
        curves.append(curve)
        grids[name] = {t: snaps[t][:16].cpu().numpy() for t in _grid_times(opts["k"], cfg["t_max"]) if t in snaps}
        best = curve.loc[(curve["AA_TS"] - 0.5).abs().idxmin()]
        log(f"{name}: {updates} updates; best AA_TS {best['AA_TS']:.3f} at t={int(best['t'])}, "
            f"at t={times[-1]}: {curve['AA_TS'].iloc[-1]:.3f}")
    table = pd.concat(curves, ignore_index=True)
    table.to_csv(out / "results.csv", index=False)
    figures = [str(_plot_quality(table, out / "quality_vs_time.png")), str(_plot_grids(grids, out / "samples_vs_time.png"))]
    claims = []
    for name, curve in table.groupby("training", sort=False):
        k = int(curve["k"].iloc[0])
        if not name.startswith("rdm"):
            continue
        gap = (curve["AA_TS"] - 0.5).abs()
        best_t = int(curve.loc[gap.idxmin(), "t"])
        near_k = curve[(curve["t"] >= k / 3) & (curve["t"] <= 3 * k)]
        at_k = float((near_k["AA_TS"] - 0.5).abs().min())
        at_end = float(gap.iloc[-1])
        claims.append((f"{name}: best samples near t = k (within a factor 3)", k / 3 <= best_t <= 3 * k,
                       f"best |AA_TS - 0.5| = {gap.min():.3f} at t = {best_t}"))
        claims.append((f"{name}: quality degrades after t = k (|AA_TS - 0.5| at t = {int(curve['t'].iloc[-1])} larger by > 0.05)",
                       at_end > at_k + 0.05, f"|AA_TS - 0.5| near k {at_k:.3f}, at the end {at_end:.3f}"))
        if "digit JS divergence" in curve:
            js_k = float(near_k["digit JS divergence"].min())
            js_end = float(curve["digit JS divergence"].iloc[-1])
            claims.append((f"{name}: diversity is lost at long times (digit JS divergence at the end larger than near k)",
                           js_end > js_k, f"JS near k {js_k:.3f} ({int(near_k['digits covered (>2%)'].max())} digits covered), "
                           f"at the end {js_end:.3f} ({int(curve['digits covered (>2%)'].iloc[-1])} digits)"))
    command = f"seqebm bench images {'--quick ' if quick else ''}--out {out_dir}"
    write_summary(out / "summary.md", "Image benchmark: RBMs on binarised MNIST, quality against sampling time", command,
                  table.set_index(["training", "t"]), claims, figures)
    return table


def _grid_times(k: int, t_max: int) -> list[int]:
    return sorted({1, k, 10 * k, t_max} & set(log_times(t_max, per_decade=3)) | {k, t_max})


def _plot_quality(table: pd.DataFrame, path: Path) -> Path:
    plt = pyplot()
    metrics = [m for m in ("AA_TS", "digit JS divergence", "gzip ratio", "pixel density error") if m in table.columns]
    ideals = {"AA_TS": 0.5, "digit JS divergence": 0.0, "gzip ratio": 1.0, "pixel density error": 0.0}
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.8))
    for (name, curve), color in zip(table.groupby("training", sort=False), plt.get_cmap("tab10").colors):
        k = int(curve["k"].iloc[0])
        for ax, metric in zip(axes, metrics):
            ax.plot(curve["t"], curve[metric], "o-", ms=3, color=color, label=name)
            ax.axvline(k, color=color, ls=":", lw=0.8)
    for ax, metric in zip(axes, metrics):
        ideal = ideals[metric]
        ax.axhline(ideal, color="k", lw=0.6, ls="--")
        ax.set_xscale("log")
        ax.set_xlabel("sampling time t (Gibbs steps from random)")
        ax.set_title(f"{metric} (ideal {ideal:g})")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return save_figure(fig, path)


def _mosaic(images: np.ndarray, side: int = 28, cols: int = 4) -> np.ndarray:
    rows = int(np.ceil(len(images) / cols))
    canvas = np.ones((rows * (side + 1), cols * (side + 1)))
    for i, img in enumerate(images):
        r, c = divmod(i, cols)
        canvas[r * (side + 1) : r * (side + 1) + side, c * (side + 1) : c * (side + 1) + side] = 1 - img.reshape(side, side)
    return canvas


def _plot_grids(grids: dict[str, dict[int, np.ndarray]], path: Path) -> Path:
    plt = pyplot()
    n_cols = max(len(g) for g in grids.values())
    fig, axes = plt.subplots(len(grids), n_cols, figsize=(2.2 * n_cols, 2.4 * len(grids)), squeeze=False)
    for row, (name, by_time) in enumerate(grids.items()):
        for col in range(n_cols):
            ax = axes[row, col]
            ax.axis("off")
            if col < len(by_time):
                t = sorted(by_time)[col]
                ax.imshow(_mosaic(by_time[t]), cmap="gray", vmin=0, vmax=1)
                ax.set_title(f"{name}, t = {t}", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, path)
