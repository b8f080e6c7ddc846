"""Visible layers of an RBM: how visible states enter the hidden units' input and how they are drawn given them.

``BernoulliVisible``: {0, 1} sites, weights (L, H), bias (L,) (the q = 2 one-hot form with state 0 pinned at zero,
which halves the work). ``PottsVisible``: q-state sites, weights (L, q, H), bias (L, q).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
import torch.nn.functional as F

from seqebm.encoding import one_hot
from seqebm.errors import ShapeError
from seqebm.rng import sample_bernoulli_logits, sample_categorical


class VisibleLayer(ABC):
    """The visible side of an RBM of ``length`` sites with ``q`` states each."""

    kind: ClassVar[str]

    def __init__(self, length: int, q: int) -> None:
        self.length, self.q = length, q

    @staticmethod
    def from_weights(weights: torch.Tensor) -> "VisibleLayer":
        """Bernoulli for (L, H) weights, Potts for (L, q, H)."""
        if weights.ndim == 2:
            return BernoulliVisible(weights.shape[0], 2)
        if weights.ndim == 3:
            return PottsVisible(weights.shape[0], weights.shape[1])
        raise ShapeError(f"weights must be (L, H) or (L, q, H), got {tuple(weights.shape)}")

    @property
    @abstractmethod
    def bias_shape(self) -> tuple[int, ...]:
        """Shape of the visible bias."""

    @property
    def width(self) -> int:
        """Number of rows of the weights once flattened to (width, H)."""
        return self.length * self.q

    @abstractmethod
    def working(self, states: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """The working form of (N, L) visible states (floats for Bernoulli, long for Potts)."""

    @abstractmethod
    def hidden_input(self, v: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """I(v) = sum_i W_i(v_i): (N, H)."""

    def hidden_field(self, v: torch.Tensor, weights: torch.Tensor, hidden_bias: torch.Tensor, beta: float) -> torch.Tensor:
        """beta (c + I(v)) as a fresh tensor: the hidden units' input in the sampler's hot loop."""
        return beta * (hidden_bias + self.hidden_input(v, weights))

    @abstractmethod
    def field(self, h: torch.Tensor, weights: torch.Tensor, visible_bias: torch.Tensor, beta: float) -> torch.Tensor:
        """beta (b + sum_mu W_mu h_mu): the log-odds (Bernoulli) or logits (Potts) of the visible units given h."""

    @abstractmethod
    def probabilities(self, field: torch.Tensor) -> torch.Tensor:
        """p(v_i = 1 | h) (N, L) for Bernoulli; p(v_i = a | h) (N, L, q) for Potts."""

    @abstractmethod
    def sample(self, field: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
        """Draw visible states from their field (in place on a temporary ``field``), one uniform per site."""

    @abstractmethod
    def bias_term(self, v: torch.Tensor, visible_bias: torch.Tensor) -> torch.Tensor:
        """sum_i b_i(v_i): (N,)."""

    @abstractmethod
    def flat(self, v: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        """(N, width) rows whose products with p(h | v) give the weight statistics."""

    @abstractmethod
    def bias_from_site_fields(self, fields: torch.Tensor) -> torch.Tensor:
        """The visible bias that adds (L, q) site ``fields`` to log p(v) (up to a constant)."""

    @abstractmethod
    def potts_form(self, weights: torch.Tensor, visible_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Weights (L, q, H) and bias (L, q) in the one-hot form of every visible type."""


class BernoulliVisible(VisibleLayer):
    kind = "bernoulli"

    @property
    def bias_shape(self) -> tuple[int, ...]:
        return (self.length,)

    @property
    def width(self) -> int:
        return self.length

    def working(self, states: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return states.to(dtype)

    def hidden_input(self, v: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        return v @ weights

    def hidden_field(self, v: torch.Tensor, weights: torch.Tensor, hidden_bias: torch.Tensor, beta: float) -> torch.Tensor:
        return torch.addmm(hidden_bias, v, weights, alpha=beta, beta=beta)  # fused bias-add

    def field(self, h: torch.Tensor, weights: torch.Tensor, visible_bias: torch.Tensor, beta: float) -> torch.Tensor:
        return torch.addmm(visible_bias, h, weights.T, alpha=beta, beta=beta)

    def probabilities(self, field: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(field)

    def sample(self, field: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
        return sample_bernoulli_logits(field, uniforms)

    def bias_term(self, v: torch.Tensor, visible_bias: torch.Tensor) -> torch.Tensor:
        return v @ visible_bias

    def flat(self, v: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return v

    def bias_from_site_fields(self, fields: torch.Tensor) -> torch.Tensor:
        return fields[:, 1] - fields[:, 0]

    def potts_form(self, weights: torch.Tensor, visible_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        w = torch.stack([torch.zeros_like(weights), weights], dim=1)  # state 1 carries W, state 0 zero
        return w, torch.stack([torch.zeros_like(visible_bias), visible_bias], dim=1)


class PottsVisible(VisibleLayer):
    kind = "potts"

    @property
    def bias_shape(self) -> tuple[int, ...]:
        return (self.length, self.q)

    def working(self, states: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return states.long()

    def hidden_input(self, v: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
        """A gather-sum over the L weight rows of each sequence, not a one-hot matmul."""
        offsets = torch.arange(self.length, device=v.device) * self.q
        return F.embedding_bag(v + offsets, weights.reshape(self.width, -1), mode="sum")

    def field(self, h: torch.Tensor, weights: torch.Tensor, visible_bias: torch.Tensor, beta: float) -> torch.Tensor:
        return visible_bias * beta + beta * (h @ weights.reshape(self.width, -1).T).reshape(-1, self.length, self.q)

    def probabilities(self, field: torch.Tensor) -> torch.Tensor:
        return torch.softmax(field, dim=-1)

    def sample(self, field: torch.Tensor, uniforms: torch.Tensor) -> torch.Tensor:
        return sample_categorical(field, uniforms)

    def bias_term(self, v: torch.Tensor, visible_bias: torch.Tensor) -> torch.Tensor:
        return visible_bias[torch.arange(self.length, device=v.device), v].sum(1)

    def flat(self, v: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
        return one_hot(v, self.q, dtype).reshape(v.shape[0], -1)

    def bias_from_site_fields(self, fields: torch.Tensor) -> torch.Tensor:
        return fields

    def potts_form(self, weights: torch.Tensor, visible_bias: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return weights, visible_bias
