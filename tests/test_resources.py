"""Jobs too large for memory are refused up front with the estimate; statistics are computed in chunks."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from seqebm import fit
from seqebm.errors import ConfigError, ResourceError
from seqebm.io import PROTEIN, SequenceDataset, load_dataset
from seqebm.memory import available_memory, format_bytes, parse_size
from seqebm.models import RBM, Potts
from seqebm.stats.frequencies import pair_frequencies, site_frequencies


def _huge_dataset(n: int, length: int) -> SequenceDataset:
    """n x length protein alignment without the memory: every row is a view of the same row."""
    row = np.arange(length, dtype=np.uint8) % 20 + 1
    return SequenceDataset(np.broadcast_to(row, (n, length)), PROTEIN, names=[str(i) for i in range(n)], source="huge.fasta")


def test_parse_and_format_sizes():
    assert parse_size("512M") == 512 << 20 and parse_size("2g") == 2 << 30 and parse_size("1000") == 1000
    assert parse_size("1.5G") == int(1.5 * (1 << 30))
    assert format_bytes(3 << 30) == "3.0 GB"
    with pytest.raises(ConfigError):
        parse_size("lots")


def test_million_sequences_of_500_columns_refused_up_front_with_the_estimate(monkeypatch):
    """10^6 x 500 one-hot is 42 GB in float32: refused before anything is allocated, with the numbers."""
    monkeypatch.setenv("SEQEBM_MEMORY_LIMIT", "8G")
    data = _huge_dataset(10**6, 500)
    with pytest.raises(ResourceError) as info:
        data.one_hot()
    message = str(info.value)
    assert message.startswith("huge.fasta: one-hot encoding 1000000 x 500 x 21 needs about ")
    assert "GB" in message and "8.0 GB is available (SEQEBM_MEMORY_LIMIT)" in message
    required = 10**6 * 500 * (21 * 4 + 8)
    assert format_bytes(required) in message
    with pytest.raises(ResourceError, match=r"training a potts model on 1000000 x 500 sequences"):
        fit(data, n_chains=1000, max_updates=1, reweight=False)


def test_training_estimate_grows_with_the_problem():
    small = Potts.training_memory(1000, 50, 21, 1000, 0)
    assert Potts.training_memory(10**6, 50, 21, 1000, 0) > small + 10**6 * 50 * 8 - 1
    assert Potts.training_memory(1000, 500, 21, 1000, 0) > 10 * (500 * 21) ** 2 * 4 - 1
    assert RBM.training_memory(1000, 784, 2, 1000, hidden=500) > 8 * 784 * 2 * 500 * 4 - 1


def test_reading_a_file_larger_than_the_limit_is_refused(monkeypatch, tmp_path):
    path = tmp_path / "big.fasta"
    path.write_text(">a\nACDEFGHIKL\n" * 2000)
    monkeypatch.setenv("SEQEBM_MEMORY_LIMIT", "10K")
    with pytest.raises(ResourceError, match=r"big.fasta: reading this file needs about .* but only 10.0 KB is available"):
        load_dataset(path)
    monkeypatch.delenv("SEQEBM_MEMORY_LIMIT")
    assert load_dataset(path).n_sequences == 2000
    assert available_memory("cpu") > 0


def test_cli_reports_the_refusal_in_one_line(monkeypatch, tmp_path, capsys):
    import sys

    from seqebm.cli import run

    path = tmp_path / "big.fasta"
    path.write_text(">a\nACDEFGHIKL\n" * 2000)
    monkeypatch.setenv("SEQEBM_MEMORY_LIMIT", "10K")
    monkeypatch.setattr(sys, "argv", ["seqebm", "fit", str(path), "--out", str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exc:
        run()
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "needs about" in err and not (tmp_path / "out").exists()


def test_chunked_statistics_equal_the_one_shot_ones():
    gen = torch.Generator().manual_seed(0)
    states = torch.randint(0, 5, (1000, 7), generator=gen)
    weights = torch.rand(1000, generator=gen)
    torch.testing.assert_close(site_frequencies(states, 5, weights, chunk_size=64), site_frequencies(states, 5, weights, chunk_size=10**6))
    torch.testing.assert_close(pair_frequencies(states, 5, weights, chunk_size=64), pair_frequencies(states, 5, weights, chunk_size=10**6))
    for q in (None, 5):
        model = RBM.random(7, 4, q=q, std=0.5, generator=gen)
        x = states if q else (states > 2).long()
        a = model.statistics(x, weights, chunk_size=33)
        b = model.statistics(x, weights, chunk_size=10**6)
        for key in a:
            torch.testing.assert_close(a[key], b[key])
