"""``seqebm score``: energies (free energies for RBMs) and, where log Z is known, log-likelihoods of sequences."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from seqebm.analysis.scoring import LogPartition, known_log_partition, score_sequences
from seqebm.cli.console import console, warn
from seqebm.device import resolve_device
from seqebm.errors import ShapeError
from seqebm.io.load import load_dataset
from seqebm.io.writers import write_table
from seqebm.models.files import load_model
from seqebm.sampling.ais import ais_log_partition
from seqebm.stats import site_frequencies


def score(
    model_file: Path = typer.Argument(..., help="Model file written by seqebm fit."),
    sequences: Path = typer.Argument(..., help="Sequences to score (any format seqebm reads, of the model's length)."),
    beta: float = typer.Option(1.0, "--beta", help="Inverse temperature of the scores."),
    device: str = typer.Option("auto", "--device"),
    out: Path = typer.Option(Path("scores.csv"), "--out", help="Output table (.csv, or .tsv for tab-separated)."),
    ais: bool = typer.Option(False, "--ais", help="Where log Z is neither enumerable nor recorded by the training, "
                             "estimate it by annealed importance sampling (from the scored sequences' one-site "
                             "frequencies; reports its standard error)."),
    ais_chains: int = typer.Option(500, "--ais-chains", min=2),
    ais_temperatures: int = typer.Option(1000, "--ais-temperatures", min=1),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Score sequences: energy (Potts) or free energy (RBM), and log-likelihood where the model's log Z is known."""
    settings = dict(n_chains=ais_chains, n_temperatures=ais_temperatures, seed=seed) if ais else None
    frame, note = score_file(model_file, sequences, beta, device, settings)
    if note:
        warn(note)
    console.print(f"wrote {write_table(out, frame)} ({len(frame)} sequences)", highlight=False)


def score_file(model_file: str | Path, sequences: str | Path, beta: float = 1.0, device: str = "auto",
               ais: dict | None = None):
    """(scores DataFrame, a note when the log-likelihood is omitted or estimated) for the sequences of a file;
    ``ais``: settings of :func:`~seqebm.sampling.ais.ais_log_partition` to estimate an unknown log Z."""
    model = load_model(model_file, device=resolve_device(device))
    kind = (model.metadata.get("data") or {}).get("kind")
    ds = load_dataset(sequences, alphabet=model.alphabet if kind in (None, "msa") else None)
    if ds.length != model.length or ds.q > model.q:
        raise ShapeError(f"sequences are L={ds.length} with {ds.q} states; the model is L={model.length}, q={model.q}",
                         path=sequences)
    states = ds.tensor(model.device)
    log_z = known_log_partition(model, beta)
    if log_z.value is None and ais is not None:
        estimate = ais_log_partition(model, site_frequencies(states, model.q, dtype=model.dtype), beta=beta, **ais)
        log_z = LogPartition(estimate.log_z, f"estimated by {estimate.describe()}")
    frame = score_sequences(model, states, ds.names, beta, log_z)
    note = None if log_z.method == "exact enumeration" else (
        f"log-likelihood from log Z = {log_z.value:.4f}, {log_z.method}" if log_z.value is not None else
        f"no log-likelihood column: {log_z.method}")
    return frame, note
