"""The quick Ising benchmark, with assertions on the qualitative claims it reproduces (see its summary.md)."""
import pandas as pd
import pytest

from seqebm.benchmarks.ising import exact_ising_samples, lattice_couplings, planted_model, run, spin_statistics


def test_lattice_and_planted_models():
    j = lattice_couplings()
    assert int((j > 0).sum()) == 2 * 128 and float(j.max()) == pytest.approx(0.4406)
    model, jp = planted_model()
    h, back = model.to_ising()
    assert float((back - jp).abs().max()) < 1e-6 and float(h.abs().max()) < 1e-6
    s = exact_ising_samples(model, 20000)
    _, c = spin_statistics(s)
    # exact check of one pair correlation by enumeration
    import torch

    states = ((torch.arange(2**16)[:, None] >> torch.arange(16)) & 1).long()
    p = torch.softmax(-model.energy(states).double(), 0)
    spins = 2 * states.double() - 1
    exact = float(p @ (spins[:, 0] * spins[:, 1]))
    assert float(c[0]) == pytest.approx(exact, abs=0.03)


@pytest.mark.slow
def test_quick_ising_bench_claims(tmp_path):
    """The bench on the planted model, smaller than --quick (the one whose claims it asserts; the 8x8 lattice run is
    the same code on the bundled samples, which test_architecture checks are found)."""
    config = dict(ks=[1, 10], updates=120, n_chains=500, long_t=300)
    table = run(tmp_path, device="cpu", log=lambda m: None, datasets=["planted_sparse_16"], config=config)
    for name in ("results.csv", "summary.md", "ising_bench.png"):
        assert (tmp_path / name).exists()
    assert isinstance(table, pd.DataFrame) and len(table) == 5
    assert "planted_sparse_16: rdm-1 couplings are wrong, eq-ptt recovers them" in (tmp_path / "summary.md").read_text()
    planted = table[table["data"] == "planted_sparse_16"].set_index("training")
    # out-of-equilibrium models reproduce the statistics at t = k ...
    assert planted.loc["rdm-1", "pearson <s_i s_j> at t=k"] >= 0.9
    # ... with wrong couplings, which eq training recovers, with Gibbs or with tempering
    for eq in ("eq", "eq-ptt"):
        assert planted.loc["rdm-1", "coupling error (J-J*)^2"] >= 3 * planted.loc[eq, "coupling error (J-J*)^2"]
        assert planted.loc[eq, "pearson <s_i s_j> long run"] >= 0.9
    assert planted.loc["eq-ptt", "sampler"] == "ptt" and planted.loc["eq-ptt", "rungs"] > 2
    # the zero-field model is symmetric under a global flip: tempered samples visit both signs
    assert min(planted.loc["eq-ptt", "share m > 0 long run"], planted.loc["eq-ptt", "share m < 0 long run"]) >= 0.3
