"""The model classes by name: the one place that lists them (training options, model files)."""
from __future__ import annotations

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.potts import Potts
from seqebm.models.rbm import RBM

MODELS: dict[str, type[EnergyModel]] = {"potts": Potts, "rbm": RBM}


def model_class(kind: str) -> type[EnergyModel]:
    """The class of model ``kind``; a clear error for an unknown one."""
    if kind not in MODELS:
        raise ConfigError(f"unknown model {kind!r}: use one of {', '.join(MODELS)}")
    return MODELS[kind]
