"""The compiled CPU kernel of Potts Gibbs site updates (``potts_sweep.c``): built on first use, loaded with ctypes.

The torch kernel makes about ten tensor calls per site update, a fixed cost that dominates when a model holds few
chains (tempering ladders, small samples). The C loop has none; it computes the same numbers in the same order.
It is built once per source, compiler and CPU with the system C compiler (``$CC``, else ``cc``) into a cache folder
(``$SEQEBM_CACHE_DIR``, else ``~/.cache/seqebm``), written atomically so that concurrent processes can share it.
Where no compiler works, or ``SEQEBM_NATIVE=0``, :func:`kernel` returns None and the torch kernel runs instead:
the kernel is an acceleration, never a requirement.
"""
from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import torch

SOURCE = Path(__file__).with_name("potts_sweep.c")
FLAG_SETS = (["-O3", "-march=native"], ["-O3"])  # -march=native is not understood by every compiler
BUILD_SECONDS = 120
MAX_STRIDE = 256  # the kernel's largest padded alphabet (QMAX in potts_sweep.c)


def enabled() -> bool:
    """False when the user turned the compiled kernel off (``SEQEBM_NATIVE=0``)."""
    return os.environ.get("SEQEBM_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    return Path(os.environ.get("SEQEBM_CACHE_DIR") or Path.home() / ".cache" / "seqebm") / "native"


def _cpu_signature() -> str:
    """What a -march=native build depends on: the CPU's model and feature flags (a shared home folder may be used
    from machines of different CPUs)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        wanted = [ln for ln in lines if ln.startswith(("model name", "flags", "Features", "CPU part"))]
        return "\n".join(sorted(set(wanted)))
    except OSError:
        return platform.processor()


def _build(compiler: str, target: Path) -> bool:
    """Compile SOURCE into ``target`` (atomically); True on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for flags in FLAG_SETS:
        handle, partial = tempfile.mkstemp(suffix=".so", dir=target.parent)
        os.close(handle)
        command = [compiler, *flags, "-shared", "-fPIC", "-pthread", str(SOURCE), "-o", partial, "-lm"]
        try:
            done = subprocess.run(command, capture_output=True, timeout=BUILD_SECONDS)
            if done.returncode == 0:
                os.chmod(partial, 0o755)  # mkstemp makes it private; a shared cache folder serves other users too
                os.replace(partial, target)
                return True
        except (OSError, subprocess.SubprocessError):
            pass
        finally:
            if os.path.exists(partial):
                os.unlink(partial)
    return False


@lru_cache(maxsize=None)
def _load(compiler_name: str) -> ctypes.CDLL | None:
    compiler = shutil.which(compiler_name)
    if compiler is None:
        return None
    key = hashlib.sha256("\n".join([SOURCE.read_text(), compiler, repr(FLAG_SETS), platform.machine(),
                                    _cpu_signature()]).encode()).hexdigest()[:16]
    target = cache_dir() / f"potts_sweep-{key}.so"
    try:
        if not target.exists() and not _build(compiler, target):
            return None
        library = ctypes.CDLL(str(target))
    except OSError:
        return None
    pointer, count = ctypes.c_void_p, ctypes.c_int64
    library.potts_sites.argtypes = [pointer, pointer, pointer, pointer, count, pointer, count, count, count, count, count,
                                    count, pointer, pointer, ctypes.c_int]
    library.potts_sites.restype = ctypes.c_int
    library.potts_log_weights.argtypes = [pointer, pointer, pointer, pointer, pointer, count, count, count, count, count,
                                          count, pointer, pointer, pointer, ctypes.c_int]
    library.potts_log_weights.restype = ctypes.c_int
    return library


def kernel(tensor: torch.Tensor | None = None) -> ctypes.CDLL | None:
    """The loaded kernel library, or None (turned off, no working compiler, or not a build this machine can load).
    With ``tensor`` (a model's fields, (L, q)): None also where the kernel does not apply to it (not a CPU float32
    tensor, or an alphabet wider than the kernel's)."""
    if tensor is not None and (tensor.device.type != "cpu" or tensor.dtype != torch.float32
                               or padded_alphabet(tensor.shape[-1]) > MAX_STRIDE):
        return None
    return _load(os.environ.get("CC", "cc")) if enabled() else None


def padded_alphabet(q: int) -> int:
    """The row stride of the kernel's tables: q rounded up to its vector width (4 up to q = 4, else 8)."""
    width = 4 if q <= 4 else 8
    return -(-q // width) * width


def potts_sites(library: ctypes.CDLL, table: torch.Tensor, fields: torch.Tensor, index: torch.Tensor,
                sites: torch.Tensor, uniforms: torch.Tensor, n_per_rung: int, q: int,
                neighbours: tuple[torch.Tensor, torch.Tensor] | None = None) -> None:
    """Run the updates of ``sites`` in place on ``index`` (see potts_sweep.c for the layout; tensors must be
    contiguous CPU float32 / int64, tables padded to :func:`padded_alphabet`)."""
    n_total, length = index.shape
    failed = library.potts_sites(table.data_ptr(), fields.data_ptr(), index.data_ptr(), sites.data_ptr(), len(sites),
                                 uniforms.data_ptr(), n_total, n_per_rung, length, table.shape[1], q, table.shape[2],
                                 *_pointers(neighbours), torch.get_num_threads())
    _check(failed, q, table)


def potts_log_weights(library: ctypes.CDLL, table: torch.Tensor, fields: torch.Tensor, states: torch.Tensor,
                      jobs: torch.Tensor, q: int, neighbours: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """(P, N) float64 log weights of ``states[jobs[p, 0]]`` ((S, N, L) int64 values) under table block
    ``jobs[p, 1]``, from the same tables as :func:`potts_sites`."""
    states, jobs = states.contiguous(), jobs.to(torch.long).contiguous()
    n_chains, length = states.shape[1], states.shape[2]
    job_state, job_block = jobs[:, 0].contiguous(), jobs[:, 1].contiguous()
    out = torch.empty(len(jobs), n_chains, dtype=torch.float64)
    failed = library.potts_log_weights(table.data_ptr(), fields.data_ptr(), states.data_ptr(), job_state.data_ptr(),
                                       job_block.data_ptr(), len(jobs), n_chains, length, table.shape[1], q,
                                       table.shape[2], *_pointers(neighbours), out.data_ptr(), torch.get_num_threads())
    _check(failed, q, table)
    return out


def _check(failed: int, q: int, table: torch.Tensor) -> None:
    if failed:
        raise ValueError(f"native Potts kernel refused its arguments (q={q}, stride {table.shape[2]})")


def _pointers(neighbours: tuple[torch.Tensor, torch.Tensor] | None) -> tuple[int | None, int | None]:
    return (None, None) if neighbours is None else (neighbours[0].data_ptr(), neighbours[1].data_ptr())
