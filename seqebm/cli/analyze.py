"""``seqebm analyze``: compare generated sequences with data (tables, figures, report.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from seqebm.analysis.report import analyze as write_analysis
from seqebm.cli.console import console
from seqebm.io.load import load_dataset
from seqebm.models.files import load_model


def analyze(
    data: Path = typer.Option(..., "--data", help="Data file (the training set, or a test set)."),
    samples: Path = typer.Option(..., "--samples", help="Generated sequences (FASTA, .hapt, .npy ...)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file: energies and contact prediction."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Labels table for the data (keyed by name)."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="Label column to use (default: the coarsest)."),
    distances: Optional[Path] = typer.Option(None, "--distances", help="Distance map (i j score distance) for contacts."),
    alphabet: Optional[str] = typer.Option(None, "--alphabet"),
    theta: float = typer.Option(0.8, "--theta", help="Reweighting of the data (1 disables)."),
    out: Path = typer.Option(Path("seqebm_analysis"), "--out", help="Output folder."),
) -> None:
    """Compare generated sequences with data: CSV tables, PNG figures and report.md in --out."""
    ds = load_dataset(data, alphabet=alphabet, labels=labels)
    if theta < 1:
        ds = ds.reweight(theta, device="auto")
    mdl = load_model(model) if model else None
    sample_alphabet = alphabet or (mdl.alphabet if mdl is not None else ds.alphabet)
    fmt = "genotype-npy" if ds.kind in ("genotypes", "spins") and samples.suffix == ".npy" else None
    smp = load_dataset(samples, alphabet=sample_alphabet if ds.kind == "msa" else None, format=fmt)
    if ds.kind == "spins" and smp.kind != "spins":
        raise typer.BadParameter("samples of a spin dataset must be +/-1 values")
    with console.status("analysing"):
        summary = write_analysis(ds, smp, out, model=mdl, distances=distances, label_column=label_column)
    table = Table(title="summary", show_header=False)
    for key, value in summary.items():
        table.add_row(key, str(value))
    console.print(table)
    console.print(f"report: {out / 'report.md'}", highlight=False)
