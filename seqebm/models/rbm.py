"""Restricted Boltzmann Machine with Bernoulli {0,1} or Potts (q-state) visible units and Bernoulli hidden units.

E(v, h) = -sum_i b_i(v_i) - sum_mu c_mu h_mu - sum_{i, mu} W_i(v_i)_mu h_mu
F(v)    = -sum_i b_i(v_i) - sum_mu softplus(c_mu + I_mu(v)),   I_mu(v) = sum_i W_i(v_i)_mu

Shapes: Potts visible: weights (L, q, H), visible_bias (L, q). Bernoulli visible: weights (L, H), visible_bias (L,)
(the q = 2 one-hot form with state 0 pinned at zero, which halves the work).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from seqebm.errors import ConfigError, ShapeError
from seqebm.io.alphabets import BINARY, Alphabet
from seqebm.models.base import EnergyModel

VISIBLE = ("bernoulli", "potts")


class RBM(EnergyModel):
    kind = "rbm"
    parameter_names = ("weights", "visible_bias", "hidden_bias")

    def __init__(
        self,
        weights: torch.Tensor,
        visible_bias: torch.Tensor,
        hidden_bias: torch.Tensor,
        alphabet: str | Alphabet | None = None,
        metadata: dict | None = None,
    ) -> None:
        if weights.ndim == 2:
            self.visible = "bernoulli"
            length, n_hidden = weights.shape
            q = 2
            expected_vb = (length,)
        elif weights.ndim == 3:
            self.visible = "potts"
            length, q, n_hidden = weights.shape
            expected_vb = (length, q)
        else:
            raise ShapeError(f"weights must be (L, H) or (L, q, H), got {tuple(weights.shape)}")
        if tuple(visible_bias.shape) != expected_vb:
            raise ShapeError(f"visible_bias must be {expected_vb}, got {tuple(visible_bias.shape)}")
        if tuple(hidden_bias.shape) != (n_hidden,):
            raise ShapeError(f"hidden_bias must be ({n_hidden},), got {tuple(hidden_bias.shape)}")
        self.weights, self.visible_bias, self.hidden_bias = weights, visible_bias, hidden_bias
        self._init_common(alphabet if alphabet is not None or self.visible == "potts" else BINARY, q, metadata)

    @classmethod
    def random(
        cls, length: int, n_hidden: int, q: int | None = None, std: float = 0.01, alphabet=None,
        device=None, dtype=torch.float32, generator: torch.Generator | None = None,
    ) -> "RBM":
        """Small Gaussian weights, zero biases; ``q=None`` gives Bernoulli visible units."""
        shape = (length, n_hidden) if q is None else (length, q, n_hidden)
        w = torch.randn(shape, generator=generator, device=device, dtype=dtype) * std
        vb = torch.zeros(shape[:-1], device=device, dtype=dtype)
        return cls(w, vb, torch.zeros(n_hidden, device=device, dtype=dtype), alphabet)

    @property
    def length(self) -> int:
        return int(self.weights.shape[0])

    @property
    def q(self) -> int:
        return 2 if self.visible == "bernoulli" else int(self.weights.shape[1])

    @property
    def n_hidden(self) -> int:
        return int(self.weights.shape[-1])

    def __repr__(self) -> str:
        return f"RBM(visible={self.visible}, L={self.length}, q={self.q}, H={self.n_hidden}, device={self.device})"

    # ---- visible encodings
    def visible_tensor(self, states: torch.Tensor) -> torch.Tensor:
        """The working form of visible states: float {0,1} (N, L) for Bernoulli, long (N, L) for Potts."""
        if states.ndim != 2 or states.shape[1] != self.length:
            raise ShapeError(f"visible states must be (N, {self.length}), got {tuple(states.shape)}")
        states = states.to(self.device)
        return states.to(self.dtype) if self.visible == "bernoulli" else states.long()

    def _flat_weights(self) -> torch.Tensor:
        return self.weights.reshape(self.length * self.q, self.n_hidden)

    def hidden_input(self, v: torch.Tensor) -> torch.Tensor:
        """I(v) = sum_i W_i(v_i): (N, H). Potts visible: a gather-sum over L rows, not a one-hot matmul."""
        if self.visible == "bernoulli":
            return v @ self.weights
        offsets = torch.arange(self.length, device=v.device) * self.q
        return F.embedding_bag(v + offsets, self._flat_weights(), mode="sum")

    def visible_input(self, h: torch.Tensor) -> torch.Tensor:
        """sum_mu W_i(a)_mu h_mu: (N, L) for Bernoulli, (N, L, q) for Potts."""
        if self.visible == "bernoulli":
            return h @ self.weights.T
        return (h @ self._flat_weights().T).reshape(-1, self.length, self.q)

    def _visible_bias_term(self, v: torch.Tensor) -> torch.Tensor:
        if self.visible == "bernoulli":
            return v @ self.visible_bias
        return self.visible_bias[torch.arange(self.length, device=v.device), v].sum(1)

    # ---- energies and conditionals
    def energy(self, states: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """E(v, h) for (N, L) visible states and (N, H) hidden {0,1} states."""
        v = self.visible_tensor(states)
        hidden = hidden.to(device=self.device, dtype=self.dtype)
        return -self._visible_bias_term(v) - hidden @ self.hidden_bias - (self.hidden_input(v) * hidden).sum(1)

    def free_energy(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """F(v) = -log sum_h exp(-E(v, h)) for (N, L) visible states -> (N,) (at inverse temperature beta: F/beta)."""
        v = self.visible_tensor(states)
        return -self._visible_bias_term(v) - F.softplus(beta * (self.hidden_bias + self.hidden_input(v))).sum(1) / beta

    def hidden_probabilities(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """p(h_mu = 1 | v) = sigmoid(beta (c_mu + I_mu(v))): (N, H)."""
        v = self.visible_tensor(states)
        return torch.sigmoid(beta * (self.hidden_bias + self.hidden_input(v)))

    def visible_probabilities(self, hidden: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """p(v_i = 1 | h) (N, L) for Bernoulli; p(v_i = a | h) (N, L, q) for Potts."""
        hidden = hidden.to(device=self.device, dtype=self.dtype)
        pre = beta * (self.visible_bias + self.visible_input(hidden))
        return torch.sigmoid(pre) if self.visible == "bernoulli" else torch.softmax(pre, dim=-1)

    def sample(self, n: int, k: int, init="random", beta: float = 1.0, seed: int | None = None, **kwargs) -> torch.Tensor:
        """Run ``k`` block-Gibbs steps from ``init`` for ``n`` chains; see :func:`seqebm.sampling.sample`."""
        from seqebm.sampling import sample

        return sample(self, n, k, init=init, beta=beta, seed=seed, **kwargs)


def check_visible(kind: str) -> str:
    if kind not in VISIBLE:
        raise ConfigError(f"visible units must be one of {VISIBLE}, not {kind!r}")
    return kind
