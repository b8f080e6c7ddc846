"""Writers for generated data; every file is written atomically (temporary file + rename)."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Sequence

import numpy as np

from seqebm.io._files import atomic_write
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
