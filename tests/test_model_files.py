import io
import json
import pickle
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import torch

from seqebm import ModelFileError, load_model, read_adabmdca, save_model, write_adabmdca
from seqebm.io import PROTEIN
from seqebm.models.files import read_metadata
from tests.exact import random_potts, random_rbm


@pytest.mark.parametrize("make", [lambda: random_potts(5, 3), lambda: random_rbm(6, 4, None), lambda: random_rbm(4, 2, 3)])
def test_round_trip_is_exact(tmp_path, make):
    model = make()
    model.metadata = {"regime": "rdm", "k": 10, "init": "random", "seed": 3}
    path = save_model(model, tmp_path / "m.npz", extra_arrays={"chains": np.arange(6).reshape(2, 3)})
    back, extra = load_model(path, with_extra=True)
    assert type(back) is type(model) and back.metadata == model.metadata
    for name, tensor in model.tensors().items():
        assert torch.equal(tensor, back.tensors()[name])
    np.testing.assert_array_equal(extra["chains"], np.arange(6).reshape(2, 3))
    assert read_metadata(path) == model.metadata  # without reading the tensors
    meta = json.loads(zipfile.ZipFile(path).read("metadata.json"))
    assert meta["kind"] == model.kind and meta["seqebm_version"]


def test_pickle_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"fields": np.zeros(3)}))
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(path)
    with pytest.raises(ModelFileError, match="pickle"):
        read_metadata(path)
    torch.save({"fields": torch.zeros(3)}, tmp_path / "t.pt")
    with pytest.raises(ModelFileError, match="pickle"):
        load_model(tmp_path / "t.pt")


def _rewrite(path, out, edit_meta=None, add=None, replace=None):
    zin = zipfile.ZipFile(path)
    with zipfile.ZipFile(out, "w") as zout:
        for name in zin.namelist():
            data = zin.read(name)
            if name == "metadata.json" and edit_meta:
                meta = json.loads(data)
                edit_meta(meta)
                data = json.dumps(meta).encode()
            if replace and name in replace:
                data = replace[name]
            zout.writestr(name, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return out


def _npy(array, allow_pickle=False):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, array, allow_pickle=allow_pickle)
    return buf.getvalue()


def test_tampered_files_are_refused(tmp_path):
    path = save_model(random_potts(4, 3), tmp_path / "m.npz")
    cases = {
        "shape": dict(edit_meta=lambda m: m["shapes"].__setitem__("fields", [5, 3])),
        "kind": dict(edit_meta=lambda m: m.__setitem__("kind", "os.system")),
        "member": dict(add={"payload.pkl": b"\x80\x04."}),
        "object": dict(replace={"fields.npy": _npy(np.array([None] * 12, dtype=object).reshape(4, 3), True)}),
        "nan": dict(replace={"fields.npy": _npy(np.full((4, 3), np.nan, dtype=np.float32))}),
        "asym": dict(replace={"couplings.npy": _npy(np.random.default_rng(0).normal(size=(4, 3, 4, 3)).astype(np.float32))}),
    }
    for name, edits in cases.items():
        bad = _rewrite(path, tmp_path / f"{name}.npz", **edits)
        with pytest.raises(ModelFileError):
            load_model(bad)
    (tmp_path / "trunc.npz").write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFileError):
        load_model(tmp_path / "trunc.npz")


def test_adabmdca_round_trip(tmp_path):
    model = random_potts(5, 21, scale=0.3)
    model.alphabet = PROTEIN
    path = write_adabmdca(model, tmp_path / "params.dat")
    lines = path.read_text().splitlines()
    assert len(lines) == 10 * 21 * 21 + 5 * 21
    assert lines[0].startswith("J 0 1 - - ") and lines[-1].startswith("h 4 Y ")
    back = read_adabmdca(path, alphabet="protein")
    assert torch.equal(back.fields, model.fields) and torch.equal(back.couplings, model.couplings)


