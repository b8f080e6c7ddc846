"""Readers and writers: MSAs, genotype matrices, images and labels into :class:`SequenceDataset`."""
from seqebm.io.alphabets import BINARY, DNA, PROTEIN, RNA, TERNARY, Alphabet, get_alphabet
from seqebm.encoding import one_hot
from seqebm.io.dataset import SequenceDataset
from seqebm.io.genotypes import read_genotype_npy, read_genotype_table, read_hapt, read_matrix_text
from seqebm.io.images import read_idx, read_images
from seqebm.io.labels import labels_from_headers, read_labels
from seqebm.io.load import FORMATS, detect_format, load_dataset
from seqebm.io.msa import read_msa
from seqebm.io.writers import write_fasta, write_hapt, write_npy, write_samples

__all__ = [
    "Alphabet", "BINARY", "DNA", "FORMATS", "PROTEIN", "RNA", "TERNARY", "SequenceDataset", "detect_format",
    "get_alphabet", "labels_from_headers", "load_dataset", "one_hot", "read_genotype_npy", "read_genotype_table",
    "read_hapt", "read_idx", "read_images", "read_labels", "read_matrix_text", "read_msa", "write_fasta",
    "write_hapt", "write_npy", "write_samples",
]
