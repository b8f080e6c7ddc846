"""Equilibrium-style training on PF00014: seqebm vs adabmDCA (when installed), same chains and sweeps per update.

    python benchmarks/bench_training.py [--chains 5000] [--sweeps 10] [--target 0.9] [--max-updates 400]
    (peers: bash benchmarks/setup_peers.sh, then run this with /tmp/seqebm-peers/bin/python)

Both run persistent chains with a fixed number of Gibbs sweeps per update and plain gradient ascent (SGD, lr 0.05 or --lr)
from the same profile initialisation, so the ratio measures the implementations. seqebm's default (Adam) is timed too.
Prints seconds per update and wall time to reach the Pearson target. Target (issue 4): seqebm at most half of
adabmDCA's time.
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from seqebm.io import read_msa
from seqebm.training import Trainer

ROOT = Path(__file__).resolve().parents[1]
PF00014 = ROOT / "data" / "protein_PF00014_kunitz" / "PF00014_mgap6.fasta.gz"


def run_seqebm(ds, args, optimizer: str, lr: float) -> dict:
    times = []

    def on_update(row):
        times.append((row["update"], row["seconds"], row["pearson"]))

    # l2=0: adabmDCA has no L2 penalty, so both programs run the same algorithm
    trainer = Trainer(model="potts", regime="pcd", k=args.sweeps, n_chains=args.chains, optimizer=optimizer, lr=lr,
                      max_updates=args.max_updates, target_pearson=args.target, l2=0.0, seed=0, device=args.device, callback=on_update)
    t0 = time.perf_counter()
    result = trainer.fit(ds)
    wall = time.perf_counter() - t0
    reached = result.pearson >= args.target
    return {"updates": len(times), "seconds_per_update": times[-1][1] / len(times), "wall": wall, "reached": reached,
            "pearson": result.pearson}


def run_adabmdca(ds, args) -> dict | None:
    try:
        from adabmDCA.sampling import gibbs_sampling
        from adabmDCA.stats import get_freq_single_point, get_freq_two_points
        from adabmDCA.training import train_graph
    except ImportError:
        return None
    device = torch.device(args.device if args.device != "auto" else "cpu")
    weighted = ds.reweight(0.8)
    x = F.one_hot(weighted.tensor(device), ds.q).float()
    w = weighted.weights_tensor(device)
    pseudocount = 1.0 / weighted.effective_size
    fi = get_freq_single_point(data=x, weights=w, pseudo_count=pseudocount)
    fij = get_freq_two_points(data=x, weights=w, pseudo_count=pseudocount)
    length, q = fi.shape
    fields = torch.log(fi)
    fields = fields - fields.mean(1, keepdim=True)
    params = {"bias": fields, "coupling_matrix": torch.zeros(length, q, length, q, device=device)}
    mask = torch.ones(length, q, length, q, device=device)
    mask[torch.arange(length), :, torch.arange(length), :] = 0
    chains = F.one_hot(torch.randint(0, q, (args.chains, length), generator=torch.Generator().manual_seed(0)), q).float()
    from adabmDCA.stats import get_correlation_two_points

    calls = []

    def counting_sampler(**kwargs):  # train_graph samples once per gradient update
        calls.append(1)
        return gibbs_sampling(**kwargs)

    t0 = time.perf_counter()
    chains, params, _, _ = train_graph(
        sampler=counting_sampler, chains=chains, mask=mask, fi_target=fi, fij_target=fij, params=params,
        nsweeps=args.sweeps, lr=args.lr, max_epochs=args.max_updates, target_pearson=args.target,
    )
    wall = time.perf_counter() - t0
    final, _ = get_correlation_two_points(fij=fij, pij=get_freq_two_points(data=chains), fi=fi, pi=get_freq_single_point(data=chains))
    updates = len(calls)
    return {"updates": updates, "seconds_per_update": wall / max(updates, 1), "wall": wall,
            "reached": final >= args.target, "pearson": float(final)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chains", type=int, default=5000)
    parser.add_argument("--sweeps", type=int, default=10)
    parser.add_argument("--target", type=float, default=0.9)
    parser.add_argument("--max-updates", type=int, default=400)
    parser.add_argument("--lr", type=float, default=0.05, help="SGD learning rate of both programs (adabmDCA's default 0.05)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-peer", action="store_true")
    args = parser.parse_args()
    ds = read_msa(PF00014)
    print(f"PF00014 N={ds.n_sequences} L={ds.length}; {args.chains} chains, {args.sweeps} sweeps/update, target {args.target}, "
          f"{torch.get_num_threads()} threads")
    print(f"{'run':<28} {'updates':>8} {'s/update':>9} {'wall s':>8} {'reached':>8} {'pearson':>8}", flush=True)
    rows = {}

    def show(name, r):
        rows[name] = r
        print(f"{name:<28} {r['updates']:>8} {r['seconds_per_update']:>9.3f} {r['wall']:>8.1f} {str(r['reached']):>8} {r['pearson']:>8.3f}",
              flush=True)

    show("seqebm pcd adam (default)", run_seqebm(ds, args, "adam", 0.02))
    sgd = f"seqebm pcd sgd {args.lr:g}"
    show(sgd, run_seqebm(ds, args, "sgd", args.lr))
    peer = None if args.skip_peer else run_adabmdca(ds, args)
    if peer is not None:
        show(f"adabmDCA sgd {args.lr:g}", peer)
    if peer is not None:
        ours = rows[sgd]
        print(f"seconds per update, seqebm/adabmDCA: {ours['seconds_per_update'] / peer['seconds_per_update']:.2f} (target <= 0.5)")
        if ours["reached"] and peer["reached"]:
            print(f"wall time to Pearson {args.target}, seqebm/adabmDCA: {ours['wall'] / peer['wall']:.2f} (target <= 0.5)")
        if rows["seqebm pcd adam (default)"]["reached"] and peer["reached"]:
            print(f"wall time to Pearson {args.target}, seqebm default/adabmDCA: {rows['seqebm pcd adam (default)']['wall'] / peer['wall']:.2f}")


if __name__ == "__main__":
    main()
