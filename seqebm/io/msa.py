"""Multiple sequence alignments: FASTA, A2M/A3M, Stockholm, CSV with a sequence column."""
from __future__ import annotations

import warnings

import io
import string
from pathlib import Path

import numpy as np
import pandas as pd

from seqebm.errors import AlphabetError, ConfigError, InputNote, ParseError, ShapeError
from seqebm.fileio import read_bytes, read_table, read_text
from seqebm.io.alphabets import UNKNOWN, Alphabet, get_alphabet, guess_alphabet
from seqebm.io.dataset import SequenceDataset

INSERTIONS = ("drop", "keep")
_DROP_INSERTS = (string.ascii_lowercase + ".").encode("ascii")


def parse_fasta(text: str, path: str | Path) -> tuple[list[str], list[str], list[int]]:
    """Split FASTA text into (headers, sequences, header line numbers).

    Works on whole records (split at ``\n>``) rather than line by line, which keeps it faster than Biopython's
    parser on large alignments. Raises ParseError for data before the first header, a header with no
    sequence, or no records.
    """
    body = text.lstrip("\n")
    skipped = len(text) - len(body)
    if not body.startswith(">"):
        if not body.strip():
            raise ParseError("no FASTA records found", path=path)
        raise ParseError("sequence data before the first '>' header (not FASTA?)", path=path, line=skipped + 1)
    headers: list[str] = []
    sequences: list[str] = []
    lines_at: list[int] = []
    lineno = skipped + 1
    for record in body[1:].split("\n>"):
        header, _, seq = record.partition("\n")
        headers.append(header.strip())
        lines_at.append(lineno)
        lineno += record.count("\n") + 1
        seq = seq.replace("\n", "")
        if " " in seq or "\t" in seq:
            seq = "".join(seq.split())
        if not seq:
            raise ParseError("header has no sequence", path=path, line=lines_at[-1], record=headers[-1])
        sequences.append(seq)
    return headers, sequences, lines_at


def parse_fasta_biopython(text: str, path: str | Path) -> tuple[list[str], list[str], list[int]]:
    """Same contract as :func:`parse_fasta` through Biopython's parser (kept for comparison/benchmarks)."""
    from Bio import SeqIO

    if not text.lstrip().startswith(">"):
        raise ParseError("sequence data before the first '>' header (not FASTA?)", path=path, line=1)
    headers, seqs = [], []
    for rec in SeqIO.parse(io.StringIO(text), "fasta"):
        headers.append(rec.description)
        seqs.append(str(rec.seq))
    if not headers:
        raise ParseError("no FASTA records found", path=path)
    for h, s in zip(headers, seqs):
        if not s:
            raise ParseError("header has no sequence", path=path, record=h)
    return headers, seqs, [None] * len(headers)


def parse_stockholm(text: str, path: str | Path) -> tuple[list[str], list[str], list[int]]:
    """Read the first alignment of a Stockholm file (interleaved blocks allowed).

    Hand-written rather than Biopython's reader, which turns the ``.`` of insert columns into ``-`` and so
    loses the A2M-style distinction between insert and match columns that the encoder relies on.
    """
    lines = text.split("\n")
    if not lines[0].startswith("# STOCKHOLM"):
        raise ParseError("missing '# STOCKHOLM 1.0' header", path=path, line=1)
    order: list[str] = []
    parts: dict[str, list[str]] = {}
    first_line: dict[str, int] = {}
    for lineno, line in enumerate(lines[1:], start=2):
        stripped = line.strip()
        if stripped == "//":
            break
        if not stripped or stripped.startswith("#"):
            continue
        fields = stripped.split()
        if len(fields) != 2:
            raise ParseError("expected '<name> <aligned sequence>'", path=path, line=lineno)
        name, seq = fields
        if name not in parts:
            order.append(name)
            parts[name] = []
            first_line[name] = lineno
        parts[name].append(seq)
    else:
        raise ParseError("missing '//' at the end of the alignment (truncated file?)", path=path, line=len(lines))
    if not order:
        raise ParseError("no sequences in Stockholm alignment", path=path)
    return order, ["".join(parts[n]) for n in order], [first_line[n] for n in order]


