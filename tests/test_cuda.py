"""The same contracts on a GPU: exact sampling, tempering, a short training, no host synchronisation in the sweep
loops, and data-parallel equivalence. Collected everywhere, run only where CUDA is present (``pytest -m cuda``;
``benchmarks/gpu_check.sh`` runs them with the GPU figures)."""
from __future__ import annotations

import pytest
import torch

from seqebm.rng import RandomStream
from seqebm.sampling import sample
from tests.exact import all_states, exact_marginals, random_potts, random_rbm
from tests.test_models_sampling import N_CHAINS, assert_marginals_close

pytestmark = [pytest.mark.cuda,
              pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device: GPU checks skipped")]
CUDA = torch.device("cuda")


@pytest.mark.parametrize("order", ["sequential", "permutation", "random"])
def test_potts_gibbs_on_cuda_reproduces_exact_marginals(order):
    model = random_potts(4, 3, scale=0.6)
    x = all_states(4, 3)
    fi, fij = exact_marginals(model.energy(x), x, 3)
    samples = sample(model.to(CUDA), N_CHAINS, k=30, seed=1, order=order)
    assert samples.device.type == "cuda"
    assert_marginals_close(samples.cpu(), fi, fij, 3)


@pytest.mark.parametrize("q", [None, 3])
def test_rbm_gibbs_on_cuda_reproduces_exact_marginals(q):
    model = random_rbm(4 if q else 6, 3, q, scale=0.8)
    v = all_states(model.length, model.q)
    fi, fij = exact_marginals(model.free_energy(v), v, model.q)
    samples = sample(model.to(CUDA), N_CHAINS, k=30, seed=2)
    assert_marginals_close(samples.cpu(), fi, fij, model.q)


def test_tempering_on_cuda_reproduces_exact_marginals():
    model = random_potts(4, 3, scale=0.8)
    x = all_states(4, 3)
    fi, fij = exact_marginals(model.energy(x), x, 3)
    profile = torch.softmax(model.fields, 1).to(CUDA)
    samples = sample(model.to(CUDA), 20000, k=30, seed=3, sampler="pt", profile=profile)
    assert_marginals_close(samples.cpu(), fi, fij, 3)


def test_sweep_loops_never_synchronise_with_the_host():
    """``.item()``, ``.cpu()`` or a data-dependent shape inside a sweep would stall the GPU once per site update."""
    potts = random_potts(30, 5).to(CUDA)
    rbm = random_rbm(30, 8, 5).to(CUDA)
    stream = RandomStream(torch.Generator(device=CUDA).manual_seed(0), CUDA)
    states = torch.randint(0, 5, (512, 30), device=CUDA)
    potts.gibbs(states, 1, stream=stream)  # first call: allocations and the table cache
    rbm.gibbs(states, 1, stream=stream)
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        potts.gibbs(states, 5, stream=stream)
        rbm.gibbs(states, 5, stream=stream)
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.parametrize("sampler", ["auto", "ptt"])
def test_short_eq_training_on_cuda(tmp_path, sampler):
    from seqebm import load_model
    from seqebm.training import Trainer
    from tests.test_stepsize import planted_data

    _, data = planted_data()
    result = Trainer(out_dir=tmp_path, model="potts", regime="eq", k=5, n_chains=2000, max_updates=30, target_pearson=None,
                     reweight=False, pseudocount=0.0, seed=1, device="cuda", sampler=sampler, warn=lambda m: None).fit(data)
    assert result.chains.device.type == "cuda" and result.log["pearson"].iloc[-1] > 0.9
    loaded = load_model(tmp_path / "model.npz")  # model files are device-free
    assert loaded.device.type == "cpu"


def test_chain_blocks_on_cuda_match_the_cpu_statistics():
    """One process with 2 chain blocks on CUDA and on the CPU: different random streams, the same distribution."""
    from seqebm.training import Trainer
    from tests.test_stepsize import planted_data

    _, data = planted_data()
    opts = dict(model="potts", regime="pcd", k=10, n_chains=4000, chain_blocks=2, max_updates=15, target_pearson=None,
                reweight=False, pseudocount=0.0, seed=1, warn=lambda m: None, lr_control=False)
    gpu = Trainer(device="cuda", **opts).fit(data).model.to("cpu").zero_sum_gauge()
    cpu = Trainer(device="cpu", **opts).fit(data).model.zero_sum_gauge()
    # two CPU seeds give correlation 0.997 and mean |difference| 0.011 here
    pair = torch.stack([gpu.couplings.flatten(), cpu.couplings.flatten()])
    assert torch.corrcoef(pair)[0, 1] > 0.98 and (pair[0] - pair[1]).abs().mean() < 0.03


@pytest.mark.skipif(torch.cuda.device_count() < 2, reason="NCCL data parallelism needs 2 GPUs")
def test_two_nccl_processes_match_one_process(tiny_msa, tmp_path):
    from tests.test_distributed import _assert_same_parameters, _fit

    proc = _fit(tiny_msa, tmp_path / "dist", 10, "--device", "cuda", processes=2)
    assert proc.returncode == 0, proc.stderr[-3000:]
    single = _fit(tiny_msa, tmp_path / "single", 10, "--device", "cuda")
    assert single.returncode == 0, single.stderr[-3000:]
    _assert_same_parameters(tmp_path / "dist" / "model.npz", tmp_path / "single" / "model.npz")
