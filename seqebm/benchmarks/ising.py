"""`seqebm bench ising`: out-of-equilibrium vs equilibrium training of Boltzmann machines on Ising data with known
couplings (Decelle, Furtlehner & Seoane, NeurIPS 2021).

Claim: rdm-k models reproduce the statistics at t = k from p0 even for k = 1 while their couplings are wrong;
eq training recovers the couplings. Two eq arms: single-site Gibbs (sweeps doubled until the chains mix) and
parallel trajectory tempering (``eq-ptt``), whose chains visit both magnetised basins of the ordered lattice.
Every regime uses the centred gradient (see :meth:`seqebm.models.potts.Potts.gradient`)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.analysis.couplings import coupling_error
from seqebm.benchmarks.common import sample_on_purpose, write_summary
from seqebm.figures import pyplot as plt
from seqebm.figures import save_figure
from seqebm.io.bundled import bundled_path
from seqebm.io.load import load_dataset
from seqebm.io.alphabets import BINARY
from seqebm.io.dataset import SequenceDataset
from seqebm.models.potts import Potts
from seqebm.models.record import RunRecord
from seqebm.stats.compare import pearson_slope
from seqebm.training.trainer import Trainer



def lattice_couplings(side: int = 8, beta_j: float = 0.4406) -> torch.Tensor:
    """Nearest-neighbour couplings of a periodic side x side square lattice (row-major sites)."""
    n = side * side
    j = torch.zeros(n, n)
    for r in range(side):
        for c in range(side):
            i = r * side + c
            for nb in (((r + 1) % side) * side + c, r * side + (c + 1) % side):
                j[i, nb] = j[nb, i] = beta_j
    return j


def planted_model(n: int = 16, density: float = 0.3, beta: float = 0.6, seed: int = 0) -> tuple[Potts, torch.Tensor]:
    """Sparse random +/-1 couplings at inverse temperature beta (an Erdos-Renyi spin glass), zero fields."""
    g = torch.Generator().manual_seed(seed)
    mask = torch.triu(torch.rand(n, n, generator=g) < density, diagonal=1)
    signs = torch.where(torch.rand(n, n, generator=g) < 0.5, -1.0, 1.0)
    j = torch.where(mask, signs * beta, torch.zeros(()))
    j = j + j.T
    return Potts.from_ising(torch.zeros(n), j), j


def exact_ising_samples(model: Potts, n_samples: int, seed: int = 0) -> torch.Tensor:
    """i.i.d. samples by exact enumeration of all 2^L states (L <= 20)."""
    length = model.length
    states = ((torch.arange(2**length)[:, None] >> torch.arange(length)) & 1).long()
    p = torch.softmax(-model.energy(states).double(), 0)
    rows = torch.multinomial(p, n_samples, replacement=True, generator=torch.Generator().manual_seed(seed))
    return states[rows]


def spin_statistics(states: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(<s_i>, <s_i s_j> for i < j) of 0/1 states read as spins."""
    s = 2 * states.double() - 1
    length = s.shape[1]
    i, j = torch.triu_indices(length, length, offset=1)
    return s.mean(0), (s.T @ s / s.shape[0])[i, j]


def magnetisation_shares(states: torch.Tensor) -> tuple[float, float]:
    """Fractions of states with positive and with negative magnetisation (spins 2 s - 1)."""
    m = (2 * states.double() - 1).mean(1)
    return float((m > 0).double().mean()), float((m < 0).double().mean())


