"""A low-rank start for RBMs: the Hopfield-Potts model of the data's first principal directions (Cocco, Monasson &
Weigt, PLoS Comput. Biol. 2013), written as the RBM's first hidden units.

In the mean-field (Gaussian) approximation of the inverse Potts problem, the couplings are minus the inverse of the
connected correlation matrix C (sites x non-reference states). Whitened by the one-site blocks D of C, the Pearson
matrix Gamma = D^-1/2 C D^-1/2 has eigenvalues lambda_k and eigenvectors u_k; each direction with lambda_k > 1 (more
variance than independent sites give) contributes an attractive pattern

    xi_k = sqrt(1 - 1 / lambda_k) D^-1/2 u_k,      J = sum_k xi_k xi_k^T,

so that the model's variance along u_k matches the data's. An RBM whose unit mu has conditional variance var_mu at
its operating point has effective couplings var_mu W_mu W_mu^T (see :meth:`RBM.pairwise_model`): unit k gets
W_k = xi_k / sqrt(var_k), its bias puts the data's mean input at that operating point, and the visible biases remove
the units' mean activity so that the one-site frequencies of the data stay where the independent-site start put
them (the naive mean-field fields log f_i - sum_(j != i) J_ij f_j). This is the low-rank structure that training on clustered data otherwise spends its first, slowest phase
finding (Bereux et al. 2025 fit a low-rank model on the projected data instead; this closed form is the simpler
variant, measured in the README).
"""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError

SMOOTHING = 0.01  # fraction of uniform mixed into the frequencies: rare states would otherwise get infinite weight


def hopfield_patterns(single: torch.Tensor, pair: torch.Tensor, n_patterns: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(patterns (L, q, n) with zero weight on each site's reference state, their eigenvalues lambda (n,)) of the
    ``n_patterns`` largest eigenvalues above 1 of the data's Pearson correlation matrix, from one-site (L, q) and
    two-site (L, q, L, q) frequencies. The reference state of a site is its most frequent one."""
    length, q = single.shape
    f1 = _smoothed(single)
    f2 = (1 - SMOOTHING) * pair.double() + SMOOTHING / q**2
    idx = torch.arange(length)
    f2[idx, :, idx, :] = torch.diag_embed(f1)  # a site with itself: the one-site frequencies
    reference = f1.argmax(1)
    keep = torch.ones(length, q, dtype=torch.bool)
    keep[idx, reference] = False
    covariance = (f2 - f1[:, :, None, None] * f1[None, None]).reshape(length * q, length * q)
    rows = keep.flatten().nonzero().flatten()
    c = covariance[rows][:, rows]
    whiten = _block_inverse_sqrt(c, length, q - 1)
    eigenvalues, vectors = torch.linalg.eigh(whiten @ c @ whiten)
    order = torch.argsort(eigenvalues, descending=True)
    chosen = [k for k in order.tolist() if eigenvalues[k] > 1][:n_patterns]
    if not chosen:
        raise ConfigError("no principal direction of the data carries more variance than independent sites: no low-rank start")
    lam = eigenvalues[chosen]
    xi = whiten @ vectors[:, chosen] * torch.sqrt(1 - 1 / lam)
    patterns = torch.zeros(length * q, len(chosen), dtype=torch.float64)
    patterns[rows] = xi
    return patterns.reshape(length, q, len(chosen)), lam


def _smoothed(single: torch.Tensor) -> torch.Tensor:
    """One-site frequencies mixed with SMOOTHING of the uniform distribution, float64 on the CPU."""
    return ((1 - SMOOTHING) * single.double() + SMOOTHING / single.shape[1]).cpu()


def _block_inverse_sqrt(c: torch.Tensor, length: int, width: int) -> torch.Tensor:
    """D^-1/2 for the block-diagonal part D of ``c`` (one (width x width) block per site)."""
    blocks = c.reshape(length, width, length, width)[torch.arange(length), :, torch.arange(length), :]  # (L, w, w)
    values, vectors = torch.linalg.eigh(blocks)
    inverse_sqrt = vectors @ torch.diag_embed(values.clamp_min(1e-12).rsqrt()) @ vectors.transpose(1, 2)
    return torch.block_diag(*inverse_sqrt)


def low_rank_start_(model, single: torch.Tensor, pair: torch.Tensor, n_patterns: int):
    """Set the first hidden units of an RBM (at its independent-site start) to the Hopfield-Potts patterns of the
    data (see the module notes); the other units keep their small random weights. In place; returns the model."""
    patterns, _ = hopfield_patterns(single.cpu(), pair.cpu(), min(n_patterns, model.n_hidden))
    n = patterns.shape[-1]
    params = model._unit_parameters()
    zero = torch.zeros(1, n, dtype=model.dtype, device=model.device)
    sub = {name: value[:n] for name, value in params.items()}
    variance = model.hidden.variance(zero, sub)[0].double().cpu()
    mean = model.hidden.mean(zero, sub)[0].double().cpu()
    weights = patterns / variance.sqrt()  # (L, q, n)
    if model.visible.kind == "bernoulli":  # state 1 carries the weight (a gauge change of the patterns)
        weights = weights - weights[:, :1]
    f1 = _smoothed(single)
    mean_input = torch.einsum("ia,iam->m", f1, weights)
    # without the units' first-order term (mean activity), their i = j second-order term and the i = j part of
    # c_mu W_i (c_mu = -<I_mu>) the fields are the naive mean-field ones, log f_i(a) - sum_(j != i) J_ij f_j
    site_mean = torch.einsum("ia,iam->im", f1, weights)  # <W_i(v_i)> over the data, per unit
    bias_shift = torch.einsum("iam,m->ia", weights, mean) + torch.einsum("iam,m->ia", 0.5 * weights**2 - weights * site_mean[:, None, :], variance)
    bias = torch.log(f1) - bias_shift
    if model.visible.kind == "bernoulli":  # the bias is the log-odds of state 1
        weights, bias = weights[:, 1], bias[:, 1] - bias[:, 0]
    model.weights[..., :n] = weights.to(model.weights)
    model.hidden_bias[:n] = -mean_input.to(model.hidden_bias)
    model.visible_bias = (bias - bias.mean(-1, keepdim=True) if bias.ndim == 2 else bias).to(model.visible_bias)
    return model
