"""Block Gibbs sampling of RBMs: one step = h ~ p(h | v), then v ~ p(v | h), vectorised over chains."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError
from seqebm.models.rbm import RBM
from seqebm.sampling.categorical import sample_bernoulli_logits, sample_categorical
from seqebm.sampling.rng import uniform_source


@torch.no_grad()
def rbm_gibbs(
    model: RBM,
    states: torch.Tensor,
    n_steps: int,
    beta: float = 1.0,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run ``n_steps`` block-Gibbs steps from (N, L) visible ``states``.

    Returns (final visible states as (N, L) long, p(h = 1 | v_final) as (N, H)): gradients need the hidden
    probabilities of the final visible configuration, not the last sampled hidden layer.
    """
    if n_steps < 0:
        raise ConfigError(f"number of steps must be >= 0, got {n_steps}")
    v = model.visible_tensor(states)
    n_chains = v.shape[0]
    device, dtype = model.device, model.dtype
    visible_bias = model.visible_bias * beta
    u_hidden = torch.empty(n_chains, model.n_hidden, device=device, dtype=dtype)
    u_visible = torch.empty(n_chains, model.length, device=device, dtype=dtype)
    rng = uniform_source(generator, device)
    for _ in range(n_steps):
        h = sample_bernoulli_logits(_hidden_preactivation(model, v, beta), rng.fill(u_hidden))
        rng.fill(u_visible)
        if model.visible == "bernoulli":
            pre_v = torch.addmm(model.visible_bias, h, model.weights.T, alpha=beta, beta=beta)
            v = sample_bernoulli_logits(pre_v, u_visible)
        else:
            v = sample_categorical(visible_bias + beta * model.visible_input(h), u_visible)
    hidden_probs = _hidden_preactivation(model, v, beta).sigmoid_()
    return v.long(), hidden_probs


def _hidden_preactivation(model: RBM, v: torch.Tensor, beta: float) -> torch.Tensor:
    """beta (c + I(v)) as a fresh tensor (fused bias-add for Bernoulli visible units)."""
    if model.visible == "bernoulli":
        return torch.addmm(model.hidden_bias, v, model.weights, alpha=beta, beta=beta)
    return beta * (model.hidden_bias + model.hidden_input(v))