def evaluate(model: Potts, truth_j: torch.Tensor, data: torch.Tensor, k: int, init: str, n: int, long_t: int, seed: int) -> dict:
    m_data, c_data = spin_statistics(data)
    short = sample_on_purpose(model, n, k, init=init, seed=seed)
    long = sample_on_purpose(model, n, long_t, init="random", seed=seed + 1)
    out = {}
    for name, states in (("at t=k", short), ("long run", long)):
        m, c = spin_statistics(states)
        out[f"pearson <s_i s_j> {name}"] = pearson_slope(c_data, c)[0]
        out[f"mean |<s_i> - data| {name}"] = float((m - m_data).abs().mean())
    out["share m > 0 long run"], out["share m < 0 long run"] = magnetisation_shares(long)
    h, j = model.to_ising()
    truth = Potts.from_ising(torch.zeros(model.length), truth_j.to(model.dtype))
    out["coupling error (J-J*)^2"] = coupling_error(Potts.from_ising(torch.zeros_like(h), j), truth)
    length = j.shape[0]
    iu = torch.triu_indices(length, length, offset=1)
    out["ising J error mean sq"] = float(((j - truth_j.to(j.dtype))[iu[0], iu[1]] ** 2).mean())
    return out


def settings(quick: bool) -> dict:
    """Sizes of a quick (CPU, minutes) and a full (GPU) run."""
    if quick:
        # eq arms stop after eq_seconds each (a slowly mixing eq run would take hours on a CPU)
        return dict(ks=[1, 3, 10], updates=150, n_chains=1000, long_t=500, eq_seconds=300)
    return dict(ks=[1, 3, 10, 30, 100], updates=1500, n_chains=10000, long_t=10000)


def run(out_dir: str | Path, quick: bool = True, device: str = "cpu", seed: int = 0, log=print,
        data_dir: str | Path | None = None, config: dict | None = None, datasets: list[str] | None = None) -> pd.DataFrame:
    """Train every regime on the datasets (default: both); write results.csv, figures and summary.md into ``out_dir``."""
    out = Path(out_dir)
    cfg = config or settings(quick)
    wanted = datasets or ["ising2d_8x8", "planted_sparse_16"]
    planted, planted_j = planted_model()
    planted_states = exact_ising_samples(planted, 10000, seed)
    datasets = {}
    if "ising2d_8x8" in wanted:
        datasets["ising2d_8x8"] = (load_dataset(bundled_path("ising2d", data_dir)), lattice_couplings())
    if "planted_sparse_16" in wanted:
        datasets["planted_sparse_16"] = (SequenceDataset(planted_states.numpy(), BINARY, [f"p{i}" for i in range(10000)],
                                                         kind="spins"), planted_j)
    out.mkdir(parents=True, exist_ok=True)  # only once the data are found: a failed run leaves nothing behind
    regimes = [(f"rdm-{k}", dict(regime="rdm", k=k)) for k in cfg["ks"]] + [
        ("pcd-10", dict(regime="pcd", k=10)), ("eq", dict(regime="eq", k=10, sampler="gibbs")),
        ("eq-ptt", dict(regime="eq", k=10, sampler="ptt")),
    ]
    table = pd.DataFrame(_train_and_score(datasets, regimes, cfg, device, seed, log))
    table.to_csv(out / "results.csv", index=False)
    figures = [str(_plot(table, out / "ising_bench.png"))]
    claims = _claims(table, list(datasets))
    command = f"seqebm bench ising {'--quick' if quick else ''} --out {out_dir}".replace("  ", " ")
    write_summary(out / "summary.md", "Ising benchmark: out-of-equilibrium vs equilibrium training", command,
                  table.set_index(["data", "training"]), claims, figures)
    return table


