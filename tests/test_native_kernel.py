"""The compiled Potts site-update kernel (seqebm/models/potts_sweep.c): same draws as the torch kernel, exact
(its marginals are checked against enumeration in test_models_sampling), and never required."""
from __future__ import annotations

import pytest
import torch

from seqebm.models import Potts, native
from seqebm.models.potts_gibbs import TABLES, neighbour_lists, potts_gibbs, potts_gibbs_ladder
from seqebm.errors import ShapeError
from seqebm.rng import RandomStream
from tests.exact import random_potts


@pytest.fixture
def compiled(monkeypatch):
    monkeypatch.setenv("SEQEBM_NATIVE", "1")
    if native.kernel() is None:
        pytest.skip("no C compiler: the compiled kernel is not built here")


def _both_kernels(run, monkeypatch) -> tuple[torch.Tensor, torch.Tensor]:
    """``run()`` with the compiled kernel, then with the torch kernel (same seeds inside ``run``)."""
    out = []
    for flag in ("1", "0"):
        monkeypatch.setenv("SEQEBM_NATIVE", flag)
        TABLES.clear()
        out.append(run())
    return out[0], out[1]


@pytest.mark.parametrize("length, q", [(7, 2), (6, 4), (5, 5), (6, 12), (9, 21), (4, 30), (3, 33)])
@pytest.mark.parametrize("order", ["sequential", "random"])
def test_same_draws_as_the_torch_kernel(compiled, monkeypatch, length, q, order):
    """Same numbers in the same order: the draws agree (a float rounding may flip one near a boundary)."""
    model = random_potts(length, q, scale=0.8, seed=3)
    start = torch.randint(0, q, (301, length), generator=torch.Generator().manual_seed(0))
    run = lambda: potts_gibbs(model.fields, model.couplings, start, 4, 0.9, order, RandomStream(seed=5))  # noqa: E731
    fast, reference = _both_kernels(run, monkeypatch)
    assert fast.dtype == reference.dtype == torch.long and fast.shape == reference.shape
    assert (fast == reference).float().mean() > 0.999
    assert not torch.equal(fast, start)


def test_ladder_and_sparse_models_match(compiled, monkeypatch):
    """Rungs with their own models and temperatures, and neighbour lists of a sparse model."""
    models = [random_potts(8, 5, scale=0.7, seed=s) for s in range(3)]
    mask = torch.rand(8, 8, generator=torch.Generator().manual_seed(1)) < 0.3
    mask = (mask | mask.T).fill_diagonal_(False)
    for m in models:
        m.couplings.mul_(mask[:, None, :, None])
    start = torch.randint(0, 5, (3, 50, 8), generator=torch.Generator().manual_seed(2))

    def run():
        return potts_gibbs_ladder([m.fields for m in models], [m.couplings for m in models], [1.0, 0.6, 0.3], start,
                                  3, "permutation", RandomStream(seed=7), neighbour_lists(mask, torch.device("cpu")))

    fast, reference = _both_kernels(run, monkeypatch)
    assert (fast == reference).float().mean() > 0.999


def test_without_a_compiler_the_torch_kernel_runs(monkeypatch, tmp_path):
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    monkeypatch.setenv("SEQEBM_CACHE_DIR", str(tmp_path))
    assert native.kernel() is None
    monkeypatch.setenv("SEQEBM_NATIVE", "0")
    monkeypatch.delenv("CC")
    assert native.kernel() is None
    model = random_potts(4, 3)
    out = potts_gibbs(model.fields, model.couplings, torch.zeros(10, 4, dtype=torch.long), 2, 1.0, "sequential",
                      RandomStream(seed=0))
    assert out.shape == (10, 4) and int(out.max()) < 3


def test_a_failed_build_leaves_no_file(monkeypatch, tmp_path):
    """A compiler that fails (here: `false`) gives None and leaves the cache folder without partial libraries."""
    monkeypatch.setenv("CC", "false")
    monkeypatch.setenv("SEQEBM_CACHE_DIR", str(tmp_path))
    native._load.cache_clear()
    try:
        assert native.kernel() is None
    finally:
        native._load.cache_clear()
    assert list((tmp_path / "native").glob("*")) == []


