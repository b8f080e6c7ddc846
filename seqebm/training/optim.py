"""Gradient-ascent optimisers over a model's named tensors, with state that checkpoints as plain arrays."""
from __future__ import annotations

import math

import torch

from seqebm.errors import ConfigError


class Optimizer:
    """SGD or Adam ascent on the log-likelihood: ``step(params, grads)`` updates ``params`` in place."""

    def __init__(self, kind: str, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        if kind not in ("sgd", "adam"):
            raise ConfigError(f"unknown optimizer {kind!r}: use sgd or adam")
        self.kind, self.lr, self.betas, self.eps = kind, lr, betas, eps
        self.steps = 0
        self.state: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def step(self, params: dict[str, torch.Tensor], grads: dict[str, torch.Tensor]) -> None:
        self.steps += 1
        if self.kind == "sgd":
            for name, g in grads.items():
                params[name].add_(g, alpha=self.lr)
            return
        b1, b2 = self.betas
        for name, g in grads.items():
            m = self.state.setdefault(f"{name}.m", torch.zeros_like(g))
            v = self.state.setdefault(f"{name}.v", torch.zeros_like(g))
            m.mul_(b1).add_(g, alpha=1 - b1)
            v.mul_(b2).addcmul_(g, g, value=1 - b2)
            step_size = self.lr * math.sqrt(1 - b2**self.steps) / (1 - b1**self.steps)
            params[name].addcdiv_(m, v.sqrt().add_(self.eps), value=step_size)

    def state_arrays(self) -> dict[str, torch.Tensor]:
        return dict(self.state)

    def load_state(self, arrays: dict[str, torch.Tensor], steps: int) -> None:
        self.state = {k: v.clone() for k, v in arrays.items()}
        self.steps = steps
