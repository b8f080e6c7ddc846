"""Model files: a zip of ``metadata.json`` plus one ``.npy`` per parameter tensor (numpy's npz layout).

Loading reads only JSON and plain numeric arrays (``allow_pickle=False``): a pickle, an object array, an unknown
member, a shape that disagrees with the metadata, or a non-finite value is refused with :class:`ModelFileError`.
"""
from __future__ import annotations

import io
import json
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch

from seqebm._version import __version__
from seqebm.device import resolve_device
from seqebm.errors import ConfigError, ModelFileError
from seqebm.fileio import atomic_write
from seqebm.io.alphabets import from_json
from seqebm.models.base import EnergyModel
from seqebm.models.registry import MODELS

FORMAT = "seqebm-model"
FORMAT_VERSION = 1
_MAX_METADATA_BYTES = 16 * 1024 * 1024
_NAN_ALLOWED = {"extra/log"}  # a training log inside a checkpoint: NaN marks "not measured at this update"
# what a damaged archive or member can raise while being read (bad headers, CRC, deflate stream, npy header)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError, KeyError)


def model_to_bytes(model: EnergyModel, extra_arrays: dict[str, np.ndarray] | None = None) -> bytes:
    """Serialise ``model`` (and optional extra numeric arrays, e.g. persistent chains) to bytes."""
    tensors = {name: t.detach().cpu().numpy() for name, t in model.file_tensors().items()}
    sampler = {f"sampler/{k}": v.detach().cpu().numpy() for k, v in model.sampler_state.items()}
    extra = {f"extra/{k}": np.asarray(v) for k, v in {**sampler, **(extra_arrays or {})}.items()}
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "seqebm_version": __version__,
        "kind": model.kind,
        "alphabet": model.alphabet.to_json(),
        "shapes": {name: list(a.shape) for name, a in {**tensors, **extra}.items()},
        "dtypes": {name: str(a.dtype) for name, a in {**tensors, **extra}.items()},
        "metadata": model.metadata,
        "structure": model.file_record(),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("metadata.json", json.dumps(meta, indent=1, sort_keys=True, default=_json_default))
        for name, array in {**tensors, **extra}.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            zf.writestr(f"{name}.npy", member.getvalue())
    return buf.getvalue()


def save_model(model: EnergyModel, path: str | Path, extra_arrays: dict[str, np.ndarray] | None = None) -> Path:
    """Write ``model`` to ``path`` atomically (temporary file, fsync, rename)."""
    data = model_to_bytes(model, extra_arrays)
    with atomic_write(path, "wb") as fh:
        fh.write(data)
    return Path(path)


def read_metadata(path: str | Path) -> dict:
    """The user metadata of a model file (training options and state, sampling defaults) without reading its tensors."""
    path = Path(path)
    return _user_metadata(_open_model_file(path)[2], path)


