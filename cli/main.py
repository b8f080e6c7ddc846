"""``seqebm`` command-line application. Every failure is one line on stderr and a non-zero exit."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

from seqebm.errors import SeqebmError

app = typer.Typer(
    name="seqebm",
    help="Energy-based models (Potts, RBM) of biological sequences.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)


@app.callback()
def main() -> None:
    """Energy-based models (Potts, RBM) of biological sequences: fit, sample, analyse."""


@app.command()
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
    from seqebm.io import load_dataset

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
            counts = ds.labels[column].value_counts()
            if len(counts) > 50 and len(counts) > ds.n_sequences // 4:
                console.print(f"labels: {column}: {len(counts)} distinct values (an identifier column)", highlight=False)
                continue
            lt = Table(title=f"labels: {column} ({len(counts)} values)")
            lt.add_column("value")
            lt.add_column("count", justify="right")
            for value, count in counts.head(30).items():
                lt.add_row(str(value), str(count))
            if len(counts) > 30:
                lt.add_row("...", f"{int(counts.iloc[30:].sum())} more")
            console.print(lt)


@app.command()
def convert(
    source: Path = typer.Argument(..., help="Model file (.npz, seqebm format) or adabmDCA parameter text file."),
    target: Path = typer.Argument(..., help="Output; .npz writes the seqebm format, anything else adabmDCA text."),
    alphabet: Optional[str] = typer.Option(None, "--alphabet", help="Alphabet of an adabmDCA file (default: guessed)."),
) -> None:
    """Convert Potts models between the seqebm model file and the adabmDCA text format (direction from the names)."""
    from seqebm.models.adabmdca import read_adabmdca, write_adabmdca
    from seqebm.models.files import load_model, save_model

    src_native = is_model_file(source)
    dst_native = target.name.endswith(".npz")
    model = load_model(source) if src_native else read_adabmdca(source, alphabet=alphabet)
    if dst_native:
        save_model(model, target)
    else:
        write_adabmdca(model, target)
    console.print(f"wrote {target} ({'seqebm' if dst_native else 'adabmDCA'} format): {model!r}", highlight=False)


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


@app.command()
def fit(
    ctx: typer.Context,
    file: Path = typer.Argument(..., help="Training data: MSA, genotype matrix, spin matrix or images."),
    model: Optional[str] = typer.Option(None, "--model", help="potts or rbm (default: potts for MSAs, rbm for wide binary data)."),
    hidden: int = typer.Option(100, "--hidden", help="RBM hidden units."),
    regime: str = typer.Option("rdm", "--regime", help="rdm (out of equilibrium, fast generator), cd, pcd, or eq (equilibrium)."),
    k: int = typer.Option(10, "--k", help="Gibbs steps per update (eq: the starting value)."),
    chains: Optional[int] = typer.Option(None, "--chains", help="Number of chains (default: enough for the Pearson target)."),
    init: str = typer.Option("random", "--init", help="Chain initialisation p0: random, data or profile."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (default 0.02 for adam, 0.05 for sgd)."),
    optimizer: str = typer.Option("adam", "--optimizer", help="adam or sgd."),
    updates: int = typer.Option(2000, "--updates", help="Maximum number of updates."),
    max_seconds: Optional[float] = typer.Option(None, "--max-seconds", help="Stop after this wall time."),
    target: Optional[float] = typer.Option(0.95, "--target", help="Stop at this Pearson of connected correlations (0 disables)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Minibatch size (default: full batch)."),
    l1: float = typer.Option(0.0, "--l1"),
    l2: Optional[float] = typer.Option(None, "--l2", help="L2 penalty on couplings/weights (default: 5e-4 on Potts couplings with persistent chains, pcd/eq; else 0)."),
    pseudocount: Optional[float] = typer.Option(None, "--pseudocount", help="Default 1/M_eff for Potts, 0 for RBMs."),
    beta: float = typer.Option(1.0, "--beta", help="Inverse temperature of the chains."),
    theta: float = typer.Option(0.8, "--theta", help="Reweighting identity threshold (1 disables reweighting)."),
    alphabet: Optional[str] = typer.Option(None, "--alphabet", help="protein, rna, dna, binary or a symbol string."),
    format: Optional[str] = typer.Option(None, "--format", help="Override input format detection."),
    checkpoint_every: int = typer.Option(50, "--checkpoint-every"),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    out: Path = typer.Option(Path("seqebm_run"), "--out", help="Output folder."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out from its checkpoint."),
    distributed: bool = typer.Option(False, "--distributed", help="Data-parallel over the processes torchrun starts (NCCL on GPUs, gloo on CPUs)."),
    chain_blocks: Optional[int] = typer.Option(None, "--chain-blocks", help="Chain blocks with their own random streams (default: one per process); one process with N blocks reproduces an N-process run."),
) -> None:
    """Train a Potts model or RBM; writes model.npz, checkpoint.npz, log.csv and training_curve.png into --out."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    from seqebm.io import load_dataset
    from seqebm.training import Trainer, TrainingInterrupted, default_model

    comm = rank_device = None
    out_console = console
    if distributed:
        from seqebm.training.parallel import init_distributed

        comm, rank_device = init_distributed(device)
        if not comm.is_writer:
            out_console = Console(quiet=True)
    data = load_dataset(file, format=format, alphabet=alphabet)
    options = dict(
        model=model or default_model(data), hidden=hidden, regime=regime, k=k, n_chains=chains, init=init, lr=lr,
        optimizer=optimizer, max_updates=updates, max_seconds=max_seconds, target_pearson=target or None,
        batch_size=batch_size, l1=l1, l2=l2, pseudocount=pseudocount, beta=beta, theta=theta, reweight=theta < 1,
        checkpoint_every=checkpoint_every, seed=seed, device=device, chain_blocks=chain_blocks,
    )
    if resume:
        _options_from_checkpoint(ctx, options, out)
    where = f", {comm.world_size} processes" if comm else ""
    out_console.print(f"data: {file} ({data.kind}, N={data.n_sequences}, L={data.length}, q={data.q}{where})", highlight=False)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
        TimeElapsedColumn(), TimeRemainingColumn(), console=out_console, transient=False, disable=out_console.quiet,
    )
    task = progress.add_task(f"{options['model']} {options['regime']}-{options['k']}", total=updates, status="")

    def on_update(row: dict) -> None:
        mix = "" if row["mixing_time"] is None else f" mix {row['mixing_time']}"
        progress.update(task, completed=row["update"], status=f"r={row['pearson']:.3f} sweeps {row['sweeps']}{mix}")

    def warn(message: str) -> None:
        if out_console is console:
            err_console.print(f"[yellow]warning:[/] {message}", soft_wrap=True)

    if rank_device is not None:
        options["device"] = str(rank_device)
    trainer = Trainer(out_dir=out, callback=on_update, warn=warn, comm=comm, **options)
    try:
        with progress:
            result = trainer.fit(data, resume=resume)
    except TrainingInterrupted as exc:
        if out_console is console:
            err_console.print(f"{exc}; continue with: seqebm fit {file} --out {out} --resume", soft_wrap=True, highlight=False)
        raise typer.Exit(130)
    finally:
        if distributed:
            import torch.distributed as dist

            if dist.is_initialized():
                dist.destroy_process_group()
    ceiling = "" if result.pearson_ceiling is None else f" (ceiling for {result.model.metadata['training']['n_chains']} chains {result.pearson_ceiling:.3f})"
    out_console.print(
        f"stopped ({result.stopped_because}) after {len(result.log)} updates: Pearson {result.pearson:.3f}{ceiling}", highlight=False
    )
    for name, path in result.files.items():
        out_console.print(f"  {name}: {path}", highlight=False)


