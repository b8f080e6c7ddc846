"""Block Gibbs sampling of RBMs: one step = h ~ p(h | v), then v ~ p(v | h), vectorised over chains."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError
from seqebm.models.rbm import RBM
from seqebm.sampling.categorical import sample_bernoulli_logits, sample_categorical


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
    hidden_bias = model.hidden_bias * beta
    visible_bias = model.visible_bias * beta
    u_hidden = torch.empty(n_chains, model.n_hidden, device=device, dtype=dtype)
    u_visible = torch.empty(n_chains, model.length, device=device, dtype=dtype)
    for _ in range(n_steps):
        pre_h = hidden_bias + beta * model.hidden_input(v)
        h = sample_bernoulli_logits(pre_h, u_hidden.uniform_(generator=generator))
        pre_v = visible_bias + beta * model.visible_input(h)
        u_visible.uniform_(generator=generator)
        if model.visible == "bernoulli":
            v = sample_bernoulli_logits(pre_v, u_visible)
        else:
            v = sample_categorical(pre_v, u_visible)
    hidden_probs = torch.sigmoid(hidden_bias + beta * model.hidden_input(v))
    return v.long(), hidden_probs
