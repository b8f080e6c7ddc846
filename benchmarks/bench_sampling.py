"""Chain-sweeps (Potts) and chain-steps (RBM) per second for seqebm and, when installed, its peers, in one run.

    python benchmarks/bench_sampling.py [--chains 100,1000,5000] [--ladder 20x250] [--device auto]

Baselines measured in the same run: ``seqebm-torch`` is the Potts kernel with its torch site loop (``SEQEBM_NATIVE=0``;
the shipped CPU kernel is the compiled loop of seqebm/models/potts_sweep.c), ``seqebm-rebuild`` the torch loop with the
coupling-table cache off (the kernel before issue 17, which built the stacked tables at every call; a tempering ladder
calls the kernel once per sweep, so that cost dominated there).

Peers are never seqebm dependencies: install them in a separate environment that also sees seqebm, e.g.
    bash benchmarks/setup_peers.sh && /tmp/seqebm-peers/bin/python benchmarks/bench_sampling.py
adabmDCA (PyPI ``adabmdca``) is timed on its Gibbs sampler, ``rbms`` on BBRBM / PBRBM ``sample_state``.
Targets (issue 3): Potts >= 10x adabmDCA, Potts RBM >= 2x rbms, Bernoulli RBM >= 2x rbms.
"""
from __future__ import annotations

import argparse
import os
import time

import torch
import torch.nn.functional as F

from seqebm.device import make_generator, resolve_device
from seqebm.models import RBM, Potts, potts_gibbs
from seqebm.rng import RandomStream
from seqebm.sampling.ptt import PTTSampler


def timed(fn, repeats: int = 1) -> float:
    """Best wall time of ``repeats`` calls of ``fn`` (after one warm-up call), synchronising CUDA."""
    fn()
    best = float("inf")
    for _ in range(repeats):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t0)
    return best


def random_potts(length, q, device, gen) -> Potts:
    j = torch.randn(length, q, length, q, generator=gen, device=device) * 0.05
    j = (j + j.permute(2, 3, 0, 1)) / 2
    return Potts(torch.randn(length, q, generator=gen, device=device) * 0.5, j)


def kernel_variants(fn) -> dict[str, float]:
    """Best times of ``fn`` as shipped ("seqebm": the compiled site loop on CPU where it builds, tables cached), with
    the torch site loop ("seqebm-torch", the kernel before the compiled loop) and with the torch loop rebuilding the
    coupling tables at every call ("seqebm-rebuild", the kernel before issue 17's table cache)."""
    times, size, flag = {}, potts_gibbs.TABLES.size, os.environ.get("SEQEBM_NATIVE")
    try:
        times["seqebm"] = timed(fn, repeats=2)
        os.environ["SEQEBM_NATIVE"] = "0"
        potts_gibbs.TABLES.clear()
        times["seqebm-torch"] = timed(fn, repeats=2)
        potts_gibbs.TABLES.size = 0
        potts_gibbs.TABLES.clear()
        times["seqebm-rebuild"] = timed(fn, repeats=2)
    finally:
        potts_gibbs.TABLES.size = size
        potts_gibbs.TABLES.clear()
        if flag is None:
            os.environ.pop("SEQEBM_NATIVE", None)
        else:
            os.environ["SEQEBM_NATIVE"] = flag
    return times


def bench_potts(n_chains, device, gen, rows):
    length, q, sweeps = 112, 21, 5
    model = random_potts(length, q, device, gen)
    start = torch.randint(0, q, (n_chains, length), generator=gen, device=device)
    stream = RandomStream(gen)
    label = f"Potts L=112 q=21, {n_chains} chains"
    for who, seconds in kernel_variants(lambda: model.gibbs(start, sweeps, stream=stream)).items():
        rows.append((label, who, n_chains * sweeps / seconds, "chain-sweeps/s"))
    try:
        from adabmDCA.sampling import gibbs_sampling
    except ImportError:
        rows.append((label, "adabmDCA", None, "not installed"))
        return
    params = {"bias": model.fields, "coupling_matrix": model.couplings}
    chains = F.one_hot(start, q).float()
    peer_sweeps = 2
    t = timed(lambda: gibbs_sampling(chains, params, peer_sweeps))
    rows.append((label, "adabmDCA", n_chains * peer_sweeps / t, "chain-sweeps/s"))


