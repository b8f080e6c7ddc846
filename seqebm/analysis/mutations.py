"""Mutational effects: ``score = E(wild type) - E(mutant)`` (F for an RBM), i.e. log p(mutant) - log p(wild type):
higher is fitter, the sign convention of EVmutation and ProteinGym. Multiple mutants are scored by the energy of the
whole mutated sequence, pair terms between the mutated sites included. Positions are the protein's own numbering
(see :mod:`seqebm.analysis.mapping`); mutants at residues outside the model's columns are listed, not scored."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.analysis.mapping import SequenceMapping
from seqebm.analysis.scoring import NO_LOG_Z, energy_name, score_sequences
from seqebm.errors import ConfigError, ParseError
from seqebm.fileio import read_text
from seqebm.io.alphabets import GAP, Alphabet
from seqebm.models.base import EnergyModel

_SUBSTITUTION = re.compile(r"^([A-Za-z])(-?\d+)([A-Za-z])$")
SCORED = "scored"
OUTPUT_COLUMNS = ("score", "n_mutations", "status")


@dataclass(frozen=True)
class Substitution:
    wild_type: str
    position: int  # protein numbering
    mutant: str


WILD_TYPE_NAMES = ("wt", "wild", "wildtype", "_wt")  # rows naming the wild type itself (EVcouplings tables): score 0


def parse_mutant(text: str) -> list[Substitution]:
    """``A24C``, ``A24C:G30D`` (ProteinGym) or ``A24C,G30D`` (EVcouplings) -> substitutions; ``wt`` -> none; a clear
    error otherwise."""
    if str(text).strip().lower() in WILD_TYPE_NAMES:
        return []
    parts = [p.strip() for p in str(text).strip().replace(",", ":").split(":")]
    out = []
    for part in parts:
        match = _SUBSTITUTION.match(part)
        if not match:
            raise ConfigError(f"mutant {text!r}: {part!r} is not of the form A24C (wild-type residue, position, mutant residue)")
        out.append(Substitution(match[1].upper(), int(match[2]), match[3].upper()))
    positions = [s.position for s in out]
    if len(set(positions)) != len(positions):
        raise ConfigError(f"mutant {text!r} names a position twice")
    return out


def single_mutants(mapping: SequenceMapping, alphabet: Alphabet) -> list[str]:
    """Every single substitution (to each non-gap symbol) at every residue the model covers, in sequence order."""
    letters = [a for a in alphabet.symbols if a != GAP]
    return [f"{wt}{k + mapping.first_index}{a}" for k, wt in enumerate(mapping.sequence) if mapping.columns[k] >= 0
            for a in letters if a != wt]


def score_mutants(model: EnergyModel, mapping: SequenceMapping, mutants: list[str], beta: float = 1.0,
                  path: str | Path | None = None) -> pd.DataFrame:
    """One row per mutant: mutant, score (E(wt) - E(mutant); NaN when not scored), n_mutations, status ("scored" or
    which positions lie outside the model). A wild-type residue that disagrees with the sequence is an error (the
    sign of a numbering off by one), as is a mutant residue outside the model's alphabet; with ``path`` (the mutants
    file, header on line 1) the error names its line."""
    states = np.repeat(mapping.model_states[None, :], len(mutants), axis=0)
    status, counts = [], []
    for row, text in enumerate(mutants):
        try:
            substitutions = _apply(text, mapping, model.alphabet.symbols, states[row])
        except ConfigError as exc:
            if path is None:
                raise
            raise ParseError(str(exc), path=path, line=row + 2) from None
        outside = [str(s.position) for s in substitutions if mapping.column_of(s.position) < 0]
        status.append(SCORED if not outside else f"outside the model's columns: {','.join(outside)}")
        counts.append(len(substitutions))
    scored = np.array([s == SCORED for s in status], dtype=bool)
    score = np.full(len(mutants), np.nan)
    if scored.any():
        x = torch.as_tensor(np.concatenate([mapping.model_states[None, :], states[scored]]), device=model.device)
        energy = score_sequences(model, x, beta=beta, log_partition=NO_LOG_Z)[energy_name(model)].to_numpy()
        score[scored] = energy[0] - energy[1:]
    return pd.DataFrame({"mutant": mutants, "score": score, "n_mutations": counts, "status": status})


def _apply(text: str, mapping: SequenceMapping, symbols: str, states: np.ndarray) -> list[Substitution]:
    """Parse ``text``, check it against the wild type and write its substitutions into ``states`` (model columns)."""
    substitutions = parse_mutant(text)
    for s in substitutions:
        k = s.position - mapping.first_index
        if not 0 <= k < len(mapping.sequence):
            raise ConfigError(f"mutant {text}: position {s.position} is outside the wild type "
                              f"({mapping.first_index}-{mapping.first_index + len(mapping.sequence) - 1})")
        if mapping.sequence[k] != s.wild_type:
            raise ConfigError(f"mutant {text}: position {s.position} of the wild type is {mapping.sequence[k]}, not "
                              f"{s.wild_type} (numbering starts at {mapping.first_index}; check --first-index)")
        if s.mutant not in symbols or s.mutant == GAP:
            raise ConfigError(f"mutant {text}: {s.mutant!r} is not a residue of the model's alphabet ({symbols})")
        if mapping.columns[k] >= 0:
            states[mapping.columns[k]] = symbols.index(s.mutant)
    return substitutions


def read_mutants(path: str | Path) -> pd.DataFrame:
    """A CSV/TSV with a ``mutant`` column (other columns kept, e.g. an experimental score)."""
    text = read_text(path)
    sep = "\t" if "\t" in text.split("\n", 1)[0] else ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ParseError(f"not a readable CSV/TSV ({' '.join(str(exc).split())})", path=path) from None
    if "mutant" not in frame.columns:
        raise ParseError(f"no 'mutant' column (columns: {', '.join(map(str, frame.columns))})", path=path, line=1)
    blank = frame["mutant"].isna()
    if blank.any():
        raise ParseError("empty mutant", path=path, line=int(np.flatnonzero(blank)[0]) + 2)
    frame["mutant"] = frame["mutant"].astype(str)
    # the output's own columns keep their names; the file's columns of the same name are kept as NAME_measured
    return frame.rename(columns={c: f"{c}_measured" for c in OUTPUT_COLUMNS if c in frame.columns})


def experimental_column(frame: pd.DataFrame, wanted: str | None = None) -> str | None:
    """The experimental score column: ``wanted``, else ProteinGym's ``DMS_score``, else the only numeric column."""
    if wanted is not None:
        if wanted not in frame.columns:
            raise ConfigError(f"no column {wanted!r} in the mutants file (columns: {', '.join(map(str, frame.columns))})")
        return wanted
    if "DMS_score" in frame.columns:
        return "DMS_score"
    numeric = [c for c in frame.columns if c != "mutant" and pd.api.types.is_numeric_dtype(frame[c])]
    return numeric[0] if len(numeric) >= 1 else None


