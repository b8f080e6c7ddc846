"""What a run leaves on disk: ``checkpoint.npz`` (model, chains, random states, optimiser state and log, in one
atomic file), ``log.csv`` and ``model.npz``; reading them back for a resume."""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seqebm.errors import ConfigError
from seqebm.fileio import atomic_write
from seqebm.models.base import EnergyModel
from seqebm.models.files import load_model, read_metadata, save_model
from seqebm.models.record import RunRecord
from seqebm.training.diagnostics import LOG_Z_ERROR, SAMPLER_COLUMNS

# the first seven are the columns of 0.1 logs; the sampler's (rungs, swap rate, log-likelihood ...) follow; then, in
# the order they were added (checkpoints store rows by position): density, the fraction of couplings a (sparse) Potts
# model keeps; lr, the step's rate; the standard error of an AIS log Z
LOG_COLUMNS = ["update", "seconds", "pearson", "slope", "mixing_time", "sweeps", "log_grad_norm", *SAMPLER_COLUMNS,
               "density", "lr", LOG_Z_ERROR]
CHECKPOINT = "checkpoint.npz"


@dataclass
class Checkpoint:
    """A checkpoint read back: the model (with its run record in the metadata), all chains of all blocks in block
    order with their auxiliary sampler state (chain-major), the sampler's own state (a ladder), the random state of
    every block, the optimiser state and the log rows."""

    model: EnergyModel  # its sampler_state holds the sampler's own state (a ladder)
    chains: torch.Tensor
    chain_steps: int  # sampler steps the chains have run (tempering alternates its swap pairs by it)
    chain_aux: dict[str, torch.Tensor]
    rng_states: np.ndarray  # (blocks, state bytes)
    optimizer_state: dict[str, torch.Tensor]
    rows: list[dict]


def write_checkpoint(path: Path, model: EnergyModel, chains: torch.Tensor, chain_steps: int, chain_aux: dict[str, torch.Tensor],
                     rng_states: torch.Tensor, optimizer_state: dict[str, torch.Tensor], rows: list[dict]) -> None:
    """One atomic file: the log travels inside the checkpoint, so a kill between two writes cannot leave them out of
    step; log.csv is rewritten next to it."""
    extra = {"chains": chains.detach().cpu().numpy(), "chain_steps": np.array([chain_steps]), "rng_state": rng_states[0].cpu().numpy(),
             "rng_states": rng_states.cpu().numpy(), "log": log_to_array(rows), **prefixed("chain_aux", chain_aux),
             **prefixed("opt", optimizer_state)}
    save_model(model, path, extra_arrays=extra)
    write_log(path.parent / "log.csv", rows)


def prefixed(prefix: str, arrays: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Arrays named ``prefix/name`` for a model file's extra arrays."""
    return {f"{prefix}/{k}": v.detach().cpu().numpy() for k, v in arrays.items()}


def unprefixed(prefix: str, arrays: dict[str, np.ndarray], device: torch.device) -> dict[str, torch.Tensor]:
    """The extra arrays named ``prefix/...``, as tensors on ``device``, without the prefix."""
    start = len(prefix) + 1
    return {k[start:]: torch.as_tensor(v, device=device) for k, v in arrays.items() if k.startswith(prefix + "/")}


def read_checkpoint(out_dir: Path, device: torch.device) -> Checkpoint:
    """The checkpoint of the run in ``out_dir``; a clear error when there is none."""
    path = checkpoint_path(out_dir)
    model, extra = load_model(path, device=device, with_extra=True)
    state = RunRecord.from_metadata(model.metadata).state
    update = state.update if state is not None else 0
    rows = log_from_array(extra["log"], update) if "log" in extra else read_log(out_dir / "log.csv", update)
    rng_states = extra.get("rng_states", extra["rng_state"][None])
    steps = int(extra["chain_steps"][0]) if "chain_steps" in extra else 0
    return Checkpoint(model, torch.as_tensor(extra["chains"], device=device).long(), steps, unprefixed("chain_aux", extra, device),
                      rng_states, unprefixed("opt", extra, device), rows)


def checkpoint_path(out_dir: Path | None) -> Path:
    path = None if out_dir is None else Path(out_dir) / CHECKPOINT
    if path is None or not path.exists():
        raise ConfigError(f"nothing to resume: no checkpoint in {out_dir}")
    return path


def checkpoint_record(out_dir: Path) -> RunRecord:
    """The run record of the checkpoint in ``out_dir`` (metadata only, tensors not read)."""
    return RunRecord.from_metadata(read_metadata(checkpoint_path(out_dir)))


def write_log(path: Path, rows: list[dict]) -> Path:
    with atomic_write(path, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=LOG_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def append_log_row(path: Path, row: dict) -> None:
    """One row appended to log.csv with a single write, so ``tail -f`` follows a run update by update and a kill
    leaves whole lines (a resumed run rewrites the file from its checkpoint's rows)."""
    buffer = io.StringIO()
    csv.DictWriter(buffer, fieldnames=LOG_COLUMNS, extrasaction="ignore").writerow(row)
    with open(path, "a", newline="") as fh:
        fh.write(buffer.getvalue())
        fh.flush()


def log_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=LOG_COLUMNS)


def log_to_array(rows: list[dict]) -> np.ndarray:
    """Log rows as a float64 (n, len(LOG_COLUMNS)) array, None as NaN."""
    table = np.full((len(rows), len(LOG_COLUMNS)), np.nan)
    for i, row in enumerate(rows):
        for j, key in enumerate(LOG_COLUMNS):
            if row.get(key) is not None:
                table[i, j] = float(row[key])
    return table


def log_from_array(table: np.ndarray, up_to: int) -> list[dict]:
    """Log rows from a checkpoint's table (whose first columns are LOG_COLUMNS; 0.1 checkpoints have fewer)."""
    table = np.asarray(table, dtype=np.float64)
    table = table.reshape(-1, table.shape[-1] if table.ndim == 2 else len(LOG_COLUMNS))
    rows = []
    for values in table:
        row = dict.fromkeys(LOG_COLUMNS, float("nan"))
        row.update(zip(LOG_COLUMNS, (float(v) for v in values)))
        row["update"], row["sweeps"] = int(row["update"]), int(row["sweeps"])
        row["mixing_time"] = None if math.isnan(row["mixing_time"]) else int(row["mixing_time"])
        if row["update"] <= up_to:
            rows.append(row)
    return rows


def read_log(path: Path, up_to: int) -> list[dict]:
    """log.csv rows up to update ``up_to`` (checkpoints of old versions did not carry the log)."""
    if not path.exists():
        return []
    table = pd.read_csv(path)
    table = table[table["update"] <= up_to]
    rows = table.to_dict("records")
    for row in rows:
        row["update"] = int(row["update"])
        if pd.isna(row.get("mixing_time")):
            row["mixing_time"] = None
    return rows


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files of atomic writes that a killed run left behind (``.<name>.<random>.tmp``)."""
    for path in folder.glob(".*.tmp"):
        try:
            path.unlink()
        except OSError:
            pass
