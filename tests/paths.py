"""Paths of the bundled data the tests read (tests import these from here, never from conftest)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
PF00014 = DATA / "protein_PF00014_kunitz" / "PF00014_mgap6.fasta.gz"
PF00072 = DATA / "protein_PF00072_response_regulator" / "PF00072_train0.6.fasta.gz"
HAPT = DATA / "genotypes_1000G_805SNP" / "805_SNP_1000G_real.hapt.gz"
HAPT_LABELS = DATA / "genotypes_1000G_805SNP" / "805_SNP_1000G_real_labels.tsv"
MNIST = DATA / "mnist_test_idx" / "t10k-images-idx3-ubyte.gz"
MNIST_LABELS = DATA / "mnist_test_idx" / "t10k-labels-idx1-ubyte.gz"
ISING = DATA / "ising2d_L8_beta0.4406" / "confs_L8_beta0.4406_ini0_algo2.dat.gz"
