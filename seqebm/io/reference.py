"""Reference rows of an alignment, kept in model files so that a model can place a new sequence (a wild type, a
full-length protein) onto its columns without the training alignment: the consensus and a few rows spread over
the family."""
from __future__ import annotations

import numpy as np

from seqebm.io.dataset import SequenceDataset

REFERENCE_ROWS = 200  # rows kept besides the consensus (L x 200 characters of JSON in the model file)
POOL = 4000  # rows considered (evenly spaced over the alignment): the choice costs POOL x REFERENCE_ROWS x L


def consensus(dataset: SequenceDataset) -> str:
    """The (weighted) most frequent symbol of each column, gaps included."""
    weights = dataset.weights if dataset.weights is not None else np.ones(dataset.n_sequences)
    counts = np.zeros((dataset.length, dataset.q))
    for a in range(dataset.q):  # q passes over (N, L): no (N, L, q) one-hot in memory
        counts[:, a] = weights @ (dataset.sequences == a)
    return dataset.alphabet.decode(counts.argmax(1)[None, :])[0]


def reference_rows(dataset: SequenceDataset, n_rows: int = REFERENCE_ROWS, pool: int = POOL) -> list[list[str]] | None:
    """``[[name, aligned row], ...]``: the consensus, then up to ``n_rows`` rows chosen by greedy farthest-point
    selection (Hamming distance) among the less gapped half of the alignment, starting from the row closest to the
    consensus, so that any member of the family has a close row to align to. None for data without a gap symbol
    (genotypes, images, spins: nothing to align)."""
    gap = dataset.alphabet.gap_index
    if gap is None or dataset.kind != "msa":
        return None
    cons = consensus(dataset)
    index = np.unique(np.linspace(0, dataset.n_sequences - 1, min(pool, dataset.n_sequences)).astype(np.int64))
    rows = dataset.sequences[index]
    gaps = (rows == gap).mean(1)
    candidates = index[gaps <= np.median(gaps)]
    rows = dataset.sequences[candidates]
    cons_states = np.array([dataset.alphabet.symbols.index(c) for c in cons])
    chosen = [int(np.argmax((rows == cons_states).sum(1)))]
    distance = (rows != rows[chosen[0]]).sum(1)
    while len(chosen) < min(n_rows, len(candidates)) and distance.max() > 0:
        nxt = int(np.argmax(distance))
        chosen.append(nxt)
        distance = np.minimum(distance, (rows != rows[nxt]).sum(1))
    decoded = dataset.alphabet.decode(rows[chosen])
    return [["consensus", cons]] + [[dataset.names[int(candidates[c])], s] for c, s in zip(chosen, decoded)]
