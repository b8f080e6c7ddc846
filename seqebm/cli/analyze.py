"""``seqebm analyze``: compare generated sequences with data (tables, figures, report.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from seqebm.analysis.hidden_units import write_unit_report
from seqebm.analysis.report import analyze as write_analysis
from seqebm.analysis.report import best_label_column
from seqebm.errors import ShapeError
from seqebm.cli.console import console
from seqebm.io.load import load_dataset
from seqebm.models.files import load_model


def analyze(
    data: Path = typer.Option(..., "--data", help="Data file (the training set, or a test set)."),
    samples: Optional[Path] = typer.Option(None, "--samples", help="Generated sequences (FASTA, .hapt, .npy ...); "
                                           "without them only an RBM's hidden units are analysed."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file: energies and contact prediction; for an "
                                         "RBM also weight logos, input histograms and a ranking of its hidden units."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Labels table for the data (keyed by name)."),
    label_column: Optional[str] = typer.Option(None, "--label-column", help="Label column to use (default: the coarsest)."),
    distances: Optional[Path] = typer.Option(None, "--distances", help="Distance map (i j score distance) for contacts."),
    alphabet: Optional[str] = typer.Option(None, "--alphabet"),
    theta: float = typer.Option(0.8, "--theta", help="Reweighting of the data (1 disables)."),
    out: Path = typer.Option(Path("seqebm_analysis"), "--out", help="Output folder."),
) -> None:
    """Compare generated sequences with data: CSV tables, PNG figures and report.md in --out."""
    mdl = load_model(model) if model else None
    if alphabet is None and mdl is not None and (mdl.metadata.get("data") or {}).get("kind") in (None, "msa"):
        alphabet = mdl.alphabet.symbols  # an MSA is read in the model's alphabet
    ds = load_dataset(data, alphabet=alphabet, labels=labels)
    if theta < 1:
        ds = ds.reweight(theta, device="auto")
    if samples is None:
        _hidden_units_only(ds, mdl, label_column, out)
        return
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


def _hidden_units_only(ds, model, label_column: str | None, out: Path) -> None:
    """``seqebm analyze --model RBM --data FILE`` without samples: the hidden-unit report alone."""
    if model is None or model.kind != "rbm":
        raise typer.BadParameter("give --samples, or an RBM --model to analyse its hidden units", param_hint="--samples")
    if (ds.length, ds.q) != (model.length, model.q):
        raise ShapeError(f"data are L={ds.length}, q={ds.q}; the model L={model.length}, q={model.q}", path=ds.source or None)
    column = label_column or (best_label_column(ds.labels) if ds.labels is not None else None)
    with console.status("analysing hidden units"):
        files = write_unit_report(model, out, ds, column)
    for name, path in files.items():
        console.print(f"{name}: {path}", highlight=False)
