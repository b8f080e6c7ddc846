"""Write the corpus of hostile inputs (``files/``) and its manifest (``cases.csv``).

Run from anywhere: ``python tests/corpus/make_corpus.py``. The output is deterministic and committed, so the
files can be opened and inspected; ``tests/test_corpus.py`` runs every case through the CLI and the Python API.

Manifest columns:
  case     : identifier
  argv     : the seqebm command line, ``{f}`` = the corpus file folder, ``{out}`` = a fresh output folder
  outcome  : ``error`` (documented one-line error) or ``ok`` (odd but valid: must load, checks in ``expect``)
  error    : the exception class the Python API raises (``seqebm.errors``)
  where    : text the one-line message must contain (file name and line/column when it has one)
  expect   : for ``ok`` cases, ``N=..;L=..;q=..`` of the loaded dataset
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import pickle
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
FILES = HERE / "files"

GOOD_FASTA = ">s1 family=A\nACDEFG\n>s2 family=A\nAC-EFG\n>s3 family=B\nGCDEF-\n"
GOOD_LABELS = "name\tfamily\ns1\tA\ns2\tA\ns3\tB\n"
GOOD_HAPT = "p1 POP 0 1 1 0\np2 POP 1 1 0 0\np3 POP 0 0 1 1\n"


def _npy(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def _idx(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def _model_zip(tamper: str | None = None) -> bytes:
    """A valid 3-site q=2 Potts model file written by seqebm, then optionally tampered with."""
    import torch

    from seqebm.models.files import model_to_bytes
    from seqebm.models.potts import Potts

    gen = torch.Generator().manual_seed(0)
    couplings = torch.randn(3, 2, 3, 2, generator=gen) * 0.1
    couplings = (couplings + couplings.permute(2, 3, 0, 1)) / 2
    for i in range(3):
        couplings[i, :, i, :] = 0
    model = Potts(torch.randn(3, 2, generator=gen) * 0.1, couplings, alphabet="01")
    raw = model_to_bytes(model)
    if tamper is None:
        return raw
    members = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        for name in zf.namelist():
            members[name] = zf.read(name)
    meta = json.loads(members["metadata.json"])
    if tamper == "shape":
        members["fields.npy"] = _npy(np.zeros((4, 2), dtype=np.float32))
    elif tamper == "metadata-json":
        members["metadata.json"] = members["metadata.json"][:-20]
    elif tamper == "metadata-kind":
        meta["kind"] = "transformer"
        members["metadata.json"] = json.dumps(meta).encode()
    elif tamper == "metadata-shapes":
        meta["shapes"]["fields"] = [5, 2]
        members["metadata.json"] = json.dumps(meta).encode()
    elif tamper == "extra-member":
        members["payload.pkl"] = pickle.dumps({"x": 1})
    elif tamper == "object-array":
        members["fields.npy"] = _npy(np.array([[1, "a"], [2, "b"], [3, "c"]], dtype=object), allow_pickle=True)
    elif tamper == "nan":
        fields = np.zeros((3, 2), dtype=np.float32)
        fields[1, 0] = np.nan
        members["fields.npy"] = _npy(fields)
    elif tamper == "asymmetric":
        couplings = np.zeros((3, 2, 3, 2), dtype=np.float32)
        couplings[0, 1, 2, 0] = 1.0
        members["couplings.npy"] = _npy(couplings)
    else:
        raise ValueError(tamper)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _protein_model() -> bytes:
    """A valid 6-site protein Potts model carrying its alignment's reference rows (for dms/score/contacts/sample)."""
    import torch

    from seqebm.models.files import model_to_bytes
    from seqebm.models.potts import Potts

    gen = torch.Generator().manual_seed(1)
    couplings = torch.randn(6, 21, 6, 21, generator=gen) * 0.1
    couplings = (couplings + couplings.permute(2, 3, 0, 1)) / 2
    for i in range(6):
        couplings[i, :, i, :] = 0
    metadata = {"data": {"kind": "msa", "L": 6, "q": 21, "reference": [["consensus", "ACDEFG"], ["s2", "AC-EFG"]]}}
    return model_to_bytes(Potts(torch.randn(6, 21, generator=gen) * 0.1, couplings, alphabet="protein", metadata=metadata))


