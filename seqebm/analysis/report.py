"""``seqebm analyze``: compare generated sequences with data and write CSV tables, PNG figures and report.md."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.analysis.contacts import contact_scores, plot_contact_map, plot_ppv
from seqebm.analysis.couplings import contact_precision, read_distance_map
from seqebm.analysis.hidden_units import write_unit_report
from seqebm.analysis.labels import clustering_ari, nearest_neighbours, label_proportions, plot_label_proportions, transfer_labels
from seqebm.analysis.pca import fit_pca, pca_frame, plot_pca
from seqebm.analysis.quality import adversarial_accuracy, gzip_entropy_ratio, nearest_training_distance, spectrum_score
from seqebm.analysis.statistics import compare_statistics, paired_statistics
from seqebm.errors import ConfigError, ShapeError
from seqebm.figures import pyplot as _plt
from seqebm.figures import save_figure as _save
from seqebm.fileio import atomic_write
from seqebm.io.dataset import SequenceDataset
from seqebm.models.base import EnergyModel


def analyze(
    data: SequenceDataset,
    samples: SequenceDataset,
    out_dir: str | Path,
    model: EnergyModel | None = None,
    distances: str | Path | None = None,
    label_column: str | None = None,
    max_points: int = 5000,
    n_triplets: int = 2000,
    seed: int = 0,
) -> dict:
    """Write the full comparison into ``out_dir``; returns the summary numbers."""
    if data.length != samples.length or data.q != samples.q:
        raise ShapeError(
            f"samples are L={samples.length}, q={samples.q} but the data ({data.source or 'given'}) are L={data.length}, q={data.q}",
            path=samples.source or None,
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    sets = _Sets(data, samples, torch.randperm(data.n_sequences, generator=gen)[:max_points],
                 torch.randperm(samples.n_sequences, generator=gen)[:max_points])
    summary: dict = {"N data": data.n_sequences, "N samples": samples.n_sequences, "L": data.length, "q": data.q}
    figures: dict[str, str] = {}
    stats = _statistics_section(sets, out, n_triplets, summary, figures)
    _pca_and_labels_section(sets, out, label_column, seed, summary, figures)
    _quality_section(sets, out, gen, summary, figures)
    if model is not None:
        _model_section(sets, model, distances, out, summary, figures)
    if model is not None and model.kind == "rbm":
        column = label_column or (best_label_column(data.labels) if data.labels is not None else None)
        figures["hidden_units"] = write_unit_report(model, out, data, column)["figure"].name
    pd.Series(summary, name="value").to_csv(out / "summary.csv", header=True)
    _write_report(out / "report.md", summary, figures, stats)
    return summary


class _Sets:
    """Data and samples as tensors, with the subsets of at most ``max_points`` rows used for plots and distances."""

    def __init__(self, data: SequenceDataset, samples: SequenceDataset, sub_data: torch.Tensor, sub_samples: torch.Tensor):
        self.data, self.q = data, data.q
        self.x_data, self.w_data, self.x_samples = data.tensor(), data.weights_tensor(), samples.tensor()
        self.sub_data, self.sub_samples = sub_data, sub_samples


def _statistics_section(sets: _Sets, out: Path, n_triplets: int, summary: dict, figures: dict) -> pd.DataFrame:
    """One-site frequencies, connected two- and three-site correlations: table, scatter plots, summary rows."""
    pairs = paired_statistics(sets.x_data, sets.x_samples, sets.q, sets.w_data)
    stats = compare_statistics(sets.x_data, sets.x_samples, sets.q, sets.w_data, n_triplets=n_triplets, pairs=pairs)
    stats.to_csv(out / "statistics.csv")
    for name, row in stats.iterrows():
        summary[f"Pearson {name}"] = round(float(row["pearson"]), 4)
        summary[f"slope {name}"] = round(float(row["slope"]), 4)
    figures["correlations"] = str(_plot_correlation_scatter(pairs, out / "correlations.png").name)
    return stats


def _pca_and_labels_section(sets: _Sets, out: Path, label_column: str | None, seed: int, summary: dict, figures: dict) -> None:
    """PCA of the data with the samples projected on the same axes; with labels, label proportions of the samples
    (transferred from their nearest data sequences) and how well k-means in PC space recovers the labels."""
    data, q = sets.data, sets.q
    pca = fit_pca(sets.x_data, q, sets.w_data, n_components=3)
    labels_data = labels_samples = None
    if label_column is None and data.labels is not None:
        label_column = best_label_column(data.labels)
    if label_column is not None:
        if data.labels is None or label_column not in data.labels.columns:
            raise ConfigError(f"no label column {label_column!r} in the data labels")
        labels_all = data.labels[label_column].reset_index(drop=True)
        sample_labels = transfer_labels(sets.x_samples, sets.x_data, labels_all, q)
        table, jsd = label_proportions(labels_all, sample_labels, data.weights)
        table.to_csv(out / "label_proportions.csv")
        figures["labels"] = plot_label_proportions(table, out / "label_proportions.png", f"{label_column}: data vs generated").name
        summary[f"JS divergence of {label_column} proportions (bits)"] = round(jsd, 4)
        proj_d = pca.transform(sets.x_data, q).cpu().numpy()
        summary[f"ARI k-means(PCA) vs {label_column}, data"] = round(clustering_ari(proj_d, labels_all, seed), 4)
        proj_s = pca.transform(sets.x_samples, q).cpu().numpy()
        summary[f"ARI k-means(PCA) vs transferred {label_column}, samples"] = round(clustering_ari(proj_s, sample_labels, seed), 4)
        labels_data = labels_all.iloc[sets.sub_data.numpy()].to_numpy()
        labels_samples = sample_labels.iloc[sets.sub_samples.numpy()].to_numpy()
    frame = pca_frame(pca, q, {"data": sets.x_data[sets.sub_data], "generated": sets.x_samples[sets.sub_samples]},
                      {"data": labels_data, "generated": labels_samples})
    frame.to_csv(out / "pca.csv", index=False)
    figures["pca"] = plot_pca(frame, out / "pca.png", "PCA of the data; generated projected on the same axes").name


def _quality_section(sets: _Sets, out: Path, gen: torch.Generator, summary: dict, figures: dict) -> None:
    """Novelty (distance to the nearest data sequence, copies), AA_TS, gzip ratio and spectrum score."""
    x_data, x_samp, q = sets.x_data, sets.x_samples, sets.q
    dist = nearest_training_distance(x_samp[sets.sub_samples], x_data, q).cpu().numpy()
    summary["median Hamming distance to nearest data sequence"] = float(np.median(dist))
    summary["fraction of exact copies of data"] = round(float((dist == 0).mean()), 4)
    summary["adversarial accuracy AATS (ideal 0.5)"] = round(adversarial_accuracy(x_data, x_samp, q, n=min(2000, len(x_samp)), generator=gen), 4)
    summary["gzip entropy ratio (ideal 1)"] = round(gzip_entropy_ratio(x_samp, x_data, generator=gen), 4)
    summary["spectrum score (ideal 0)"] = round(spectrum_score(x_samp, x_data, q, sets.w_data)[0], 4)
    dd = nearest_neighbours_within(x_data[sets.sub_data], q)
    figures["hamming"] = _plot_hamming(dist, dd, out / "hamming.png").name


def _model_section(sets: _Sets, model: EnergyModel, distances: str | Path | None, out: Path, summary: dict, figures: dict) -> None:
    """Energies (free energies for models with hidden units) of data and samples; with a distance map, contact
    prediction from the model's pairwise couplings (an RBM's effective couplings)."""
    e_data = model.free_energy(sets.x_data[sets.sub_data])
    e_samp = model.free_energy(sets.x_samples[sets.sub_samples])
    summary["mean energy data"] = round(float(e_data.mean()), 3)
    summary["mean energy samples"] = round(float(e_samp.mean()), 3)
    figures["energy"] = _plot_energies(e_data.cpu().numpy(), e_samp.cpu().numpy(), out / "energies.png").name
    if distances is None:
        return
    scores = contact_scores(model, sets.x_data)
    dmap = read_distance_map(distances)
    length = sets.data.length
    ppv, curve = contact_precision(scores, dmap, length=length)
    ppv.to_csv(out / "contact_precision.csv", index=False)
    curve.to_csv(out / "contact_ranking.csv", index=False)
    for col in ("PPV@L/2", "PPV@L", "PPV@2L", "contact_fraction"):
        summary[f"contacts {col}"] = round(float(ppv[col].iloc[0]), 4)
    figures["contacts"] = plot_contact_map(scores, out / "contacts.png", curve, dmap).name
    figures["ppv"] = plot_ppv(curve, length, out / "ppv.png").name


def nearest_neighbours_within(x: torch.Tensor, q: int) -> np.ndarray:
    """Hamming distance of each row to its nearest other row."""
    return nearest_neighbours(x, x, q, exclude_self=True)[1][:, 0].cpu().numpy()


def best_label_column(labels: pd.DataFrame) -> str | None:
    """The categorical column with 2..30 values and the fewest values among those (e.g. super-population)."""
    candidates = [(labels[c].nunique(), c) for c in labels.columns if 2 <= labels[c].nunique() <= 30]
    return min(candidates)[1] if candidates else None


def _plot_correlation_scatter(pairs, path):
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for ax, (name, (a, b)) in zip(axes, pairs.items()):
        name = name.replace("_", " ")
        a, b = a.cpu().numpy(), b.cpu().numpy()
        if len(a) > 200_000:
            keep = np.random.default_rng(0).choice(len(a), 200_000, replace=False)
            a, b = a[keep], b[keep]
        ax.scatter(a, b, s=1, alpha=0.3)
        lo, hi = min(a.min(), b.min()), max(a.max(), b.max())
        ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        ax.set_xlabel("data")
        ax.set_ylabel("generated")
        ax.set_title(f"{name}: r = {np.corrcoef(a, b)[0, 1]:.3f}")
    fig.tight_layout()
    return _save(fig, path)


def _plot_hamming(sample_dist, data_dist, path):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    bins = np.arange(0, max(sample_dist.max(), data_dist.max()) + 2) - 0.5
    ax.hist(data_dist, bins=bins, alpha=0.6, density=True, label="data to nearest other data")
    ax.hist(sample_dist, bins=bins, alpha=0.6, density=True, label="generated to nearest data")
    ax.set_xlabel("Hamming distance (sites)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def _plot_energies(e_data, e_samp, path):
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.hist(e_data, bins=60, alpha=0.6, density=True, label="data")
    ax.hist(e_samp, bins=60, alpha=0.6, density=True, label="generated")
    ax.set_xlabel("energy (free energy for RBMs)")
    ax.legend()
    fig.tight_layout()
    return _save(fig, path)


def _write_report(path: Path, summary: dict, figures: dict, stats: pd.DataFrame) -> None:
    lines = ["# seqebm analysis report", "", "| quantity | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in summary.items()]
    lines += ["", "## Statistics", "", stats.to_markdown() if _has_tabulate() else stats.to_string(), ""]
    titles = {"correlations": "Data vs generated statistics", "pca": "PCA (data axes)", "labels": "Label proportions",
              "hamming": "Novelty: Hamming distance to the nearest data sequence", "energy": "Energies",
              "contacts": "Contact map: predicted (upper) over true (gray)", "ppv": "Contact precision",
              "hidden_units": "Hidden units: weight logos and inputs over the data (table: hidden_units.csv)"}
    for key, name in figures.items():
        lines += [f"## {titles.get(key, key)}", "", f"![{key}]({name})", ""]
    with atomic_write(path) as fh:
        fh.write("\n".join(lines))


def _has_tabulate() -> bool:
    """pandas' to_markdown needs the optional tabulate package."""
    return importlib.util.find_spec("tabulate") is not None
