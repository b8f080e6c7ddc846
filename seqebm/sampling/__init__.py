"""Sampling: chain states (:mod:`.state`), samplers behind one protocol (:mod:`.samplers`; Gibbs first), chain
initialisation (:mod:`.init`), default dynamics from a model's record (:mod:`.defaults`) and runs (:mod:`.run`)."""
from seqebm.rng import RandomStream
from seqebm.sampling.defaults import resolve_sampling
from seqebm.sampling.init import INITS, init_chains
from seqebm.sampling.run import log_times, sample, sample_snapshots, sample_trajectory
from seqebm.sampling.samplers import SAMPLERS, GibbsSampler, Sampler, make_sampler
from seqebm.sampling.state import ChainState

__all__ = [
    "INITS", "SAMPLERS", "ChainState", "GibbsSampler", "RandomStream", "Sampler", "init_chains", "log_times",
    "make_sampler", "resolve_sampling", "sample", "sample_snapshots", "sample_trajectory",
]
