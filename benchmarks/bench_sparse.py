"""Gibbs sampling speed of a sparse (decimated) Potts model against the same model made dense, side by side in one
run, alternating (sparse, dense, sparse, ...) so that machine noise hits both alike.

    python benchmarks/bench_sparse.py SPARSE_MODEL [--chains 1000 5000] [--sweeps 20] [--repeats 3]

The dense twin holds the same couplings (zeros included) without the pair mask, so the two sample the same
distribution; only the work per site differs (a site visits its coupled neighbours instead of all L sites).
Reported: chain-sweeps per second of each and their ratio.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

from seqebm import load_model
from seqebm.rng import RandomStream
from seqebm.sampling.init import init_chains


def chain_sweeps_per_second(model, chains: int, sweeps: int, seed: int) -> float:
    stream = RandomStream(device=model.device, seed=seed)
    x = init_chains(chains, model.length, model.q, "random", generator=stream.generator, device=model.device)
    x, _ = model.gibbs(x, 2, stream=stream)  # warm-up
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    model.gibbs(x, sweeps, stream=stream)
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    return chains * sweeps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--chains", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--sweeps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    sparse = load_model(args.model)
    if getattr(sparse, "pair_mask", None) is None:
        raise SystemExit(f"{args.model} is not a sparse Potts model (no pair mask)")
    dense = sparse.clone().set_pair_mask(None)
    rows = []
    for chains in args.chains:
        for repeat in range(args.repeats):
            for name, model in (("sparse", sparse), ("dense", dense)):
                rows.append({"chains": chains, "model": name, "repeat": repeat,
                             "chain_sweeps_per_s": chain_sweeps_per_second(model, chains, args.sweeps, repeat)})
    table = pd.DataFrame(rows).groupby(["chains", "model"])["chain_sweeps_per_s"].median().unstack()
    table["ratio sparse/dense"] = table["sparse"] / table["dense"]
    print(f"coupling density {sparse.density:.3f}, pair density {sparse.pair_density:.3f} (L = {sparse.length}, "
          f"q = {sparse.q}), medians of {args.repeats} runs")
    print(table.round(2).to_string())


if __name__ == "__main__":
    main()
