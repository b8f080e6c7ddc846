"""Time reading + reweighting the 29,716 x 112 PF00072 training alignment; peak memory; parser comparison.

    python benchmarks/bench_io.py [--device auto]

Target (issue 2): under 30 s and under 2 GB on a 2-core CPU.
"""
from __future__ import annotations

import argparse
import gzip
import resource
import tempfile
import time
from pathlib import Path

import torch

from seqebm.io import read_msa

ROOT = Path(__file__).resolve().parents[1]
PF00072 = ROOT / "data" / "protein_PF00072_response_regulator" / "PF00072_train0.6.fasta.gz"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--theta", type=float, default=0.8)
    args = parser.parse_args()
    print(f"torch threads: {torch.get_num_threads()}, baseline peak RSS {peak_rss_mb():.0f} MB")

    t0 = time.perf_counter()
    ds = read_msa(PF00072)
    t_read = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds = ds.reweight(theta=args.theta, device=args.device)
    t_weights = time.perf_counter() - t0
    print(f"PF00072 train: N={ds.n_sequences} L={ds.length} q={ds.q} M_eff={ds.effective_size:.1f}")
    print(f"read {t_read:.2f} s + reweight {t_weights:.2f} s = {t_read + t_weights:.2f} s (target < 30 s)")
    print(f"peak RSS {peak_rss_mb():.0f} MB (target < 2048 MB)")

    # parser comparison on >= 50k sequences (the training alignment written twice, names made unique)
    text = gzip.open(PF00072, "rt").read()
    doubled = text + text.replace(">", ">dup_")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.fasta"
        path.write_text(doubled)
        for engine in ("fast", "biopython"):
            t0 = time.perf_counter()
            big = read_msa(path, engine=engine)
            print(f"{engine:>9} FASTA parser, {big.n_sequences} sequences: {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