def _plmc_truncated() -> bytes:
    """The header of a plmc file of L=6, q=21, cut short."""
    return np.array([6, 21, 0, 0, 0], "<i4").tobytes() + np.zeros(5, "<f4").tobytes() + b"-ACDEFGHIKLMNPQRSTVWY" + b"ACDE"


class _Evil:
    def __reduce__(self):  # executed by pickle.load: must never run
        return (print, ("seqebm unpickled an untrusted file",))


def build() -> list[dict]:
    """Return the case table and write every file."""
    rng = np.random.default_rng(0)
    good_gz = gzip.compress(GOOD_FASTA.encode(), mtime=0)
    files: dict[str, bytes] = {
        # --- alignments
        "empty.fasta": b"",
        "blank_lines.fasta": b"\n\n   \n\t\n",
        "truncated.fasta.gz": good_gz[: len(good_gz) // 2],
        "corrupt.fasta.gz": b"\x1f\x8b\x08\x00" + bytes(rng.integers(0, 256, 200, dtype=np.uint8)),
        "binary_junk.fasta": bytes(rng.integers(0, 256, 500, dtype=np.uint8)),
        "png_renamed.fasta": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(40),
        "latin1_header.fasta": ">s1 caf\xe9\nACDEFG\n>s2\nACDEFG\n".encode("latin-1"),
        "utf16_no_bom.fasta": GOOD_FASTA.encode("utf-16-le"),
        "header_without_sequence.fasta": b">s1\nACDEFG\n>s2\n>s3\nACDEFG\n",
        "last_header_without_sequence.fasta": b">s1\nACDEFG\n>s2\nACDEFG\n>s3\n",
        "sequence_without_header.fasta": b"ACDEFG\n>s1\nACDEFG\n",
        "headers_only.fasta": b">s1\n>s2\n>s3\n",
        "ragged.fasta": b">s1\nACDEFG\n>s2\nACDEFG\n>s3\nACDEF\n>s4\nACDEFG\n",
        "unknown_symbol.fasta": b">s1\nACDEFG\n>s2\nAC7EFG\n",
        "unknown_symbol_protein.fasta": b">s1\nACDEFG\n>s2\nACD#FG\n",
        "non_ascii_symbol.fasta": ">s1\nACDEFG\n>s2\nAC\u00c9EFG\n".encode("utf-8"),
        "all_gap_sequence.fasta": b">s1\nACDEFG\n>s2\n------\n>s3\nGCDEF-\n",
        "only_insertions.a2m": b">s1\nacdefg\n>s2\nacdefg\n",
        "a2m_match_mismatch.a2m": b">s1\nAC-efgDE\n>s2\nACDfgE\n",
        "single_sequence.fasta": b">only\nACDEFG\n",
        "mixed_case_insert.fasta": b">s1\nACDEFG\n>s2\nACdEFG\n",
        "stockholm_no_header.sto": b"s1 ACDEFG\ns2 ACDEFG\n//\n",
        "stockholm_truncated.sto": b"# STOCKHOLM 1.0\ns1 ACDEFG\ns2 ACDEFG\n",
        "stockholm_bad_line.sto": b"# STOCKHOLM 1.0\ns1 ACDEFG\ns2 ACD EFG\n//\n",
        "msa_no_sequence_column.csv": b"name,seq\ns1,ACDEFG\ns2,ACDEFG\n",
        "msa_empty_cell.csv": b"name,sequence\ns1,ACDEFG\ns2,\n",
        "msa_header_only.csv": b"name,sequence\n",
        # odd but valid
        "crlf.fasta": GOOD_FASTA.replace("\n", "\r\n").encode(),
        "old_mac_cr.fasta": GOOD_FASTA.replace("\n", "\r").encode(),
        "utf16_bom.fasta": GOOD_FASTA.encode("utf-16"),
        "utf8_bom.fasta": b"\xef\xbb\xbf" + GOOD_FASTA.encode(),
        "all_lowercase.fasta": "".join(l if l.startswith(">") else l.lower() for l in GOOD_FASTA.splitlines(True)).encode(),
        "all_gap_column.fasta": b">s1\nA-DEFG\n>s2\nA-DEFG\n>s3\nG-DEF-\n",
        "duplicated_names.fasta": b">s1\nACDEFG\n>s1\nAC-EFG\n>s3\nGCDEF-\n",
        "wrapped_with_spaces.fasta": b">s1\nACD EFG\n>s2\nAC-\nEFG\n>s3\n GCDEF-\n",
        "good.fasta": GOOD_FASTA.encode(),
        # --- labels
        "labels_missing_name.tsv": b"name\tfamily\ns1\tA\ns2\tA\n",
        "labels_extra_name.tsv": b"name\tfamily\ns1\tA\ns2\tA\ns3\tB\ns9\tC\n",
        "labels_duplicate_name.tsv": b"name\tfamily\ns1\tA\ns2\tA\ns2\tB\ns3\tB\n",
        "labels_no_name_column.tsv": b"id\tfamily\nx1\tA\nx2\tA\nx3\tB\n",
        "labels_empty.tsv": b"",
        "labels.tsv": GOOD_LABELS.encode(),
        # --- genotypes
        "genotype_value_3.hapt": b"p1 POP 0 1 1 0\np2 POP 1 3 0 0\np3 POP 0 0 1 1\n",
        "genotype_ragged.hapt": b"p1 POP 0 1 1 0\np2 POP 1 1 0\np3 POP 0 0 1 1\n",
        "genotype_missing_cell.hapt": b"p1 POP 0 1 1 0\np2 POP 1 NA 0 0\np3 POP 0 0 1 1\n",
        "genotype_letters.hapt": b"p1 POP 0 1 1 0\np2 POP 1 A 0 0\np3 POP 0 0 1 1\n",
        "genotype_nan.npy": _npy(np.array([[0, 1, 1], [1, np.nan, 0], [0, 0, 1]])),
        "genotype_3d.npy": _npy(np.zeros((2, 3, 4, 5), dtype=np.int8)),
        "genotype_pickle.npy": pickle.dumps(_Evil()),
        "genotype_object_array.npy": _npy(np.array([[0, 1], [1, None]], dtype=object), allow_pickle=True),
        "genotype_table_bad.csv": b"name,snp1,snp2\np1,0,1\np2,1,-1\np3,0,0\n",
        "genotype_no_rows.hapt": b"\n\n",
        # --- images
        "images_truncated.idx3-ubyte": _idx(rng.integers(0, 256, (5, 28, 28)))[:-100],
        "images_bad_magic.idx3-ubyte": b"\x01\x02\x03\x04" + bytes(100),
        "images_header_only.idx3-ubyte": b"\x00\x00\x08\x03\x00\x00",
        "images_nan.npy": _npy(np.full((3, 4, 4), np.nan)),
        "images_wrong_size.npy": (rng.random((5, 27, 28)) > 0.5).astype(np.uint8) * 255,
        "images_good.npy": (rng.random((5, 28, 28)) > 0.5).astype(np.uint8) * 255,
        "labels_too_few.idx1-ubyte": bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + bytes([1, 2, 3]),
        # --- model files
        "model_good.npz": _model_zip(),
        "model_pickle.npz": pickle.dumps(_Evil()),
        "model_pickle_named.bin": pickle.dumps({"fields": [0.0]}),
        "model_torch_save.npz": b"PK\x03\x04",  # replaced below by a torch.save zip
        "model_truncated.npz": _model_zip()[:300],
        "model_empty.npz": b"",
        "model_text.npz": b"this is not a model\n",
        "model_wrong_shape.npz": _model_zip("shape"),
        "model_bad_metadata_json.npz": _model_zip("metadata-json"),
        "model_unknown_kind.npz": _model_zip("metadata-kind"),
        "model_metadata_shapes.npz": _model_zip("metadata-shapes"),
        "model_extra_member.npz": _model_zip("extra-member"),
        "model_object_array.npz": _model_zip("object-array"),
        "model_nan.npz": _model_zip("nan"),
        "model_asymmetric.npz": _model_zip("asymmetric"),
        "adabmdca_bad_line.dat": b"J 0 1 0 0 0.1\nJ 0 1 zero 1 0.2\nh 0 0 0.1\nh 0 1 0.2\nh 1 0 0\nh 1 1 0\n",
        "adabmdca_nan.dat": b"J 0 1 0 0 nan\nh 0 0 0.1\nh 0 1 0.2\nh 1 0 0\nh 1 1 0\n",
        "adabmdca_no_fields.dat": b"J 0 1 0 0 0.1\n",
        # samples for analyze
        "samples_wrong_length.fasta": b">x1\nACDEF\n>x2\nACDEF\n",
        # using models: mutants files for dms, a plmc file
        "model_protein.npz": _protein_model(),
        "plmc_truncated.model_params": _plmc_truncated(),
        "mutants_empty.csv": b"",
        "mutants_no_column.csv": b"variant,score\nA1C,0.1\n",
        "mutants_bad_syntax.csv": b"mutant,score\nA1C,0.1\nA2,0.2\n",
        "mutants_outside_protein.csv": b"mutant,score\nA1C,0.1\nG40A,0.2\n",
        "mutants_wrong_wild_type.csv": b"mutant,score\nA1C,0.1\nD2C,0.3\n",
        "mutants_bad_residue.csv": b"mutant,score\nA1Z,0.1\n",
    }
    files["images_wrong_size.npy"] = _npy(files["images_wrong_size.npy"])
    files["images_good.npy"] = _npy(files["images_good.npy"])
    import torch

    buf = io.BytesIO()
    torch.save({"fields": torch.zeros(3, 2)}, buf)
    files["model_torch_save.npz"] = buf.getvalue()

    FILES.mkdir(parents=True, exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    for name, data in files.items():
        (FILES / name).write_bytes(data)

    E = "error"
    cases = [
        # case, argv, outcome, error class, where, expect
        ("empty_file", "info {f}/empty.fasta", E, "ParseError", "empty.fasta: file is empty", ""),
        ("blank_lines", "info {f}/blank_lines.fasta", E, "ParseError", "blank_lines.fasta", ""),
        ("truncated_gzip", "info {f}/truncated.fasta.gz", E, "ParseError", "truncated.fasta.gz", ""),
        ("corrupt_gzip", "info {f}/corrupt.fasta.gz", E, "ParseError", "corrupt.fasta.gz", ""),
        ("binary_junk", "info {f}/binary_junk.fasta", E, "ParseError", "binary_junk.fasta:", ""),
        ("png_renamed", "info {f}/png_renamed.fasta", E, "ParseError", "png_renamed.fasta:3:1", ""),
        ("latin1_header", "info {f}/latin1_header.fasta", E, "ParseError", "latin1_header.fasta:1:8", ""),
        ("utf16_without_bom", "info {f}/utf16_no_bom.fasta", E, "ParseError", "utf16_no_bom.fasta: text looks like UTF-16 without a byte-order mark", ""),
        ("header_without_sequence", "info {f}/header_without_sequence.fasta", E, "ParseError", "header_without_sequence.fasta:3", ""),
        ("last_header_without_sequence", "info {f}/last_header_without_sequence.fasta", E, "ParseError", "last_header_without_sequence.fasta:5", ""),
        ("sequence_without_header", "info {f}/sequence_without_header.fasta", E, "ParseError", "sequence_without_header.fasta:1", ""),
        ("headers_only", "info {f}/headers_only.fasta", E, "ParseError", "headers_only.fasta:1", ""),
        ("ragged_alignment", "info {f}/ragged.fasta", E, "ShapeError", "ragged.fasta:5, record 's3'", ""),
        ("unknown_symbol_digit", "info {f}/unknown_symbol.fasta", E, "AlphabetError", "unknown_symbol.fasta:4:3, record 's2'", ""),
        ("unknown_symbol_given_alphabet", "info {f}/unknown_symbol_protein.fasta --alphabet protein", E, "AlphabetError", "unknown_symbol_protein.fasta:4:4, record 's2'", ""),
        ("non_ascii_symbol", "info {f}/non_ascii_symbol.fasta", E, "AlphabetError", "non_ascii_symbol.fasta:4:3", ""),
        ("all_gap_sequence", "info {f}/all_gap_sequence.fasta", E, "ParseError", "all_gap_sequence.fasta:3, record 's2'", ""),
        ("only_insertions", "info {f}/only_insertions.a2m", E, "ShapeError", "only_insertions.a2m:1", ""),
        ("a2m_match_mismatch", "info {f}/a2m_match_mismatch.a2m", E, "ShapeError", "a2m_match_mismatch.a2m:3", ""),
        ("single_sequence_fit", "fit {f}/single_sequence.fasta --out {out} --updates 2", E, "InputError", "single_sequence.fasta", ""),
        ("stockholm_no_header", "info {f}/stockholm_no_header.sto", E, "ParseError", "stockholm_no_header.sto:1", ""),
        ("stockholm_truncated", "info {f}/stockholm_truncated.sto", E, "ParseError", "stockholm_truncated.sto:", ""),
        ("stockholm_bad_line", "info {f}/stockholm_bad_line.sto", E, "ParseError", "stockholm_bad_line.sto:3", ""),
        ("msa_csv_no_sequence_column", "info {f}/msa_no_sequence_column.csv --format msa-csv", E, "ParseError", "msa_no_sequence_column.csv:1", ""),
        ("msa_csv_empty_cell", "info {f}/msa_empty_cell.csv", E, "ParseError", "msa_empty_cell.csv:3, record 's2'", ""),
        ("msa_csv_header_only", "info {f}/msa_header_only.csv", E, "ParseError", "msa_header_only.csv:2", ""),
        ("labels_extra_name", "info {f}/good.fasta --labels {f}/labels_extra_name.tsv", E, "LabelError", "labels_extra_name.tsv:5", ""),
        ("labels_missing_name", "info {f}/good.fasta --labels {f}/labels_missing_name.tsv", E, "LabelError", "labels_missing_name.tsv", ""),
        ("labels_duplicate_name", "info {f}/good.fasta --labels {f}/labels_duplicate_name.tsv", E, "LabelError", "labels_duplicate_name.tsv:4", ""),
        ("labels_no_name_column", "info {f}/good.fasta --labels {f}/labels_no_name_column.tsv", E, "LabelError", "labels_no_name_column.tsv:1", ""),
        ("labels_empty", "info {f}/good.fasta --labels {f}/labels_empty.tsv", E, "ParseError", "labels_empty.tsv", ""),
        ("labels_duplicated_data_names", "info {f}/duplicated_names.fasta --labels {f}/labels.tsv", E, "LabelError", "duplicated_names.fasta, record 's1'", ""),
        ("genotype_value_out_of_alphabet", "info {f}/genotype_value_3.hapt", E, "AlphabetError", "genotype_value_3.hapt:2:4", ""),
        ("genotype_ragged", "info {f}/genotype_ragged.hapt", E, "ShapeError", "genotype_ragged.hapt:2", ""),
        ("genotype_missing_cell", "info {f}/genotype_missing_cell.hapt", E, "MissingValueError", "genotype_missing_cell.hapt:2:4", ""),
        ("genotype_letters", "info {f}/genotype_letters.hapt", E, "AlphabetError", "genotype_letters.hapt:2:4", ""),
        ("genotype_nan_npy", "info {f}/genotype_nan.npy --format genotype-npy", E, "MissingValueError", "genotype_nan.npy:2:2", ""),
        ("genotype_4d_npy", "info {f}/genotype_3d.npy --format genotype-npy", E, "ShapeError", "genotype_3d.npy", ""),
        ("genotype_pickle_npy", "info {f}/genotype_pickle.npy", E, "ParseError", "genotype_pickle.npy", ""),
        ("genotype_object_npy", "info {f}/genotype_object_array.npy", E, "ParseError", "genotype_object_array.npy", ""),
        ("genotype_table_negative", "info {f}/genotype_table_bad.csv", E, "MissingValueError", "genotype_table_bad.csv:3:3", ""),
        ("genotype_no_rows", "info {f}/genotype_no_rows.hapt", E, "ParseError", "genotype_no_rows.hapt", ""),
        ("images_truncated_idx", "info {f}/images_truncated.idx3-ubyte", E, "ShapeError", "images_truncated.idx3-ubyte", ""),
        ("images_bad_magic", "info {f}/images_bad_magic.idx3-ubyte", E, "ParseError", "images_bad_magic.idx3-ubyte", ""),
        ("images_header_only", "info {f}/images_header_only.idx3-ubyte", E, "ParseError", "images_header_only.idx3-ubyte", ""),
        ("images_nan", "info {f}/images_nan.npy", E, "ParseError", "images_nan.npy", ""),
        ("images_wrong_size_vs_data", "analyze --data {f}/images_good.npy --samples {f}/images_wrong_size.npy --out {out}", E, "ShapeError", "images_wrong_size.npy", ""),
        ("image_labels_too_few", "info {f}/images_good.npy --labels {f}/labels_too_few.idx1-ubyte", E, "LabelError", "labels_too_few.idx1-ubyte", ""),
        ("samples_wrong_length", "analyze --data {f}/good.fasta --samples {f}/samples_wrong_length.fasta --out {out}", E, "ShapeError", "samples_wrong_length.fasta", ""),
        ("model_pickle", "sample {f}/model_pickle.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_pickle.npz: file is a Python pickle", ""),
        ("model_pickle_other_name", "convert {f}/model_pickle_named.bin {out}/m.npz", E, "ModelFileError", "model_pickle_named.bin", ""),
        ("model_torch_save", "sample {f}/model_torch_save.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_torch_save.npz", ""),
        ("model_truncated", "sample {f}/model_truncated.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_truncated.npz", ""),
        ("model_empty", "sample {f}/model_empty.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_empty.npz", ""),
        ("model_text", "sample {f}/model_text.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_text.npz", ""),
        ("model_wrong_shape", "sample {f}/model_wrong_shape.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_wrong_shape.npz", ""),
        ("model_bad_metadata_json", "sample {f}/model_bad_metadata_json.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_bad_metadata_json.npz", ""),
        ("model_unknown_kind", "sample {f}/model_unknown_kind.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_unknown_kind.npz", ""),
        ("model_metadata_shapes", "sample {f}/model_metadata_shapes.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_metadata_shapes.npz", ""),
        ("model_extra_member", "sample {f}/model_extra_member.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_extra_member.npz", ""),
        ("model_object_array", "sample {f}/model_object_array.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_object_array.npz", ""),
        ("model_nan", "sample {f}/model_nan.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_nan.npz", ""),
        ("model_asymmetric", "sample {f}/model_asymmetric.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "model_asymmetric.npz", ""),
        ("model_missing_file", "sample {f}/no_such_model.npz --out {out}/s.fasta --n 5", E, "ModelFileError", "no_such_model.npz", ""),
        ("adabmdca_bad_line", "convert {f}/adabmdca_bad_line.dat {out}/m.npz", E, "ModelFileError", "adabmdca_bad_line.dat:2", ""),
        ("adabmdca_nan", "convert {f}/adabmdca_nan.dat {out}/m.npz", E, "ModelFileError", "adabmdca_nan.dat", ""),
        ("adabmdca_no_fields", "convert {f}/adabmdca_no_fields.dat {out}/m.npz", E, "ModelFileError", "adabmdca_no_fields.dat", ""),
        ("dms_bad_wild_type", "dms {f}/model_protein.npz --wt AC1EFG --out {out}/d.csv", E, "ConfigError", "'1' at residue 3", ""),
        ("dms_empty_wild_type", "dms {f}/model_protein.npz --wt - --out {out}/d.csv", E, "ConfigError", "wild type is empty", ""),
        ("dms_missing_wild_type_file", "dms {f}/model_protein.npz --wt {f}/no_such_wt.fasta --out {out}/d.csv", E, "ConfigError", "no_such_wt.fasta", ""),
        ("dms_empty_mutants", "dms {f}/model_protein.npz --wt ACDEFG --mutants {f}/mutants_empty.csv --out {out}/d.csv", E, "ParseError", "mutants_empty.csv: file is empty", ""),
        ("dms_no_mutant_column", "dms {f}/model_protein.npz --wt ACDEFG --mutants {f}/mutants_no_column.csv --out {out}/d.csv", E, "ParseError", "mutants_no_column.csv:1", ""),
        ("dms_mutant_syntax", "dms {f}/model_protein.npz --wt ACDEFG --mutants {f}/mutants_bad_syntax.csv --out {out}/d.csv", E, "ParseError", "mutants_bad_syntax.csv:3", ""),
        ("dms_position_outside_protein", "dms {f}/model_protein.npz --wt ACDEFG --mutants {f}/mutants_outside_protein.csv --out {out}/d.csv", E, "ParseError", "mutants_outside_protein.csv:3", ""),
        ("dms_wrong_wild_type_residue", "dms {f}/model_protein.npz --wt ACDEFG --mutants {f}/mutants_wrong_wild_type.csv --out {out}/d.csv", E, "ParseError", "mutants_wrong_wild_type.csv:3", ""),
        ("dms_mutant_residue_not_in_alphabet", "dms {f}/model_protein.npz --wt ACDEFG --mutants {f}/mutants_bad_residue.csv --out {out}/d.csv", E, "ParseError", "mutants_bad_residue.csv:2", ""),
        ("score_wrong_length", "score {f}/model_protein.npz {f}/samples_wrong_length.fasta --out {out}/s.csv", E, "ShapeError", "samples_wrong_length.fasta", ""),
        ("contacts_bad_distance_map", "contacts {f}/model_protein.npz --distances {f}/good.fasta --out {out}", E, "ParseError", "good.fasta:1", ""),
        ("sample_fix_outside", "sample {f}/model_protein.npz --fix 99=A --n 5 --out {out}/s.fasta", E, "ConfigError", "column 99", ""),
        ("sample_fix_bad_residue", "sample {f}/model_protein.npz --fix 2=Z --n 5 --out {out}/s.fasta", E, "ConfigError", "'Z' at column 2", ""),
        ("convert_unknown_output_format", "convert {f}/model_good.npz {out}/m.safetensors", E, "ConfigError", "m.safetensors", ""),
        ("plmc_truncated", "convert {f}/plmc_truncated.model_params {out}/m.npz", E, "ModelFileError", "plmc_truncated.model_params", ""),
        ("missing_input_file", "fit {f}/does_not_exist.fasta --out {out}", E, "ParseError", "does_not_exist.fasta: no such file", ""),
        ("directory_as_input", "info {f}", E, "ParseError", "files: is a directory", ""),
        # odd but valid inputs: must load, with the same content as good.fasta
        ("crlf_line_endings", "info {f}/crlf.fasta", "ok", "", "", "N=3;L=6;q=21"),
        ("cr_line_endings", "info {f}/old_mac_cr.fasta", "ok", "", "", "N=3;L=6;q=21"),
        ("utf16_with_bom", "info {f}/utf16_bom.fasta", "ok", "", "", "N=3;L=6;q=21"),
        ("utf8_with_bom", "info {f}/utf8_bom.fasta", "ok", "", "", "N=3;L=6;q=21"),
        ("all_lowercase_fasta", "info {f}/all_lowercase.fasta", "ok", "", "", "N=3;L=6;q=21"),
        ("all_gap_column", "info {f}/all_gap_column.fasta", "ok", "", "", "N=3;L=6;q=21"),
        ("duplicated_names_without_labels", "info {f}/duplicated_names.fasta", "ok", "", "", "N=3;L=6;q=21"),
        ("spaces_and_wrapping", "info {f}/wrapped_with_spaces.fasta", "ok", "", "", "N=3;L=6;q=21"),
        # equal lengths only with its lowercase letters: soft-masked residues, read as residues (with a note)
        ("soft_masked_fasta", "info {f}/mixed_case_insert.fasta", "ok", "", "", "N=2;L=6;q=21"),
        
    ]
    rows = [dict(zip(("case", "argv", "outcome", "error", "where", "expect"), c)) for c in cases]
    with open(HERE / "cases.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


if __name__ == "__main__":
    rows = build()
    print(f"wrote {len(list(FILES.iterdir()))} files and {len(rows)} cases "
          f"({sum(r['outcome'] == 'error' for r in rows)} bad inputs) to {HERE}")
