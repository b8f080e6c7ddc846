"""Labels: from a TSV/CSV keyed by sequence name, from FASTA headers with a regex, or from IDX label files."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd

from seqebm.errors import ConfigError, LabelError
from seqebm.io.dataset import SequenceDataset
from seqebm.fileio import read_table
from seqebm.io.images import read_idx_labels


def read_labels(path: str | Path, dataset: SequenceDataset, key: str | None = None, columns: list[str] | None = None) -> SequenceDataset:
    """Attach labels from a table whose ``key`` column holds the sequence names.

    Without ``key``, the column whose values match the most names is used. Every sequence must have exactly one
    row and every row must name a sequence: missing, unknown and duplicate names are errors.
    IDX label files (MNIST) are row-aligned instead.
    """
    name = Path(path).name.lower()
    if "idx1" in name:
        series = read_idx_labels(path)
        if len(series) < len(dataset):
            raise LabelError(f"{len(series)} labels for {len(dataset)} images", path=path)
        frame = series.iloc[: len(dataset)].to_frame().set_axis(pd.Index(dataset.names, name="name"))
        return replace(dataset, labels=_categorical(frame))
    table = read_table(path)
    names = pd.Index(dataset.names)
    if names.has_duplicates:
        dup = names[names.duplicated()][0]
        raise LabelError("sequence name occurs more than once in the data; labels by name are ambiguous", path=dataset.source or path, record=dup)
    if key is None:
        overlaps = {c: table[c].isin(names).sum() for c in table.columns}
        key = max(overlaps, key=overlaps.get)
        if overlaps[key] == 0:
            raise LabelError(f"no column of the labels file contains the sequence names (e.g. {dataset.names[0]!r})", path=path, line=1)
    elif key not in table.columns:
        raise LabelError(f"no column {key!r} (columns: {', '.join(table.columns)})", path=path, line=1)
    keys = table[key]
    dup = keys[keys.duplicated()]
    if len(dup):
        raise LabelError(f"name {dup.iloc[0]!r} appears twice", path=path, line=int(dup.index[0]) + 2)
    unknown = ~keys.isin(names)
    if unknown.any():
        i = int(unknown.to_numpy().nonzero()[0][0])
        raise LabelError(f"labels file names unknown sequence {keys.iloc[i]!r} ({int(unknown.sum())} unknown in total)", path=path, line=i + 2)
    missing = ~names.isin(keys)
    if missing.any():
        raise LabelError(f"no label for sequence {names[missing][0]!r} ({int(missing.sum())} sequences without labels)", path=path)
    frame = table.set_index(key).loc[list(names)]
    if columns is not None:
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise LabelError(f"no label column(s) {absent} (columns: {', '.join(frame.columns)})", path=path, line=1)
        frame = frame[columns]
    frame.index.name = "name"
    return replace(dataset, labels=_categorical(frame))


def labels_from_headers(dataset: SequenceDataset, pattern: str, column: str = "label") -> SequenceDataset:
    """Extract one label per sequence with a regex on its FASTA header (first group, or the whole match)."""
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"invalid label regex {pattern!r}: {exc}") from None
    headers = dataset.meta.get("headers", dataset.names)
    values = []
    for header in headers:
        match = regex.search(header)
        if match is None:
            raise LabelError(f"label regex {pattern!r} does not match header {header!r}", path=dataset.source or None)
        values.append(match.group(1) if regex.groups else match.group(0))
    frame = pd.DataFrame({column: values}, index=pd.Index(dataset.names, name="name"))
    return replace(dataset, labels=_categorical(frame))


def _categorical(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype("category")
