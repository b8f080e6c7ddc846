import gzip

import numpy as np
import pytest

from seqebm import AlphabetError, ParseError, ShapeError, load_dataset, read_msa
from seqebm.errors import ConfigError
from seqebm.io import PROTEIN, RNA, get_alphabet
from tests.paths import PF00014, PF00072

FASTA = ">s1 first\nAC-D\n>s2\nacDY\n"  # lowercase = insertions (A2M) -> dropped by default


def test_fasta_known_encoding(write):
    ds = read_msa(write("a.fasta", ">s1 desc\nAC-D\n>s2\nYWVA\n"), alphabet="protein")
    assert ds.names == ["s1", "s2"]
    assert ds.alphabet is PROTEIN
    np.testing.assert_array_equal(ds.sequences, [[1, 2, 0, 3], [20, 19, 18, 1]])
    assert ds.meta["headers"][0] == "s1 desc"


def test_multiline_crlf_and_gzip(write):
    ds = read_msa(write("a.fa.gz", ">s1\r\nAC\r\nDE\r\n>s2\r\nFG\r\nHI\r\n"), alphabet="protein")
    assert ds.decoded() == ["ACDE", "FGHI"]


def test_a2m_insertions_dropped(write):
    # a2m: lowercase letters and '.' are insert states
    ds = read_msa(write("b.a2m", ">s1\nA.C-Ek\n>s2\nAaCD-\n"), alphabet="protein")
    assert ds.decoded() == ["AC-E", "ACD-"]


def test_a3m_and_keep_insertions(write):
    path = write("a.a3m", ">q\nACDE\n>h\nAgC-yE\n")
    assert read_msa(path, alphabet="protein").decoded() == ["ACDE", "AC-E"]
    with pytest.raises(ShapeError):
        read_msa(path, alphabet="protein", insertions="keep")


def test_stockholm(write):
    text = "# STOCKHOLM 1.0\n#=GF ID test\ns1/1-4 AC.D-\ns2/1-5 ACeDY\n//\n"
    ds = read_msa(write("a.sto", text), alphabet="protein")
    assert ds.names == ["s1/1-4", "s2/1-5"]
    assert ds.decoded() == ["ACD-", "ACDY"]


def test_ambiguous_codes_map_to_gap_or_error(write):
    path = write("a.fasta", ">s\nAXBZ\n")
    np.testing.assert_array_equal(read_msa(path, alphabet="protein").sequences, [[1, 0, 0, 0]])
    with pytest.raises(AlphabetError, match="column 2"):
        read_msa(path, alphabet="protein", ambiguous="error")


def test_rna_dna_binary_custom(write):
    assert read_msa(write("r.fasta", ">a\nACGU-\n>b\nNNAC-\n")).alphabet is RNA
    ds = read_msa(write("r2.fasta", ">a\nACGU-\n>b\nNNACT\n"), alphabet="rna")
    np.testing.assert_array_equal(ds.sequences, [[1, 2, 3, 4, 0], [0, 0, 1, 2, 4]])  # N -> gap, T read as U
    ds = read_msa(write("d.fasta", ">a\nACGT\n"), alphabet="dna")
    np.testing.assert_array_equal(ds.sequences, [[1, 2, 3, 4]])
    ds = read_msa(write("b.fasta", ">a\n0110\n"), alphabet="binary")
    np.testing.assert_array_equal(ds.sequences, [[0, 1, 1, 0]])
    ds = read_msa(write("c.fasta", ">a\nXYZX\n"), alphabet="XYZ")
    np.testing.assert_array_equal(ds.sequences, [[0, 1, 2, 0]])
    assert ds.q == 3


def test_unknown_alphabet_name_is_an_error():
    with pytest.raises(ConfigError):
        get_alphabet("x")
    with pytest.raises(ConfigError):
        get_alphabet("AAB")


def test_msa_csv_with_labels(write):
    ds = load_dataset(write("m.csv", "header,sequence,label\nx1,AC-,True\nx2,ACD,False\n"), alphabet="protein")
    assert ds.names == ["x1", "x2"]
    assert list(ds.labels["label"]) == ["True", "False"]
    np.testing.assert_array_equal(ds.sequences, [[1, 2, 0], [1, 2, 3]])


def test_biopython_engine_agrees(write):
    path = write("a.fasta", ">s1\nAC-D\n>s2\nYWVA\n")
    fast = read_msa(path, alphabet="protein")
    bio = read_msa(path, alphabet="protein", engine="biopython")
    np.testing.assert_array_equal(fast.sequences, bio.sequences)


@pytest.mark.parametrize("path, n, length", [(PF00014, 13600, 53), (PF00072, 29716, 112)])
def test_real_families_match_independent_counts(path, n, length):
    text = gzip.open(path, "rt").read().split("\n")
    headers = [line for line in text if line.startswith(">")]
    first = text[1]
    ds = read_msa(path)
    assert ds.n_sequences == len(headers) == n
    assert ds.length == len(first) == length
    assert ds.q == 21 and ds.alphabet is PROTEIN
    # first sequence decodes back to the file's text
    assert ds.decoded()[0] == first


# ---------------- bad input: one typed error naming the file and the position
@pytest.mark.parametrize(
    "content, error, fragment",
    [
        ("ACDE\n>s\nAC\n", ParseError, ":1"),  # sequence before first header
        (">s1\n>s2\nAC\n", ParseError, "record 's1'"),  # header without sequence
        (">s1\nAC\n>s2\n", ParseError, "record 's2'"),  # last header without sequence
        (">s1\nACD\n>s2\nAC\n", ShapeError, ":3"),  # ragged
        (">s1\nAC*\n", AlphabetError, "column 3"),  # unknown symbol
        (b"\x00\x01\x02binary junk", ParseError, "binary"),
        (b">s1\nAC\xff\xfe\xfa\n", ParseError, ":2"),
        ("", ParseError, "empty"),
        ("\n\n  \n", ParseError, "empty"),
    ],
)
def test_bad_fasta(write, content, error, fragment):
    path = write("bad.fasta", content)
    with pytest.raises(error) as info:
        read_msa(path, alphabet="protein")
    message = str(info.value)
    assert str(path) in message
    assert fragment in message
    assert "\n" not in message


def test_corrupt_gzip(write, tmp_path):
    good = gzip.compress(b">s\nACDE\n" * 1000)
    path = tmp_path / "x.fasta.gz"
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ParseError, match="gzip"):
        read_msa(path)


def test_missing_file(tmp_path):
    with pytest.raises(ParseError, match="no such file"):
        read_msa(tmp_path / "nope.fasta")
