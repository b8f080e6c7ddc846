"""Comparison of generated sequences with data: statistics, PCA, labels, couplings, generative quality, reports."""
from seqebm.analysis.couplings import (
    contact_precision,
    coupling_error,
    edge_roc,
    frobenius_scores,
    read_distance_map,
    read_pair_scores,
)
from seqebm.analysis.labels import clustering_ari, label_proportions, nearest_neighbours, transfer_labels
from seqebm.analysis.pca import fit_pca, pca_frame, plot_pca
from seqebm.analysis.quality import adversarial_accuracy, gzip_entropy_ratio, nearest_training_distance, spectrum_score
from seqebm.analysis.report import analyze
from seqebm.analysis.statistics import compare_statistics

__all__ = [
    "adversarial_accuracy", "analyze", "clustering_ari", "compare_statistics", "contact_precision", "coupling_error",
    "edge_roc", "fit_pca", "frobenius_scores", "gzip_entropy_ratio", "label_proportions", "nearest_neighbours",
    "nearest_training_distance", "pca_frame", "plot_pca", "read_distance_map",
    "read_pair_scores", "spectrum_score", "transfer_labels",
]
