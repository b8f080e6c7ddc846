"""Pseudo-likelihood estimate of a Potts model (symmetric plmDCA, Ekeberg et al. 2013), used as a warm start.

Maximises the weighted mean over sequences of sum_i log p(x_i | x_-i) with the couplings shared by both
conditionals of a pair (J_ij(a, b) = J_ji(b, a)), minus l2_fields * |h|^2 + l2_couplings * sum_{i<j} |J_ij|^2
(plmDCA's defaults, 0.01 each), by L-BFGS. Pseudo-likelihood is consistent but not the likelihood: on finite data its
couplings differ from the maximum-likelihood ones, so training continues from it and the eq regime still verifies
the result; it saves the first, slow phase where couplings grow from zero.
"""
from __future__ import annotations

import torch

from seqebm.io.alphabets import Alphabet
from seqebm.models.potts import Potts

L2_FIELDS = 0.01
L2_COUPLINGS = 0.01
CHUNK_ENTRIES = 1 << 24  # one-hot entries (rows x L q) per chunk of the objective (64 MB in float32)
HISTORY = 10  # L-BFGS memory: each step keeps two vectors of every parameter


def pseudo_likelihood_memory(length: int, q: int, dtype: torch.dtype = torch.float32) -> int:
    """Bytes the fit needs: the L-BFGS history, the parameters, their gradient and a few (Lq)^2 temporaries, plus
    the chunk of one-hot rows and logits."""
    width = length * q
    return (2 * HISTORY + 8) * width * width * torch.finfo(dtype).bits // 8 + 6 * CHUNK_ENTRIES * 4


def pseudo_likelihood_potts(states: torch.Tensor, q: int, weights: torch.Tensor | None = None, alphabet: Alphabet | str | None = None,
                            l2_fields: float = L2_FIELDS, l2_couplings: float = L2_COUPLINGS, max_iterations: int = 100,
                            dtype: torch.dtype = torch.float32) -> Potts:
    """The Potts model (on ``states``' device, in the zero-sum gauge) that maximises the regularised weighted
    pseudo-likelihood of ``states`` (N, L) with ``q`` states per site; at most ``max_iterations`` L-BFGS iterations."""
    n, length = states.shape
    device = states.device
    w = torch.ones(n, device=device, dtype=dtype) if weights is None else weights.to(device=device, dtype=dtype)
    w = w / w.sum()
    width = length * q
    not_self = (1 - torch.eye(length, device=device, dtype=dtype))[:, None, :, None]
    fields = torch.zeros(length, q, device=device, dtype=dtype, requires_grad=True)
    free = torch.zeros(width, width, device=device, dtype=dtype, requires_grad=True)
    rows = max(1, CHUNK_ENTRIES // width)
    optimizer = torch.optim.LBFGS([fields, free], max_iter=max_iterations, history_size=HISTORY, line_search_fn="strong_wolfe",
                                  tolerance_grad=1e-6, tolerance_change=1e-10)

    def couplings() -> torch.Tensor:
        return (((free + free.T) / 2).reshape(length, q, length, q) * not_self).reshape(width, width)

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        total = torch.zeros((), device=device, dtype=torch.float64)
        for start in range(0, n, rows):
            x = states[start:start + rows]
            one_hot = torch.nn.functional.one_hot(x, q).to(dtype)
            logits = (one_hot.reshape(len(x), width) @ couplings()).reshape(len(x), length, q) + fields
            # -log p(x_i | x_-i) = logsumexp_a logits_i(a) - logits_i(x_i)
            picked = torch.gather(logits, 2, x[:, :, None]).squeeze(2)
            loss = ((torch.logsumexp(logits, 2) - picked).sum(1) * w[start:start + rows]).sum()
            loss.backward()
            total += loss.detach().double()
        penalty = l2_fields * (fields ** 2).sum() + l2_couplings * (couplings() ** 2).sum() / 2
        penalty.backward()
        return (total + penalty.detach().double()).to(dtype)

    optimizer.step(closure)
    with torch.no_grad():
        j = couplings().reshape(length, q, length, q).contiguous()
        # exactly symmetric again (the gauge's means over a and over b round differently)
        return Potts(fields.detach().clone(), j, alphabet, check=False).zero_sum_gauge().symmetrize_()
