"""Training any model in the rdm / cd / pcd / eq regimes: options (:mod:`.config`), regimes (:mod:`.regimes`),
the run (:mod:`.run`), the loop (:mod:`.trainer`), mixing diagnostics (:mod:`.mixing`), files (:mod:`.persistence`)
and data-parallel training (:mod:`.parallel`)."""
from __future__ import annotations

from pathlib import Path

from seqebm.io.dataset import SequenceDataset
from seqebm.io.load import load_dataset
from seqebm.training.config import DYNAMICS, TrainConfig, default_model, option_names
from seqebm.training.mixing import MixingResult, mixing_test, t_vs_half_t
from seqebm.training.regimes import REGIMES
from seqebm.training.trainer import Trainer, TrainingInterrupted, TrainingResult


def fit(
    data: SequenceDataset | str | Path | None,
    out_dir: str | Path | None = None,
    resume: bool = False,
    **options,
) -> TrainingResult:
    """Train a model on ``data`` (a dataset or a file path) with :class:`TrainConfig` options, e.g.
    ``seqebm.fit("family.fasta", regime="eq", n_chains=5000)``. ``resume=True`` continues the run in ``out_dir``
    exactly like ``seqebm fit --resume``: options not given come from its checkpoint (``data`` may then be None:
    the recorded data file). Returns a :class:`TrainingResult`."""
    if resume:
        return Trainer.resume(out_dir, data, **options)
    if not isinstance(data, SequenceDataset):
        data = load_dataset(data)
    return Trainer(out_dir=out_dir, **options).fit(data)


__all__ = [
    "DYNAMICS", "MixingResult", "REGIMES", "TrainConfig", "Trainer", "TrainingInterrupted", "TrainingResult",
    "default_model", "fit", "mixing_test", "option_names", "t_vs_half_t",
]
