"""Shared pieces of the `seqebm bench` reproductions: figure saving and markdown summaries."""
from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import torch

from seqebm.errors import DynamicsWarning
from seqebm.fileio import atomic_write
from seqebm.models.base import EnergyModel
from seqebm.sampling.run import sample


def write_summary(path: Path, title: str, command: str, table: pd.DataFrame, claims: list[tuple[str, bool, str]],
                  figures: list[str]) -> Path:
    """summary.md: the command, the results table, each claim with REPRODUCED / NOT reproduced and its numbers."""
    lines = [f"# {title}", "", f"Made by: `{command}`", "", "## Claims", ""]
    for text, ok, numbers in claims:
        lines.append(f"- **{'REPRODUCED' if ok else 'NOT reproduced'}**: {text} ({numbers})")
    lines += ["", "## Results", "", table.to_string(), ""]
    lines += [f"![{Path(f).stem}]({Path(f).name})" for f in figures]
    with atomic_write(path) as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def sample_on_purpose(model: EnergyModel, n: int, k: int, **options) -> torch.Tensor:
    """:func:`seqebm.sample` without the DynamicsWarning: the benches sample models with other dynamics than their
    training's on purpose (that is what they measure)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DynamicsWarning)
        return sample(model, n, k, **options)