def test_adabmdca_hand_written_file(tmp_path):
    # two sites, binary-like alphabet with the gap first, as adabmDCA writes for a custom alphabet "-A"
    text = "J 0 1 - - 0.5\nJ 0 1 - A -1.0\nJ 0 1 A - 0.0\nJ 0 1 A A 2.0\nh 0 - 0.1\nh 0 A 0.2\nh 1 - 0.3\nh 1 A 0.4\n"
    (tmp_path / "p.dat").write_text(text)
    model = read_adabmdca(tmp_path / "p.dat", alphabet="-A")
    assert model.couplings[0, 0, 1, 1] == -1.0 and model.couplings[1, 1, 0, 0] == -1.0
    assert model.couplings[1, 0, 0, 1] == 0.0 and model.fields[1, 1] == pytest.approx(0.4)
    (tmp_path / "bad.dat").write_text("J 0 1 - - 0.5\nX what\n")
    with pytest.raises(ModelFileError, match=":2"):
        read_adabmdca(tmp_path / "bad.dat")


def test_convert_cli_round_trip(tmp_path):
    model = random_potts(4, 21, scale=0.2)
    model.alphabet = PROTEIN
    save_model(model, tmp_path / "m.npz")
    run = lambda *a: subprocess.run([sys.executable, "-m", "seqebm", "convert", *map(str, a)], capture_output=True, text=True)
    proc = run(tmp_path / "m.npz", tmp_path / "params.dat")
    assert proc.returncode == 0, proc.stderr
    proc = run(tmp_path / "params.dat", tmp_path / "back.npz")
    assert proc.returncode == 0, proc.stderr
    back = load_model(tmp_path / "back.npz")
    assert torch.equal(back.couplings, model.couplings) and torch.equal(back.fields, model.fields)
    (tmp_path / "x.npz").write_bytes(pickle.dumps(1))
    proc = run(tmp_path / "x.npz", tmp_path / "y.dat")
    assert proc.returncode != 0 and "pickle" in proc.stderr and "Traceback" not in proc.stderr


def test_reads_a_file_written_by_adabmdca():
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures"
    model = read_adabmdca(fixtures / "adabmdca_params_L3.dat", alphabet="protein")
    expected = np.load(fixtures / "adabmdca_params_L3_expected.npz")
    np.testing.assert_allclose(model.fields.numpy(), expected["fields"], atol=1e-6)
    np.testing.assert_allclose(model.couplings.numpy(), expected["couplings"], atol=1e-6)


def test_model_files_record_the_hidden_unit_type_and_old_files_load(tmp_path):
    """The file says which hidden units an RBM has; files of 0.1 (no such record) load as Bernoulli RBMs; an unknown
    unit type or a non-numeric parameter type is a ModelFileError, never a deep traceback."""
    rbm = random_rbm(6, 4, 3)
    path = save_model(rbm, tmp_path / "r.npz")
    meta = json.loads(zipfile.ZipFile(path).read("metadata.json"))
    assert meta["structure"] == {"hidden_units": "bernoulli"}

    def rewrite(name, change):
        src = zipfile.ZipFile(path)
        out = tmp_path / name
        with zipfile.ZipFile(out, "w") as zf:
            for member in src.namelist():
                data = src.read(member)
                if member == "metadata.json":
                    m = json.loads(data)
                    change(m)
                    data = json.dumps(m).encode()
                zf.writestr(member, data)
        return out

    old = rewrite("old.npz", lambda m: m.pop("structure"))
    assert load_model(old).hidden.kind == "bernoulli"
    with pytest.raises(ModelFileError, match="unknown hidden-unit type 'gaussianx'"):
        load_model(rewrite("bad.npz", lambda m: m.update(structure={"hidden_units": "gaussianx"})))
    potts = random_potts(3, 2)
    potts.fields, potts.couplings = potts.fields > 0, potts.couplings > 0
    with pytest.raises(ModelFileError):
        load_model(save_model(potts, tmp_path / "bool.npz"))
