"""Property-based tests (hypothesis) of the parsers, writers and encoders.

Valid random alignments and genotype matrices round-trip through write / read / encode; random and mutated
bytes never escape as anything but a :class:`SeqebmError`.
"""
from __future__ import annotations

import gzip
import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seqebm.errors import ModelFileError, SeqebmError
from seqebm.io import PROTEIN, RNA, get_alphabet, load_dataset, one_hot, read_hapt, read_msa, write_fasta, write_hapt
from seqebm.models.files import load_model, model_to_bytes
from seqebm.models.potts import Potts

# SEQEBM_FUZZ_EXAMPLES=2000 for a longer hunt than CI's
SETTINGS = settings(max_examples=int(os.environ.get("SEQEBM_FUZZ_EXAMPLES", 60)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
ALPHABETS = {"protein": PROTEIN, "rna": RNA, "binary": get_alphabet("binary")}
NAME = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, blacklist_characters=">"), min_size=1, max_size=12)


@st.composite
def alignments(draw):
    """(alphabet name, (N, L) states without all-gap rows, names)."""
    name = draw(st.sampled_from(sorted(ALPHABETS)))
    alphabet = ALPHABETS[name]
    n = draw(st.integers(1, 12))
    length = draw(st.integers(1, 40))
    flat = draw(st.lists(st.integers(0, alphabet.q - 1), min_size=n * length, max_size=n * length))
    states = np.array(flat, dtype=np.uint8).reshape(n, length)
    if alphabet.has_gap:
        all_gap = (states == alphabet.gap_index).all(axis=1)
        states[all_gap, 0] = (alphabet.gap_index + 1) % alphabet.q
    names = draw(st.lists(NAME, min_size=n, max_size=n))
    return name, states, names


def _tmp(suffix: str, data: bytes) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="seqebm-prop-"))
    path = folder / f"input{suffix}"
    path.write_bytes(data)
    return path


@SETTINGS
@given(alignments(), st.integers(1, 80), st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_fasta_round_trip_with_wrapping_line_endings_and_gzip(alignment, width, newline, compress):
    name, states, names = alignment
    alphabet = ALPHABETS[name]
    lines = []
    for record, row in zip(names, alphabet.decode(states)):
        lines.append(">" + record)
        lines.extend(row[i : i + width] for i in range(0, len(row), width))
    data = (newline.join(lines) + newline).encode()
    path = _tmp(".fasta.gz" if compress else ".fasta", gzip.compress(data) if compress else data)
    ds = read_msa(path, alphabet=name)
    assert ds.names == names
    np.testing.assert_array_equal(ds.sequences, states)


@SETTINGS
@given(alignments())
def test_write_fasta_then_read_is_identity(alignment):
    name, states, names = alignment
    path = Path(tempfile.mkdtemp(prefix="seqebm-prop-")) / "out.fasta"
    write_fasta(path, states, ALPHABETS[name], names)
    ds = read_msa(path, alphabet=name)
    assert ds.names == names
    np.testing.assert_array_equal(ds.sequences, states)


@SETTINGS
@given(alignments())
def test_one_hot_encoding_is_exact(alignment):
    name, states, _ = alignment
    q = ALPHABETS[name].q
    encoded = one_hot(torch.as_tensor(states).long(), q)
    assert encoded.shape == (*states.shape, q)
    assert torch.all(encoded.sum(-1) == 1)
    np.testing.assert_array_equal(encoded.argmax(-1).numpy(), states)


@SETTINGS
@given(st.integers(1, 10), st.integers(1, 30), st.sampled_from([2, 3]), st.data())
def test_hapt_round_trip(n, length, q, data):
    flat = data.draw(st.lists(st.integers(0, q - 1), min_size=n * length, max_size=n * length))
    states = np.array(flat, dtype=np.uint8).reshape(n, length)
    states[0, 0] = q - 1  # the largest value present decides q
    names = [f"ind{i}" for i in range(n)]
    path = Path(tempfile.mkdtemp(prefix="seqebm-prop-")) / "g.hapt"
    write_hapt(path, states, names)
    ds = read_hapt(path)
    assert ds.q == q and ds.names == names
    np.testing.assert_array_equal(ds.sequences, states)


SUFFIXES = [".fasta", ".fasta.gz", ".a2m", ".sto", ".csv", ".hapt", ".npy", ".idx3-ubyte", ".dat", ".txt", ""]


@SETTINGS
@given(st.binary(min_size=0, max_size=400), st.sampled_from(SUFFIXES))
def test_random_bytes_never_crash(raw, suffix):
    path = _tmp(suffix, raw)
    try:
        load_dataset(path)
    except SeqebmError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)


