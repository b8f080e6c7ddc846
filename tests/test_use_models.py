"""Using models (issue 15): scores and log-likelihoods, mutational effects and the wild-type mapping, contacts,
design sampling (clamped positions, radius), the plmc format, the card's `fit` then `sample` without a path."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from seqebm.analysis.mapping import map_sequence, read_wild_type
from seqebm.analysis.mutations import effect_matrix, parse_mutant, score_mutants, single_mutants
from seqebm.analysis.scoring import enumerate_log_partition, known_log_partition, score_sequences
from seqebm.errors import ConfigError, ParseError
from seqebm.io.alphabets import PROTEIN
from seqebm.models import RBM, Potts
from seqebm.models.files import load_model, save_model
from seqebm.models.plmc import read_plmc, write_plmc
from seqebm.sampling.run import sample
from tests.exact import all_states, exact_marginals, random_potts

LETTERS = PROTEIN.symbols[1:]


def _protein_potts(length: int, seed: int = 0, scale: float = 0.3) -> Potts:
    g = torch.Generator().manual_seed(seed)
    j = torch.randn(length, 21, length, 21, generator=g) * scale
    j = (j + j.permute(2, 3, 0, 1)) / 2
    for i in range(length):
        j[i, :, i, :] = 0
    return Potts(torch.randn(length, 21, generator=g), j, alphabet=PROTEIN)


def _protein_rbm(length: int, seed: int = 0) -> RBM:
    g = torch.Generator().manual_seed(seed)
    model = RBM.random(length, 7, q=21, std=0.5, alphabet=PROTEIN, generator=g)
    model.visible_bias.normal_(generator=g)
    return model


def _identity_mapping(sequence: str, first: int = 1):
    return map_sequence(sequence, [("row", sequence)], PROTEIN, first)


@pytest.mark.parametrize("make", [_protein_potts, _protein_rbm], ids=["potts", "rbm"])
def test_mutant_scores_are_full_energy_differences(make):
    """Every single mutant and random multiple mutants: score = F(wt) - F(mutant), pair terms included."""
    length = 10
    model = make(length)
    rng = np.random.default_rng(0)
    wt = "".join(rng.choice(list(LETTERS), length))
    mapping = _identity_mapping(wt, first=24)
    names = single_mutants(mapping, PROTEIN)
    assert len(names) == 19 * length and names[0].startswith(f"{wt[0]}24")
    for _ in range(30):
        sites = sorted(rng.choice(length, size=rng.integers(2, 5), replace=False))
        names.append(":".join(f"{wt[s]}{s + 24}{rng.choice([a for a in LETTERS if a != wt[s]])}" for s in sites))
    frame = score_mutants(model, mapping, names)
    states = []
    for name in names:
        seq = list(wt)
        for sub in parse_mutant(name):
            seq[sub.position - 24] = sub.mutant
        states.append([PROTEIN.symbols.index(c) for c in seq])
    wt_states = torch.tensor([[PROTEIN.symbols.index(c) for c in wt]])
    expected = (model.free_energy(wt_states).double() - model.free_energy(torch.tensor(states)).double()).numpy()
    assert (frame["status"] == "scored").all()
    np.testing.assert_allclose(frame["score"].to_numpy(), expected, atol=1e-4)
    assert list(frame["n_mutations"][-30:]) == [len(n.split(":")) for n in names[-30:]]


def test_sign_convention_with_a_planted_model():
    """A model whose field strongly favours the wild-type residue at one site and residue W at another: leaving the
    wild type lowers the score, moving to W raises it (score = E(wt) - E(mutant), higher = fitter)."""
    length = 5
    fields = torch.zeros(length, 21)
    wt = "ACDEF"
    fields[1, PROTEIN.symbols.index("C")] = 3.0
    fields[3, PROTEIN.symbols.index("W")] = 2.0
    model = Potts(fields, torch.zeros(length, 21, length, 21), alphabet=PROTEIN)
    frame = score_mutants(model, _identity_mapping(wt), ["C2A", "E4W", "E4A", "C2A:E4W"]).set_index("mutant")["score"]
    assert frame["C2A"] == pytest.approx(-3.0) and frame["E4W"] == pytest.approx(2.0)
    assert frame["E4A"] == pytest.approx(0.0) and frame["C2A:E4W"] == pytest.approx(-1.0)


def test_mapping_with_insertions_deletions_and_unmodelled_termini():
    """The wild type has extra N- and C-terminal residues, an insertion (KK) and lacks one residue of the row: each
    residue lands on its column, the inserted and terminal ones on none, and mutants there are listed, not scored."""
    row = "-MKTAYIAKQRQISFVKSHFSRQ-LEERLGLIEVQ-"
    core = row.replace("-", "")
    wt = "GSH" + core[:10] + "KK" + core[10:20] + core[21:] + "PPP"  # insertion after 10 residues, residue 21 deleted
    model = _protein_potts(len(row), seed=3, scale=0.05)
    mapping = map_sequence(wt, [("r", row)], PROTEIN, first_index=100)
    columns = [c for c, letter in enumerate(row) if letter != "-"]
    assert mapping.identity == 1.0
    assert list(mapping.columns[:3]) == [-1, -1, -1] and list(mapping.columns[-3:]) == [-1, -1, -1]
    assert list(mapping.columns[3:13]) == columns[:10]
    assert list(mapping.columns[13:15]) == [-1, -1]  # the insertion
    assert list(mapping.columns[15:25]) == columns[10:20]
    assert list(mapping.columns[25:-3]) == columns[21:]
    assert mapping.coverage == pytest.approx((len(columns) - 1) / len(row))
    assert mapping.column_of(103) == columns[0]
    k_ins = 100 + 13
    frame = score_mutants(model, mapping, [f"K{k_ins}A", f"G100A", f"{wt[3]}103A", f"{wt[3]}103A:K{k_ins}A"])
    assert list(frame["status"] == "scored") == [False, False, True, False]
    assert frame["score"].isna().tolist() == [True, True, False, True]
    assert "113" in frame["status"][0]


def test_mapping_prefers_the_closest_row_and_reports_identity():
    rows = [("far", "MKTAYIAKQRQISFVKSHFS"), ("near", "MKVAYLAKQRQISFVRSHFS")]
    mapping = map_sequence("MKVAYLAKQRQISFVRSHFA", rows, PROTEIN)
    assert mapping.reference_name == "near" and mapping.identity == pytest.approx(19 / 20)


def test_mutant_errors_are_clear():
    model = _protein_potts(4)
    mapping = _identity_mapping("ACDE", first=10)
    with pytest.raises(ConfigError, match="position 11 of the wild type is C, not D"):
        score_mutants(model, mapping, ["D11A"])
    with pytest.raises(ParseError, match="m.csv:3"):
        score_mutants(model, mapping, ["A10C", "A10"], path="m.csv")
    with pytest.raises(ConfigError, match="outside the wild type"):
        score_mutants(model, mapping, ["A1C"])
    with pytest.raises(ConfigError, match="twice"):
        parse_mutant("A10C:A10D")


def test_effect_matrix_and_wild_type_file(tmp_path):
    model = _protein_potts(4)
    mapping = _identity_mapping("ACDE", first=10)
    frame = score_mutants(model, mapping, single_mutants(mapping, PROTEIN))
    table = effect_matrix(frame, mapping, PROTEIN)
    assert table.shape == (20, 4) and table.loc["A", 10] == 0 and not table.isna().any().any()
    assert table.loc["W", 12] == pytest.approx(float(frame.set_index("mutant").loc["D12W", "score"]))
    path = tmp_path / "wt.fasta"
    path.write_text(">DLG4_RAT/311-393 PDZ3\nPRRIV\nIHRG\n")
    assert read_wild_type(str(path)) == ("DLG4_RAT/311-393", "PRRIVIHRG", 311)
    assert read_wild_type("ACDE") == ("wild_type", "ACDE", None)


def test_scores_and_exact_log_likelihood():
    """Small model: log Z by enumeration, exp(log-likelihood) sums to one over every configuration; RBM alike."""
    for model in (random_potts(5, 3, seed=2), RBM.random(6, 3, std=0.8, generator=torch.Generator().manual_seed(1))):
        states = all_states(model.length, model.q)
        frame = score_sequences(model, states)
        assert math.isclose(np.exp(frame["log_likelihood"]).sum(), 1.0, rel_tol=1e-6)
        column = "energy" if model.kind == "potts" else "free_energy"
        np.testing.assert_allclose(frame[column], model.free_energy(states).double().numpy(), rtol=1e-6)
    big = _protein_potts(12)
    assert enumerate_log_partition(big) is None
    assert known_log_partition(big).value is None and "too many" in known_log_partition(big).method
    big.metadata = {"training_state": {"log_partition": {"value": 12.5, "method": "ptt ladder"}}, "training": {"beta": 1.0}}
    assert known_log_partition(big).value == 12.5


def test_conditional_sampling_is_exact():
    """Clamped sites: the free sites' marginals match the enumerated conditional distribution (5 sigma), with Gibbs
    and with PT."""
    model = random_potts(5, 3, scale=0.8, seed=4)
    fixed = {1: 2, 3: 0}
    states = all_states(5, 3)
    keep = (states[:, 1] == 2) & (states[:, 3] == 0)
    fi, _ = exact_marginals(model.energy(states[keep]), states[keep], 3)
    n = 20000
    for sampler in ("gibbs", "pt"):
        x = sample(model, n, 30, init="random", seed=5, fixed=fixed, sampler=sampler)
        assert (x[:, 1] == 2).all() and (x[:, 3] == 0).all()
        emp = torch.nn.functional.one_hot(x, 3).double().mean(0)
        sigma = torch.sqrt(fi * (1 - fi) / n).clamp_min(1e-4)
        assert float(((emp - fi).abs() / sigma).max()) < 5, sampler


def test_conditioned_models_differ_by_a_constant():
    for model in (random_potts(5, 3, seed=1), RBM.random(5, 4, q=3, std=1.0, generator=torch.Generator().manual_seed(2)),
                  RBM.random(5, 4, std=1.0, generator=torch.Generator().manual_seed(3))):
        sites, values = torch.tensor([4, 0]), torch.tensor([1, 0])
        conditioned = model.condition(sites, values)
        free = all_states(3, model.q)
        full = torch.zeros(len(free), 5, dtype=torch.long)
        full[:, [1, 2, 3]], full[:, sites] = free, values
        for beta in (0.0, 0.7, 1.0):
            gap = model.log_weight(full, beta).double() - conditioned.log_weight(free, beta).double()
            assert float(gap.max() - gap.min()) < 1e-4


def test_plmc_round_trip_gives_identical_energies(tmp_path):
    model = _protein_potts(7, seed=5)
    model.metadata = {"data": {"reference": [["consensus", "ACDEFGH"]]}}
    path = write_plmc(model, tmp_path / "m.model_params")
    assert path.stat().st_size == 40 + 21 + 7 + 4 * 7 + 8 * 7 * 21 + 8 * 21 * 21 * 21
    back = read_plmc(path)
    x = torch.randint(0, 21, (200, 7), generator=torch.Generator().manual_seed(0))
    assert torch.equal(model.energy(x), back.energy(x))
    assert back.metadata["data"]["reference"][0][1] == "ACDEFGH"


def test_contacts_reproduce_analyze(tmp_path):
    """`seqebm contacts` writes a ranked table pandas reads, and its PPV equals analyze's exactly."""
    from seqebm.analysis import analyze
    from seqebm.cli.contacts import run_contacts
    from seqebm.io.dataset import SequenceDataset

    model = _protein_potts(12, seed=7)
    path = save_model(model, tmp_path / "m.npz")
    rng = np.random.default_rng(0)
    i, j = np.triu_indices(12, k=1)
    (tmp_path / "d.dat").write_text("".join(f"{a + 1} {b + 1} 0 {rng.uniform(2, 14):.3f}\n" for a, b in zip(i, j)))
    summary, files = run_contacts(path, distances=tmp_path / "d.dat", out=tmp_path / "c")
    table = pd.read_csv(tmp_path / "c" / "contacts.csv")
    assert len(table) == 66 and table["score"].is_monotonic_decreasing and table["i"].min() == 1
    assert np.loadtxt(tmp_path / "c" / "contacts.mat").shape == (12, 12)
    data = SequenceDataset(rng.integers(0, 21, (40, 12)).astype(np.uint8), PROTEIN, [f"s{k}" for k in range(40)])
    report = analyze(data, data, tmp_path / "a", model=load_model(path), distances=tmp_path / "d.dat")
    for key in ("PPV@L/2", "PPV@L", "PPV@2L"):
        assert summary[key] == report[f"contacts {key}"]


def test_fit_then_sample_without_a_path(tmp_path, monkeypatch):
    """The card's words: `seqebm fit family.fasta` then `seqebm sample --k 10` (the latest fit's model), headers
    with energies; `--fix` clamps positions."""
    from typer.testing import CliRunner

    from seqebm.cli.app import app
    from tests.paths import PF00014

    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    fitted = runner.invoke(app, ["fit", str(PF00014), "--updates", "2", "--chains", "100"])
    assert fitted.exit_code == 0, fitted.output
    result = runner.invoke(app, ["sample", "--k", "10", "--n", "20", "--fix", "5=C,10=G"])
    assert result.exit_code == 0, result.output
    assert "seqebm_run/model.npz" in result.output
    lines = (tmp_path / "samples.fasta").read_text().splitlines()
    assert lines[0].startswith(">sample_0 energy=")
    assert all(seq[4] == "C" and seq[9] == "G" for seq in lines[1::2])
    model = load_model(tmp_path / "seqebm_run" / "model.npz")
    assert model.metadata["data"]["reference"][0][0] == "consensus"