def bench_ladder(n_rungs, n_chains, device, gen, rows):
    """A PTT ladder of ``n_rungs`` Potts models (L=112, q=21; the profile, models scaled along a line, the target),
    ``n_chains`` chains per rung, one sweep per rung and a round of swaps per step, as in tempered training."""
    length, q, steps = 112, 21, 4
    model = random_potts(length, q, device, gen)
    scales = torch.linspace(0.05, 0.95, n_rungs - 2).tolist()
    sampler = PTTSampler(profile=torch.softmax(model.fields, 1),
                         models=[Potts(model.fields * s, model.couplings * s) for s in scales])
    stream = RandomStream(gen)
    state = sampler.init(model, torch.randint(0, q, (n_chains, length), generator=gen, device=device), stream)
    label = f"PTT ladder {n_rungs} x {n_chains} chains"
    for who, seconds in kernel_variants(lambda: sampler.step(model, state, steps, stream)).items():
        rows.append((label, who, n_rungs * n_chains * steps / seconds, "chain-sweeps/s"))


def bench_rbm(n_chains, device, gen, rows, potts: bool):
    if potts:
        length, q, hidden, label = 112, 21, 200, "Potts RBM L=112 q=21 H=200"
        model = RBM.random(length, hidden, q=q, std=0.05, device=device, generator=gen)
    else:
        length, q, hidden, label = 784, 2, 500, "Bernoulli RBM 784x500"
        model = RBM.random(length, hidden, std=0.05, device=device, generator=gen)
    steps = 20
    start = torch.randint(0, q, (n_chains, length), generator=gen, device=device)
    stream = RandomStream(gen)
    t = timed(lambda: model.gibbs(start, steps, stream=stream), repeats=2)
    label = f"{label}, {n_chains} chains"
    rows.append((label, "seqebm", n_chains * steps / t, "chain-steps/s"))
    try:
        if potts:
            from rbms.potts_bernoulli.classes import PBRBM as Peer
        else:
            from rbms.bernoulli_bernoulli.classes import BBRBM as Peer
    except ImportError:
        rows.append((label, "rbms", None, "not installed"))
        return
    peer = Peer(weight_matrix=model.weights.clone(), vbias=model.visible_bias.clone(), hbias=model.hidden_bias.clone())
    chains = peer.init_chains(n_chains)
    chains["visible"] = start.to(model.dtype)
    t = timed(lambda: peer.sample_state(chains, steps), repeats=2)
    rows.append((label, "rbms", n_chains * steps / t, "chain-steps/s"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chains", default="100,300,1000,5000", help="Potts chain counts, comma-separated")
    parser.add_argument("--ladder", default="20x250", help="RUNGSxCHAINS of the PTT ladder ('' to skip)")
    parser.add_argument("--rbm-chains", type=int, default=5000, help="RBM chains (0 to skip the RBM rows)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    device = resolve_device(args.device)
    gen = make_generator(args.seed, device)
    print(f"device {device}, torch {torch.__version__}, {torch.get_num_threads()} threads")
    rows: list = []
    for n_chains in (int(c) for c in args.chains.split(",") if c):
        bench_potts(n_chains, device, gen, rows)
    if args.ladder:
        n_rungs, n_chains = (int(v) for v in args.ladder.lower().split("x"))
        bench_ladder(n_rungs, n_chains, device, gen, rows)
    if args.rbm_chains:
        bench_rbm(args.rbm_chains, device, gen, rows, potts=False)
        bench_rbm(args.rbm_chains, device, gen, rows, potts=True)
    ours = {label: rate for label, who, rate, _ in rows if who == "seqebm"}
    print(f"{'model':<36} {'sampler':<15} {'rate':>12}  unit / ratio seqebm:other")
    for label, who, rate, unit in rows:
        if rate is None:
            print(f"{label:<36} {who:<15} {'-':>12}  {unit}")
            continue
        ratio = "" if who == "seqebm" else f"  x{ours[label] / rate:.2f}"
        print(f"{label:<36} {who:<15} {rate:12.0f}  {unit}{ratio}")


if __name__ == "__main__":
    main()
