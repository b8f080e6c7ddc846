"""Fixed-seed trainings whose results were recorded before the architecture renovation (issue 13).

Each scenario uses only the public training API (``Trainer(**options).fit(dataset)``), so the same code runs on the
old and the new architecture; ``record.py`` wrote ``reference.json`` from the code as it stood before, and
``tests/test_golden.py`` checks that the current code gives bitwise the same parameters, chains and logs.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PF00014 = ROOT / "data" / "protein_PF00014_kunitz" / "PF00014_mgap6.fasta.gz"
HAPT = ROOT / "data" / "genotypes_1000G_805SNP" / "805_SNP_1000G_real.hapt.gz"

LOG_FIELDS = ("update", "pearson", "slope", "mixing_time", "sweeps", "log_grad_norm")
COMMON = dict(device="cpu", seed=0, checkpoint_every=1000)
SCENARIOS = {
    "potts_rdm": ("msa", dict(model="potts", regime="rdm", k=3, n_chains=256, max_updates=6, target_pearson=None)),
    "potts_eq": ("msa", dict(model="potts", regime="eq", k=2, n_chains=256, mix_chains=128, mix_check_every=3,
                             max_sweeps=64, max_updates=60, target_pearson=0.55, lr=0.05)),
    "rbm_bernoulli_pcd": ("snp", dict(model="rbm", hidden=16, regime="pcd", k=3, n_chains=256, max_updates=11,
                                      target_pearson=None, reweight=False, lr=0.05, optimizer="adam")),
    "rbm_potts_rdm": ("msa", dict(model="rbm", hidden=8, regime="rdm", k=2, n_chains=128, max_updates=11, target_pearson=None,
                                  lr=0.05)),
    "potts_pcd_2blocks": ("msa", dict(model="potts", regime="pcd", k=2, n_chains=256, chain_blocks=2, batch_size=100,
                                      max_updates=6, target_pearson=None)),
}


def dataset(kind: str):
    import seqebm

    if kind == "msa":
        return seqebm.load_dataset(PF00014).subset(np.arange(300)).columns(np.arange(16))
    return seqebm.load_dataset(HAPT).subset(np.arange(300)).columns(np.arange(64))


def digest(array) -> str:
    a = np.ascontiguousarray(np.asarray(array))
    return hashlib.sha256(str(a.dtype).encode() + str(a.shape).encode() + a.tobytes()).hexdigest()


def summary(array) -> list[float]:
    a = np.asarray(array, dtype=np.float64)
    return [float(a.mean()), float(a.std()), float(np.abs(a).max())]


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "seconds"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def run(name: str) -> dict:
    """The scenario's record: digests and summaries of every parameter tensor and of the final chains, the log
    (without wall times), the stop reason, the training state and the sampling defaults."""
    from seqebm import Trainer

    kind, options = SCENARIOS[name]
    result = Trainer(**COMMON, **options).fit(dataset(kind))
    tensors = {k: v.detach().cpu().numpy() for k, v in result.model.tensors().items()}
    chains = result.chains.cpu().numpy().astype(np.int64)
    log = [[None if (v is None or (isinstance(v, float) and v != v)) else v for v in (row[f] for f in LOG_FIELDS)]
           for row in result.log.to_dict("records")]
    return {
        "digests": {k: digest(v) for k, v in tensors.items()} | {"chains": digest(chains)},
        "summaries": {k: summary(v) for k, v in tensors.items()},
        "log": _plain(log),
        "stopped_because": result.stopped_because,
        "training_state": _plain(result.model.metadata.get("training_state", {})),
        "sampling": _plain(result.model.metadata.get("sampling", {})),
    }
