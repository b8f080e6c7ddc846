"""The adabmDCA text parameter format: ``J i j A B value`` (i < j) then ``h i A value`` lines, 0-based positions,
alphabet letters (gap first for proteins), space separated. Older files use state numbers instead of letters."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from seqebm.errors import ModelFileError
from seqebm.fileio import atomic_write, read_text
from seqebm.io.alphabets import Alphabet, get_alphabet, guess_alphabet
from seqebm.models.potts import Potts


def write_adabmdca(model: Potts, path: str | Path) -> Path:
    """Write the couplings of every pair i < j (all q x q entries) then the fields, atomically."""
    if not isinstance(model, Potts):
        raise ModelFileError("only Potts models can be written in the adabmDCA format", path=path)
    letters = model.alphabet.symbols
    length, q = model.length, model.q
    j = model.couplings.detach().cpu().double().numpy().transpose(0, 2, 1, 3)  # (L, L, q, q)
    h = model.fields.detach().cpu().double().numpy()
    ii, jj = np.triu_indices(length, k=1)
    lines = []
    aa = np.repeat(np.arange(q), q)
    bb = np.tile(np.arange(q), q)
    for i, k in zip(ii.tolist(), jj.tolist()):
        block = j[i, k].reshape(-1)
        lines.extend(f"J {i} {k} {letters[a]} {letters[b]} {v!r}" for a, b, v in zip(aa.tolist(), bb.tolist(), block.tolist()))
    for i in range(length):
        lines.extend(f"h {i} {letters[a]} {v!r}" for a, v in enumerate(h[i].tolist()))
    with atomic_write(path) as fh:
        fh.write("\n".join(lines) + "\n")
    return Path(path)


def read_adabmdca(path: str | Path, alphabet: str | Alphabet | None = None, dtype: torch.dtype = torch.float32) -> Potts:
    """Read an adabmDCA parameter file into a Potts model (couplings symmetrised from the i < j lines).

    Letters are decoded with ``alphabet`` (guessed from the letters when None); numeric states are used as they are.
    Errors name the file and line.
    """
    text = read_text(path)
    j_rows, h_rows = [], []
    for lineno, line in enumerate(text.split("\n"), start=1):
        tokens = line.split()
        if not tokens or tokens[0].startswith("#"):
            continue
        tag = tokens[0]
        if tag == "J" and len(tokens) == 6:
            j_rows.append((lineno, tokens[1:]))
        elif tag == "h" and len(tokens) == 4:
            h_rows.append((lineno, tokens[1:]))
        else:
            raise ModelFileError("expected 'J i j a b value' or 'h i a value'", path=path, line=lineno)
    if not h_rows:
        raise ModelFileError("no field ('h') lines", path=path)
    states = {t[1] for _, t in h_rows}
    numeric = all(s.isdigit() for s in states)
    if numeric:
        q = max(int(s) for s in states) + 1
        alpha = get_alphabet(alphabet) if alphabet is not None else None
        decode = int
    else:
        alpha = get_alphabet(alphabet) if alphabet is not None else guess_alphabet(states)
        index = {c: n for n, c in enumerate(alpha.symbols)}
        q = alpha.q

        def decode(token: str) -> int:
            return index[token]

    try:
        length = max(int(t[0]) for _, t in h_rows) + 1
    except ValueError:
        raise ModelFileError("site index is not an integer", path=path) from None
    fields = np.zeros((length, q))
    couplings = np.zeros((length, q, length, q))
    for lineno, (i, a, value) in h_rows:
        try:
            fields[int(i), decode(a)] = float(value)
        except (KeyError, ValueError, IndexError):
            raise ModelFileError(f"bad field line ({i} {a} {value})", path=path, line=lineno) from None
    for lineno, (i, k, a, b, value) in j_rows:
        try:
            i, k, a, b, v = int(i), int(k), decode(a), decode(b), float(value)
            if i == k:
                raise ValueError
            couplings[i, a, k, b] = v
            couplings[k, b, i, a] = v
        except (KeyError, ValueError, IndexError):
            raise ModelFileError(f"bad coupling line ({' '.join(map(str, (i, k, a, b, value)))})", path=path, line=lineno) from None
    if not np.isfinite(fields).all() or not np.isfinite(couplings).all():
        raise ModelFileError("parameters contain NaN/inf", path=path)
    return Potts(torch.as_tensor(fields, dtype=dtype), torch.as_tensor(couplings, dtype=dtype), alpha, check=False)
