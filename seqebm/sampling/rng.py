"""Uniform random numbers for the samplers' hot loops.

On CPU, torch draws from a Mersenne Twister at roughly 3 ns per float32; numpy's PCG64 fills the same buffer
about twice as fast, which matters because an RBM Gibbs step spends a third of its time drawing uniforms.
On CPU the samplers therefore fill their uniform buffers in place from a PCG64 stream seeded from the caller's
torch.Generator; on CUDA they use the torch generator directly.

Reproducibility: the stream is attached to the torch generator. A sampler call continues the stream when the
generator is in the state the previous call left it in (so k steps run in pieces equal k steps at once), and
reseeds it from the generator otherwise (after manual_seed, chain initialisation, or a restored state), so a
run is a deterministic function of the generator's state.
"""
from __future__ import annotations

import weakref

import numpy as np
import torch


class UniformSource:
    """``fill(tensor)`` writes U[0, 1) numbers into a float tensor in place and returns it."""

    def __init__(self, generator: torch.Generator | None, device: torch.device) -> None:
        self.device = device
        self.generator = generator
        self._numpy = None
        self.generator_state = None
        if device.type == "cpu":
            seed = int(torch.randint(0, 2**62, (1,), generator=generator).item())
            self._numpy = np.random.Generator(np.random.PCG64(seed))
            if generator is not None:
                self.generator_state = generator.get_state()

    def fill(self, out: torch.Tensor) -> torch.Tensor:
        if self._numpy is not None and out.dtype in (torch.float32, torch.float64) and out.is_contiguous():
            array = out.numpy()
            self._numpy.random(out=array, dtype=array.dtype)
            return out
        return out.uniform_(generator=self.generator)


_SOURCES: "weakref.WeakKeyDictionary[torch.Generator, UniformSource]" = weakref.WeakKeyDictionary()


def uniform_source(generator: torch.Generator | None, device: torch.device | str) -> UniformSource:
    """The uniform source for ``generator`` on ``device`` (see the module docstring for the continuation rule)."""
    device = torch.device(device)
    if generator is None:
        return UniformSource(None, device)
    source = _SOURCES.get(generator)
    if (
        source is None
        or source.device != device
        or (source.generator_state is not None and not torch.equal(source.generator_state, generator.get_state()))
    ):
        source = UniformSource(generator, device)
        _SOURCES[generator] = source
    return source
