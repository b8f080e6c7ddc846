"""Hidden-unit types of an RBM, behind one protocol.

A hidden unit mu with potential U_mu(h) receives the field x_mu = beta (c_mu + I_mu(v)), where c_mu (the RBM's
``hidden_bias``) is the unit's linear term and I_mu(v) = sum_i W_i(v_i)_mu its input from the visible layer. Given
the field, the unit is distributed as p(h | x) proportional to exp(-beta U_mu(h) + h x_mu); everything the rest of
seqebm needs follows from its cumulant generating function Gamma(x) = log sum_h exp(-beta U(h) + h x):

- ``cumulant``: sum over units of Gamma(x), and ``log_partition`` = cumulant / beta (the hidden part of -F(v));
- ``mean`` and ``variance``: Gamma'(x) and Gamma''(x), the moments the gradient and the effective couplings use;
- ``sample_``: an exact draw of h given x;
- ``parameter_statistics``: the statistics of the unit's own parameters beyond c (none for Bernoulli units).

A unit type is one subclass, registered in ``HIDDEN_UNITS``; its extra parameters (shape (H,) each) are stored on
the RBM next to the weights and biases and are passed in as ``params``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
import torch.nn.functional as F

from seqebm.errors import ConfigError
from seqebm.rng import sample_bernoulli_logits


class HiddenUnits(ABC):
    """A hidden-unit type (stateless: its parameters live on the RBM)."""

    kind: ClassVar[str]
    # names of the unit parameters beyond the linear term hidden_bias, each of shape (H,), with their initial value
    extra_parameters: ClassVar[dict[str, float]] = {}

    @abstractmethod
    def cumulant(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """sum_mu Gamma(x_mu) for (N, H) fields: (N,) (finite at beta = 0)."""

    def log_partition(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """sum_mu Gamma(x_mu) / beta for (N, H) fields: (N,), the hidden part of -F(v)."""
        return self.cumulant(field, params, beta) / beta

    @abstractmethod
    def mean(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """E[h | x] = Gamma'(x): (N, H)."""

    def mean_(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """:meth:`mean`, allowed to overwrite ``field`` (a temporary) to save an allocation."""
        return self.mean(field, params, beta)

    @abstractmethod
    def variance(self, field: torch.Tensor, params: dict[str, torch.Tensor], beta: float = 1.0) -> torch.Tensor:
        """Var[h | x] = Gamma''(x): (N, H)."""

    @abstractmethod
    def sample_(self, field: torch.Tensor, params: dict[str, torch.Tensor], uniforms: torch.Tensor,
                beta: float = 1.0) -> torch.Tensor:
        """Exact draws of h given (N, H) fields, using (N, H) uniforms; may overwrite ``field``."""

    def parameter_statistics(self, field: torch.Tensor, params: dict[str, torch.Tensor],
                             weights: torch.Tensor) -> dict[str, torch.Tensor]:
        """Weighted averages of -dU/d(theta) for each extra parameter theta (gradient statistics): (H,) each."""
        return {}


class BernoulliHidden(HiddenUnits):
    """h in {0, 1}, U(h) = 0 beyond the linear term: Gamma(x) = softplus(x), mean sigmoid(x)."""

    kind = "bernoulli"

    def cumulant(self, field, params, beta=1.0):
        return F.softplus(field).sum(1)

    def mean(self, field, params, beta=1.0):
        return torch.sigmoid(field)

    def mean_(self, field, params, beta=1.0):
        return field.sigmoid_()

    def variance(self, field, params, beta=1.0):
        p = torch.sigmoid(field)
        return p * (1 - p)

    def sample_(self, field, params, uniforms, beta=1.0):
        return sample_bernoulli_logits(field, uniforms)


HIDDEN_UNITS: dict[str, type[HiddenUnits]] = {"bernoulli": BernoulliHidden}


def hidden_units(kind: str) -> HiddenUnits:
    """The unit type named ``kind``; a clear error for an unknown one."""
    if not isinstance(kind, str) or kind not in HIDDEN_UNITS:
        raise ConfigError(f"unknown hidden-unit type {kind!r}: use one of {', '.join(HIDDEN_UNITS)}")
    return HIDDEN_UNITS[kind]()
