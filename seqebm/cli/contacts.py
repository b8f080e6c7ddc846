"""``seqebm contacts``: ranked contact predictions (APC-corrected Frobenius norms), the L x L score matrix, the
contact map, and with a distance map the precision of the ranking."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from seqebm.analysis.contacts import contact_scores, plot_contact_map, plot_ppv, ranked_contacts, write_matrix
from seqebm.analysis.couplings import contact_precision, read_distance_map
from seqebm.analysis.mapping import map_wild_type
from seqebm.cli.console import console
from seqebm.cli.options import FIRST_INDEX
from seqebm.device import resolve_device
from seqebm.io.load import load_dataset
from seqebm.io.writers import write_table
from seqebm.models.files import load_model


def contacts(
    model_file: Path = typer.Argument(..., help="Model file written by seqebm fit."),
    wt: Optional[str] = typer.Option(None, "--wt", help="A sequence (or FASTA file): add its positions to the table."),
    first_index: Optional[int] = FIRST_INDEX,
    distances: Optional[Path] = typer.Option(None, "--distances", help="Distance map (i j score distance, 1-based "
                                             "columns): PPV curve and coloured contact map."),
    data: Optional[Path] = typer.Option(None, "--data", help="Training data (RBMs: effective couplings over the data)."),
    device: str = typer.Option("auto", "--device"),
    out: Path = typer.Option(Path("contacts"), "--out", help="Output folder."),
) -> None:
    """Contact prediction from the model's couplings: contacts.csv, contacts.mat, contacts.png (and ppv.csv/png)."""
    summary, files = run_contacts(model_file, wt, first_index, distances, data, device, out)
    for key, value in summary.items():
        console.print(f"{key}: {value}", highlight=False)
    for path in files:
        console.print(f"wrote {path}", highlight=False)


def run_contacts(model_file, wt: str | None = None, first_index: int | None = None, distances=None, data=None,
                 device: str = "auto", out: str | Path = "contacts") -> tuple[dict, list[Path]]:
    model = load_model(model_file, device=resolve_device(device))
    states = load_dataset(data, alphabet=model.alphabet).tensor(model.device) if data is not None else None
    scores = contact_scores(model, states)
    mapping = None if wt is None else map_wild_type(model, wt, first_index)[1]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    summary = {} if mapping is None else {"mapping": mapping.summary()}
    ranked = ranked_contacts(scores, mapping)
    curve = dmap = None
    files = []
    if distances is not None:
        dmap = read_distance_map(distances)
        ppv, curve = contact_precision(scores, dmap, length=model.length)
        summary.update({k: round(float(ppv[k].iloc[0]), 4) for k in ("PPV@L/2", "PPV@L", "PPV@2L")})
        ranked = ranked.merge(dmap.assign(i=dmap["i"] + 1, j=dmap["j"] + 1), on=["i", "j"], how="left")
        files += [write_table(out / "ppv.csv", curve.assign(i=curve["i"] + 1, j=curve["j"] + 1)),
                  plot_ppv(curve, model.length, out / "ppv.png")]
    files = [write_table(out / "contacts.csv", ranked), write_matrix(scores, out / "contacts.mat"),
             plot_contact_map(scores, out / "contacts.png", curve, dmap)] + files
    return summary, files
