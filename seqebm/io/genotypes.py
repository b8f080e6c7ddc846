"""Genotype / haplotype matrices (.hapt, CSV/TSV with header, whitespace matrices, .npy) and +/-1 spin data."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from seqebm.errors import AlphabetError, ConfigError, MissingValueError, ParseError, ShapeError
from seqebm.fileio import read_bytes, read_table, read_text
from seqebm.io.alphabets import BINARY, TERNARY
from seqebm.io.dataset import SequenceDataset

MISSING_TOKENS = frozenset({".", "NA", "na", "NaN", "nan", "", "?", "-9", "-1", "./.", "N"})
MISSING_POLICIES = ("error", "drop", "mode")


def encode_genotypes(
    cells: np.ndarray,
    path: str | Path,
    names: list[str],
    row_lines: list[int],
    first_column: int,
    missing: str = "error",
    states: int | None = None,
    spins: bool = False,
) -> tuple[np.ndarray, list[str], int]:
    """Validate a matrix of string cells and return (states (N, L) uint8, kept names, q).

    0/1 gives q=2, 0/1/2 gives q=3 (unless ``states`` is forced); ``spins=True`` reads +/-1 into 0/1.
    ``missing``: ``error`` (default), ``drop`` (drop rows with a missing cell) or ``mode`` (impute the column's most
    frequent value). Errors give the 1-based line and column of the first bad cell.
    """
    if missing not in MISSING_POLICIES:
        raise ConfigError(f"missing-value policy must be one of {MISSING_POLICIES}, not {missing!r}")
    allowed = {"-1": 0, "1": 1, "+1": 1} if spins else {"0": 0, "1": 1, "2": 2}
    values = map_cells(cells, lambda s: allowed.get(s, -2 if s in MISSING_TOKENS else -3))
    bad = np.argwhere(values == -3)
    if bad.size:
        r, c = (int(v) for v in bad[0])
        kind = "+/-1 spin" if spins else "0/1/2 genotype"
        raise AlphabetError(
            f"value {str(cells[r, c])!r} is not a {kind} value", path=path, line=row_lines[r], column=first_column + c, record=names[r]
        )
    miss = values == -2
    if miss.any():
        if missing == "error":
            r, c = (int(v) for v in np.argwhere(miss)[0])
            raise MissingValueError(
                f"missing value {str(cells[r, c])!r} ({int(miss.sum())} missing cells in total; pass a missing-value policy: drop or mode)",
                path=path, line=row_lines[r], column=first_column + c, record=names[r],
            )
        if missing == "drop":
            keep = ~miss.any(axis=1)
            if not keep.any():
                raise MissingValueError("every row has a missing value; nothing left after dropping", path=path)
            values, names = values[keep], [n for n, k in zip(names, keep) if k]
        else:
            for col in np.flatnonzero(miss.any(axis=0)):
                present = values[~miss[:, col], col]
                fill = np.bincount(present).argmax() if present.size else 0
                values[miss[:, col], col] = fill
    q = int(states) if states is not None else (2 if spins or values.max(initial=0) <= 1 else 3)
    if values.size and values.max() >= q:
        raise AlphabetError(f"value {int(values.max())} does not fit {q} states", path=path)
    return values.astype(np.uint8), names, q


def _looks_like_spins(cells: np.ndarray) -> bool:
    """+/-1 data have -1 cells and no 0 cells; in a 0/1/2 matrix a -1 is a missing-value code."""
    return bool((cells == "-1").any()) and not bool((cells == "0").any())


def map_cells(cells: np.ndarray, func) -> np.ndarray:
    """Apply ``func`` to each distinct cell once (cells repeat a lot: 0/1/2) -> int16 array of the same shape."""
    if cells.size == 0:
        return np.zeros(cells.shape, np.int16)
    uniq, inverse = np.unique(cells, return_inverse=True)
    codes = np.array([func(str(u)) for u in uniq], dtype=np.int16)
    return codes[inverse].reshape(cells.shape)


def _alphabet_for(q: int):
    return {2: BINARY, 3: TERNARY}[q] if q in (2, 3) else None


def _make_dataset(states, names, q, path, spins=False) -> SequenceDataset:
    alpha = _alphabet_for(q)
    if alpha is None:
        raise ConfigError(f"genotype data need 2 or 3 states, not {q}")
    return SequenceDataset(states, alpha, names, kind="spins" if spins else "genotypes", source=str(path))


def _split_rows(text: str, path: str | Path, leading: int) -> tuple[list[str], np.ndarray, list[int]]:
    """Whitespace-separated rows -> (names, cells, line number of each row); ragged rows are an error."""
    rows, lines = [], []
    for lineno, line in enumerate(text.split("\n"), start=1):
        tokens = line.split()
        if tokens:
            rows.append(tokens)
            lines.append(lineno)
    if not rows:
        raise ParseError("no data rows", path=path)
    width = len(rows[0])
    for tokens, lineno in zip(rows, lines):
        if len(tokens) != width:
            raise ShapeError(f"ragged matrix: {len(tokens)} fields, expected {width} (as on line {lines[0]})", path=path, line=lineno)
    if width <= leading:
        raise ShapeError(f"rows have {width} fields, need more than {leading} leading label columns", path=path, line=lines[0])
    cells = np.array(rows, dtype=object)
    names = [str(t) for t in cells[:, leading - 1]] if leading else [f"row{i + 1}" for i in range(len(rows))]
    return names, cells[:, leading:].astype(str), lines


def read_hapt(path: str | Path, missing: str = "error", states: int | None = None) -> SequenceDataset:
    """``.hapt`` (1000 Genomes 805-SNP format): ``<label> <ID> a1 ... aL`` per line, alleles 0/1 (or 0/1/2)."""
    names, cells, lines = _split_rows(read_text(path), path, leading=2)
    values, names, q = encode_genotypes(cells, path, names, lines, 3, missing, states)
    return _make_dataset(values, names, q, path)


def read_matrix_text(path: str | Path, missing: str = "error", states: int | None = None) -> SequenceDataset:
    """Whitespace matrix of numbers with no header and no ID column (0/1, 0/1/2, or +/-1 spins)."""
    names, cells, lines = _split_rows(read_text(path), path, leading=0)
    spins = _looks_like_spins(cells)
    values, names, q = encode_genotypes(cells, path, names, lines, 1, missing, states, spins=spins)
    return _make_dataset(values, names, q, path, spins=spins)


def read_genotype_table(path: str | Path, missing: str = "error", states: int | None = None) -> SequenceDataset:
    """CSV/TSV with a header row: optional leading ID columns (non-numeric), then one column per variant."""
    table = read_table(path)
    cells = table.to_numpy(dtype=str)
    numeric = map_cells(cells, lambda s: s.strip() in {"0", "1", "2", "-1", "+1"} or s.strip() in MISSING_TOKENS).astype(bool)
    leading = 0
    while leading < cells.shape[1] and not numeric[:, leading].all():
        leading += 1
    if leading == cells.shape[1]:
        raise ParseError("no genotype columns (every column has non-genotype values)", path=path, line=2)
    names = cells[:, leading - 1].tolist() if leading else [f"row{i + 1}" for i in range(len(table))]
    spins = _looks_like_spins(np.char.strip(cells[:, leading:]))
    values, names, q = encode_genotypes(np.char.strip(cells[:, leading:]), path, names, list(range(2, len(names) + 2)), leading + 1, missing, states, spins)
    ds = _make_dataset(values, names, q, path, spins=spins)
    ds.meta["variants"] = [str(c) for c in table.columns[leading:]]
    if leading > 1:
        ds.labels = table.iloc[: len(names), : leading - 1].set_axis(pd.Index(names, name="name"))
    return ds


def read_genotype_npy(path: str | Path, states: int | None = None) -> SequenceDataset:
    """(N, L) integer ``.npy`` of 0/1/2 (or +/-1) values. Loaded without pickle."""
    arr = load_npy(path)
    if arr.ndim != 2:
        raise ShapeError(f"expected a 2-D (N, L) genotype array, got shape {arr.shape}", path=path)
    if not np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.complexfloating):
        raise ParseError(f"array dtype {arr.dtype} is not numeric", path=path)
    if np.issubdtype(arr.dtype, np.floating):
        nan = np.argwhere(~np.isfinite(arr))
        if nan.size:
            r, c = (int(v) for v in nan[0])
            raise MissingValueError("NaN/inf value", path=path, line=r + 1, column=c + 1)
        if not np.all(arr == np.round(arr)):
            raise AlphabetError("non-integer genotype values", path=path)
    values = arr.astype(np.int64)
    spins = bool((values == -1).any())
    names = [f"row{i + 1}" for i in range(values.shape[0])]
    cells = values.astype(str)
    if spins:
        cells = np.where(cells == "1", "+1", cells)
    out, names, q = encode_genotypes(cells, path, names, list(range(1, len(names) + 1)), 1, "error", states, spins)
    return _make_dataset(out, names, q, path, spins=spins)


def load_npy(path: str | Path) -> np.ndarray:
    """``np.load`` without pickles, errors naming the file."""
    raw = read_bytes(path)
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except ValueError as exc:
        raise ParseError(f"not a plain .npy array ({' '.join(str(exc).split())})", path=path) from None
    except (OSError, EOFError) as exc:
        raise ParseError(f"not a valid .npy file ({exc})", path=path) from None
