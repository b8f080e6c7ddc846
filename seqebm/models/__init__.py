"""Energy models: Potts (Boltzmann machine, Ising as q = 2) and RBM; model files."""
from seqebm.models.base import EnergyModel
from seqebm.models.potts import Potts
from seqebm.models.rbm import RBM

__all__ = ["EnergyModel", "Potts", "RBM"]