def test_padded_alphabet():
    assert [native.padded_alphabet(q) for q in (1, 2, 4, 5, 8, 21, 33)] == [4, 4, 4, 8, 8, 24, 40]


@pytest.mark.parametrize("sparse", [False, True])
def test_ladder_log_weights_match_the_energies(compiled, monkeypatch, sparse):
    """The swaps' log weights, each state under any rung, equal -beta E(x) of that rung's model."""
    models = [random_potts(9, 21, scale=0.7, seed=s) for s in range(3)]
    if sparse:
        mask = torch.zeros(9, 9, dtype=torch.bool)
        mask[0, 1] = mask[1, 0] = mask[4, 7] = mask[7, 4] = True
        models = [Potts(m.fields, m.couplings * mask[:, None, :, None], pair_mask=mask) for m in models]
    betas = [1.0, 0.7, 0.3]
    states = torch.randint(0, 21, (3, 50, 9), generator=torch.Generator().manual_seed(4))
    jobs = [(0, 0), (1, 0), (2, 1), (0, 2), (2, 2)]
    got = models[0].ladder_log_weights(models, betas, states, jobs)
    assert got.dtype == torch.float64 and got.shape == (5, 50)
    for (s, m), row in zip(jobs, got):
        expected = -betas[m] * models[m].energy(states[s]).double()
        torch.testing.assert_close(row, expected, rtol=1e-5, atol=1e-4)


def test_the_kernel_declines_what_it_does_not_handle(compiled):
    """Float64 tensors and alphabets wider than the kernel's (the kernel's own limit; alphabets are at most the
    printable characters) go to the torch loop, which samples them."""
    assert native.kernel(torch.zeros(3, 21)) is not None
    assert native.kernel(torch.zeros(3, 21, dtype=torch.float64)) is None
    assert native.kernel(torch.zeros(3, 300)) is None
    fields, couplings = torch.randn(2, 300), torch.zeros(2, 300, 2, 300)
    out = potts_gibbs(fields, couplings, torch.zeros(5, 2, dtype=torch.long), 1, 1.0, "sequential", RandomStream(seed=0))
    assert out.shape == (5, 2) and int(out.max()) < 300


def test_any_memory_layout_of_the_states(compiled, monkeypatch):
    """States given transposed (a non-contiguous view) are sampled as the same states laid out row-major."""
    model = random_potts(6, 5, scale=0.8, seed=2)
    base = torch.randint(0, 5, (6, 200), generator=torch.Generator().manual_seed(1))
    run = lambda x: potts_gibbs(model.fields, model.couplings, x, 5, 1.0, "sequential", RandomStream(seed=3))  # noqa: E731
    assert torch.equal(run(base.t()), run(base.t().contiguous()))
    with pytest.raises(ShapeError):
        run(base.t() + 5)


def test_a_ladder_of_mixed_precision_takes_the_torch_loop(compiled, monkeypatch):
    """A rung in float64 beside a float32 one (a saved ladder of another precision): the stacked tables would be
    float64, which the compiled loop does not read, so the torch loop runs; its log weights are right."""
    model = random_potts(5, 4, scale=0.7, seed=6)
    twin = Potts(model.fields.double(), model.couplings.double())
    states = torch.randint(0, 4, (2, 30, 5), generator=torch.Generator().manual_seed(0))
    weights = model.ladder_log_weights([model, twin], [1.0, 1.0], states, [(0, 0), (0, 1)])
    torch.testing.assert_close(weights[0].double(), weights[1].double(), rtol=1e-5, atol=1e-5)
    out = potts_gibbs_ladder([model.fields, twin.fields], [model.couplings, twin.couplings], [1.0, 1.0], states, 2,
                             "sequential", RandomStream(seed=1))
    assert out.shape == states.shape and int(out.max()) < 4
