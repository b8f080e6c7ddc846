"""The one result type of every reader: integer-encoded sequences with names, labels and weights."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
import pandas as pd
import torch

from seqebm.device import resolve_device
from seqebm.errors import ConfigError, ShapeError
from seqebm.encoding import one_hot
from seqebm.io.alphabets import Alphabet
from seqebm.memory import check_memory
from seqebm.stats.weights import sequence_weights

KINDS = ("msa", "genotypes", "images", "spins")


@dataclass
class SequenceDataset:
    """N sequences of length L over q states.

    Attributes
    ----------
    sequences : (N, L) uint8 array of states in ``range(q)``.
    alphabet : the symbols of the states (state 0 is the gap for MSAs).
    names : N record names.
    labels : optional DataFrame with N rows (index = names), categorical columns.
    weights : (N,) float64 sequence weights (ones unless reweighted).
    kind : ``msa``, ``genotypes``, ``images`` or ``spins`` (binary data that came as +/-1).
    source : the file it came from.
    shape : for images, the (rows, cols) of one image.
    """

    sequences: np.ndarray
    alphabet: Alphabet
    names: list[str]
    labels: pd.DataFrame | None = None
    weights: np.ndarray | None = None
    kind: str = "msa"
    source: str = ""
    shape: tuple[int, ...] | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        seqs = np.asarray(self.sequences)
        if seqs.ndim != 2:
            raise ShapeError(f"sequences must be a 2-D (N, L) array, got shape {seqs.shape}", path=self.source or None)
        if seqs.size and int(seqs.max()) >= self.alphabet.q:
            raise ShapeError(f"state {int(seqs.max())} out of range for q={self.alphabet.q}", path=self.source or None)
        self.sequences = seqs.astype(np.uint8, copy=False)
        if len(self.names) != seqs.shape[0]:
            raise ShapeError(f"{len(self.names)} names for {seqs.shape[0]} sequences", path=self.source or None)
        if self.weights is None:
            self.weights = np.ones(seqs.shape[0], dtype=np.float64)
        self.weights = np.asarray(self.weights, dtype=np.float64)
        if self.weights.shape != (seqs.shape[0],):
            raise ShapeError(f"weights of shape {self.weights.shape} for {seqs.shape[0]} sequences")
        if self.kind not in KINDS:
            raise ConfigError(f"dataset kind must be one of {KINDS}, not {self.kind!r}")
        if self.labels is not None and len(self.labels) != seqs.shape[0]:
            raise ShapeError(f"{len(self.labels)} label rows for {seqs.shape[0]} sequences")

    # ---- sizes
    @property
    def n_sequences(self) -> int:
        return int(self.sequences.shape[0])

    @property
    def length(self) -> int:
        return int(self.sequences.shape[1])

    @property
    def q(self) -> int:
        return self.alphabet.q

    @property
    def effective_size(self) -> float:
        """M_eff: the sum of the sequence weights."""
        return float(self.weights.sum())

    def __len__(self) -> int:
        return self.n_sequences

    def __repr__(self) -> str:
        lab = "" if self.labels is None else f", labels={list(self.labels.columns)}"
        return (
            f"SequenceDataset(kind={self.kind!r}, N={self.n_sequences}, L={self.length}, q={self.q}, "
            f"alphabet={self.alphabet.symbols!r}, M_eff={self.effective_size:.1f}{lab})"
        )

    # ---- tensors
    def tensor(self, device: str | torch.device | None = "cpu") -> torch.Tensor:
        """(N, L) int64 tensor of states."""
        return torch.as_tensor(self.sequences, device=resolve_device(device)).long()

    def weights_tensor(self, device: str | torch.device | None = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
        return torch.as_tensor(self.weights, device=resolve_device(device), dtype=dtype)

    def one_hot(self, device: str | torch.device | None = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """(N, L, q) one-hot tensor (refused up front when it would not fit in memory: the statistics functions
        of :mod:`seqebm.stats` work from the integer states in chunks instead)."""
        dev = resolve_device(device)
        itemsize = torch.empty((), dtype=dtype).element_size()
        check_memory(self.n_sequences * self.length * (self.q * itemsize + 8), f"one-hot encoding {self.n_sequences} x {self.length} x {self.q}",
                     dev, path=self.source or None, hint="use the chunked functions of seqebm.stats on dataset.tensor()")
        return one_hot(self.tensor(dev), self.q, dtype=dtype)

    def bernoulli(self, device: str | torch.device | None = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """(N, L) {0,1} tensor for binary data (state 1 = symbol ``1``)."""
        if self.q != 2:
            raise ConfigError(f"Bernoulli view needs binary data (q=2), this dataset has q={self.q}")
        return self.tensor(device).to(dtype)

    def spins(self, device: str | torch.device | None = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """(N, L) +/-1 tensor for binary data (state 0 -> -1, state 1 -> +1)."""
        return 2 * self.bernoulli(device, dtype) - 1

    # ---- derived datasets
    def subset(self, index: Sequence[int] | np.ndarray | slice) -> "SequenceDataset":
        """Rows ``index`` (weights, names, labels follow)."""
        idx = np.arange(self.n_sequences)[index]
        labels = None if self.labels is None else self.labels.iloc[idx]
        return replace(
            self,
            sequences=self.sequences[idx],
            names=[self.names[i] for i in idx],
            labels=labels,
            weights=self.weights[idx],
        )

    def columns(self, index: Sequence[int] | np.ndarray) -> "SequenceDataset":
        """Keep alignment columns ``index``."""
        return replace(self, sequences=self.sequences[:, np.asarray(index)], shape=None)

    def with_weights(self, weights: np.ndarray | torch.Tensor) -> "SequenceDataset":
        w = weights.detach().cpu().numpy() if isinstance(weights, torch.Tensor) else np.asarray(weights)
        return replace(self, weights=w.astype(np.float64))

    def reweight(self, theta: float = 0.8, device: str | torch.device | None = "cpu", chunk_size: int = 4096) -> "SequenceDataset":
        """Return a copy with DCA weights w_n = 1 / #{m : identity(n, m) >= theta}."""
        return self.with_weights(sequence_weights(self.tensor(device), theta=theta, q=self.q, chunk_size=chunk_size))

    def gap_fraction(self) -> float:
        """Fraction of gap symbols (0 if the alphabet has no gap)."""
        if self.alphabet.gap_index is None or self.sequences.size == 0:
            return 0.0
        return float((self.sequences == self.alphabet.gap_index).mean())

    def filter_gaps(self, max_column_gaps: float | None = None, max_sequence_gaps: float | None = None) -> "SequenceDataset":
        """Drop sequences, then columns, whose gap fraction exceeds the given thresholds."""
        gap = self.alphabet.gap_index
        if gap is None:
            raise ConfigError(f"alphabet {self.alphabet.symbols!r} has no gap symbol to filter on")
        out = self
        if max_sequence_gaps is not None:
            keep = (out.sequences == gap).mean(axis=1) <= max_sequence_gaps
            out = out.subset(np.flatnonzero(keep))
        if max_column_gaps is not None:
            keep = (out.sequences == gap).mean(axis=0) <= max_column_gaps
            out = out.columns(np.flatnonzero(keep))
        if out.n_sequences == 0 or out.length == 0:
            raise ConfigError("gap filters removed every sequence or column")
        return out

    def decoded(self) -> list[str]:
        """Sequences as strings of the alphabet's symbols."""
        return self.alphabet.decode(self.sequences)

