"""``seqebm info`` (what a data file holds) and ``seqebm convert`` (model file formats)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from seqebm.cli.console import console
from seqebm.errors import ConfigError
from seqebm.io.load import load_dataset
from seqebm.models.adabmdca import read_adabmdca, write_adabmdca
from seqebm.models.plmc import SUFFIXES, read_plmc, write_plmc
from seqebm.models.files import load_model, save_model


def info(
    file: Path = typer.Argument(..., help="MSA, genotype matrix, spin matrix or image file (gzip allowed)."),
    format: Optional[str] = typer.Option(None, "--format", help="Override format detection."),
    alphabet: Optional[str] = typer.Option(None, "--alphabet", help="protein, rna, dna, binary or a symbol string."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Labels table keyed by sequence name (or IDX labels)."),
    label_regex: Optional[str] = typer.Option(None, "--label-regex", help="Regex extracting a label from each header."),
    theta: float = typer.Option(0.8, "--theta", help="Identity threshold of the sequence reweighting."),
    no_weights: bool = typer.Option(False, "--no-weights", help="Skip the reweighting (M_eff = N)."),
    missing: str = typer.Option("error", "--missing", help="Missing genotype values: error, drop or mode."),
) -> None:
    """Print N, L, q, alphabet, M_eff, gap fraction and label counts of a data file."""
    ds = load_dataset(file, format=format, alphabet=alphabet, labels=labels, label_regex=label_regex, missing=missing)
    if not no_weights:
        ds = ds.reweight(theta=theta, device="auto")
    console.print(f"[bold]{file}[/]", highlight=False, soft_wrap=True)
    table = Table(show_header=False)
    table.add_row("kind", ds.kind)
    table.add_row("N (sequences)", str(ds.n_sequences))
    table.add_row("L (length)", str(ds.length))
    table.add_row("q (states)", str(ds.q))
    table.add_row("alphabet", f"{ds.alphabet.name} {ds.alphabet.symbols!r}")
    if ds.shape is not None:
        table.add_row("image shape", "x".join(map(str, ds.shape)))
    table.add_row("M_eff" + ("" if no_weights else f" (theta={theta})"), f"{ds.effective_size:.1f}")
    table.add_row("gap fraction", f"{ds.gap_fraction():.4f}")
    console.print(table)
    if ds.labels is not None:
        for column in ds.labels.columns:
            _print_label_counts(column, ds.labels[column].value_counts(), ds.n_sequences)


def _print_label_counts(column: str, counts, n_sequences: int) -> None:
    if len(counts) > 50 and len(counts) > n_sequences // 4:
        console.print(f"labels: {column}: {len(counts)} distinct values (an identifier column)", highlight=False)
        return
    table = Table(title=f"labels: {column} ({len(counts)} values)")
    table.add_column("value")
    table.add_column("count", justify="right")
    for value, count in counts.head(30).items():
        table.add_row(str(value), str(count))
    if len(counts) > 30:
        table.add_row("...", f"{int(counts.iloc[30:].sum())} more")
    console.print(table)


PARAMETER_FORMATS = {"seqebm": (".npz",), "plmc": SUFFIXES, "adabmdca": (".dat", ".txt")}


def parameter_format(path: Path, reading: bool) -> str:
    """seqebm, plmc or adabmdca from the file name (and, when reading, the first bytes); a clear error for a name
    whose format seqebm does not write."""
    name = path.name.lower()
    for fmt, suffixes in PARAMETER_FORMATS.items():
        if name.endswith(suffixes):
            return fmt
    if reading:
        return "seqebm" if is_model_file(path) else "adabmdca"
    known = ", ".join(f"{s} ({fmt})" for fmt, suffixes in PARAMETER_FORMATS.items() for s in suffixes)
    raise ConfigError(f"cannot tell which format to write from the name {path.name!r}: use one of {known}")


def convert(
    source: Path = typer.Argument(..., help="Model file: seqebm (.npz), plmc (.model_params/.params) or adabmDCA text."),
    target: Path = typer.Argument(..., help="Output, format from the suffix: .npz (seqebm), .model_params or .params "
                                           "(plmc binary), .dat or .txt (adabmDCA text)."),
    alphabet: Optional[str] = typer.Option(None, "--alphabet", help="Alphabet of an adabmDCA file (default: guessed)."),
) -> None:
    """Convert Potts models between the seqebm, plmc (EVcouplings) and adabmDCA formats (formats from the names)."""
    out_format = parameter_format(target, reading=False)  # refused before anything is read or written
    in_format = parameter_format(source, reading=True)
    readers = {"seqebm": load_model, "plmc": read_plmc, "adabmdca": lambda p: read_adabmdca(p, alphabet=alphabet)}
    writers = {"seqebm": save_model, "plmc": write_plmc, "adabmdca": write_adabmdca}
    model = readers[in_format](source)
    writers[out_format](model, target)
    console.print(f"wrote {target} ({out_format} format): {model!r}", highlight=False)


def is_model_file(path: Path) -> bool:
    """True for a seqebm model file (a zip archive, or anything named .npz), False for adabmDCA text."""
    if path.name.endswith(".npz"):
        return True
    try:
        with open(path, "rb") as fh:
            head = fh.read(2)
        return head == b"PK" or head[:1] == b"\x80"
    except OSError:
        return False
