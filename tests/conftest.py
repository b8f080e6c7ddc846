import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.paths import PF00014


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture
def write(tmp_path):
    """write(name, text_or_bytes) -> path of a file in a fresh temp folder (gzip if name ends with .gz)."""

    def _write(name: str, content) -> Path:
        path = tmp_path / name
        data = content.encode() if isinstance(content, str) else content
        if name.endswith(".gz"):
            data = gzip.compress(data)
        path.write_bytes(data)
        return path

    return _write


@pytest.fixture(scope="session")
def tiny_msa(tmp_path_factory):
    """The first 300 sequences of PF00014 as a plain FASTA file (fast CLI trainings)."""
    lines = gzip.open(PF00014, "rt").read().splitlines()[:600]
    path = tmp_path_factory.mktemp("msa") / "tiny.fasta"
    path.write_text("\n".join(lines) + "\n")
    return path
