"""``seqebm fit``: train a model, with every training option from the option table, progress and resume."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from seqebm.cli.console import console, err_console, warn
from seqebm.cli.options import given_options, with_training_options
from seqebm.io.load import load_dataset
from seqebm.models.record import RunRecord
from seqebm.training.parallel import init_distributed
from seqebm.training.regimes import persistence_verdict
from seqebm.training.trainer import Trainer, TrainingInterrupted, TrainingResult


@with_training_options
def fit(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Training data: MSA, genotype matrix, spin matrix or images."),
    alphabet: Optional[str] = typer.Option(None, "--alphabet", help="protein, rna, dna, binary or a symbol string."),
    format: Optional[str] = typer.Option(None, "--format", help="Override input format detection."),
    test: Optional[Path] = typer.Option(None, "--test", help="Held-out sequences: their log-likelihood is logged where "
                                        "the sampler estimates log Z (tempering)."),
    out: Path = typer.Option(Path("seqebm_run"), "--out", help="Output folder."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its checkpoint, with the options "
                                "it was started with unless given here."),
    distributed: bool = typer.Option(False, "--distributed", help="Data-parallel over the processes torchrun starts "
                                     "(NCCL on GPUs, gloo on CPUs)."),
    **options,
) -> None:
    """Train a Potts model or RBM; writes model.npz, checkpoint.npz, log.csv and training_curve.png into --out."""
    given = given_options(ctx, options)
    comm, out_console = None, console
    if distributed:
        comm, rank_device = init_distributed(options["device"])
        given["device"] = str(rank_device)
        if not comm.is_writer:
            out_console = Console(quiet=True)
    data = load_dataset(file, format=format, alphabet=alphabet)
    test_data = None if test is None else load_dataset(test, format=format, alphabet=alphabet or data.alphabet)
    where = f", {comm.world_size} processes" if comm else ""
    out_console.print(f"data: {file} ({data.kind}, N={data.n_sequences}, L={data.length}, q={data.q}{where})", highlight=False)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(), TextColumn("{task.fields[remaining]}"), console=out_console, transient=False, disable=out_console.quiet,
    )
    task = progress.add_task("training", total=None, status="", remaining="")

    def on_update(row: dict) -> None:
        mix = "" if row["mixing_time"] is None else f" mix {row['mixing_time']}"
        progress.update(task, completed=row["update"], total=row["max_updates"], description=row["label"],
                        status=f"r={row['pearson']:.3f} sweeps {row['sweeps']}{mix} lr {row['lr']:.2g}",
                        remaining=row["remaining"])

    trainer_args = dict(callback=on_update, warn=warn if out_console is console else (lambda message: None), comm=comm)
    try:
        with progress:
            result = Trainer.resume(out, data, test=test_data, **trainer_args, **given) if resume else \
                Trainer(out_dir=out, **trainer_args, **given).fit(data, test=test_data)
    except TrainingInterrupted as exc:
        if out_console is console:
            err_console.print(f"{exc}; continue with: seqebm fit {file} --out {out} --resume", soft_wrap=True, highlight=False)
        raise typer.Exit(130)
    finally:
        if distributed:
            _leave_process_group()
    _report(result, out_console)


def _report(result: TrainingResult, out_console: Console) -> None:
    record = RunRecord.from_metadata(result.model.metadata)
    ceiling = "" if result.pearson_ceiling is None else \
        f" (ceiling for {record.training['n_chains']} chains {result.pearson_ceiling:.3f})"
    out_console.print(f"stopped ({result.stopped_because}) after {len(result.log)} updates: Pearson {result.pearson:.3f}{ceiling}",
                      highlight=False)
    if record.regime == "eq":
        out_console.print(equilibrium_verdict(record), highlight=False)
    elif record.regime == "pcd" and record.state is not None and (record.state.persistence_check or {}).get("kept_up"):
        # (a lagging run was warned about by the check itself)
        out_console.print(persistence_verdict(record.state.persistence_check, int(record.training["k"])), highlight=False)
    for name, path in result.files.items():
        out_console.print(f"  {name}: {path}", highlight=False)


def equilibrium_verdict(record: RunRecord) -> str:
    """One line: is this eq model verified (chains from random reach the target), and how should it be sampled."""
    state, sampling = record.state, record.sampling_or_fallback()
    passed = [v for v in state.verifications if v.passed] if state else []
    if passed and sampling.equilibrium:
        last = passed[-1]
        return (f"equilibrium verified: chains from random reach Pearson {last.pearson_from_random:.3f} after {last.sweeps} "
                f"sweeps ({sampling.sampler}); sample with {sampling.k} sweeps from random")
    why = "no verification at the target ran" if not (state and state.verifications) else \
        f"chains from random reached {state.verifications[-1].pearson_from_random:.3f}" if not passed else \
        "chains from random did not reach the persistent chains in the end-of-training check"
    return f"equilibrium NOT verified ({why}): the model file says so (sampling.equilibrium = false)"


def _leave_process_group() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()