# CLI parameter -> training option recorded in the model file; on --resume, options left at their default come from it
RESUMED_OPTIONS = {"model": "model", "hidden": "hidden", "regime": "regime", "k": "k", "chains": "n_chains", "init": "init",
                   "lr": "lr", "optimizer": "optimizer", "batch_size": "batch_size", "l1": "l1", "l2": "l2",
                   "pseudocount": "pseudocount", "beta": "beta", "theta": "theta", "seed": "seed",
                   "target": "target_pearson", "checkpoint_every": "checkpoint_every"}


def _options_from_checkpoint(ctx: typer.Context, options: dict, out: Path) -> None:
    """``seqebm fit FILE --out DIR --resume`` continues with the options the run was started with, unless given."""
    from seqebm.models.files import read_metadata

    def defaulted(param: str) -> bool:  # by name: typer may carry its own copy of click's ParameterSource
        return getattr(ctx.get_parameter_source(param), "name", "DEFAULT") in ("DEFAULT", "DEFAULT_MAP")

    checkpoint = out / "checkpoint.npz"
    if not checkpoint.exists():
        return  # the trainer reports the missing checkpoint
    saved = read_metadata(checkpoint).get("training", {})
    for param, key in RESUMED_OPTIONS.items():
        if key in saved and defaulted(param):
            options[key] = saved[key]
    if "theta" in saved and defaulted("theta"):
        options["reweight"] = saved.get("reweight", saved["theta"] < 1)


