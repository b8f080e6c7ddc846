"""Drawing categorical and Bernoulli variables from one uniform each (inverse CDF), the cheap way."""
from __future__ import annotations

import torch


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
