"""``seqebm sample``: generate sequences from a model file, by default with the dynamics it was trained with, and
write them in the form of its training data."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional

import typer

from seqebm.cli.console import console, warn
from seqebm.device import resolve_device
from seqebm.errors import ConfigError
from seqebm.io.load import load_dataset
from seqebm.io.writers import write_samples
from seqebm.models.files import load_model
from seqebm.models.record import RunRecord
from seqebm.sampling.run import sample_snapshots


def sample(
    model_file: Path = typer.Argument(..., help="Model file written by seqebm fit."),
    k: Optional[int] = typer.Option(None, "--k", help="Gibbs steps (default: the dynamics the model was trained with)."),
    n: int = typer.Option(1000, "--n", help="Number of samples."),
    init: Optional[str] = typer.Option(None, "--init", help="random, data or profile (default: the training p0)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data file for --init data/profile."),
    beta: Optional[float] = typer.Option(None, "--beta", help="Inverse temperature (default: the training one)."),
    times: Optional[str] = typer.Option(None, "--times", help="Comma-separated times: write a snapshot at each."),
    sampler: Optional[str] = typer.Option(None, "--sampler", help="gibbs, pt or ptt (default: the one the model was "
                                          "trained with; ptt uses the ladder saved in the model file)."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("auto", "--device"),
    out: Path = typer.Option(Path("samples.fasta"), "--out", help="Output file (.fasta, .hapt, .csv or .npy)."),
) -> None:
    """Generate samples, by default with the dynamics the model was trained with."""
    for path in generate(model_file, k=k, n=n, init=init, data=data, beta=beta, times=times, seed=seed, device=device,
                         out=out, warn=warn, sampler=sampler):
        console.print(f"wrote {path}", highlight=False)


def generate(
    model_file: str | Path,
    k: int | None = None,
    n: int = 1000,
    init: str | None = None,
    data: str | Path | None = None,
    beta: float | None = None,
    times: str | list[int] | None = None,
    seed: int = 0,
    device: str = "auto",
    out: str | Path = "samples.fasta",
    warn: Callable[[str], None] = print,
    sampler: str | None = None,
) -> list[Path]:
    """Sample ``n`` sequences and write them (one file per time with ``times``). Returns the written paths."""
    dev = resolve_device(device)
    model = load_model(model_file, device=dev)
    data_states = data_weights = None
    if data is not None:
        ds = load_dataset(data)
        if ds.length != model.length or ds.q != model.q:
            raise ConfigError(f"data are L={ds.length}, q={ds.q}; the model is L={model.length}, q={model.q}")
        data_states, data_weights = ds.tensor(dev), ds.weights_tensor(dev)
    snaps = sample_snapshots(model, n, None if times is None else _parse_times(times), k, init, beta, seed, data_states,
                             data_weights, sampler=sampler, warn=warn)
    record = RunRecord.from_metadata(model.metadata)
    shape = record.data.image_shape if record.data else None
    out = Path(out)
    written = []
    for t, states in snaps.items():
        path = out if times is None else out.with_name(f"{out.stem}_t{t}{out.suffix}")
        written.extend(write_samples(path, states.cpu().numpy(), model.alphabet, record.data_kind, shape))
    return written


def _parse_times(times: str | list[int]) -> list[int]:
    if not isinstance(times, str):
        return [int(t) for t in times]
    try:
        return [int(t) for t in times.split(",") if t.strip()]
    except ValueError:
        raise ConfigError(f"--times must be comma-separated integers, got {times!r}") from None
