"""The statistics a likelihood gradient compares (data vs chains) and the gradients themselves.

Sequence weights enter every term; for RBMs the hidden statistics are p(h | v) of the given visible states.
"""
from __future__ import annotations

import torch

from seqebm.io.dataset import one_hot
from seqebm.models.potts import Potts
from seqebm.models.rbm import RBM
from seqebm.stats.frequencies import _normalised_weights, pair_frequencies, site_frequencies


def potts_moments(states: torch.Tensor, q: int, weights: torch.Tensor | None = None, pseudocount: float = 0.0) -> dict:
    """{"fields": f_i (L, q), "couplings": f_ij (L, q, L, q)}."""
    return {
        "fields": site_frequencies(states, q, weights, pseudocount),
        "couplings": pair_frequencies(states, q, weights, pseudocount),
    }


def potts_gradient(model: Potts, data: dict, chains: dict, l1: float = 0.0, l2: float = 0.0) -> dict:
    """d log-likelihood / d(fields, couplings) = data moments - chain moments (- regularisation)."""
    grad_j = data["couplings"] - chains["couplings"]
    if l2:
        grad_j = grad_j - l2 * model.couplings
    if l1:
        grad_j = grad_j - l1 * torch.sign(model.couplings)
    idx = torch.arange(model.length, device=grad_j.device)
    grad_j[idx, :, idx, :] = 0  # self-couplings are not parameters
    return {"fields": data["fields"] - chains["fields"], "couplings": grad_j}


def rbm_moments(
    model: RBM, states: torch.Tensor, weights: torch.Tensor | None = None, hidden_probs: torch.Tensor | None = None,
    chunk_size: int = 16384,
) -> dict:
    """Weighted <v>, <h>, <v h> with h = p(h | v); visible one-hot for Potts units. Shapes follow the parameters."""
    v = model.visible_tensor(states)
    w = _normalised_weights(v, weights, model.dtype)
    width = model.weights.shape[0] if model.visible == "bernoulli" else model.length * model.q
    v_mean = torch.zeros(width, dtype=model.dtype, device=v.device)
    h_mean = torch.zeros(model.n_hidden, dtype=model.dtype, device=v.device)
    vh = torch.zeros(width, model.n_hidden, dtype=model.dtype, device=v.device)
    for start in range(0, v.shape[0], chunk_size):  # one-hot and p(h|v) of a chunk of rows at a time
        block, wb = v[start : start + chunk_size], w[start : start + chunk_size]
        ph = model.hidden_probabilities(block) if hidden_probs is None else hidden_probs[start : start + chunk_size]
        vf = block if model.visible == "bernoulli" else one_hot(block, model.q, model.dtype).reshape(block.shape[0], -1)
        wh = ph * wb[:, None]
        v_mean += wb @ vf
        h_mean += wh.sum(0)
        vh.addmm_(vf.T, wh)
    shape = model.visible_bias.shape
    return {"visible_bias": v_mean.reshape(shape), "hidden_bias": h_mean, "weights": vh.reshape(model.weights.shape)}


def rbm_gradient(
    model: RBM, data: dict, chains: dict, centered: bool = True, l1: float = 0.0, l2: float = 0.0
) -> dict:
    """Likelihood gradient of an RBM; ``centered`` uses the data means as offsets (Melchior et al. 2016):
    dW = d<vh> - v_bar d<h> - d<v> h_bar, d(vbias) = d<v> - dW h_bar, d(hbias) = d<h> - v_bar . dW."""
    dv = data["visible_bias"] - chains["visible_bias"]
    dh = data["hidden_bias"] - chains["hidden_bias"]
    dw = data["weights"] - chains["weights"]
    if centered:
        v_bar = data["visible_bias"]
        h_bar = data["hidden_bias"]
        dw = dw - v_bar.unsqueeze(-1) * dh - dv.unsqueeze(-1) * h_bar
        dv = dv - dw @ h_bar
        dh = dh - (v_bar.unsqueeze(-1) * dw).reshape(-1, model.n_hidden).sum(0)
    if l2:
        dw = dw - l2 * model.weights
    if l1:
        dw = dw - l1 * torch.sign(model.weights)
    return {"weights": dw, "visible_bias": dv, "hidden_bias": dh}
