"""Writers for generated data; every file is written atomically (temporary file + rename)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from seqebm.figures import pyplot, save_figure
from seqebm.fileio import atomic_write
from seqebm.io.alphabets import Alphabet


def write_fasta(path: str | Path, states: np.ndarray, alphabet: Alphabet, names: Sequence[str] | None = None) -> Path:
    """(N, L) states -> aligned FASTA."""
    seqs = alphabet.decode(states)
    names = names if names is not None else [f"sample_{i}" for i in range(len(seqs))]
    with atomic_write(path) as fh:
        fh.write("".join(f">{n}\n{s}\n" for n, s in zip(names, seqs)))
    return Path(path)


def write_hapt(path: str | Path, states: np.ndarray, names: Sequence[str] | None = None, label: str = "Gen") -> Path:
    """(N, L) 0/1/2 states -> ``.hapt`` lines ``<label> <name> a1 ... aL``."""
    names = names if names is not None else [f"sample_{i}" for i in range(len(states))]
    rows = (" ".join(map(str, row)) for row in np.asarray(states, dtype=np.int64).tolist())
    with atomic_write(path) as fh:
        fh.write("".join(f"{label} {n} {r}\n" for n, r in zip(names, rows)))
    return Path(path)


def write_npy(path: str | Path, array: np.ndarray) -> Path:
    """Any numeric array -> ``.npy`` (no pickle)."""
    buf = io.BytesIO()
    np.save(buf, np.asarray(array), allow_pickle=False)
    with atomic_write(path, "wb") as fh:
        fh.write(buf.getvalue())
    return Path(path)


def write_samples(path: str | Path, states: np.ndarray, alphabet: Alphabet, data_kind: str = "msa",
                  image_shape: Sequence[int] | None = None, names: Sequence[str] | None = None) -> list[Path]:
    """Write samples in the form of the training data: FASTA for alignments, .hapt for genotypes, .npy (+ PNG grid)
    for images, +/-1 .npy for spins. The file suffix can override (.fasta/.hapt/.csv/.tsv/.npy). ``names`` (FASTA
    headers, .hapt/.csv row names) default to sample_0, sample_1, ..."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".fasta", ".fa", ".a2m", ".afa"):
        return [write_fasta(path, states, alphabet, names)]
    if suffix == ".hapt":
        return [write_hapt(path, states, None if names is None else [n.split()[0] for n in names])]
    if suffix in (".csv", ".tsv"):
        frame = pd.DataFrame(states, index=[n.split()[0] for n in names] if names is not None else
                             [f"sample_{i}" for i in range(len(states))])
        with atomic_write(path) as fh:
            frame.to_csv(fh, sep="," if suffix == ".csv" else "\t", index_label="name")
        return [path]
    if suffix == ".npy" or data_kind in ("images", "spins"):
        path = path.with_suffix(".npy")
        array = 2 * states.astype(np.int8) - 1 if data_kind == "spins" else states.astype(np.uint8)
        out = [write_npy(path, array)]
        if data_kind == "images" and image_shape:
            out.append(image_grid(states, tuple(image_shape), path.with_suffix(".png")))
        return out
    if data_kind == "genotypes":
        return [write_hapt(path.with_suffix(".hapt"), states, None if names is None else [n.split()[0] for n in names])]
    return [write_fasta(path, states, alphabet, names)]


def write_table(path: str | Path, frame: pd.DataFrame) -> Path:
    """A DataFrame as CSV (tab-separated for .tsv/.txt), written atomically, without the index."""
    path = Path(path)
    with atomic_write(path) as fh:
        frame.to_csv(fh, sep="\t" if path.suffix.lower() in (".tsv", ".txt") else ",", index=False)
    return path


def image_grid(states: np.ndarray, shape: tuple[int, int], path: Path, n: int = 64) -> Path:
    """PNG grid of up to ``n`` binary images."""
    plt = pyplot()
    n = min(n, len(states))
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.8, rows * 0.8))
    for ax, img in zip(np.atleast_1d(axes).ravel(), list(states[:n]) + [None] * (rows * cols - n)):
        ax.axis("off")
        if img is not None:
            ax.imshow(img.reshape(shape), cmap="gray_r", vmin=0, vmax=1)
    fig.tight_layout(pad=0.1)
    return save_figure(fig, path, dpi=80)