def spearman(scores: pd.Series, measured: pd.Series) -> tuple[float, int]:
    """Spearman rank correlation over the rows where both are finite, and their number."""
    both = pd.DataFrame({"a": scores, "b": pd.to_numeric(measured, errors="coerce")}).dropna()
    if len(both) < 3:
        return float("nan"), len(both)
    return float(both["a"].rank().corr(both["b"].rank())), len(both)


def effect_matrix(frame: pd.DataFrame, mapping: SequenceMapping, alphabet: Alphabet) -> pd.DataFrame:
    """Single-mutant scores as a (residue letter x protein position) table (wild type: 0, unscored: NaN)."""
    letters = [a for a in alphabet.symbols if a != GAP]
    positions = [k + mapping.first_index for k in range(len(mapping.sequence)) if mapping.columns[k] >= 0]
    table = pd.DataFrame(np.nan, index=letters, columns=positions)
    for pos in positions:
        table.loc[mapping.sequence[pos - mapping.first_index], pos] = 0.0
    singles = frame[(frame["n_mutations"] == 1) & (frame["status"] == SCORED)]
    for text, value in zip(singles["mutant"], singles["score"]):
        s = parse_mutant(text)[0]
        if s.mutant in table.index and s.position in table.columns:
            table.loc[s.mutant, s.position] = value
    return table


def plot_effects(table: pd.DataFrame, mapping: SequenceMapping, path: str | Path, title: str = "") -> Path:
    """Heat map of single-mutant effects (positions x residues), the wild type marked."""
    from seqebm.figures import pyplot, save_figure

    plt = pyplot()
    values = table.to_numpy(dtype=float)
    width = max(6.0, 0.12 * values.shape[1] + 2)
    fig, ax = plt.subplots(figsize=(width, 4.2))
    finite = values[np.isfinite(values)]
    bound = float(np.abs(finite).max()) if finite.size else 1.0
    image = ax.imshow(values, aspect="auto", cmap="RdBu", vmin=-bound, vmax=bound, interpolation="nearest")
    ax.set_yticks(range(len(table.index)), list(table.index), fontsize=7)
    step = max(1, values.shape[1] // 30)
    ax.set_xticks(range(0, values.shape[1], step), [str(c) for c in table.columns[::step]], fontsize=7, rotation=90)
    for x, pos in enumerate(table.columns):
        wt = mapping.sequence[pos - mapping.first_index]
        if wt in table.index:
            ax.plot(x, list(table.index).index(wt), "k.", markersize=3)
    ax.set_xlabel("position (protein numbering)")
    ax.set_ylabel("mutant residue")
    ax.set_title(title or "E(wt) - E(mutant): higher = fitter (dots: wild type)")
    fig.colorbar(image, ax=ax, fraction=0.03)
    return save_figure(fig, path)
