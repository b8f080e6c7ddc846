"""The small public datasets seqebm ships (each with its SOURCE.md: origin, licence, format), found wherever the
installation keeps them: a folder given by the caller, ``$SEQEBM_DATA_DIR``, the copy installed with the package
(``seqebm/_data``, in wheels), or the ``data/`` folder of a source checkout. Every such folder is laid out like the
repository's ``data/``."""
from __future__ import annotations

import os
from pathlib import Path

from seqebm.errors import ConfigError

ENV_DATA_DIR = "SEQEBM_DATA_DIR"
# name -> path inside a data folder
BUNDLED = {
    "ising2d": "ising2d_L8_beta0.4406/confs_L8_beta0.4406_ini0_algo2.dat.gz",
    "mnist": "mnist_test_idx/t10k-images-idx3-ubyte.gz",
    "mnist_labels": "mnist_test_idx/t10k-labels-idx1-ubyte.gz",
    "snp805": "genotypes_1000G_805SNP/805_SNP_1000G_real.hapt.gz",
    "snp805_labels": "genotypes_1000G_805SNP/805_SNP_1000G_real_labels.tsv",
    "kunitz": "protein_kunitz_taxonomy_labels/Kunitz_domain_MSA.fasta.gz",
    "kunitz_labels": "protein_kunitz_taxonomy_labels/Kunitz_domain_taxonomy_labels.tsv.gz",
    "sam": "rna_RF00162_SAM_riboswitch/SAM.csv.gz",
    "pf00014": "protein_PF00014_kunitz/PF00014_mgap6.fasta.gz",
    "pf00014_distances": "protein_PF00014_kunitz/PF00014_struct.dat.gz",
    "pf00072": "protein_PF00072_response_regulator/PF00072_train0.6.fasta.gz",
    "pf00072_test": "protein_PF00072_response_regulator/PF00072_test0.4.fasta.gz",
    "pf00072_distances": "protein_PF00072_response_regulator/PF00072_struct.dat.gz",
}
# the folders the `seqebm bench` reproductions read: installed with the package (see setup.py)
BENCH_FOLDERS = ("ising2d_L8_beta0.4406", "mnist_test_idx", "genotypes_1000G_805SNP", "protein_kunitz_taxonomy_labels",
                 "rna_RF00162_SAM_riboswitch")
_PACKAGED = Path(__file__).resolve().parents[1] / "_data"
_CHECKOUT = Path(__file__).resolve().parents[2] / "data"


def data_folders(data_dir: str | Path | None = None) -> list[Path]:
    """Where bundled data are looked for, in order."""
    if data_dir is not None:
        return [Path(data_dir)]
    env = os.environ.get(ENV_DATA_DIR)
    return ([Path(env)] if env else []) + [_PACKAGED, _CHECKOUT]


def bundled_path(name: str, data_dir: str | Path | None = None) -> Path:
    """The file of bundled dataset ``name`` (see ``BUNDLED``); a clear error naming the folders tried."""
    if name not in BUNDLED:
        raise ConfigError(f"unknown bundled dataset {name!r}: use one of {', '.join(BUNDLED)}")
    folders = data_folders(data_dir)
    for folder in folders:
        path = folder / BUNDLED[name]
        if path.is_file():
            return path
    tried = ", ".join(str(f) for f in folders)
    raise ConfigError(f"bundled dataset {name!r} ({BUNDLED[name]}) not found in {tried}: pass --data-dir with a folder laid "
                      f"out like the repository's data/ (or set {ENV_DATA_DIR})")
