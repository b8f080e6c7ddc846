"""Generation from a trained model file with the dynamics it was trained with, and writing the samples."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from seqebm.device import make_generator, resolve_device
from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.files import load_model
from seqebm.sampling import INITS, init_chains, sample_trajectory


def resolve_sampling(model: EnergyModel, k: int | None, init: str | None, beta: float | None, warn: Callable[[str], None]) -> tuple[int, str, float]:
    """Defaults from the model's training record; warn when an out-of-equilibrium model is run another way."""
    defaults = model.metadata.get("sampling") or {"k": 1000, "init": "random", "beta": 1.0, "equilibrium": False}
    training = model.metadata.get("training", {})
    k_used = defaults["k"] if k is None else int(k)
    init_used = defaults["init"] if init is None else init
    beta_used = defaults.get("beta", 1.0) if beta is None else float(beta)
    if init_used not in INITS:
        raise ConfigError(f"unknown init {init_used!r}: use one of {', '.join(INITS)}")
    if k_used < 0:
        raise ConfigError("k must be >= 0")
    if training.get("regime") == "rdm" and (k_used != defaults["k"] or init_used != defaults["init"] or beta_used != defaults.get("beta", 1.0)):
        warn(
            f"this model was trained out of equilibrium (rdm-{defaults['k']} from {defaults['init']}); sampling it with "
            f"k={k_used}, init={init_used}, beta={beta_used} departs from its training dynamics and quality degrades"
        )
    if training.get("regime") == "eq" and not defaults.get("equilibrium", True):
        state = model.metadata.get("training_state", {})
        warn(
            f"in training, chains from random did not reach the energy of the persistent chains within "
            f"{state.get('random_start_t_max', defaults['k'])} sweeps: samples from random may not be equilibrium samples"
        )
    if not training:
        warn("the model file records no training dynamics; using k=1000 from random")
    return k_used, init_used, beta_used


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
) -> list[Path]:
    """Sample ``n`` sequences and write them (one file per time with ``times``). Returns the written paths."""
    dev = resolve_device(device)
    model = load_model(model_file, device=dev)
    k_used, init_used, beta_used = resolve_sampling(model, k, init, beta, warn)
    if n < 1:
        raise ConfigError("n must be >= 1")
    data_states = data_weights = None
    if init_used in ("data", "profile"):
        if data is None:
            raise ConfigError(f"--init {init_used} needs --data FILE")
        from seqebm.io import load_dataset

        ds = load_dataset(data)
        if ds.length != model.length or ds.q != model.q:
            raise ConfigError(f"data are L={ds.length}, q={ds.q}; the model is L={model.length}, q={model.q}")
        data_states, data_weights = ds.tensor(dev), ds.weights_tensor(dev)
    if times is None:
        wanted = [k_used]
    elif isinstance(times, str):
        try:
            wanted = [int(t) for t in times.split(",") if t.strip()]
        except ValueError:
            raise ConfigError(f"--times must be comma-separated integers, got {times!r}") from None
    else:
        wanted = [int(t) for t in times]
    gen = make_generator(seed, dev)
    start = init_chains(n, model.length, model.q, init_used, data_states, data_weights, None, gen, dev)
    snaps = sample_trajectory(model, start, wanted, beta=beta_used, generator=gen, order=model.metadata.get("training", {}).get("order", "sequential"))
    out = Path(out)
    written = []
    for t, states in snaps.items():
        path = out if times is None else out.with_name(f"{out.stem}_t{t}{out.suffix}")
        written.extend(write_samples(model, states.cpu().numpy(), path))
    return written


def write_samples(model: EnergyModel, states: np.ndarray, path: Path) -> list[Path]:
    """Write samples in the form of the training data: FASTA for alignments, .hapt/CSV for genotypes,
    .npy (+ PNG grid) for images, +/-1 .npy for spins. The file suffix can override (.fasta/.hapt/.csv/.npy)."""
    from seqebm.io.writers import write_fasta, write_hapt, write_npy

    kind = model.metadata.get("data", {}).get("kind", "msa")
    suffix = path.suffix.lower()
    if suffix in (".fasta", ".fa", ".a2m", ".afa"):
        return [write_fasta(path, states, model.alphabet)]
    if suffix == ".hapt":
        return [write_hapt(path, states)]
    if suffix in (".csv", ".tsv"):
        import pandas as pd

        from seqebm.io._files import atomic_write

        frame = pd.DataFrame(states, index=[f"sample_{i}" for i in range(len(states))])
        with atomic_write(path) as fh:
            frame.to_csv(fh, sep="," if suffix == ".csv" else "\t", index_label="name")
        return [path]
    if suffix == ".npy" or kind in ("images", "spins"):
        path = path.with_suffix(".npy")
        array = 2 * states.astype(np.int8) - 1 if kind == "spins" else states.astype(np.uint8)
        out = [write_npy(path, array)]
        shape = model.metadata.get("data", {}).get("image_shape")
        if kind == "images" and shape:
            out.append(image_grid(states, tuple(shape), path.with_suffix(".png")))
        return out
    if kind == "genotypes":
        return [write_hapt(path.with_suffix(".hapt"), states)]
    return [write_fasta(path, states, model.alphabet)]


def image_grid(states: np.ndarray, shape: tuple[int, int], path: Path, n: int = 64) -> Path:
    """PNG grid of up to ``n`` binary images."""
    from seqebm.analysis.figures import pyplot, save_figure

    plt = pyplot()
    n = min(n, len(states))
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.8, rows * 0.8))
    for ax, img in zip(np.atleast_1d(axes).ravel(), list(states[:n]) + [None] * (rows * cols - n)):
        ax.axis("off")
        if img is not None:
            ax.imshow(img.reshape(shape), cmap="gray_r", vmin=0, vmax=1)
    fig.tight_layout(pad=0.1)
    return save_figure(fig, path, dpi=80)
