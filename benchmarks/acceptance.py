"""Acceptance measurements of trained runs (issues 4 and 5), printed as one table per run.

    python benchmarks/acceptance.py potts-samples RUN_DIR DATA [--n 10000] [--times 10,10000]
        Pearson of connected correlations (and slope) of samples from random at each time, and the ceiling for n.
    python benchmarks/acceptance.py rbm-genotypes RUN_DIR DATA [--n 5000]
        allele-frequency and connected-correlation Pearson of generated haplotypes.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from seqebm import load_dataset, load_model
from seqebm.models.record import RunRecord
from seqebm.sampling import RandomStream, init_chains, sample_trajectory
from seqebm.stats import CorrelationTarget, pearson_ceiling, pearson_slope, site_frequencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["potts-samples", "rbm-genotypes"])
    parser.add_argument("run_dir")
    parser.add_argument("data")
    parser.add_argument("--n", type=int, default=10000)
    parser.add_argument("--times", default=None)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    run = Path(args.run_dir)
    model = load_model(run / "model.npz" if (run / "model.npz").exists() else run / "checkpoint.npz")
    record = RunRecord.from_metadata(model.metadata)
    training = record.training
    ds = load_dataset(args.data)
    if training.get("reweight", True) and training.get("theta", 0.8) < 1:
        ds = ds.reweight(training.get("theta", 0.8))
    x, w = ds.tensor(), ds.weights_tensor()
    target = CorrelationTarget.from_states(x, ds.q, w)
    stream = RandomStream(torch.Generator().manual_seed(args.seed))
    times = [int(t) for t in args.times.split(",")] if args.times else [record.sampling_or_fallback().k]
    start = init_chains(args.n, model.length, model.q, "random", generator=stream.generator)
    t0 = time.perf_counter()
    snaps = sample_trajectory(model, start, times, generator=stream, order=training.get("order", "sequential"))
    print(f"{args.run_dir}: {training['model']} {training['regime']}-{training['k']}, {training['n_chains']} training chains; "
          f"sampled {args.n} chains from random in {time.perf_counter() - t0:.0f} s; ceiling for n: "
          f"{pearson_ceiling(x, ds.q, w, args.n, target=target, generator=stream.generator):.3f}")
    for t, states in snaps.items():
        r, slope = target.of_states(states, ds.q)
        line = f"  t={t:>6}: Pearson C_ij {r:.3f} slope {slope:.3f}"
        if args.what == "rbm-genotypes":
            r1, s1 = pearson_slope(site_frequencies(x, 2, w)[:, 1], site_frequencies(states, 2)[:, 1])
            line += f"; allele frequencies Pearson {r1:.4f} slope {s1:.3f}"
        print(line)


if __name__ == "__main__":
    main()
