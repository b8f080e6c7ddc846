"""Build hook: wheels carry the datasets the `seqebm bench` reproductions need as package data (seqebm/_data), so
`seqebm bench` works after a regular `pip install .`. The data live once, in data/ (see seqebm/io/bundled.py)."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# keep in step with seqebm.io.bundled.BENCH_FOLDERS (not imported: the build must not need seqebm's dependencies)
BENCH_FOLDERS = ("ising2d_L8_beta0.4406", "mnist_test_idx", "genotypes_1000G_805SNP", "protein_kunitz_taxonomy_labels",
                 "rna_RF00162_SAM_riboswitch")


class BuildWithBenchData(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib) / "seqebm" / "_data"
        for folder in BENCH_FOLDERS:
            source = ROOT / "data" / folder
            if source.is_dir():
                shutil.copytree(source, target / folder, dirs_exist_ok=True)
        if (ROOT / "data" / "SOURCE.md").exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / "data" / "SOURCE.md", target / "SOURCE.md")


setup(cmdclass={"build_py": BuildWithBenchData})
