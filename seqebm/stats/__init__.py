"""Pure tensor maths on integer sequence states: sequence weights, one- and two-site frequencies, connected
correlations, and the agreement of two sets through them. Shared by training and analysis."""
from seqebm.stats.compare import CorrelationTarget, pearson_ceiling, pearson_slope, upper_pairs
from seqebm.stats.frequencies import (
    connected_correlations,
    connected_from_frequencies,
    normalised_weights,
    pair_frequencies,
    site_frequencies,
    statistics,
)
from seqebm.stats.weights import sequence_weights

__all__ = [
    "CorrelationTarget", "connected_correlations", "connected_from_frequencies",
    "normalised_weights", "pair_frequencies", "pearson_ceiling", "pearson_slope", "sequence_weights",
    "site_frequencies", "statistics", "upper_pairs",
]
