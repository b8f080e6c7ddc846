"""Device selection shared by every module."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Return a torch.device; ``"auto"``/None picks CUDA when available, else CPU."""
    if isinstance(device, torch.device):
        return device
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ConfigError(f"unknown device {device!r}: use auto, cpu or cuda") from exc
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {device!r} requested but CUDA is not available (use --device auto or cpu)")
    return dev


def make_generator(seed: int | None, device: torch.device) -> torch.Generator:
    """A torch.Generator on ``device`` seeded with ``seed`` (random seed if None)."""
    gen = torch.Generator(device=device)
    if seed is None:
        gen.seed()
    else:
        gen.manual_seed(int(seed))
    return gen
