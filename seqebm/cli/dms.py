"""``seqebm dms``: mutational effects of single (or listed multiple) mutants of a wild type,
score = E(wt) - E(mutant) (higher = fitter), in the protein's own numbering."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from seqebm.analysis.mapping import map_wild_type
from seqebm.analysis.mutations import (
    OUTPUT_COLUMNS, effect_matrix, experimental_column, plot_effects, read_mutants, score_mutants, single_mutants, spearman,
)
from seqebm.cli.console import console, warn
from seqebm.cli.options import FIRST_INDEX
from seqebm.device import resolve_device
from seqebm.io.load import load_dataset
from seqebm.io.writers import write_table
from seqebm.models.files import load_model


def dms(
    model_file: Path = typer.Argument(..., help="Model file written by seqebm fit."),
    wt: str = typer.Option(..., "--wt", help="Wild-type sequence, or a FASTA file (first record; a Pfam-style "
                                             "header NAME/start-end sets --first-index)."),
    mutants: Optional[Path] = typer.Option(None, "--mutants", help="CSV/TSV with a 'mutant' column (A24C or A24C:G30D); "
                                           "an experimental column, if any, is compared (Spearman). Default: every single mutant."),
    first_index: Optional[int] = FIRST_INDEX,
    msa: Optional[Path] = typer.Option(None, "--msa", help="The training alignment: its rows refine the mapping."),
    score_column: Optional[str] = typer.Option(None, "--score-column", help="Experimental column of --mutants "
                                               "(default: DMS_score, else the only numeric column)."),
    device: str = typer.Option("auto", "--device"),
    out: Path = typer.Option(Path("dms.csv"), "--out", help="Output CSV (mutant, score, ...); the heat map goes next to it."),
) -> None:
    """Predict mutational effects: score = E(wt) - E(mutant), higher = fitter (EVmutation / ProteinGym sign)."""
    result = run_dms(model_file, wt, mutants, first_index, msa, score_column, device, out)
    console.print(result["mapping"].summary(), highlight=False)
    if result["outside"]:
        warn(f"{result['outside']} mutant(s) at residues outside the model's columns are listed with status, not scored")
    if result.get("spearman") is not None:
        rho, n = result["spearman"]
        console.print(f"Spearman rho vs {result['column']}: {rho:.3f} over {n} mutants", highlight=False)
    for path in result["files"]:
        console.print(f"wrote {path}", highlight=False)


def run_dms(model_file, wt: str, mutants=None, first_index: int | None = None, msa=None, score_column: str | None = None,
            device: str = "auto", out: str | Path = "dms.csv") -> dict:
    """The ``dms`` command as a function: returns the mapping, the scores table, the Spearman correlation (if an
    experimental column exists) and the written files."""
    model = load_model(model_file, device=resolve_device(device))
    alignment = load_dataset(msa, alphabet=model.alphabet) if msa is not None else None
    name, mapping = map_wild_type(model, wt, first_index, alignment)
    table = read_mutants(mutants) if mutants is not None else None
    names = list(table["mutant"]) if table is not None else single_mutants(mapping, model.alphabet)
    scores = score_mutants(model, mapping, names, path=mutants)
    result = {"mapping": mapping, "outside": int((scores["status"] != "scored").sum())}
    if table is not None:
        column = experimental_column(table, None if score_column is None else
                                     (f"{score_column}_measured" if score_column in OUTPUT_COLUMNS else score_column))
        scores = scores.join(table.drop(columns=["mutant"]).reset_index(drop=True))
        if column is not None:
            result["column"], result["spearman"] = column, spearman(scores["score"], scores[column])
    out = Path(out)
    result["scores"] = scores
    result["files"] = [write_table(out, scores),
                       write_table(out.with_name(out.stem + "_mapping.csv"), mapping.frame()),
                       plot_effects(effect_matrix(scores, mapping, model.alphabet), mapping, out.with_suffix(".png"),
                                    f"{name}: E(wt) - E(mutant), higher = fitter")]
    return result
