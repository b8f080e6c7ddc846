"""``seqebm bench``: reproductions of the literature's claims on MCMC regimes (quick on CPU, full on a GPU)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from seqebm.benchmarks import images, ising, multimodal
from seqebm.cli.console import console
from seqebm.device import resolve_device

bench_app = typer.Typer(help="Reproduce the literature's claims on MCMC regimes (quick on CPU, full on a GPU).",
                        no_args_is_help=True)

QUICK = typer.Option(False, "--quick", help="Small run for this kind of CPU (minutes); the full run is meant for a GPU.")
DEVICE = typer.Option("auto", "--device", help="auto, cpu or cuda.")
SEED = typer.Option(0, "--seed")
DATA_DIR = typer.Option(None, "--data-dir", help="Folder laid out like the repository's data/ (default: the data installed "
                        "with seqebm, $SEQEBM_DATA_DIR, or the source checkout's data/).")


def _run(bench, quick: bool, out: Path, device: str, seed: int, data_dir: Optional[Path]) -> None:
    bench.run(out, quick=quick, device=str(resolve_device(device)), seed=seed, log=lambda m: console.print(m, highlight=False),
              data_dir=data_dir)
    console.print((out / "summary.md").read_text(), highlight=False)


@bench_app.command("ising")
def bench_ising(quick: bool = QUICK, out: Path = typer.Option(Path("bench_ising"), "--out"), device: str = DEVICE,
                seed: int = SEED, data_dir: Optional[Path] = DATA_DIR) -> None:
    """Boltzmann machines trained rdm-k / pcd / eq on Ising data with known couplings."""
    _run(ising, quick, out, device, seed, data_dir)


@bench_app.command("images")
def bench_images(quick: bool = QUICK, out: Path = typer.Option(Path("bench_images"), "--out"), device: str = DEVICE,
                 seed: int = SEED, data_dir: Optional[Path] = DATA_DIR) -> None:
    """RBMs on binarised MNIST (rdm-10, rdm-100, pcd-100): sample quality against sampling time."""
    _run(images, quick, out, device, seed, data_dir)


@bench_app.command("multimodal")
def bench_multimodal(quick: bool = QUICK, out: Path = typer.Option(Path("bench_multimodal"), "--out"), device: str = DEVICE,
                     seed: int = SEED, data_dir: Optional[Path] = DATA_DIR) -> None:
    """rdm-10 generators vs long-run pcd models on haplotypes, Kunitz and the SAM riboswitch: PCA and labels."""
    _run(multimodal, quick, out, device, seed, data_dir)
