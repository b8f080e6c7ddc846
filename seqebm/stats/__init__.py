"""Sequence weights and weighted one- and two-site statistics, shared by training and analysis."""
from seqebm.stats.frequencies import (
    connected_correlations,
    pair_frequencies,
    site_frequencies,
    statistics,
)
from seqebm.stats.weights import effective_size, sequence_weights

__all__ = [
    "connected_correlations", "effective_size", "pair_frequencies", "sequence_weights", "site_frequencies", "statistics",
]
