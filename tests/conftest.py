import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PF00014 = DATA / "protein_PF00014_kunitz" / "PF00014_mgap6.fasta.gz"
PF00072 = DATA / "protein_PF00072_response_regulator" / "PF00072_train0.6.fasta.gz"
HAPT = DATA / "genotypes_1000G_805SNP" / "805_SNP_1000G_real.hapt.gz"
HAPT_LABELS = DATA / "genotypes_1000G_805SNP" / "805_SNP_1000G_real_labels.tsv"
MNIST = DATA / "mnist_test_idx" / "t10k-images-idx3-ubyte.gz"
MNIST_LABELS = DATA / "mnist_test_idx" / "t10k-labels-idx1-ubyte.gz"
ISING = DATA / "ising2d_L8_beta0.4406" / "confs_L8_beta0.4406_ini0_algo2.dat.gz"


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
