"""Sequence weights and weighted one- and two-site statistics, shared by training and analysis."""
from seqebm.stats.frequencies import (
    connected_correlations,
    pair_frequencies,
    site_frequencies,
    statistics,
)
from seqebm.stats.compare import (
    connected_from_frequencies,
    correlation_agreement,
    pearson_ceiling,
    pearson_slope,
    upper_pairs,
)
from seqebm.stats.weights import effective_size, sequence_weights

__all__ = [
    "connected_correlations", "connected_from_frequencies", "correlation_agreement", "pearson_ceiling", "pearson_slope",
    "upper_pairs", "effective_size", "pair_frequencies", "sequence_weights", "site_frequencies", "statistics",
]
