"""Potts model (Boltzmann machine): E(x) = -sum_i h_i(x_i) - sum_{i<j} J_ij(x_i, x_j)."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError, ShapeError
from seqebm.io.alphabets import Alphabet
from seqebm.io.dataset import one_hot
from seqebm.models.base import EnergyModel


class Potts(EnergyModel):
    """Fields ``(L, q)`` and couplings ``(L, q, L, q)`` stored symmetric (J[i,a,j,b] = J[j,b,i,a]) with zero
    diagonal blocks J[i,:,i,:] = 0. The binary Ising model / Boltzmann machine is ``q = 2`` (see :meth:`from_ising`).
    """

    kind = "potts"
    parameter_names = ("fields", "couplings")

    def __init__(
        self,
        fields: torch.Tensor,
        couplings: torch.Tensor,
        alphabet: str | Alphabet | None = None,
        metadata: dict | None = None,
        check: bool = True,
    ) -> None:
        if fields.ndim != 2:
            raise ShapeError(f"fields must be (L, q), got {tuple(fields.shape)}")
        length, q = fields.shape
        if couplings.shape != (length, q, length, q):
            raise ShapeError(f"couplings must be (L, q, L, q) = {(length, q, length, q)}, got {tuple(couplings.shape)}")
        self.fields = fields
        self.couplings = couplings
        if check:
            sym = couplings - couplings.permute(2, 3, 0, 1)
            if float(sym.abs().max()) > 1e-5 * (1 + float(couplings.abs().max())):
                raise ConfigError("couplings are not symmetric: J[i,a,j,b] must equal J[j,b,i,a]")
            self.couplings = couplings.clone()
            self.couplings[torch.arange(length), :, torch.arange(length), :] = 0
        self._init_common(alphabet, q, metadata)

    # ---- construction
    @classmethod
    def zeros(cls, length: int, q: int, alphabet=None, device=None, dtype=torch.float32) -> "Potts":
        return cls(
            torch.zeros(length, q, device=device, dtype=dtype),
            torch.zeros(length, q, length, q, device=device, dtype=dtype),
            alphabet,
            check=False,
        )

    @classmethod
    def from_profile(cls, site_freqs: torch.Tensor, alphabet=None, pseudocount: float = 1e-3) -> "Potts":
        """Independent-site model reproducing ``site_freqs`` (L, q): h_i(a) = log f_i(a), couplings zero."""
        length, q = site_freqs.shape
        f = (1 - pseudocount) * site_freqs + pseudocount / q
        fields = torch.log(f)
        fields = fields - fields.mean(1, keepdim=True)
        return cls(fields, torch.zeros(length, q, length, q, device=f.device, dtype=f.dtype), alphabet, check=False)

    @classmethod
    def from_ising(cls, fields: torch.Tensor, couplings: torch.Tensor, alphabet=None) -> "Potts":
        """The q=2 Potts model of the Ising model E(s) = -sum h_i s_i - sum_{i<j} J_ij s_i s_j, s = 2x - 1.

        ``fields`` (L,), ``couplings`` (L, L) symmetric; state 0 is spin -1 and state 1 is spin +1.
        """
        spin = torch.tensor([-1.0, 1.0], device=fields.device, dtype=fields.dtype)
        couplings = couplings.clone()
        couplings.fill_diagonal_(0)
        h = fields[:, None] * spin[None, :]
        j = couplings[:, None, :, None] * spin[None, :, None, None] * spin[None, None, None, :]
        return cls(h, j, alphabet)

    def to_ising(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(h (L,), J (L, L)) of the Ising model with the same distribution (q = 2 only); exact, not a fit."""
        if self.q != 2:
            raise ConfigError(f"to_ising needs q = 2, this model has q = {self.q}")
        jm = self.couplings
        gamma = (jm[:, 1, :, 1] - jm[:, 1, :, 0] - jm[:, 0, :, 1] + jm[:, 0, :, 0]) / 4
        alpha = (jm[:, 1, :, 1] + jm[:, 1, :, 0] - jm[:, 0, :, 1] - jm[:, 0, :, 0]) / 4
        h = (self.fields[:, 1] - self.fields[:, 0]) / 2 + alpha.sum(1)
        return h, gamma

    # ---- sizes
    @property
    def length(self) -> int:
        return int(self.fields.shape[0])

    @property
    def q(self) -> int:
        return int(self.fields.shape[1])

    def __repr__(self) -> str:
        return f"Potts(L={self.length}, q={self.q}, alphabet={self.alphabet.symbols!r}, device={self.device})"

    # ---- energies
    def energy(self, states: torch.Tensor, chunk_size: int = 4096) -> torch.Tensor:
        """E(x) for (N, L) integer states -> (N,)."""
        states = _check_states(states, self.length, self.q).to(self.device)
        length, q = self.length, self.q
        jmat = self.couplings.reshape(length * q, length * q)
        out = []
        for start in range(0, states.shape[0], chunk_size):
            x = states[start : start + chunk_size]
            field_term = self.fields[torch.arange(length, device=x.device), x].sum(1)
            oh = one_hot(x, q, self.dtype).reshape(x.shape[0], -1)
            pair_term = 0.5 * ((oh @ jmat) * oh).sum(1)
            out.append(-field_term - pair_term)
        return torch.cat(out) if out else torch.zeros(0, device=self.device, dtype=self.dtype)

    def local_fields(self, states: torch.Tensor) -> torch.Tensor:
        """(N, L, q): h_i(a) + sum_j J_ij(a, x_j), the conditional log-odds of each site given the others."""
        states = _check_states(states, self.length, self.q).to(self.device)
        oh = one_hot(states, self.q, self.dtype).reshape(states.shape[0], -1)
        return self.fields + (oh @ self.couplings.reshape(self.length * self.q, -1)).reshape(-1, self.length, self.q)

    # ---- gauge
    def zero_sum_gauge(self) -> "Potts":
        """Equivalent model with sum_a h_i(a) = 0 and sum_a J_ij(a, b) = sum_b J_ij(a, b) = 0 (same distribution)."""
        j = self.couplings
        jbar_a = j.mean(1, keepdim=True)  # mean over a
        jbar_b = j.mean(3, keepdim=True)  # mean over b
        jbar = j.mean((1, 3), keepdim=True)
        j0 = j - jbar_a - jbar_b + jbar
        # the removed one-site parts move into the fields: for each i, sum over j != i of (mean_b J_ij(a, b) - mean)
        h = self.fields + (jbar_b - jbar).squeeze(3).sum(2)
        h = h - h.mean(1, keepdim=True)
        return Potts(h, j0, self.alphabet, dict(self.metadata), check=False)

    def symmetrize_(self) -> "Potts":
        """Force exact symmetry and zero diagonal blocks in place (after gradient steps)."""
        self.couplings.copy_(0.5 * (self.couplings + self.couplings.permute(2, 3, 0, 1)))
        idx = torch.arange(self.length, device=self.device)
        self.couplings[idx, :, idx, :] = 0
        return self

    def sample(self, n: int, k: int, init="random", beta: float = 1.0, seed: int | None = None, **kwargs) -> torch.Tensor:
        """Run ``k`` Gibbs sweeps from ``init`` for ``n`` chains; see :func:`seqebm.sampling.sample`."""
        from seqebm.sampling import sample

        return sample(self, n, k, init=init, beta=beta, seed=seed, **kwargs)


def _check_states(states: torch.Tensor, length: int, q: int) -> torch.Tensor:
    if not isinstance(states, torch.Tensor):
        states = torch.as_tensor(states)
    if states.ndim != 2 or states.shape[1] != length:
        raise ShapeError(f"states must be (N, {length}), got {tuple(states.shape)}")
    if states.is_floating_point():
        raise ShapeError("states must be integers in range(q), got a floating-point tensor")
    if states.numel() and (int(states.min()) < 0 or int(states.max()) >= q):
        raise ShapeError(f"states must lie in range({q})")
    return states.long()
