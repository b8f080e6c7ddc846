"""Training Potts models and RBMs in the rdm / cd / pcd / eq regimes."""
from __future__ import annotations

from pathlib import Path

from seqebm.io.dataset import SequenceDataset
from seqebm.training.config import MODELS, REGIMES, TrainConfig
from seqebm.training.mixing import MixingResult, mixing_test, t_vs_half_t
from seqebm.training.trainer import Trainer, TrainingInterrupted, TrainingResult


def fit(
    data: SequenceDataset | str | Path,
    out_dir: str | Path | None = None,
    resume: bool = False,
    **options,
) -> TrainingResult:
    """Train a model on ``data`` (a dataset or a file path) with :class:`TrainConfig` options, e.g.
    ``seqebm.fit("family.fasta", regime="eq", n_chains=5000)``. Returns a :class:`TrainingResult`."""
    if not isinstance(data, SequenceDataset):
        from seqebm.io import load_dataset

        data = load_dataset(data)
    if "model" not in options:
        options["model"] = default_model(data)
    return Trainer(out_dir=out_dir, **options).fit(data, resume=resume)


def default_model(data: SequenceDataset) -> str:
    """Potts for alignments and narrow data; RBM for wide binary data (images, genotype panels)."""
    return "rbm" if data.kind in ("images", "genotypes") and data.length > 200 else "potts"


__all__ = [
    "MODELS", "MixingResult", "REGIMES", "TrainConfig", "Trainer", "TrainingInterrupted", "TrainingResult",
    "default_model", "fit", "mixing_test", "t_vs_half_t",
]
