"""Energy models behind one contract (:mod:`.base`): Potts (Boltzmann machine, Ising as q = 2) and RBMs built from a
visible layer (:mod:`.visible`) and a hidden-unit type (:mod:`.hidden`); model files (:mod:`.files`)."""
from seqebm.models.base import EnergyModel
from seqebm.models.hidden import HIDDEN_UNITS, BernoulliHidden, HiddenUnits
from seqebm.models.potts import Potts
from seqebm.models.rbm import RBM
from seqebm.models.registry import MODELS, model_class

__all__ = ["EnergyModel", "HIDDEN_UNITS", "BernoulliHidden", "HiddenUnits", "MODELS", "Potts", "RBM", "model_class"]
