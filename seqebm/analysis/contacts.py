"""Contact prediction from a model's couplings (an RBM's effective couplings): Frobenius norms of the q x q blocks in
the zero-sum gauge with the gap state excluded, average-product corrected (:func:`frobenius_scores`), as a ranked
table (1-based alignment columns, protein positions when a sequence is mapped), a CCMpred-style L x L matrix and
a contact-map figure; with a distance map, the precision (PPV) of the ranking."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.analysis.couplings import frobenius_scores
from seqebm.analysis.mapping import SequenceMapping
from seqebm.fileio import atomic_write
from seqebm.figures import pyplot, save_figure
from seqebm.models.base import EnergyModel


def contact_scores(model: EnergyModel, states: torch.Tensor | None = None) -> torch.Tensor:
    """(L, L) APC-corrected Frobenius scores of the model's pairwise couplings (``states``: data for an RBM's
    effective couplings, where its pairwise model needs them)."""
    potts = model.pairwise_model(states)
    return frobenius_scores(potts.couplings, gap_index=potts.alphabet.gap_index)


def ranked_contacts(scores: torch.Tensor, mapping: SequenceMapping | None = None) -> pd.DataFrame:
    """Every pair i < j ranked by score: rank, i, j (1-based columns), separation j - i, score; with ``mapping``,
    the protein positions and residues of both columns (empty where the sequence has none)."""
    s = np.asarray(scores.detach().double().cpu())
    i, j = np.triu_indices(s.shape[0], k=1)
    order = np.argsort(-s[i, j], kind="stable")
    i, j = i[order], j[order]
    frame = pd.DataFrame({"rank": np.arange(1, len(i) + 1), "i": i + 1, "j": j + 1, "separation": j - i, "score": s[i, j]})
    if mapping is not None:
        position = mapping.position_of_column()
        for name, cols in (("i", i), ("j", j)):
            pos = [position.get(int(c)) for c in cols]
            frame[f"position_{name}"] = pd.array(pos, dtype="Int64")
            frame[f"residue_{name}"] = [mapping.sequence[p - mapping.first_index] if p is not None else "" for p in pos]
    return frame


def write_matrix(scores: torch.Tensor, path: str | Path) -> Path:
    """The L x L score matrix as whitespace-separated text (CCMpred's output layout), written atomically."""
    s = np.asarray(scores.detach().double().cpu())
    with atomic_write(path, "w") as fh:
        np.savetxt(fh, s, fmt="%.6e")
    return Path(path)


def plot_contact_map(scores: torch.Tensor, path: str | Path, curve: pd.DataFrame | None = None,
                     distances: pd.DataFrame | None = None, top: int | None = None, min_separation: int = 5) -> Path:
    """Lower triangle: the score matrix; upper triangle: the ``top`` (default 2L) pairs with |i - j| >= min_separation,
    coloured correct/wrong over the true contacts when a ranking against a distance map (``curve``) is given."""
    s = np.asarray(scores.detach().double().cpu())
    length = s.shape[0]
    top = top or 2 * length
    fig, ax = pyplot().subplots(figsize=(5.5, 5))
    lower = np.where(np.tril(np.ones_like(s, dtype=bool), -1), s, np.nan)
    image = ax.imshow(lower, cmap="Greys", interpolation="nearest")
    if distances is not None:
        true = distances[(distances["distance"] < 8) & ((distances["j"] - distances["i"]) >= min_separation)]
        ax.scatter(true["j"], true["i"], s=10, color="lightgray", label="contacts (< 8 A)")
    if curve is not None:
        best = curve.head(top)
        for hit, colour, label in ((True, "tab:blue", "predicted, correct"), (False, "tab:red", "predicted, wrong")):
            pick = best[best["contact"] == hit]
            ax.scatter(pick["j"], pick["i"], s=8, color=colour, label=f"top {top} {label}")
    else:
        i, j = np.triu_indices(length, k=min_separation)
        order = np.argsort(-s[i, j], kind="stable")[:top]
        ax.scatter(j[order], i[order], s=8, color="tab:blue", label=f"top {top} pairs (|i-j| >= {min_separation})")
    ax.set_xlim(-1, length)
    ax.set_ylim(length, -1)
    ax.set_xlabel("column")
    ax.set_ylabel("column")
    ax.legend(fontsize=7, loc="lower left")
    fig.colorbar(image, ax=ax, fraction=0.04, label="APC Frobenius score")
    fig.tight_layout()
    return save_figure(fig, path)


def plot_ppv(curve: pd.DataFrame, length: int, path: str | Path) -> Path:
    """Precision of the top-n pairs against n, with L/2, L and 2L marked and the chance level."""
    fig, ax = pyplot().subplots(figsize=(5, 3.5))
    ax.plot(curve["rank"], curve["ppv"])
    for mult in (0.5, 1, 2):
        ax.axvline(mult * length, color="gray", ls=":", lw=0.8)
    ax.axhline(curve["contact"].mean(), color="k", ls="--", lw=0.8, label="chance")
    ax.set_xscale("log")
    ax.set_xlabel("number of top pairs")
    ax.set_ylabel("precision (PPV)")
    ax.legend()
    fig.tight_layout()
    return save_figure(fig, path)
