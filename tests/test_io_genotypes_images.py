import gzip

import numpy as np
import pytest

from seqebm import AlphabetError, LabelError, MissingValueError, ParseError, ShapeError, load_dataset
from seqebm.io import detect_format, read_hapt, read_images, read_labels
from seqebm.io.labels import labels_from_headers
from tests.paths import HAPT, HAPT_LABELS, ISING, MNIST, MNIST_LABELS


def test_hapt_known_encoding(write):
    ds = read_hapt(write("g.hapt", "Real A_1 0 1 1\nReal A_2 1 0 0\n"))
    assert ds.names == ["A_1", "A_2"] and ds.q == 2 and ds.kind == "genotypes"
    np.testing.assert_array_equal(ds.sequences, [[0, 1, 1], [1, 0, 0]])


def test_ternary_genotypes_table(write):
    ds = load_dataset(write("g.csv", "id,rs1,rs2,rs3\nx,0,1,2\ny,2,2,0\n"))
    assert ds.q == 3 and ds.names == ["x", "y"]
    assert ds.meta["variants"] == ["rs1", "rs2", "rs3"]
    np.testing.assert_array_equal(ds.sequences, [[0, 1, 2], [2, 2, 0]])


def test_genotype_npy_and_tsv(write, tmp_path):
    arr = np.array([[0, 1], [1, 1], [1, 0]], dtype=np.int8)
    np.save(tmp_path / "g.npy", arr)
    ds = load_dataset(tmp_path / "g.npy")
    assert ds.kind == "genotypes" and ds.q == 2
    np.testing.assert_array_equal(ds.sequences, arr)
    ds = load_dataset(write("g.tsv", "a\tb\n0\t1\n1\t0\n"))
    np.testing.assert_array_equal(ds.sequences, [[0, 1], [1, 0]])


def test_missing_policies(write):
    path = write("g.hapt", "R a 0 1 1\nR b 1 NA 0\nR c 1 1 0\n")
    with pytest.raises(MissingValueError) as info:
        read_hapt(path)
    assert ":2:4" in str(info.value)  # line 2, field 4
    assert read_hapt(path, missing="drop").names == ["a", "c"]
    np.testing.assert_array_equal(read_hapt(path, missing="mode").sequences[1], [1, 1, 0])


@pytest.mark.parametrize(
    "content, error, fragment",
    [
        ("R a 0 1 1\nR b 1 0\n", ShapeError, ":2"),
        ("R a 0 1 5\n", AlphabetError, ":1:5"),
        ("R a\n", ShapeError, "fields"),
        ("", ParseError, "empty"),
    ],
)
def test_bad_hapt(write, content, error, fragment):
    path = write("bad.hapt", content)
    with pytest.raises(error) as info:
        read_hapt(path)
    assert str(path) in str(info.value) and fragment in str(info.value)


def test_nan_in_npy(tmp_path):
    arr = np.array([[0.0, 1.0], [np.nan, 1.0]])
    np.save(tmp_path / "g.npy", arr)
    with pytest.raises(MissingValueError, match=":2:1"):
        load_dataset(tmp_path / "g.npy", format="genotype-npy")


def test_pickled_npy_refused(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ParseError, match="pickle|plain"):
        load_dataset(tmp_path / "o.npy", format="genotype-npy")


def test_real_haplotypes_with_population_labels():
    lines = gzip.open(HAPT, "rt").read().splitlines()
    ds = load_dataset(HAPT, labels=HAPT_LABELS)
    assert ds.n_sequences == len(lines) == 5008
    assert ds.length == len(lines[0].split()) - 2 == 805
    assert ds.q == 2
    np.testing.assert_array_equal(ds.sequences[0], [int(v) for v in lines[0].split()[2:]])
    counts = ds.labels["super_pop"].value_counts()
    assert counts["AFR"] == 1322 and counts["AMR"] == 694
    assert list(ds.labels.index[:2]) == ["HG00096_A", "HG00096_B"]


def test_ising_spins():
    ds = load_dataset(ISING)
    assert ds.kind == "spins" and ds.n_sequences == 10000 and ds.length == 64
    first = [int(v) for v in gzip.open(ISING, "rt").readline().split()]
    np.testing.assert_array_equal(ds.spins()[0].numpy(), first)


def test_mnist_idx_and_labels():
    ds = load_dataset(MNIST, labels=MNIST_LABELS)
    raw = np.frombuffer(gzip.open(MNIST).read(), np.uint8, offset=16).reshape(-1, 784)
    assert detect_format(MNIST) == "idx"
    assert (ds.n_sequences, ds.length, ds.q, ds.shape) == (10000, 784, 2, (28, 28))
    np.testing.assert_array_equal(ds.sequences, (raw > 127).astype(np.uint8))
    assert ds.labels["digit"].value_counts()[1] == 1135


def test_images_npy_threshold_and_shape(tmp_path):
    arr = np.array([[[0.2, 0.9], [0.6, 0.1]]])
    np.save(tmp_path / "im.npy", arr)
    ds = read_images(tmp_path / "im.npy")
    np.testing.assert_array_equal(ds.sequences, [[0, 1, 1, 0]])
    with pytest.raises(ShapeError, match="2x2.*28x28"):
        read_images(tmp_path / "im.npy", image_shape=(28, 28))


def test_truncated_idx(tmp_path):
    raw = gzip.open(MNIST).read()[: 16 + 784 * 3 + 10]
    (tmp_path / "t-idx3-ubyte").write_bytes(raw)
    with pytest.raises(ShapeError, match="truncated"):
        read_images(tmp_path / "t-idx3-ubyte")


def test_labels_keyed_by_name(write):
    ds = read_hapt(write("g.hapt", "R a 0 1\nR b 1 0\n"))
    lab = read_labels(write("l.tsv", "name\tpop\nb\tX\na\tY\n"), ds)
    assert list(lab.labels["pop"]) == ["Y", "X"]
    with pytest.raises(LabelError, match="unknown sequence 'c'"):
        read_labels(write("l2.tsv", "name\tpop\na\tY\nb\tX\nc\tZ\n"), ds)
    with pytest.raises(LabelError, match="no label for sequence 'b'"):
        read_labels(write("l3.tsv", "name\tpop\na\tY\n"), ds)
    with pytest.raises(LabelError, match="twice"):
        read_labels(write("l4.tsv", "name\tpop\na\tY\na\tZ\nb\tX\n"), ds)


def test_labels_from_header_regex(write):
    ds = load_dataset(write("a.fasta", ">P1_HUMAN/1-3\nACD\n>P2_MOUSE/1-3\nACE\n"), label_regex=r"_([A-Z]+)/")
    assert list(ds.labels["label"]) == ["HUMAN", "MOUSE"]
    with pytest.raises(LabelError):
        labels_from_headers(ds, r"_(\d+)/")
