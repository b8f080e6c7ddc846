"""Memory estimates, so that jobs too large for the machine are refused up front with the numbers
instead of being killed by the out-of-memory killer halfway through.

``SEQEBM_MEMORY_LIMIT`` (bytes, or with a K/M/G/T suffix) caps the memory seqebm assumes it may use, e.g. on a
shared node; otherwise the available memory of the device is used (``MemAvailable`` on CPU).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import torch

from seqebm.errors import ConfigError, ResourceError

ENV_LIMIT = "SEQEBM_MEMORY_LIMIT"
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """``"512M"``, ``"2G"``, ``"1.5g"``, ``"1000000"`` -> bytes."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmMgGtT]?)[bB]?\s*", str(text))
    if not match:
        raise ConfigError(f"{ENV_LIMIT}={text!r} is not a size (e.g. 512M, 8G)")
    return int(float(match.group(1)) * _UNITS[match.group(2).upper()])


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def available_memory(device: str | torch.device = "cpu") -> int:
    """Bytes seqebm may allocate on ``device``: SEQEBM_MEMORY_LIMIT if set, else what the device has free."""
    limit = os.environ.get(ENV_LIMIT)
    if limit:
        return parse_size(limit)
    device = torch.device(device)
    if device.type == "cuda":
        free, _ = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 1 << 62  # unknown: do not refuse


def check_memory(required: int, what: str, device: str | torch.device = "cpu", path: str | Path | None = None, hint: str = "") -> None:
    """Raise :class:`ResourceError` when ``required`` bytes exceed what is available on ``device``."""
    available = available_memory(device)
    if required > available:
        source = f" ({ENV_LIMIT})" if os.environ.get(ENV_LIMIT) else ""
        raise ResourceError(
            f"{what} needs about {format_bytes(required)} of {torch.device(device).type} memory but only "
            f"{format_bytes(available)} is available{source}{'; ' + hint if hint else ''}",
            path=path,
        )


def text_file_memory(path: str | Path) -> int:
    """Bytes needed to read a (possibly gzipped) text file and encode it: raw, decoded and encoded copies."""
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as fh:
        head = fh.read(2)
        if head == b"\x1f\x8b" and size >= 18:
            fh.seek(-4, os.SEEK_END)
            # ISIZE: the uncompressed size modulo 2^32; a lower bound that is exact below 4 GiB
            size = max(size, int.from_bytes(fh.read(4), "little"))
    return 4 * size
