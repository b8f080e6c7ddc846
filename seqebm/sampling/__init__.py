"""Sampling: chain states (:mod:`.state`), samplers behind one protocol (:mod:`.samplers`: Gibbs; :mod:`.pt` and
:mod:`.ptt`: tempering, sharing :mod:`.tempering`; listed in :mod:`.registry`), chain initialisation (:mod:`.init`),
default dynamics from a model's record (:mod:`.defaults`) and runs (:mod:`.run`)."""
from seqebm.rng import RandomStream
from seqebm.sampling.defaults import resolve_sampling
from seqebm.sampling.init import INITS, init_chains
from seqebm.sampling.run import log_times, sample, sample_snapshots, sample_trajectory
from seqebm.sampling.pt import PTSampler
from seqebm.sampling.ptt import PTTSampler
from seqebm.sampling.registry import SAMPLERS, make_sampler
from seqebm.sampling.samplers import BaseSampler, GibbsSampler, Sampler
from seqebm.sampling.state import ChainState
from seqebm.sampling.tempering import ladder_log_partition

__all__ = [
    "INITS", "SAMPLERS", "BaseSampler", "ChainState", "GibbsSampler", "PTSampler", "PTTSampler", "RandomStream",
    "ladder_log_partition", "Sampler", "init_chains", "log_times",
    "make_sampler", "resolve_sampling", "sample", "sample_snapshots", "sample_trajectory",
]
