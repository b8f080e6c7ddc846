"""Coupling recovery: contact prediction from Potts couplings (Frobenius norm + APC) scored against a distance
map, coupling error and edge-detection ROC against planted couplings. (The pairwise couplings of any model come from
its ``pairwise_model``: an RBM's effective couplings.)"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.errors import ParseError, ShapeError
from seqebm.fileio import read_text
from seqebm.models.potts import Potts


def frobenius_scores(couplings: torch.Tensor, gap_index: int | None = 0, apc: bool = True) -> torch.Tensor:
    """(L, L) contact scores: couplings put in the zero-sum gauge, the gap state dropped, Frobenius norm of each
    q x q block, then the average product correction F_ij - F_i. F_.j / F_.. (means over j != i)."""
    j = couplings.double()
    j = j - j.mean(1, keepdim=True) - j.mean(3, keepdim=True) + j.mean((1, 3), keepdim=True)
    if gap_index is not None:
        keep = [a for a in range(j.shape[1]) if a != gap_index]
        j = j[:, keep][:, :, :, keep]
    f = torch.sqrt((j**2).sum((1, 3)))
    length = f.shape[0]
    f.fill_diagonal_(0)
    if not apc:
        return f
    off = ~torch.eye(length, dtype=torch.bool, device=f.device)
    row_mean = f.sum(1) / (length - 1)
    total_mean = f[off].mean()
    corrected = f - row_mean[:, None] * row_mean[None, :] / total_mean
    corrected.fill_diagonal_(0)
    return corrected


def read_distance_map(path: str | Path) -> pd.DataFrame:
    """``*_struct.dat`` files: whitespace columns i, j (1-based), an undocumented score, distance (Angstrom).
    Returns a DataFrame (i, j, distance) with 0-based i < j. Column 3 is never used."""
    rows = []
    for lineno, line in enumerate(read_text(path).split("\n"), start=1):
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) < 4:
            raise ParseError(f"expected 4 columns (i j score distance), got {len(fields)}", path=path, line=lineno)
        try:
            i, j, dist = int(float(fields[0])) - 1, int(float(fields[1])) - 1, float(fields[3])
        except ValueError:
            raise ParseError("non-numeric field", path=path, line=lineno) from None
        if i < 0 or j < 0:
            raise ParseError("indices must be 1-based positive", path=path, line=lineno)
        rows.append((min(i, j), max(i, j), dist))
    if not rows:
        raise ParseError("no distance rows", path=path)
    return pd.DataFrame(rows, columns=["i", "j", "distance"]).drop_duplicates(["i", "j"])


def read_pair_scores(path: str | Path) -> pd.DataFrame:
    """Score files ``i j score`` (1-based, e.g. plmDCA output) -> DataFrame (i, j, score), 0-based i < j."""
    rows = []
    for lineno, line in enumerate(read_text(path).split("\n"), start=1):
        fields = line.replace(",", " ").split()
        if not fields:
            continue
        try:
            i, j, s = int(float(fields[0])) - 1, int(float(fields[1])) - 1, float(fields[2])
        except (ValueError, IndexError):
            raise ParseError("expected 'i j score'", path=path, line=lineno) from None
        rows.append((min(i, j), max(i, j), s))
    return pd.DataFrame(rows, columns=["i", "j", "score"])


def scores_to_frame(scores: torch.Tensor | np.ndarray) -> pd.DataFrame:
    s = np.asarray(scores.detach().cpu() if isinstance(scores, torch.Tensor) else scores)
    i, j = np.triu_indices(s.shape[0], k=1)
    return pd.DataFrame({"i": i, "j": j, "score": s[i, j]})


def contact_precision(
    scores: pd.DataFrame | torch.Tensor,
    distances: pd.DataFrame,
    cutoff: float = 8.0,
    min_separation: int = 5,
    length: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """PPV of the top-ranked pairs (|i - j| >= ``min_separation``, i.e. > 4) against contacts (distance < cutoff).

    Returns (summary with PPV at L/2, L, 2L and the contact fraction among scored pairs, curve of PPV vs rank)."""
    frame = scores_to_frame(scores) if not isinstance(scores, pd.DataFrame) else scores
    merged = frame.merge(distances, on=["i", "j"], how="inner")
    merged = merged[(merged["j"] - merged["i"]) >= min_separation]
    if merged.empty:
        raise ShapeError("no scored pair has a distance (check indices and lengths)")
    merged = merged.sort_values("score", ascending=False, kind="mergesort").reset_index(drop=True)
    merged["contact"] = merged["distance"] < cutoff
    merged["rank"] = np.arange(1, len(merged) + 1)
    merged["ppv"] = merged["contact"].cumsum() / merged["rank"]
    length = length or int(max(distances["j"].max(), frame["j"].max())) + 1
    summary = {f"PPV@{name}": float(merged["ppv"].iloc[min(n, len(merged)) - 1])
               for name, n in (("L/2", length // 2), ("L", length), ("2L", 2 * length))}
    summary["contact_fraction"] = float(merged["contact"].mean())
    summary["n_pairs"] = int(len(merged))
    return pd.DataFrame([summary]), merged[["rank", "i", "j", "score", "distance", "contact", "ppv"]]


def coupling_error(learned: Potts, truth: Potts) -> float:
    """Mean over pairs i < j of the squared coupling difference (both in the zero-sum gauge, all q x q entries
    averaged per pair): (J_learned - J_true)^2."""
    a = learned.zero_sum_gauge().couplings.double()
    b = truth.zero_sum_gauge().couplings.double().to(a.device)
    length = a.shape[0]
    i, j = torch.triu_indices(length, length, offset=1, device=a.device)
    return float(((a - b)[i, :, j, :] ** 2).mean())


def edge_roc(learned_scores: torch.Tensor, true_edges: torch.Tensor) -> tuple[float, pd.DataFrame]:
    """ROC AUC and curve of edge detection: scores (L, L) against a boolean (L, L) edge map, pairs i < j."""
    from sklearn.metrics import roc_auc_score, roc_curve

    length = learned_scores.shape[0]
    i, j = np.triu_indices(length, k=1)
    s = np.asarray(learned_scores.detach().cpu())[i, j]
    t = np.asarray(true_edges.detach().cpu() if isinstance(true_edges, torch.Tensor) else true_edges)[i, j].astype(bool)
    if t.all() or not t.any():
        return float("nan"), pd.DataFrame(columns=["fpr", "tpr"])
    fpr, tpr, _ = roc_curve(t, s)
    return float(roc_auc_score(t, s)), pd.DataFrame({"fpr": fpr, "tpr": tpr})