def encode_aligned(
    headers: list[str],
    sequences: list[str],
    path: str | Path,
    alphabet: str | Alphabet | None = None,
    insertions: str = "drop",
    ambiguous: str = "gap",
    lines: list[int] | None = None,
) -> tuple[np.ndarray, Alphabet]:
    """Encode aligned sequences into an (N, L) uint8 array.

    ``insertions="drop"`` follows A2M/A3M: lowercase letters and ``.`` are insert states and removed;
    ``"keep"`` upper-cases them and treats ``.`` as a gap. Errors name the record, its line and column.
    """
    if insertions not in INSERTIONS:
        raise ConfigError(f"insertions must be one of {INSERTIONS}, not {insertions!r}")
    lines = lines if lines is not None else [None] * len(headers)
    blobs = []
    for header, seq, lineno in zip(headers, sequences, lines):
        try:
            raw = seq.encode("ascii")
        except UnicodeEncodeError:
            bad = next(i for i, c in enumerate(seq) if ord(c) > 127)
            error = AlphabetError(f"non-ASCII symbol {seq[bad]!r} at position {bad + 1}", path=path, line=lineno, record=header)
            error.offset = bad
            raise error from None
        raw = raw.translate(None, _DROP_INSERTS) if insertions == "drop" else raw.upper()
        blobs.append(raw)
    length = len(blobs[0])
    if insertions == "drop" and any(len(b) != length for b in blobs) and _aligned_when_kept(sequences):
        # soft-masked residues (lowercase) in an alignment exported with them, not A2M insert states
        warnings.warn(InputNote(f"{path}: rows have equal lengths only with their lowercase letters, so lowercase is read "
                                f"as residues (soft-masked), not as A2M insert states"), stacklevel=2)
        return encode_aligned(headers, sequences, path, alphabet, "keep", ambiguous, lines)
    for index, (header, blob, lineno) in enumerate(zip(headers, blobs, lines)):
        if len(blob) != length:
            hint = ""
            if insertions == "drop" and any(s != s.upper() or "." in s for s in (sequences[0], sequences[index])):
                hint = ("; lowercase letters and '.' are read as A2M insert states and dropped"
                        " (insertions='keep' / --insertions keep reads them as alignment columns)")
            raise ShapeError(
                f"ragged alignment: {len(blob)} aligned columns, expected {length} (as in the first record){hint}",
                path=path, line=lineno, record=header,
            )
    if length == 0:
        raise ShapeError("sequences have no aligned (match-state) columns", path=path, line=lines[0], record=headers[0])
    if alphabet is None:
        letters = set(b"".join(blobs[: min(len(blobs), 2000)]).decode("ascii"))
        alpha = guess_alphabet(letters)
    else:
        alpha = get_alphabet(alphabet)
    table = alpha.lookup_table(ambiguous)
    states = table[np.frombuffer(b"".join(blobs), dtype=np.uint8)].reshape(len(blobs), length)
    bad = np.argwhere(states == UNKNOWN)
    if bad.size:
        row, col = (int(v) for v in bad[0])
        symbol = chr(blobs[row][col])
        hint = " (ambiguity code; use ambiguous='gap')" if symbol in alpha.ambiguous else ""
        error = AlphabetError(
            f"symbol {symbol!r} at alignment column {col + 1} is not in the {alpha.name} alphabet {alpha.symbols!r}{hint}",
            path=path, line=lines[row], record=headers[row],
        )
        error.offset = _raw_offset(sequences[row], col, insertions)
        raise error
    if alpha.has_gap:
        all_gap = np.flatnonzero((states == alpha.gap_index).all(axis=1))
        if all_gap.size:
            row = int(all_gap[0])
            raise ParseError(
                f"sequence is all gaps ({all_gap.size} such sequence(s)); remove them from the alignment",
                path=path, line=lines[row], record=headers[row],
            )
    return states, alpha


def _aligned_when_kept(sequences: list[str]) -> bool:
    """True when every row has the same length with lowercase letters kept, and some rows hold lowercase letters but
    no '.' (A2M marks insert columns of the other rows with '.', so an A2M file is never read this way)."""
    lengths = {len(s) for s in sequences}
    return len(lengths) == 1 and not any("." in s for s in sequences) and any(s != s.upper() for s in sequences)


def _raw_offset(sequence: str, column: int, insertions: str) -> int:
    """Index in ``sequence`` of its ``column``-th alignment column (insert states skipped when dropped)."""
    if insertions != "drop":
        return column
    kept = -1
    for index, char in enumerate(sequence):
        if not (char.islower() or char == "."):
            kept += 1
            if kept == column:
                return index
    return column


def _fasta_position(text: str, header_line: int, offset: int) -> tuple[int, int] | None:
    """(line, column) of the ``offset``-th sequence character of the record whose header is on ``header_line``."""
    lines = text.split("\n")
    count = 0
    for index in range(header_line, len(lines)):
        line = lines[index]
        if line.startswith(">"):
            break
        for col, char in enumerate(line):
            if char.isspace():
                continue
            if count == offset:
                return index + 1, col + 1
            count += 1
    return None


