"""seqebm: energy-based models (Potts, RBM) of biological sequences, trained in or out of equilibrium."""
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
from seqebm.io import (
    SequenceDataset,
    get_alphabet,
    load_dataset,
    read_hapt,
    read_images,
    read_labels,
    read_msa,
)

__version__ = "0.1.0"

from seqebm.models import RBM, Potts  # noqa: E402
from seqebm.models.adabmdca import read_adabmdca, write_adabmdca  # noqa: E402
from seqebm.models.files import load_model, save_model  # noqa: E402
from seqebm.sampling import sample, sample_trajectory  # noqa: E402
from seqebm.training import TrainConfig, Trainer, fit  # noqa: E402

load = load_model

load_msa = read_msa

__all__ = [
    "AlphabetError", "ConfigError", "DynamicsWarning", "InputError", "LabelError", "MissingValueError", "ModelFileError", "ParseError",
    "SeqebmError", "SequenceDataset", "ShapeError", "TrainingDiverged", "__version__", "get_alphabet", "load_dataset",
    "load_msa", "read_hapt", "Potts", "RBM", "load", "load_model", "save_model", "read_adabmdca", "write_adabmdca",
    "sample", "sample_trajectory", "fit", "Trainer", "TrainConfig", "read_images", "read_labels", "read_msa",
]