def _open_model_file(path: Path) -> tuple[zipfile.ZipFile, list[str], dict]:
    """The validated zip archive of a model file, its member names and its parsed metadata.json."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"cannot read model file ({exc.strerror or exc})", path=path) from None
    if raw[:1] == b"\x80":
        raise ModelFileError("file is a Python pickle; seqebm never unpickles model files", path=path)
    if not raw.startswith(b"PK"):
        raise ModelFileError("not a seqebm model file (not a zip archive)", path=path)
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
        names = zf.namelist()
    except _ZIP_ERRORS as exc:
        raise ModelFileError(f"corrupt model file ({exc})", path=path) from None
    if "data.pkl" in names or any(n.endswith(".pkl") or "/data.pkl" in n for n in names):
        raise ModelFileError("file is a torch/pickle archive; seqebm never unpickles model files", path=path)
    if "metadata.json" not in names:
        raise ModelFileError("no metadata.json in model file", path=path)
    info = zf.getinfo("metadata.json")
    if info.file_size > _MAX_METADATA_BYTES:
        raise ModelFileError("metadata.json is implausibly large", path=path)
    try:
        meta = json.loads(zf.read("metadata.json").decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError, *_ZIP_ERRORS) as exc:
        raise ModelFileError(f"unreadable metadata.json ({exc})", path=path) from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError("metadata.json does not describe a seqebm model", path=path)
    return zf, names, meta


def _user_metadata(meta: dict, path: Path) -> dict:
    user_meta = meta.get("metadata", {})
    if not isinstance(user_meta, dict):
        raise ModelFileError("metadata 'metadata' entry must be an object", path=path)
    return user_meta


def load_model(
    path: str | Path, device: str | torch.device | None = "cpu", with_extra: bool = False
) -> EnergyModel | tuple[EnergyModel, dict[str, np.ndarray]]:
    """Read a model file written by :func:`save_model`; ``with_extra`` also returns the extra arrays."""
    path = Path(path)
    zf, names, meta = _open_model_file(path)
    kind = meta.get("kind")
    if not isinstance(kind, str) or kind not in MODELS:
        raise ModelFileError(f"unknown model kind {kind!r}", path=path)
    cls = MODELS[kind]
    structure = meta.get("structure", {})
    if not isinstance(structure, dict):
        raise ModelFileError("metadata 'structure' entry must be an object", path=path)
    shapes = meta.get("shapes")
    if not isinstance(shapes, dict):
        raise ModelFileError("metadata has no 'shapes' table", path=path)
    expected_members = {"metadata.json"} | {f"{n}.npy" for n in shapes}
    unexpected = sorted(set(names) - expected_members)
    if unexpected:
        raise ModelFileError(f"unexpected member(s) {unexpected} in model file", path=path)
    arrays: dict[str, np.ndarray] = {}
    for name, shape in shapes.items():
        if not (isinstance(shape, list) and all(isinstance(d, int) and not isinstance(d, bool) for d in shape)):
            raise ModelFileError(f"metadata shape of {name!r} is not a list of integers", path=path)
        member = f"{name}.npy"
        if member not in names:
            raise ModelFileError(f"tensor {name!r} listed in metadata is missing", path=path)
        try:
            array = np.lib.format.read_array(io.BytesIO(zf.read(member)), allow_pickle=False)
        except _ZIP_ERRORS as exc:
            raise ModelFileError(f"tensor {name!r} is not a plain numeric array ({' '.join(str(exc).split())})", path=path) from None
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise ModelFileError(f"tensor {name!r} has non-numeric dtype {array.dtype}", path=path)
        if list(array.shape) != list(shape):
            raise ModelFileError(f"tensor {name!r} has shape {list(array.shape)}, metadata says {shape}", path=path)
        if np.issubdtype(array.dtype, np.floating) and name not in _NAN_ALLOWED and not np.isfinite(array).all():
            raise ModelFileError(f"tensor {name!r} contains NaN/inf", path=path)
        arrays[name] = array
    try:
        alphabet = from_json(meta.get("alphabet", {}))
    except Exception as exc:
        raise ModelFileError(f"invalid alphabet in metadata ({exc})", path=path) from None
    dev = resolve_device(device)
    try:
        needed = cls.file_parameter_names(structure)
    except ConfigError as exc:
        raise ModelFileError(str(exc), path=path) from None
    missing = [n for n in needed if n not in arrays]
    if missing:
        raise ModelFileError(f"model file lacks parameter tensor(s) {missing}", path=path)
    params = {n: torch.as_tensor(arrays[n]).to(dev) for n in needed}
    user_meta = _user_metadata(meta, path)
    try:
        model = cls.from_file(params, alphabet, user_meta, structure)
    except Exception as exc:  # shape, dtype or symmetry inconsistencies, unknown unit types: never a deep traceback
        raise ModelFileError(f"inconsistent parameters ({' '.join(str(exc).split())})", path=path) from None
    model.sampler_state = {n[len("extra/sampler/"):]: torch.as_tensor(a).to(dev) for n, a in arrays.items()
                           if n.startswith("extra/sampler/")}
    if with_extra:
        extra = {n[len("extra/"):]: a for n, a in arrays.items() if n.startswith("extra/") and not n.startswith("extra/sampler/")}
        return model, extra
    return model


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    if isinstance(obj, (Path,)):
        return str(obj)
    if isinstance(obj, torch.Tensor) and obj.numel() == 1:
        return obj.item()
    raise TypeError(f"metadata value of type {type(obj).__name__} is not JSON-serialisable")
