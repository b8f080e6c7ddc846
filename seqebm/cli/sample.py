"""``seqebm sample``: generate sequences from a model file, by default with the dynamics it was trained with, and
write them in the form of its training data."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

import typer

import torch

from seqebm.analysis.mapping import map_wild_type
from seqebm.analysis.scoring import NO_LOG_Z, energy_name, score_sequences
from seqebm.cli.console import console, warn
from seqebm.cli.options import FIRST_INDEX
from seqebm.device import resolve_device
from seqebm.errors import ConfigError
from seqebm.io.load import load_dataset
from seqebm.io.writers import write_samples
from seqebm.models.files import load_model
from seqebm.models.record import RunRecord
from seqebm.rng import RandomStream
from seqebm.sampling.design import encode_reference, parse_fixed, within_radius
from seqebm.sampling.run import sample_snapshots


def sample(
    model_file: Optional[Path] = typer.Argument(None, help="Model file written by seqebm fit (default: the model of the "
                                                "latest fit in the current folder, */model.npz)."),
    k: Optional[int] = typer.Option(None, "--k", help="Gibbs steps (default: the dynamics the model was trained with)."),
    n: int = typer.Option(1000, "--n", help="Number of samples."),
    init: Optional[str] = typer.Option(None, "--init", help="random, data or profile (default: the training p0)."),
    data: Optional[Path] = typer.Option(None, "--data", help="Data file for --init data/profile."),
    beta: Optional[float] = typer.Option(None, "--beta", help="Inverse temperature (default: the training one)."),
    times: Optional[str] = typer.Option(None, "--times", help="Comma-separated times: write a snapshot at each."),
    sampler: Optional[str] = typer.Option(None, "--sampler", help="gibbs, pt or ptt (default: the one the model was "
                                          "trained with; ptt uses the ladder saved in the model file, or settles one "
                                          "from the model's own one-site frequencies)."),
    fix: Optional[str] = typer.Option(None, "--fix", help="Clamp positions: 24=H,30=G (alignment columns, 1-based; "
                                      "protein positions with --wt), or a partial sequence of the model's length with ? "
                                      "at free positions. The rest is sampled conditionally."),
    wt: Optional[str] = typer.Option(None, "--wt", help="Wild type (sequence or FASTA): --fix positions in its numbering, "
                                     "and the default --reference."),
    first_index: Optional[int] = FIRST_INDEX,
    max_distance: Optional[int] = typer.Option(None, "--max-distance", help="Keep only samples within this Hamming "
                                               "distance of --reference (rejection; the acceptance is reported)."),
    reference: Optional[str] = typer.Option(None, "--reference", help="Aligned reference sequence for --max-distance "
                                            "(default: the wild type written in the model's columns)."),
    seed: int = typer.Option(0, "--seed"),
    device: str = typer.Option("auto", "--device"),
    out: Path = typer.Option(Path("samples.fasta"), "--out", help="Output file (.fasta, .hapt, .csv or .npy); FASTA "
                             "headers carry each sample's energy."),
) -> None:
    """Generate samples, by default with the dynamics the model was trained with; optionally at low temperature
    (--beta > 1), with clamped positions (--fix) and within a radius of a reference (--max-distance)."""
    if model_file is None:
        model_file = latest_model(Path.cwd())
        console.print(f"using {model_file} (the latest fit here)", highlight=False)
    design = Design(fix, wt, first_index, max_distance, reference)
    for path in generate(model_file, k=k, n=n, init=init, data=data, beta=beta, times=times, seed=seed, device=device,
                         out=out, warn=warn, sampler=sampler, design=design, report=lambda m: console.print(m, highlight=False)):
        console.print(f"wrote {path}", highlight=False)


def latest_model(folder: Path) -> Path:
    """The newest ``model.npz`` in a sub-folder of ``folder`` (where ``seqebm fit`` writes its output)."""
    found = [p for p in folder.glob("*/model.npz") if p.is_file()]
    if not found:
        raise ConfigError(f"no model file given and no */model.npz under {folder}: run seqebm fit first, or pass MODEL_FILE")
    return max(found, key=lambda p: p.stat().st_mtime).relative_to(folder)


def _once(warn: Callable[[str], None]) -> Callable[[str], None]:
    """``warn`` that says each message once (rounds of sampling would repeat it)."""
    said: set[str] = set()

    def once(message: str) -> None:
        if message not in said:
            said.add(message)
            warn(message)
    return once


@dataclass
class Design:
    """Design constraints of ``seqebm sample`` (see :mod:`seqebm.sampling.design`)."""

    fix: str | None = None
    wt: str | None = None
    first_index: int | None = None
    max_distance: int | None = None
    reference: str | None = None

    def resolve(self, model) -> tuple[dict[int, int] | None, torch.Tensor | None]:
        """(clamped {column: state}, reference states for the radius) for ``model``."""
        mapping = None if self.wt is None else map_wild_type(model, self.wt, self.first_index)[1]
        fixed = None if self.fix is None else parse_fixed(self.fix, model.alphabet, model.length,
                                                          mapping.column_of if mapping is not None else None)
        ref = None
        if self.max_distance is not None:
            if self.reference is not None:
                ref = encode_reference(self.reference, model.alphabet, model.length)
            elif mapping is not None:
                ref = torch.as_tensor(mapping.model_states)
            else:
                raise ConfigError("--max-distance needs --reference or --wt")
        return fixed, ref


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
    design: Design | None = None,
    report: Callable[[str], None] = print,
) -> list[Path]:
    """Sample ``n`` sequences and write them (one file per time with ``times``), each named with its energy (free
    energy for an RBM; at beta = 1, whatever the sampling beta). Returns the written paths."""
    dev = resolve_device(device)
    model = load_model(model_file, device=dev)
    warn = _once(warn)
    data_states = data_weights = None
    if data is not None:
        ds = load_dataset(data)
        if ds.length != model.length or ds.q != model.q:
            raise ConfigError(f"data are L={ds.length}, q={ds.q}; the model is L={model.length}, q={model.q}")
        data_states, data_weights = ds.tensor(dev), ds.weights_tensor(dev)
    fixed, ref = (design or Design()).resolve(model)
    stream = RandomStream.of(None, model.device, seed)

    def draw(count: int, snapshot_times=None):
        return sample_snapshots(model, count, snapshot_times, k, init, beta, None, data_states, data_weights,
                                generator=stream, sampler=sampler, warn=warn, fixed=fixed)

    if fixed:
        report(f"{len(fixed)} position(s) clamped; the other {model.length - len(fixed)} sampled conditionally")
    if ref is not None:
        if times is not None:
            raise ConfigError("--max-distance keeps whole samples: use it without --times")
        states, radius = within_radius(lambda count: next(iter(draw(count).values())), n, ref, design.max_distance)
        report(f"kept {radius.kept} of {radius.drawn} samples within distance {design.max_distance} of the reference "
               f"(acceptance {radius.acceptance:.3g}, {radius.rounds} round(s))")
        if radius.kept < n:
            warn(f"only {radius.kept} of the {n} samples asked for lie within the radius after {radius.rounds} rounds")
        snaps = {None: states}
    else:
        snaps = draw(n, None if times is None else _parse_times(times))
    record = RunRecord.from_metadata(model.metadata)
    shape = record.data.image_shape if record.data else None
    out = Path(out)
    written = []
    label = energy_name(model)
    for t, states in snaps.items():
        path = out if times is None else out.with_name(f"{out.stem}_t{t}{out.suffix}")
        energies = score_sequences(model, states, log_partition=NO_LOG_Z)[label]
        names = [f"sample_{i} {label}={e:.4f}" for i, e in enumerate(energies)]
        written.extend(write_samples(path, states.cpu().numpy(), model.alphabet, record.data_kind, shape, names))
    return written


def _parse_times(times: str | list[int]) -> list[int]:
    if not isinstance(times, str):
        return [int(t) for t in times]
    try:
        return [int(t) for t in times.split(",") if t.strip()]
    except ValueError:
        raise ConfigError(f"--times must be comma-separated integers, got {times!r}") from None
