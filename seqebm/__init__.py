"""seqebm: energy-based models (Potts, RBM) of biological sequences, trained in or out of equilibrium."""
from seqebm._version import __version__
from seqebm.errors import (
    AlphabetError,
    ConfigError,
    DynamicsWarning,
    InputError,
    LabelError,
    MissingValueError,
    ModelFileError,
    ParseError,
    SeqebmError,
    ShapeError,
    TrainingDiverged,
)
from seqebm.io import SequenceDataset, get_alphabet, load_dataset, read_hapt, read_images, read_labels, read_msa
from seqebm.models import RBM, Potts
from seqebm.models.adabmdca import read_adabmdca, write_adabmdca
from seqebm.models.files import load_model, save_model
from seqebm.sampling import sample, sample_trajectory
from seqebm.training import TrainConfig, Trainer, fit

load = load_model
load_msa = read_msa

__all__ = [
    "AlphabetError", "ConfigError", "DynamicsWarning", "InputError", "LabelError", "MissingValueError", "ModelFileError",
    "ParseError", "SeqebmError", "SequenceDataset", "ShapeError", "TrainingDiverged", "__version__", "get_alphabet",
    "load_dataset", "load_msa", "read_hapt", "Potts", "RBM", "load", "load_model", "save_model", "read_adabmdca",
    "write_adabmdca", "sample", "sample_trajectory", "fit", "Trainer", "TrainConfig", "read_images", "read_labels",
    "read_msa",
]
