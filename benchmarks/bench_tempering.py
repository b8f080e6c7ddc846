"""Parallel trajectory tempering (PTT) against parallel tempering in temperature (PT) on one trained model, side by
side in one run at the same cost: the same chains and the same number of rung-sweeps per chain (sweeps x replicas).

    python benchmarks/bench_tempering.py MODEL_FILE [--chains 1000] [--rung-sweeps 20000] [--repeats 2]

MODEL_FILE must carry a trajectory ladder (trained with ``--sampler ptt``). PT gets its ladder the way seqebm chooses
it (inverse temperatures from 0, Gaussian spacing at the same swap target, refined by a check run; that choice is not
counted in the cost). Reported per sampler: rungs, the slowest pair's swap rate, round trips (walkers that went
bottom -> top -> bottom), round trips per 1000 rung-sweeps per chain and per second, and the population-renewal time
(steps until 90 % of the top chains came from the bottom rung). Runs alternate (PTT, PT, PTT, ...) so that machine
noise hits both alike. The seed paper (Bereux et al., ICLR 2025) reports PTT ahead; this measures it.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd
import torch

from seqebm import load_model
from seqebm.device import resolve_device
from seqebm.rng import RandomStream
from seqebm.sampling.init import init_chains
from seqebm.sampling.registry import make_sampler, recorded_sampler
from seqebm.sampling.tempering import pair_acceptance


def measure(model, sampler, chains: int, rung_sweeps: int, seed: int) -> dict:
    """Run ``sampler`` for ``rung_sweeps`` / rungs steps from random chains (after as many steps of burn-in)."""
    stream = RandomStream(device=model.device, seed=seed)
    state = sampler.init(model, init_chains(chains, model.length, model.q, "random", generator=stream.generator), stream)
    rungs = len(sampler.rungs(model))
    steps = max(1, rung_sweeps // rungs)
    state, _ = sampler.step(model, state, steps, stream)  # burn-in: walkers spread over the ladder
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    state, info = sampler.step(model, state, steps, stream)
    if model.device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    renewal = sampler.renewal_time(model, [state], min(4 * steps, 2000), [stream])
    trips = float(info["round_trips"])
    return {"sampler": sampler.name, "rungs": rungs, "steps": steps, "rung-sweeps per chain": steps * rungs,
            "slowest pair swap rate": float(torch.nan_to_num(pair_acceptance(info), nan=1.0).min()),
            "round trips": trips, "round trips per 1000 rung-sweeps": 1000 * trips / (steps * rungs) / chains,
            "round trips per second": trips / seconds, "seconds": seconds, "renewal time (steps)": renewal}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model")
    parser.add_argument("--chains", type=int, default=1000)
    parser.add_argument("--rung-sweeps", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    model = load_model(args.model).to(resolve_device(args.device))
    ptt = recorded_sampler(model, "ptt")
    pt = recorded_sampler(model, "pt")
    probe = RandomStream(device=model.device, seed=args.seed + 99)
    pt.init(model, init_chains(args.chains, model.length, model.q, "random", generator=probe.generator), probe)  # chooses the temperatures once, outside the timing
    rows = [measure(model, sampler, args.chains, args.rung_sweeps, args.seed + r)
            for r in range(args.repeats) for sampler in (ptt, pt)]
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False))
    best = table.groupby("sampler")[["round trips per 1000 rung-sweeps", "round trips per second"]].mean()
    print(f"\nPTT / PT: round trips per rung-sweep x{best.loc['ptt'].iloc[0] / max(best.loc['pt'].iloc[0], 1e-12):.2f}, "
          f"per second x{best.loc['ptt'].iloc[1] / max(best.loc['pt'].iloc[1], 1e-12):.2f}")


if __name__ == "__main__":
    main()
