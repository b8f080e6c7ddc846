"""What every seqebm model shares: named parameter tensors, metadata, device moves, saving, sampling."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import ClassVar

import torch

from seqebm.io.alphabets import Alphabet, get_alphabet


class EnergyModel:
    """Base class: subclasses declare ``kind`` and ``parameter_names`` and store those tensors as attributes."""

    kind: ClassVar[str] = ""
    parameter_names: ClassVar[tuple[str, ...]] = ()

    alphabet: Alphabet
    metadata: dict

    def _init_common(self, alphabet: str | Alphabet | None, q: int, metadata: dict | None) -> None:
        if alphabet is None:
            from seqebm.io.alphabets import NAMED

            alphabet = next((a for a in NAMED.values() if a.q == q), None) or get_alphabet("".join(chr(65 + i) for i in range(q)))
        self.alphabet = get_alphabet(alphabet)
        if self.alphabet.q != q:
            from seqebm.errors import ConfigError

            raise ConfigError(f"alphabet {self.alphabet.symbols!r} has {self.alphabet.q} states, the model {q}")
        self.metadata = dict(metadata or {})

    # ---- tensors
    def tensors(self) -> dict[str, torch.Tensor]:
        """The parameter tensors by name (the objects themselves, not copies)."""
        return {name: getattr(self, name) for name in self.parameter_names}

    @property
    def device(self) -> torch.device:
        return next(iter(self.tensors().values())).device

    @property
    def dtype(self) -> torch.dtype:
        return next(iter(self.tensors().values())).dtype

    def to(self, device: str | torch.device | None = None, dtype: torch.dtype | None = None) -> "EnergyModel":
        """A copy on ``device`` with ``dtype`` (parameters moved, metadata copied)."""
        from seqebm.device import resolve_device

        out = copy.copy(self)
        out.metadata = copy.deepcopy(self.metadata)
        dev = resolve_device(device) if device is not None else self.device
        for name, tensor in self.tensors().items():
            setattr(out, name, tensor.to(device=dev, dtype=dtype or tensor.dtype))
        return out

    def clone(self) -> "EnergyModel":
        out = self.to()
        for name, tensor in self.tensors().items():
            setattr(out, name, tensor.clone())
        return out

    def parameters_finite(self) -> bool:
        return all(bool(torch.isfinite(t).all()) for t in self.tensors().values())

    def save(self, path: str | Path) -> Path:
        """Write the model file (tensors + JSON metadata, no pickle), atomically."""
        from seqebm.models.files import save_model

        return save_model(self, path)
