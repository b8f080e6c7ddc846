"""Throughput of data-parallel training: 1 process vs N processes (torchrun, gloo on CPU / NCCL on GPUs).

    python benchmarks/bench_distributed.py [--processes 2] [--updates 20] [--chains 10000] [--device cpu]

Runs `seqebm fit` on the bundled PF00014 alignment (Potts, pcd-10) and 805-SNP haplotypes (RBM, H=100, pcd-10)
with the same total chains, and reads the seconds per update from log.csv (first update excluded: it includes
the Pearson-ceiling estimate and warm-up). Each process gets cores / processes threads, so the comparison
is at equal hardware. On a 2-core machine the gain is bounded by the two cores.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
JOBS = {
    "potts_PF00014": (ROOT / "data" / "protein_PF00014_kunitz" / "PF00014_mgap6.fasta.gz", ["--model", "potts"]),
    "rbm_805SNP": (ROOT / "data" / "genotypes_1000G_805SNP" / "805_SNP_1000G_real.hapt.gz", ["--model", "rbm", "--hidden", "100"]),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(job: str, processes: int, args) -> float:
    data, extra = JOBS[job]
    out = Path(tempfile.mkdtemp(prefix=f"bench-dist-{job}-{processes}-"))
    fit = ["fit", str(data), *extra, "--regime", "pcd", "--k", "10", "--chains", str(args.chains), "--updates", str(args.updates),
           "--target", "0", "--seed", "0", "--device", args.device, "--checkpoint-every", "100000", "--out", str(out)]
    threads = max(1, (os.cpu_count() or 1) // processes)
    env = {**os.environ, "OMP_NUM_THREADS": str(threads)}
    if processes == 1:
        cmd = [sys.executable, "-m", "seqebm", *fit]
    else:
        cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(processes), "--master-addr", "127.0.0.1",
               "--master-port", str(free_port()), "-m", "seqebm", *fit, "--distributed"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"{job} with {processes} process(es) failed:\n{proc.stderr[-2000:]}")
    log = pd.read_csv(out / "log.csv")
    seconds = log["seconds"].to_numpy()
    return float((seconds[-1] - seconds[0]) / (len(seconds) - 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--updates", type=int, default=20)
    parser.add_argument("--chains", type=int, default=10000)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--jobs", default=",".join(JOBS))
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()}, chains: {args.chains}, pcd-10, {args.updates} updates")
    print(f"{'job':<16} {'procs':>5} {'s/update':>9} {'chain-sweeps/s':>15} {'speed-up':>9}")
    for job in args.jobs.split(","):
        base = None
        for processes in (1, args.processes):
            per_update = run(job, processes, args)
            base = base or per_update
            rate = args.chains * 10 / per_update
            print(f"{job:<16} {processes:>5} {per_update:>9.3f} {rate:>15.0f} {base / per_update:>8.2f}x", flush=True)


if __name__ == "__main__":
    main()
