"""`seqebm bench multimodal`: fast out-of-equilibrium generators on multimodal data (Carbone, Decelle, Rosset &
Seoane 2023): rdm-10 models of the 805-SNP haplotypes (population labels), the Kunitz family (taxonomy labels) and
the SAM riboswitch, sampled with k = 10 from random, against pcd-10 models sampled for a long time.

Claim: the rdm-10 generator covers the modes of the data (PCA clusters, label proportions) with diverse samples;
the pcd model sampled for a long time does not (lack of diversity, modes missing or over-represented)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.analysis.labels import label_proportions, plot_label_proportions, transfer_labels
from seqebm.analysis.pca import fit_pca, pca_frame, plot_pca
from seqebm.analysis.quality import adversarial_accuracy, gzip_entropy_ratio, spectrum_score
from seqebm.benchmarks.common import write_summary
from seqebm.io import load_dataset
from seqebm.sampling import sample
from seqebm.training import Trainer

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data"
# name: (data file, labels file, label column, model options)
DATASETS = {
    "805SNP": (DATA / "genotypes_1000G_805SNP" / "805_SNP_1000G_real.hapt.gz",
               DATA / "genotypes_1000G_805SNP" / "805_SNP_1000G_real_labels.tsv", "super_pop", dict(model="rbm", hidden=100)),
    "Kunitz": (DATA / "protein_kunitz_taxonomy_labels" / "Kunitz_domain_MSA.fasta.gz",
               DATA / "protein_kunitz_taxonomy_labels" / "Kunitz_domain_taxonomy_labels.tsv.gz", "phylum", dict(model="potts")),
    "SAM": (DATA / "rna_RF00162_SAM_riboswitch" / "SAM.csv.gz", None, None, dict(model="potts")),
}


def settings(quick: bool) -> dict:
    if quick:
        return dict(n_chains=1000, updates=150, n_samples=1000, long_t=1000, max_labels=8)
    return dict(n_chains=10000, updates=2000, n_samples=10000, long_t=10**5, max_labels=12)


def _coarse(labels: pd.Series, max_labels: int) -> pd.Series:
    """Keep the most frequent labels, the rest as 'other' (readable legends)."""
    labels = labels.astype(str).reset_index(drop=True)
    top = labels.value_counts().index[: max_labels - 1]
    return labels.where(labels.isin(top), "other")


def run(out_dir: str | Path, quick: bool = True, device: str = "cpu", seed: int = 0, log=print,
        config: dict | None = None, datasets: list[str] | None = None) -> pd.DataFrame:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg = config or settings(quick)
    rows, figures = [], []
    for name in datasets or list(DATASETS):
        path, labels_path, label_column, model_opts = DATASETS[name]
        ds = load_dataset(path, labels=labels_path)
        theta = 0.8 if ds.kind == "msa" else 1.0
        weighted = ds.reweight(theta, device=device) if theta < 1 else ds
        x = weighted.tensor(device)
        w = weighted.weights_tensor(device)
        sets = {"data": x}
        for label, regime, k in (("rdm-10, t=10", "rdm", 10), (f"pcd-10, t={cfg['long_t']}", "pcd", 10)):
            # l2=0 for both regimes (the persistent-regime default would differ): only the regime changes
            trainer = Trainer(regime=regime, k=k, n_chains=cfg["n_chains"], max_updates=cfg["updates"], target_pearson=None,
                              theta=theta, reweight=theta < 1, l2=0.0, seed=seed, device=device, **model_opts)
            model = trainer.fit(ds).model
            t = 10 if regime == "rdm" else cfg["long_t"]
            sets[label] = sample(model, cfg["n_samples"], t, init="random", seed=seed + 1)
            log(f"{name}: {label} done")
        pca = fit_pca(x, ds.q, w, n_components=3)
        data_labels = _coarse(ds.labels[label_column], cfg["max_labels"]) if label_column else None
        label_sets = {"data": data_labels}
        proportions = {}
        gen = torch.Generator().manual_seed(seed)
        for label, states in sets.items():
            if label == "data":
                continue
            row = {"data": name, "samples": label, "n": states.shape[0],
                   "AA_TS": adversarial_accuracy(x, states, ds.q, n=min(2000, states.shape[0]), generator=gen),
                   "gzip ratio": gzip_entropy_ratio(states, x, gen),
                   "spectrum score": spectrum_score(states, x, ds.q, w)[0],
                   "distinct sequences": int(torch.unique(states, dim=0).shape[0])}
            if data_labels is not None:
                sample_labels = transfer_labels(states, x, data_labels, ds.q, k=5)
                label_sets[label] = sample_labels
                table, divergence = label_proportions(data_labels, sample_labels, weighted.weights)
                proportions[label] = table["samples"]
                row["label JS divergence"] = divergence
                row["labels covered (>1%)"] = int((table["samples"] > 0.01).sum())
                row["labels in data (>1%)"] = int((table["data"] > 0.01).sum())
            rows.append(row)
        frame = pca_frame(pca, ds.q, sets, label_sets if data_labels is not None else None)
        figures.append(str(plot_pca(frame, out / f"{name}_pca.png", title=f"{name}: data and generated, same PCA axes",
                                    pairs=((1, 2),))))
        if proportions:
            table, _ = label_proportions(data_labels, label_sets[next(iter(proportions))])
            combined = pd.DataFrame({"data": table["data"], **proportions}).fillna(0.0)
            figures.append(str(plot_label_proportions(combined, out / f"{name}_labels.png", title=f"{name}: {label_column}")))
    results = pd.DataFrame(rows)
    results.to_csv(out / "results.csv", index=False)
    claims = []
    for name, sub in results.groupby("data", sort=False):
        rdm, pcd = sub.iloc[0], sub.iloc[1]
        claims.append((f"{name}: rdm-10 samples at t=10 closer to the data than long pcd samples (|AA_TS - 0.5|)",
                       abs(rdm["AA_TS"] - 0.5) < abs(pcd["AA_TS"] - 0.5),
                       f"rdm-10 {rdm['AA_TS']:.3f}, pcd long {pcd['AA_TS']:.3f}"))
        if "label JS divergence" in sub and not np.isnan(rdm.get("label JS divergence", np.nan)):
            claims.append((f"{name}: rdm-10 label proportions closer to the data's than pcd's (JS divergence)",
                           rdm["label JS divergence"] < pcd["label JS divergence"],
                           f"rdm-10 {rdm['label JS divergence']:.3f}, pcd long {pcd['label JS divergence']:.3f}"))
        claims.append((f"{name}: long pcd samples less diverse than rdm-10's (spectrum score higher)",
                       pcd["spectrum score"] > rdm["spectrum score"],
                       f"rdm-10 {rdm['spectrum score']:.3f}, pcd long {pcd['spectrum score']:.3f}"))
    command = f"seqebm bench multimodal {'--quick ' if quick else ''}--out {out_dir}"
    write_summary(out / "summary.md", "Multimodal benchmark: fast rdm-10 generators vs long-run pcd models", command,
                  results.set_index(["data", "samples"]), claims, figures)
    return results