def read_msa(
    path: str | Path,
    alphabet: str | Alphabet | None = None,
    format: str | None = None,
    insertions: str = "drop",
    ambiguous: str = "gap",
    engine: str = "fast",
) -> SequenceDataset:
    """Read an aligned FASTA / A2M / A3M / Stockholm / CSV file (gzip allowed) into a dataset.

    ``alphabet``: a name (protein, rna, dna, binary), a custom symbol string, or None to guess.
    ``engine``: ``fast`` (built-in FASTA parser) or ``biopython``.
    """
    fmt = format or msa_format_from_name(path)
    if fmt == "csv":
        return read_msa_csv(path, alphabet=alphabet, insertions=insertions, ambiguous=ambiguous)
    text = read_text(path)
    if fmt == "stockholm":
        headers, seqs, lines = parse_stockholm(text, path)
    elif fmt in ("fasta", "a2m", "a3m"):
        parser = {"fast": parse_fasta, "biopython": parse_fasta_biopython}.get(engine)
        if parser is None:
            raise ConfigError(f"engine must be 'fast' or 'biopython', not {engine!r}")
        headers, seqs, lines = parser(text, path)
        if fmt == "fasta" and insertions == "drop" and "".join(seqs[:2000]).islower():
            insertions = "keep"  # an all-lowercase FASTA is lowercase residues, not A2M insert states
    else:
        raise ConfigError(f"unknown MSA format {fmt!r}: use fasta, a2m, a3m, stockholm or csv")
    try:
        states, alpha = encode_aligned(headers, seqs, path, alphabet, insertions, ambiguous, lines)
    except AlphabetError as error:
        if fmt == "stockholm" or getattr(error, "offset", None) is None or error.line is None:
            raise
        position = _fasta_position(text, error.line, error.offset)
        if position is None:
            raise
        raise AlphabetError(error.reason, path=path, line=position[0], column=position[1], record=error.record) from None
    names = [h.split()[0] if h.split() else f"seq{i + 1}" for i, h in enumerate(headers)]
    return SequenceDataset(states, alpha, names, kind="msa", source=str(path), meta={"headers": headers})


def read_msa_csv(
    path: str | Path,
    alphabet: str | Alphabet | None = None,
    sequence_column: str = "sequence",
    name_column: str | None = None,
    insertions: str = "drop",
    ambiguous: str = "gap",
) -> SequenceDataset:
    """CSV/TSV with a header row and a ``sequence`` column; a name column (``header``/``name``/``id``)
    gives the names, every other column becomes a label column."""
    table = read_table(path)
    if sequence_column not in table.columns:
        raise ParseError(f"no {sequence_column!r} column (columns: {', '.join(map(str, table.columns))})", path=path, line=1)
    if name_column is None:
        name_column = next((c for c in ("header", "name", "id", "names") if c in table.columns), None)
    names = table[name_column].astype(str).tolist() if name_column else [f"seq{i + 1}" for i in range(len(table))]
    lines = list(range(2, len(table) + 2))
    seqs = table[sequence_column]
    empty = seqs.isna() | (seqs.astype(str).str.len() == 0)
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise ParseError("empty sequence", path=path, line=lines[i], record=names[i])
    states, alpha = encode_aligned(names, seqs.astype(str).tolist(), path, alphabet, insertions, ambiguous, lines)
    rest = [c for c in table.columns if c not in (sequence_column, name_column)]
    labels = None
    if rest:
        labels = table[rest].copy()
        labels.index = pd.Index(names, name="name")
    return SequenceDataset(states, alpha, names, labels=labels, kind="msa", source=str(path))


_MSA_SUFFIXES = {
    ".fasta": "fasta", ".fa": "fasta", ".faa": "fasta", ".fas": "fasta", ".afa": "fasta", ".fna": "fasta",
    ".aln": "fasta", ".mfa": "fasta", ".a2m": "a2m", ".a3m": "a3m",
    ".sto": "stockholm", ".stk": "stockholm", ".stockholm": "stockholm", ".csv": "csv", ".tsv": "csv",
}


def msa_format_from_name(path: str | Path) -> str:
    """MSA format from the file name (``.gz`` ignored); content sniffing when the suffix says nothing."""
    suffixes = [s.lower() for s in Path(path).suffixes if s.lower() != ".gz"]
    for suffix in reversed(suffixes):
        if suffix in _MSA_SUFFIXES:
            return _MSA_SUFFIXES[suffix]
    head = read_bytes(path)[:64].lstrip()
    if head.startswith(b"# STOCKHOLM"):
        return "stockholm"
    return "fasta"