def _train_and_score(datasets: dict, regimes: list, cfg: dict, device: str, seed: int, log) -> list[dict]:
    """Train every regime on every dataset with the same settings (only the regime changes) and score it."""
    rows = []
    for data_name, (ds, truth_j) in datasets.items():
        for name, opts in regimes:
            # l2=0 for every regime (the persistent-regime default would differ): only the regime changes
            seconds = cfg.get("eq_seconds") if opts["regime"] == "eq" else None
            trainer = Trainer(model="potts", n_chains=cfg["n_chains"], max_updates=cfg["updates"], target_pearson=None,
                              max_seconds=seconds,
                              reweight=False, pseudocount=0.0, l2=0.0, seed=seed, device=device, lr=0.05, optimizer="adam",
                              centered=True, **opts)
            result = trainer.fit(ds)
            record = RunRecord.from_metadata(result.model.metadata)
            k = opts["k"] if opts["regime"] == "rdm" else record.sampling.k
            scores = evaluate(result.model, truth_j, ds.tensor(), k, "random", cfg["n_chains"], cfg["long_t"], seed)
            rows.append({"data": data_name, "training": name, "sampling k": k, **scores, "mixing time": record.state.mixing_time,
                         "sampler": record.sampling.sampler, "rungs": (record.state.ladder or {}).get("rungs", 1),
                         "seconds": float(result.log["seconds"].iloc[-1]), "updates": len(result.log)})
            log(f"{data_name} {name}: " + ", ".join(f"{key}={value:.3g}" for key, value in scores.items()))
    return rows


def _claims(table: pd.DataFrame, data_names: list[str]) -> list[tuple[str, bool, str]]:
    claims = []
    for data_name in data_names:
        sub = table[table["data"] == data_name].set_index("training")
        rdm1, error = sub.loc["rdm-1"], sub["coupling error (J-J*)^2"]
        claims.append((f"{data_name}: rdm-1 generation at t=1 matches the data (Pearson >= 0.9)",
                       rdm1["pearson <s_i s_j> at t=k"] >= 0.9, f"Pearson {rdm1['pearson <s_i s_j> at t=k']:.3f}"))
        for eq in ("eq", "eq-ptt"):
            ratio = error["rdm-1"] / error[eq]
            claims.append((f"{data_name}: rdm-1 couplings are wrong, {eq} recovers them (error ratio >= 3)", ratio >= 3,
                           f"error rdm-1 {error['rdm-1']:.4g}, {eq} {error[eq]:.4g}, ratio {ratio:.1f}"))
        rdm = error[[name for name in error.index if name.startswith("rdm-")]]
        claims.append((f"{data_name}: eq-ptt couplings beat every rdm-k model", bool(error["eq-ptt"] < rdm.min()),
                       f"eq-ptt {error['eq-ptt']:.4g}, best rdm {rdm.idxmin()} {rdm.min():.4g}"))
        pos, neg = sub.loc["eq-ptt", "share m > 0 long run"], sub.loc["eq-ptt", "share m < 0 long run"]
        claims.append((f"{data_name}: eq-ptt samples visit both signs of the magnetisation equally (within 10%)",
                       bool(abs(pos - neg) <= 0.1 * max(pos, neg)), f"m > 0: {pos:.3f}, m < 0: {neg:.3f}"))
    return claims


def _plot(table: pd.DataFrame, path: Path) -> Path:
    pyplot = plt()
    data_names = list(dict.fromkeys(table["data"]))
    fig, axes = pyplot.subplots(2, len(data_names), figsize=(5.5 * len(data_names), 7), squeeze=False)
    for col, name in enumerate(data_names):
        sub = table[table["data"] == name]
        x = np.arange(len(sub))
        ax = axes[0, col]
        ax.bar(x, sub["coupling error (J-J*)^2"], color="tab:red")
        ax.set_yscale("log")
        ax.set_xticks(x, sub["training"], rotation=30)
        ax.set_title(f"{name}: coupling error (lower is better)")
        ax = axes[1, col]
        ax.bar(x - 0.2, sub["pearson <s_i s_j> at t=k"], width=0.4, label="samples at t = k from p0")
        ax.bar(x + 0.2, sub["pearson <s_i s_j> long run"], width=0.4, label="long run (equilibrium)")
        ax.set_ylim(min(0.0, float(sub[["pearson <s_i s_j> at t=k", "pearson <s_i s_j> long run"]].min().min())), 1.02)
        ax.set_xticks(x, sub["training"], rotation=30)
        ax.set_title("Pearson of <s_i s_j> with the data")
        ax.legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    return save_figure(fig, path)
