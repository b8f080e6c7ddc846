"""Random streams of the samplers, as explicit objects, and the cheap draws of their hot loops.

A :class:`RandomStream` wraps a ``torch.Generator``. On CPU, torch draws uniforms from a Mersenne Twister at about
3 ns per float32; numpy's PCG64 fills the same buffer about twice as fast, which matters because an RBM Gibbs step
spends a third of its time drawing uniforms. So on CPU the stream fills uniform buffers from a PCG64 generator
seeded from the torch generator; on CUDA it uses the torch generator directly.

Reproducibility: at the start of every kernel call (:meth:`RandomStream.prepare`) the PCG64 part is reseeded from the
torch generator if the torch generator has been drawn from since the last seeding (chain initialisation, minibatch
rows, :meth:`RandomStream.new_segment`, a restored or reseeded state), and continues otherwise (so k steps run in
pieces equal k steps at once on the same stream).
A run is therefore a deterministic function of the torch generator's state, which is what checkpoints store.
"""
from __future__ import annotations

import numpy as np
import torch

from seqebm.device import make_generator


class RandomStream:
    """The random state of one block of chains: ``generator`` (torch) plus, on CPU, a PCG64 uniform stream."""

    def __init__(self, generator: torch.Generator | None = None, device: torch.device | str | None = None,
                 seed: int | None = None) -> None:
        if generator is None:
            generator = make_generator(seed, torch.device(device or "cpu"))
        self.generator = generator
        self.device = torch.device(device) if device is not None else torch.device(generator.device)
        self._numpy: np.random.Generator | None = None
        self._seeded_at: torch.Tensor | None = None

    @classmethod
    def of(cls, stream: "RandomStream | torch.Generator | None", device: torch.device | str, seed: int | None = None) -> "RandomStream":
        """``stream`` itself, a stream over a given torch generator, or a new one from ``seed`` (random if None)."""
        if isinstance(stream, RandomStream):
            return stream
        if stream is None:
            return cls(make_generator(seed, torch.device(device)), device)
        return cls(stream, device)

    def uniform_(self, out: torch.Tensor) -> torch.Tensor:
        """Fill the float tensor ``out`` with U[0, 1) numbers in place and return it (continuing the uniform stream
        as :meth:`prepare` last left it: call that first whenever the torch generator may have been drawn from)."""
        if self.device.type == "cpu" and out.dtype in (torch.float32, torch.float64) and out.is_contiguous():
            if self._numpy is None:
                self.prepare()
            array = out.numpy()
            self._numpy.random(out=array, dtype=array.dtype)
            return out
        return out.uniform_(generator=self.generator)

    def prepare(self) -> None:
        """(Re)seed the uniform stream from the torch generator if the generator was drawn from since the last seeding.
        Kernels call it once before their loop (after their own torch draws, such as a random site order); the
        check costs a few microseconds, so it is not repeated for every fill."""
        if self.device.type == "cpu" and (self._numpy is None or not torch.equal(self._seeded_at, self.generator.get_state())):
            seed = int(torch.randint(0, 2**62, (1,), generator=self.generator).item())
            self._numpy = np.random.Generator(np.random.PCG64(seed))
            self._seeded_at = self.generator.get_state()

    def new_segment(self) -> None:
        """Draw once from the torch generator, so that what follows depends on the generator's state alone
        (a training run calls it at the start of every update: its checkpoints store only that state)."""
        torch.randint(0, 2, (1,), generator=self.generator, device=self.device)

    def get_state(self) -> torch.Tensor:
        return self.generator.get_state()

    def set_state(self, state: torch.Tensor) -> None:
        self.generator.set_state(state)


def sample_categorical(logits: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """One draw per row of ``logits`` (..., q) using ``uniforms`` (...,) in [0, 1).

    Inverse CDF on unnormalised weights exp(logit - max): the index of the first cumulative weight above
    u * total. One uniform per variable; several times cheaper than torch.multinomial.
    """
    weights = (logits - logits.amax(dim=-1, keepdim=True)).exp_()
    cdf = weights.cumsum_(dim=-1)
    target = uniforms.unsqueeze(-1) * cdf[..., -1:]
    return torch.searchsorted(cdf, target, right=True).squeeze(-1).clamp_(max=logits.shape[-1] - 1)


def sample_bernoulli_logits(preactivation: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
    """Bernoulli draws with P(1) = sigmoid(x), one uniform each: ceil(sigmoid(x) - u) is 1 exactly when u < sigmoid(x).

    Works in place on ``preactivation`` (callers pass a temporary): three in-place passes, no bool tensor and no
    dtype conversion in the hot loop.
    """
    return preactivation.sigmoid_().sub_(uniforms).ceil_()
