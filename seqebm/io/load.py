"""One entry point that reads any supported file, detecting its kind from the name and content."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from seqebm.errors import ConfigError
import seqebm.io.genotypes as genotypes
import seqebm.io.images as images
import seqebm.io.msa as msa
from seqebm.fileio import read_bytes
from seqebm.io.alphabets import Alphabet
from seqebm.io.dataset import SequenceDataset
from seqebm.io.labels import labels_from_headers, read_labels

FORMATS = (
    "fasta", "a2m", "a3m", "stockholm", "msa-csv",  # alignments
    "hapt", "genotype-table", "matrix", "genotype-npy",  # genotypes / spins
    "idx", "image-npy",  # images
)


def detect_format(path: str | Path) -> str:
    """Guess the file format from its name, then its first bytes."""
    name = Path(path).name.lower()
    stem = name[:-3] if name.endswith(".gz") else name
    if "idx3" in stem or stem.endswith(".idx"):
        return "idx"
    if stem.endswith(".hapt"):
        return "hapt"
    if stem.endswith(".npy"):
        arr = genotypes.load_npy(path)
        looks_like_images = arr.ndim == 3 or np.issubdtype(arr.dtype, np.floating) or (arr.size and arr.max() > 2)
        return "image-npy" if looks_like_images else "genotype-npy"
    if stem.endswith((".csv", ".tsv")):
        header = read_bytes(path).split(b"\n", 1)[0].decode("utf-8", "replace").lower()
        cols = [c.strip() for c in header.replace("\t", ",").split(",")]
        return "msa-csv" if "sequence" in cols else "genotype-table"
    if stem.endswith((".dat", ".txt", ".mat", ".spins")):
        return "matrix"
    fmt = msa.msa_format_from_name(path)
    if fmt != "fasta" or stem.endswith(tuple(msa._MSA_SUFFIXES)):
        return "msa-csv" if fmt == "csv" else fmt
    head = read_bytes(path)[:256].lstrip()
    return "fasta" if head.startswith(b">") else "matrix"


def load_dataset(
    path: str | Path,
    format: str | None = None,
    alphabet: str | Alphabet | None = None,
    labels: str | Path | None = None,
    label_key: str | None = None,
    label_regex: str | None = None,
    missing: str = "error",
    threshold: float | None = None,
    insertions: str = "drop",
    ambiguous: str = "gap",
) -> SequenceDataset:
    """Read an MSA, genotype matrix, spin matrix or image file into a :class:`SequenceDataset`.

    ``format`` overrides detection (one of ``FORMATS``); ``labels`` attaches a labels table keyed by name
    (or an IDX label file); ``label_regex`` extracts labels from FASTA headers.
    """
    fmt = format or detect_format(path)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    if fmt in ("fasta", "a2m", "a3m", "stockholm", "msa-csv"):
        ds = msa.read_msa(path, alphabet=alphabet, format="csv" if fmt == "msa-csv" else fmt, insertions=insertions, ambiguous=ambiguous)
    elif fmt == "hapt":
        ds = genotypes.read_hapt(path, missing=missing)
    elif fmt == "genotype-table":
        ds = genotypes.read_genotype_table(path, missing=missing)
    elif fmt == "matrix":
        ds = genotypes.read_matrix_text(path, missing=missing)
    elif fmt == "genotype-npy":
        ds = genotypes.read_genotype_npy(path)
    else:
        ds = images.read_images(path, threshold=threshold)
    if labels is not None:
        ds = read_labels(labels, ds, key=label_key)
    if label_regex is not None:
        ds = labels_from_headers(ds, label_regex)
    return ds