VALID_FASTA = b">s1 a\nACDEFGHIK\n>s2 b\nAC-EFGHIK\n>s3 c\nGCDEF-HIK\n"


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(VALID_FASTA)), st.integers(0, 255), st.sampled_from(["set", "insert", "delete"])),
                min_size=1, max_size=6),
       st.sampled_from([".fasta", ".a2m", ".csv"]))
def test_mutated_alignments_load_or_raise_documented_errors(mutations, suffix):
    raw = bytearray(VALID_FASTA)
    for position, value, op in mutations:
        position = min(position, len(raw) - 1) if raw else 0
        if op == "set" and raw:
            raw[position] = value
        elif op == "insert":
            raw.insert(position, value)
        elif raw:
            del raw[position]
    path = _tmp(suffix, bytes(raw))
    try:
        ds = load_dataset(path)
    except SeqebmError as exc:
        assert "\n" not in str(exc)
    else:
        assert ds.n_sequences >= 1 and ds.sequences.max() < ds.q


def _model_bytes() -> bytes:
    gen = torch.Generator().manual_seed(1)
    couplings = torch.randn(4, 3, 4, 3, generator=gen)
    couplings = (couplings + couplings.permute(2, 3, 0, 1)) / 2
    for i in range(4):
        couplings[i, :, i, :] = 0
    return model_to_bytes(Potts(torch.randn(4, 3, generator=gen), couplings, alphabet="ABC"))


MODEL_BYTES = _model_bytes()


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, len(MODEL_BYTES) - 1), st.integers(0, 255)), min_size=1, max_size=8))
def test_corrupted_model_files_are_refused_cleanly(flips):
    raw = bytearray(MODEL_BYTES)
    for position, value in flips:
        raw[position] = value
    path = _tmp(".npz", bytes(raw))
    try:
        model = load_model(path)
    except ModelFileError as exc:
        assert "\n" not in str(exc)
    else:  # a flip in an unused byte (zip padding, a compressed stream that survives) may leave a valid model
        assert torch.isfinite(model.couplings).all()


@SETTINGS
@given(st.dictionaries(st.sampled_from(["kind", "shapes", "alphabet", "format", "metadata", "dtypes", "visible"]),
                       st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=3),
                                 st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)),
                       min_size=1, max_size=3))
def test_tampered_metadata_is_refused_cleanly(changes):
    import json

    members = {}
    with zipfile.ZipFile(io.BytesIO(MODEL_BYTES)) as zf:
        for name in zf.namelist():
            members[name] = zf.read(name)
    meta = json.loads(members["metadata.json"])
    meta.update(changes)
    members["metadata.json"] = json.dumps(meta).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path = _tmp(".npz", buf.getvalue())
    try:
        load_model(path)
    except ModelFileError as exc:
        assert "\n" not in str(exc)


@pytest.mark.parametrize("text", ["ACDEFGHIKLMNPQRSTVWY-", "acgu-", "01"])
def test_guessed_alphabet_covers_the_symbols(text, tmp_path):
    path = tmp_path / "x.fasta"
    path.write_text(f">a\n{text}\n>b\n{text[::-1]}\n")
    ds = read_msa(path)
    assert set(text.upper()) <= set(ds.alphabet.symbols)
