"""Place a sequence (a wild type, a full-length protein) onto a model's alignment columns.

The sequence is aligned (Biopython's ``PairwiseAligner``, semi-global: free end gaps, so a full-length protein can
contain the modelled domain) against the alignment rows the model file carries (consensus and rows spread over the
family, see :mod:`seqebm.io.reference`) or against the rows of a given alignment; the best-scoring row decides the
mapping. Residue k of the sequence (protein numbering ``first_index + k``) goes to the model column that holds the
row residue it is aligned with; residues aligned to nothing, and columns where the row has a gap, stay unmapped
and are reported, never scored silently."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from seqebm.errors import ConfigError
from seqebm.io.alphabets import GAP, Alphabet

CANDIDATES = 12  # alignment rows aligned in full after the k-mer prefilter
KMER = 3
MIN_IDENTITY = 0.15  # below this the sequence is taken as unrelated to the family (random protein pairs: ~6-10 %)


@dataclass
class SequenceMapping:
    """Where each residue of ``sequence`` sits in the model: ``columns[k]`` (0-based model column, -1 if none)."""

    sequence: str
    first_index: int  # protein number of sequence[0]
    columns: np.ndarray
    model_states: np.ndarray  # (L,) the sequence written in model columns; gaps where it has no residue
    reference_name: str
    identity: float  # identical residue pairs / aligned residue pairs
    coverage: float  # model columns holding a residue of the sequence / L
    mapped_residues: int

    def column_of(self, position: int) -> int:
        """Model column (0-based) of protein position ``position``, -1 outside the sequence or the model."""
        k = position - self.first_index
        return int(self.columns[k]) if 0 <= k < len(self.sequence) else -1

    def position_of_column(self) -> dict[int, int]:
        """Model column -> protein position, for the mapped columns."""
        return {int(c): k + self.first_index for k, c in enumerate(self.columns) if c >= 0}

    def frame(self) -> pd.DataFrame:
        """One row per residue: position, residue, model column (1-based; empty when unmapped)."""
        cols = pd.array([int(c) + 1 if c >= 0 else None for c in self.columns], dtype="Int64")
        return pd.DataFrame({"position": np.arange(len(self.sequence)) + self.first_index, "residue": list(self.sequence),
                             "column": cols})

    def summary(self) -> str:
        return (f"mapped onto alignment row {self.reference_name}: identity {self.identity:.1%} over "
                f"{self.mapped_residues} residues, {self.coverage:.1%} of the model's columns covered")


def clean_sequence(text: str, alphabet: Alphabet, what: str = "sequence") -> str:
    """Uppercase letters of ``text`` with gaps and whitespace removed; a clear error for anything else."""
    seq = "".join(text.split()).upper().replace(GAP, "").replace(".", "")
    if not seq:
        raise ConfigError(f"the {what} is empty")
    bad = next((k for k, c in enumerate(seq) if not (c.isascii() and c.isalpha())), None)
    if bad is not None:
        raise ConfigError(f"the {what} has {seq[bad]!r} at residue {bad + 1}: expected letters of the {alphabet.name} alphabet")
    return seq


def _aligner(alphabet: Alphabet):
    from Bio.Align import PairwiseAligner, substitution_matrices

    aligner = PairwiseAligner(mode="global")
    if alphabet.name == "protein":
        aligner.substitution_matrix = substitution_matrices.load("BLOSUM62")
        aligner.open_gap_score, aligner.extend_gap_score = -10.0, -0.5
    else:
        aligner.match_score, aligner.mismatch_score = 2.0, -1.0
        aligner.open_gap_score, aligner.extend_gap_score = -5.0, -1.0
    # free end gaps on both sides: a full-length protein may hold the domain, a fragment may cover part of it
    aligner.end_gap_score = 0.0
    return aligner


def _kmers(seq: str) -> set[str]:
    return {seq[i : i + KMER] for i in range(len(seq) - KMER + 1)}


def map_sequence(sequence: str, rows: list[tuple[str, str]], alphabet: Alphabet, first_index: int = 1,
                 what: str = "wild type") -> SequenceMapping:
    """Map ``sequence`` onto the columns of aligned ``rows`` ([(name, aligned row)], all of the model's length):
    a k-mer prefilter keeps the closest rows, each is aligned in full, the best alignment score wins."""
    seq = clean_sequence(sequence, alphabet, what)
    if not rows:
        raise ConfigError("no alignment rows to map the sequence onto: the model file carries none (a model written "
                          "before seqebm 0.3, or converted from another format); dms takes the alignment with --msa")
    aligner = _aligner(alphabet)
    # letters the aligner does not know (U, O, J for BLOSUM62) would abort it: they align as X / N, and stay themselves
    known = set(aligner.substitution_matrix.alphabet) if aligner.substitution_matrix is not None else None
    unknown = "X" if alphabet.name == "protein" else "N"
    seq_for_alignment = "".join(c if (c in known if known is not None else True) else unknown for c in seq)
    mine = _kmers(seq_for_alignment)
    shared = [len(mine & _kmers(r.replace(GAP, ""))) for _, r in rows]
    order = np.argsort(shared, kind="stable")[::-1][:CANDIDATES]
    best = None
    for index in order:
        name, row = rows[int(index)]
        ungapped = row.replace(GAP, "")
        if not ungapped:
            continue
        alignment = aligner.align(ungapped, seq_for_alignment)[0]
        if best is None or alignment.score > best[0]:
            best = (alignment.score, name, row, alignment)
    if best is None:
        raise ConfigError("every alignment row is empty: nothing to map the sequence onto")
    mapping = _mapping_from(seq, first_index, best[1], best[2], best[3], alphabet)
    if mapping.mapped_residues == 0 or mapping.identity < MIN_IDENTITY:
        raise ConfigError(f"the {what} does not belong to the model's family: its best alignment (row {best[1]}) has "
                          f"{mapping.identity:.0%} identity over {mapping.mapped_residues} residues")
    return mapping


def _mapping_from(seq: str, first_index: int, name: str, row: str, alignment, alphabet: Alphabet) -> SequenceMapping:
    row_columns = np.array([c for c, letter in enumerate(row) if letter != GAP])  # ungapped row index -> column
    columns = np.full(len(seq), -1, dtype=np.int64)
    identical = aligned = 0
    for (t0, t1), (q0, q1) in zip(*alignment.aligned):
        columns[q0:q1] = row_columns[t0:t1]
        aligned += t1 - t0
        identical += sum(a == b for a, b in zip(row.replace(GAP, "")[t0:t1], seq[q0:q1]))
    # columns the sequence does not fill are gaps, as the rows of an alignment show a protein's deletions and ends
    states = np.full(len(row), alphabet.gap_index, dtype=np.int64)
    for k in np.flatnonzero(columns >= 0):
        letter = seq[k]
        if letter not in alphabet.symbols:
            raise ConfigError(f"residue {letter!r} at position {k + first_index} is not in the {alphabet.name} alphabet "
                              f"({alphabet.symbols})")
        states[columns[k]] = alphabet.symbols.index(letter)
    mapped = int((columns >= 0).sum())
    return SequenceMapping(seq, first_index, columns, states, name, identical / max(aligned, 1), mapped / len(row), mapped)


def model_rows(model) -> list[tuple[str, str]]:
    """The alignment rows a model file carries (see :mod:`seqebm.io.reference`); empty if none."""
    data = (model.metadata or {}).get("data") or {}
    return [(str(name), str(row)) for name, row in (data.get("reference") or []) if len(row) == model.length]


def msa_rows(dataset) -> list[tuple[str, str]]:
    """Every row of an alignment as (name, aligned row)."""
    return list(zip(dataset.names, dataset.decoded()))


def read_wild_type(text_or_path: str) -> tuple[str, str, int | None]:
    """(name, sequence, first index or None) from a sequence given inline or a FASTA file (its first record); a
    Pfam-style header ``NAME/start-end`` gives the first index."""
    from pathlib import Path

    from seqebm.fileio import read_text

    path = Path(text_or_path)
    try:
        looks_like_file = len(text_or_path) < 4096 and bool(path.suffix or "/" in text_or_path) and path.exists()
    except OSError:  # a long inline sequence is no file name
        looks_like_file = False
    if not looks_like_file:
        if path.suffix.lower() in (".fasta", ".fa", ".faa", ".txt") or "/" in text_or_path:
            raise ConfigError(f"wild type {text_or_path!r}: no such file")
        return "wild_type", text_or_path, None
    lines = [line.strip() for line in read_text(path).split("\n")]
    if not lines or not lines[0].startswith(">"):
        body = "".join(lines)
        name, first = path.stem, None
    else:
        header = lines[0][1:].split()[0] if lines[0][1:].split() else path.stem
        end = next((k for k in range(1, len(lines)) if lines[k].startswith(">")), len(lines))
        body = "".join(lines[1:end])
        name, first = header, None
        match = re.search(r"/(\d+)-(\d+)$", header)
        if match:
            first = int(match[1])
    if not body:
        raise ConfigError(f"wild type file {path} holds no sequence")
    return name, body, first


def map_onto_model(model, sequence: str, first_index: int = 1, msa=None) -> SequenceMapping:
    """Map ``sequence`` with the rows the model file carries, and those of ``msa`` (a SequenceDataset of the model's
    columns) when given."""
    rows = model_rows(model)
    if msa is not None:
        if msa.length != model.length:
            raise ConfigError(f"the alignment has {msa.length} columns, the model {model.length}: give the training "
                              f"alignment (after the same column filters)")
        rows = rows + msa_rows(msa)
    return map_sequence(sequence, rows, model.alphabet, first_index)


def map_wild_type(model, wild_type: str, first_index: int | None = None, msa=None) -> tuple[str, SequenceMapping]:
    """(name, mapping) of a wild type given inline or as a FASTA file (see :func:`read_wild_type`), numbered from
    ``first_index`` (default: the FASTA header's start, else 1)."""
    name, sequence, header_first = read_wild_type(wild_type)
    first = first_index if first_index is not None else (header_first or 1)
    return name, map_onto_model(model, sequence, first, msa)
