"""plmc's binary parameter file (``.model_params``, read by EVcouplings/EVmutation), version 2 layout, little endian:

    int32   L, q, N_valid, N_invalid, n_iterations
    float32 theta, lambda_h, lambda_J, lambda_group, N_eff
    char    alphabet[q]                  (plmc's protein order is "-ACDEFGHIKLMNPQRSTVWY", gap first, as seqebm's)
    float32 weights[N_valid + N_invalid]
    char    target_sequence[L]           (the focus sequence in the model's columns)
    int32   index_list[L]                (protein numbering of each column)
    float32 f_i[L][q], h_i[L][q]
    float32 f_ij[q][q] for every pair i < j (row: state of i), then J_ij[q][q] for every pair i < j

plmc's statistical energy is E = sum_i h_i(x_i) + sum_{i<j} J_ij(x_i, x_j) with p(x) ~ exp(E); seqebm's is its
negative (p ~ exp(-E)), so the parameters carry over unchanged. seqebm writes zero frequencies and weights (a model
file does not carry the data's statistics), its consensus as the target sequence and 1..L as the numbering; it
reads the target sequence and the numbering into the model's reference rows, so ``dms`` can map onto them.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from seqebm.errors import ConfigError, ModelFileError
from seqebm.fileio import atomic_write, read_bytes
from seqebm.io.alphabets import NAMED, get_alphabet
from seqebm.models.potts import Potts

_HEADER = np.dtype([("ints", "<i4", 5), ("floats", "<f4", 5)])
SUFFIXES = (".model_params", ".params")


def read_plmc(path: str | Path, dtype: torch.dtype = torch.float32) -> Potts:
    """A Potts model from a plmc v2 ``.model_params`` file (every size checked against the file's length)."""
    raw = read_bytes(path)
    if len(raw) < _HEADER.itemsize:
        raise ModelFileError("too short for a plmc parameter file", path=path)
    header = np.frombuffer(raw, _HEADER, count=1)[0]
    length, q, n_valid, n_invalid, _ = (int(v) for v in header["ints"])
    if not (0 < length <= 100_000 and 2 <= q <= 64 and n_valid >= 0 and n_invalid >= 0):
        raise ModelFileError(f"not a plmc parameter file (header L={length}, q={q}, N={n_valid}+{n_invalid})", path=path)
    pairs = length * (length - 1) // 2
    sizes = [q, 4 * (n_valid + n_invalid), length, 4 * length, 4 * length * q, 4 * length * q, 4 * pairs * q * q, 4 * pairs * q * q]
    expected = _HEADER.itemsize + sum(sizes)
    if len(raw) != expected:
        raise ModelFileError(f"plmc file of L={length}, q={q} should hold {expected} bytes, not {len(raw)}", path=path)
    offsets = np.cumsum([_HEADER.itemsize] + sizes)
    part = lambda k, dt: np.frombuffer(raw, dt, count=sizes[k] // np.dtype(dt).itemsize, offset=int(offsets[k]))  # noqa: E731
    try:
        symbols = bytes(part(0, "u1")).decode("ascii")
        target = bytes(part(2, "u1")).decode("ascii")
        alphabet = next((a for a in NAMED.values() if a.symbols == symbols), None) or get_alphabet(symbols)
    except (UnicodeDecodeError, ConfigError) as exc:
        raise ModelFileError(f"unreadable plmc alphabet or target sequence ({exc})", path=path) from None
    fields = part(5, "<f4").reshape(length, q).astype(np.float64)
    blocks = part(7, "<f4").reshape(pairs, q, q).astype(np.float64)
    if not (np.isfinite(fields).all() and np.isfinite(blocks).all()):
        raise ModelFileError("plmc parameters contain NaN/inf", path=path)
    couplings = np.zeros((length, q, length, q))
    i, j = np.triu_indices(length, k=1)
    couplings[i, :, j, :] = blocks
    couplings[j, :, i, :] = blocks.transpose(0, 2, 1)
    metadata = {"data": {"source": str(path), "kind": "msa", "L": length, "q": q,
                         "reference": [["plmc_target", target.upper().replace(".", "-")]]},
                "plmc": {"index_list": part(3, "<i4").tolist(), "target_sequence": target}}
    return Potts(torch.as_tensor(fields, dtype=dtype), torch.as_tensor(couplings, dtype=dtype), alphabet, metadata, check=False)


def write_plmc(model: Potts, path: str | Path) -> Path:
    """Write a Potts model as a plmc v2 ``.model_params`` file, atomically."""
    if not isinstance(model, Potts):
        raise ModelFileError("only Potts models can be written as plmc parameters", path=path)
    length, q = model.length, model.q
    reference = ((model.metadata or {}).get("data") or {}).get("reference") or []
    target = reference[0][1] if reference and len(reference[0][1]) == length else model.alphabet.symbols[0] * length
    header = np.zeros(1, _HEADER)
    header["ints"] = [length, q, 0, 0, 0]
    i, j = np.triu_indices(length, k=1)
    couplings = model.couplings.detach().cpu().numpy()
    parts = [header.tobytes(), model.alphabet.symbols.encode("ascii"), target.encode("ascii"),
             np.arange(1, length + 1, dtype="<i4").tobytes(), np.zeros((length, q), "<f4").tobytes(),
             model.fields.detach().cpu().numpy().astype("<f4").tobytes(), np.zeros((len(i), q, q), "<f4").tobytes(),
             couplings[i, :, j, :].astype("<f4").tobytes()]
    with atomic_write(path, "wb") as fh:
        fh.write(b"".join(parts))
    return Path(path)