@app.command()
def sample(
    model_file: Path = typer.Argument(..., help="Model file written by seqebm fit."),
    k: Optional[int] = typer.Option(None, "--k", help="Gibbs steps (default: the dynamics the model was trained with)."),
    n: int = typer.Option(1000, "--n", help="Number of samples."),
    init: Optional[str] = typer.Option(None, "--init", help="random, data or profile (default: the training p0)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data file for --init data/profile."),
    beta: Optional[float] = typer.Option(None, "--beta", help="Inverse temperature (default: the training one)."),
    times: Optional[str] = typer.Option(None, "--times", help="Comma-separated times: write a snapshot at each."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("auto", "--device"),
    out: Path = typer.Option(Path("samples.fasta"), "--out", help="Output file (.fasta, .hapt, .csv or .npy)."),
) -> None:
    """Generate samples, by default with the dynamics the model was trained with."""
    from seqebm.sampling.generate import generate

    written = generate(model_file, k=k, n=n, init=init, data=data, beta=beta, times=times, seed=seed, device=device,
                       out=out, warn=lambda m: err_console.print(f"[yellow]warning:[/] {m}", soft_wrap=True))
    for path in written:
        console.print(f"wrote {path}", highlight=False)


@app.command()
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
    from seqebm.analysis import analyze as run_analysis
    from seqebm.io import load_dataset
    from seqebm.models.files import load_model

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
        summary = run_analysis(ds, smp, out, model=mdl, distances=distances, label_column=label_column)
    table = Table(title="summary", show_header=False)
    for key, value in summary.items():
        table.add_row(key, str(value))
    console.print(table)
    console.print(f"report: {out / 'report.md'}", highlight=False)


bench_app = typer.Typer(help="Reproduce the literature's claims on MCMC regimes (quick on CPU, full on a GPU).", no_args_is_help=True)
app.add_typer(bench_app, name="bench")


def _run_bench(name: str, quick: bool, out: Path, device: str, seed: int) -> None:
    import importlib

    from seqebm.device import resolve_device

    bench = importlib.import_module(f"seqebm.benchmarks.{name}")
    bench.run(out, quick=quick, device=str(resolve_device(device)), seed=seed, log=lambda m: console.print(m, highlight=False))
    console.print((out / "summary.md").read_text(), highlight=False)


QUICK = typer.Option(False, "--quick", help="Small run for this kind of CPU (minutes); the full run is meant for a GPU.")
DEVICE = typer.Option("auto", "--device", help="auto, cpu or cuda.")
SEED = typer.Option(0, "--seed")


@bench_app.command("ising")
def bench_ising(quick: bool = QUICK, out: Path = typer.Option(Path("bench_ising"), "--out"), device: str = DEVICE, seed: int = SEED) -> None:
    """Boltzmann machines trained rdm-k / pcd / eq on Ising data with known couplings."""
    _run_bench("ising", quick, out, device, seed)


@bench_app.command("images")
def bench_images(quick: bool = QUICK, out: Path = typer.Option(Path("bench_images"), "--out"), device: str = DEVICE, seed: int = SEED) -> None:
    """RBMs on binarised MNIST (rdm-10, rdm-100, pcd-100): sample quality against sampling time."""
    _run_bench("images", quick, out, device, seed)


@bench_app.command("multimodal")
def bench_multimodal(quick: bool = QUICK, out: Path = typer.Option(Path("bench_multimodal"), "--out"), device: str = DEVICE,
                     seed: int = SEED) -> None:
    """rdm-10 generators vs long-run pcd models on haplotypes, Kunitz and the SAM riboswitch: PCA and labels."""
    _run_bench("multimodal", quick, out, device, seed)


def run() -> None:
    """Console-script entry point: seqebm errors (and unexpected ones) become one line and exit code 1."""
    try:
        app()
    except SeqebmError as exc:
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
    except Exception as exc:  # never a traceback for the user; SEQEBM_DEBUG=1 shows it
        import os

        if os.environ.get("SEQEBM_DEBUG"):
            raise
        err_console.print(f"[bold red]error:[/] {type(exc).__name__}: {' '.join(str(exc).split())}", highlight=False, soft_wrap=True)
        sys.exit(1)
