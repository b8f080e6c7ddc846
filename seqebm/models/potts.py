"""Potts model (Boltzmann machine): E(x) = -sum_i h_i(x_i) - sum_{i<j} J_ij(x_i, x_j)."""
from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from seqebm.encoding import check_states
from seqebm.errors import ConfigError, ShapeError
from seqebm.io.alphabets import Alphabet
from seqebm.models.base import EnergyModel
from seqebm.models.potts_gibbs import native_ladder_log_weights, potts_gibbs, potts_gibbs_ladder, sweep_neighbours
from seqebm.rng import RandomStream, sample_categorical
from seqebm.stats.frequencies import pair_frequencies, site_frequencies

# Persistent chains never visit most rare residue pairs; the data still gives them a frequency (one sequence, or the
# pseudocount), so without a penalty Adam raises their couplings by about lr every update until the sum of many such
# couplings forms a deep basin the persistent chains never see but chains from random fall into (measured on PF00014:
# couplings of 1.85 on pairs seen in one sequence, long runs from random drifting to Pearson 0.79). An L2 penalty
# caps such a coupling near f_ij / l2 (about 0.4 for one sequence in M_eff ~ 5,000) and barely moves the couplings of
# frequent pairs, whose gradients are orders of magnitude larger.
PERSISTENT_POTTS_L2 = 5e-4


class Potts(EnergyModel):
    """Fields ``(L, q)`` and couplings ``(L, q, L, q)`` stored symmetric (J[i,a,j,b] = J[j,b,i,a]) with zero
    diagonal blocks J[i,:,i,:] = 0. The binary Ising model / Boltzmann machine is ``q = 2`` (see :meth:`from_ising`).
    """

    kind = "potts"
    parameter_names = ("fields", "couplings")
    persistent_l2 = PERSISTENT_POTTS_L2
    centered_by_default = False
    _profile = False  # set by frozen_independent: known coupling-free, energies skip the pair term
    _neighbour_cache: tuple | None = None  # (device, what a sweep visits), reset whenever the pair mask changes
    coupling_mask: torch.Tensor | None = None  # (L, q, L, q) booleans of a coupling-level sparse model, else None

    def __init__(
        self,
        fields: torch.Tensor,
        couplings: torch.Tensor,
        alphabet: str | Alphabet | None = None,
        metadata: dict | None = None,
        check: bool = True,
        pair_mask: torch.Tensor | None = None,
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
        self.pair_mask = None
        if pair_mask is not None:
            self.set_pair_mask(pair_mask)
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
    def from_profile(cls, site_freqs: torch.Tensor, alphabet=None, pseudocount: float = 1e-3, frozen: bool = False) -> "Potts":
        """Independent-site model reproducing ``site_freqs`` (L, q): h_i(a) = log f_i(a), couplings zero;
        ``frozen``: see :meth:`frozen_independent`."""
        length, q = site_freqs.shape
        f = (1 - pseudocount) * site_freqs + pseudocount / q
        fields = torch.log(f)
        fields = fields - fields.mean(1, keepdim=True)
        if frozen:
            return cls.frozen_independent(fields, alphabet)
        return cls(fields, torch.zeros(length, q, length, q, device=f.device, dtype=f.dtype), alphabet, check=False)

    @classmethod
    def frozen_independent(cls, fields: torch.Tensor, alphabet=None) -> "Potts":
        """A coupling-free model that is never trained (such as the bottom rung of PTT, whose energies are computed
        at every step): energies skip the pair term, and the zero couplings take no memory (a broadcast view)."""
        length, q = fields.shape
        model = cls(fields, torch.zeros((), device=fields.device, dtype=fields.dtype).expand(length, q, length, q),
                    alphabet, check=False)
        model._profile = True
        return model

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
        """E(x) for (N, L) integer states -> (N,). The pair term is a gather-sum of the L coupling rows J[j, x_j] of
        each sequence (about N L^2 q operations, as one Gibbs sweep, not the N (L q)^2 of a one-hot product)."""
        states = check_states(states, self.length, self.q).to(self.device)
        sites = torch.arange(self.length, device=self.device)
        out = []
        for start in range(0, states.shape[0], chunk_size):
            x = states[start : start + chunk_size]
            index = x + sites * self.q
            field_term = self.fields[sites, x].sum(1)
            if self._profile:
                out.append(-field_term)
                continue
            pair_term = 0.5 * self._coupling_sums(index).gather(1, index).sum(1)
            out.append(-field_term - pair_term)
        return torch.cat(out) if out else torch.zeros(0, device=self.device, dtype=self.dtype)

    def local_fields(self, states: torch.Tensor) -> torch.Tensor:
        """(N, L, q): h_i(a) + sum_j J_ij(a, x_j), the conditional log-odds of each site given the others."""
        states = check_states(states, self.length, self.q).to(self.device)
        index = states + torch.arange(self.length, device=self.device) * self.q
        return self.fields + self._coupling_sums(index).reshape(-1, self.length, self.q)

    def _coupling_sums(self, index: torch.Tensor) -> torch.Tensor:
        """sum_j J[j, x_j, :, :] flattened to (N, L q), for flat indices j q + x_j of (N, L) states."""
        width = self.length * self.q
        return F.embedding_bag(index, self.couplings.reshape(width, width), mode="sum")

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
        return Potts(h, j0, self.alphabet, dict(self.metadata), check=False, pair_mask=self.pair_mask)

    def symmetrize_(self) -> "Potts":
        """Force exact symmetry and zero diagonal blocks in place (after gradient steps)."""
        self.couplings.copy_(0.5 * (self.couplings + self.couplings.permute(2, 3, 0, 1)))
        idx = torch.arange(self.length, device=self.device)
        self.couplings[idx, :, idx, :] = 0
        return self

    # ---- sparsity
    def set_pair_mask(self, mask: torch.Tensor | None) -> "Potts":
        """Keep only the couplings of the pairs (i, j) where the symmetric (L, L) boolean ``mask`` is true (None: all
        pairs): the others are set to zero, stay zero in training and are skipped by the sampler."""
        self._neighbour_cache = None
        self.coupling_mask = None
        if mask is None:
            self.pair_mask = None
            return self
        mask = torch.as_tensor(mask, dtype=torch.bool).cpu()
        if mask.shape != (self.length, self.length) or not torch.equal(mask, mask.t()):
            raise ShapeError(f"pair mask must be a symmetric ({self.length}, {self.length}) boolean matrix")
        mask = mask & ~torch.eye(self.length, dtype=torch.bool)
        self.pair_mask = mask
        self.couplings = self.couplings * self._mask4d()
        return self

    def set_coupling_mask(self, mask: torch.Tensor | None) -> "Potts":
        """Keep only the couplings J_ij(a, b) where the symmetric (L, q, L, q) boolean ``mask`` is true (the edDCA
        sparsity, finer than whole pairs): the others are set to zero and stay zero in training; the sampler skips
        the pairs left with none. The model's gauge is then fixed where the mask holds zeros (no regauging)."""
        if mask is None:
            return self.set_pair_mask(None)
        mask = torch.as_tensor(mask, dtype=torch.bool).cpu()
        length, q = self.length, self.q
        if mask.shape != (length, q, length, q) or not torch.equal(mask, mask.permute(2, 3, 0, 1)):
            raise ShapeError(f"coupling mask must be a symmetric ({length}, {q}, {length}, {q}) boolean array")
        mask = mask.clone()
        mask[torch.arange(length), :, torch.arange(length), :] = False
        self.set_pair_mask(mask.any(3).any(1))
        self.coupling_mask = mask
        self.couplings = self.couplings * self._mask4d()
        return self

    def _mask4d(self) -> torch.Tensor:
        if self.coupling_mask is not None:
            return self.coupling_mask.to(device=self.couplings.device, dtype=self.couplings.dtype)
        return self.pair_mask.to(device=self.couplings.device, dtype=self.couplings.dtype)[:, None, :, None]

    def kept_couplings(self) -> torch.Tensor:
        """(L, q, L, q) booleans (a new tensor, on the CPU): which couplings J_ij(a, b), i != j, the model keeps."""
        if self.coupling_mask is not None:
            return self.coupling_mask.clone()
        length, q = self.length, self.q
        pairs = self.pair_mask if self.pair_mask is not None else ~torch.eye(length, dtype=torch.bool)
        return pairs[:, None, :, None].expand(length, q, length, q).clone()

    @property
    def density(self) -> float:
        """Fraction of the couplings J_ij(a, b), i != j, the model keeps (1 for a dense model; with a pair mask, the
        fraction of the pairs, every coupling of a kept pair counting as kept)."""
        if self.coupling_mask is None:
            return self.pair_density
        return float(self.coupling_mask.sum()) / max(self.length * (self.length - 1) * self.q ** 2, 1)

    @property
    def pair_density(self) -> float:
        """Fraction of the pairs i < j with at least one coupling kept (what the sampler's sweep visits)."""
        if self.pair_mask is None:
            return 1.0
        return float(self.pair_mask.sum()) / max(self.length * (self.length - 1), 1)

    def neighbours(self) -> list[torch.Tensor] | None:
        """Per site, the sites it is coupled to, for a model sparse enough that visiting only those pays (None: every
        site, the dense sweep)."""
        if self._neighbour_cache is None or self._neighbour_cache[0] != self.device:
            self._neighbour_cache = (self.device, sweep_neighbours(self.pair_mask, self.device))
        return self._neighbour_cache[1]

    def with_site_fields(self, offset: torch.Tensor) -> "Potts":
        out = copy.copy(self)  # couplings and metadata shared (AIS makes one such model per temperature)
        out.fields = self.fields + offset.to(self.fields)
        return out

    def site_independent(self, fields: torch.Tensor) -> "Potts":
        return Potts.frozen_independent(fields.to(self.fields), self.alphabet)

    def project_(self, data_statistics: dict | None = None, relaxation: float = 1.0) -> "Potts":
        """After a parameter step: couplings outside the mask back to zero (no gauge is fixed from the data)."""
        if self.pair_mask is not None:
            self.couplings.mul_(self._mask4d())
        return self

    def file_record(self) -> dict:
        if self.coupling_mask is not None:
            return {"coupling_mask": True}
        if self.pair_mask is None:
            return {}
        i, j = torch.triu_indices(self.length, self.length, offset=1)
        keep = self.pair_mask[i, j]
        return {"active_pairs": torch.stack([i[keep], j[keep]], 1).tolist()}

    def file_tensors(self) -> dict[str, torch.Tensor]:
        tensors = self.tensors()
        return tensors if self.coupling_mask is None else {**tensors, "coupling_mask": self.coupling_mask}

    @classmethod
    def file_parameter_names(cls, record: dict) -> tuple[str, ...]:
        return cls.parameter_names + (("coupling_mask",) if record.get("coupling_mask") else ())

    @classmethod
    def from_file(cls, tensors: dict[str, torch.Tensor], alphabet: Alphabet, metadata: dict, record: dict) -> "Potts":
        tensors = dict(tensors)
        coupling_mask = tensors.pop("coupling_mask", None)
        model = cls(**tensors, alphabet=alphabet, metadata=metadata)
        if coupling_mask is not None:
            if coupling_mask.dtype != torch.bool:
                raise ShapeError(f"coupling mask must be boolean, got {coupling_mask.dtype}")
            model.set_coupling_mask(coupling_mask)
        pairs = record.get("active_pairs")
        if pairs is not None:
            length = model.length
            index = torch.as_tensor(pairs, dtype=torch.long).reshape(-1, 2)
            if index.numel() and (int(index.min()) < 0 or int(index.max()) >= length):
                raise ShapeError(f"active pairs must index sites 0..{length - 1}")
            mask = torch.zeros(length, length, dtype=torch.bool)
            mask[index[:, 0], index[:, 1]] = True
            model.set_pair_mask(mask | mask.t())
        return model

    def condition(self, sites: torch.Tensor, values: torch.Tensor) -> "Potts":
        """Fields of the free sites plus their couplings to the clamped ones, couplings among the free sites."""
        sites, values = sites.to(self.device).long(), values.to(self.device).long()
        free = self.free_sites(sites)
        if self._profile:
            return Potts.frozen_independent(self.fields[free], self.alphabet)
        rows = self.couplings[free]  # (F, q, L, q), indexed once
        fields = self.fields[free] + rows[:, :, sites, values].sum(-1)  # + J_ij(a, x_j) over the clamped j
        mask = None if self.pair_mask is None else self.pair_mask[free.cpu()][:, free.cpu()]
        return Potts(fields, rows[:, :, free].contiguous(), self.alphabet, check=False, pair_mask=mask)

    # ---- the model contract (see seqebm.models.base)
    def free_energy(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """The energy: a Potts model has no hidden units to sum out."""
        return self.energy(states)

    def log_weight(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        return -beta * self.energy(states)

    @property
    def independent(self) -> bool:
        """True when every coupling is zero (an independent-site, "profile" model)."""
        return self._profile or not bool(self.couplings.any())

    def exact_sample(self, n: int, beta: float, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """Uniform states at beta = 0; independent draws per site for a model without couplings."""
        if beta != 0 and not self.independent:
            return None
        probabilities = torch.softmax(beta * self.fields.double(), dim=1).to(self.dtype)
        u = torch.rand(n, self.length, generator=generator, device=self.device, dtype=self.dtype)
        return sample_categorical(torch.log(probabilities.clamp_min(1e-30)).expand(n, -1, -1), u)

    def exact_log_partition(self, beta: float) -> float | None:
        if beta != 0 and not self.independent:
            return None
        return float(torch.logsumexp(beta * self.fields.double(), dim=1).sum())

    def statistics(self, states: torch.Tensor, weights: torch.Tensor | None = None, pseudocount: float = 0.0,
                   hidden: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """{"fields": f_i (L, q), "couplings": f_ij (L, q, L, q)}."""
        return {
            "fields": site_frequencies(states, self.q, weights, pseudocount),
            "couplings": pair_frequencies(states, self.q, weights, pseudocount),
        }

    def statistics_from_frequencies(self, single: torch.Tensor, pair: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"fields": single, "couplings": pair}

    def site_and_pair_frequencies(self, stats: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        return stats["fields"], stats["couplings"]

    def gradient(self, data: dict[str, torch.Tensor], chains: dict[str, torch.Tensor], l1: float = 0.0,
                 l2: float = 0.0, centered: bool = True, l1_squared: float = 0.0) -> dict[str, torch.Tensor]:
        """d log-likelihood / d(fields, couplings) = data moments - chain moments (- regularisation).

        ``centered``: the gradient of the centred parametrisation, offsets the data's one-site frequencies mu
        (as for RBMs, Melchior et al. 2016): dJ_ij = df_ij - mu_i df_j - df_i mu_j, dh_i = df_i - sum_j dJ_ij mu_j.
        Without it every pair's update also shifts the effective fields of its two sites, so a mismatch of one-site
        frequencies moves each field about L times (an ordered or nearly ordered model then swings between its
        modes from update to update). ``l1_squared`` is an RBM penalty (hidden units' weights)."""
        if l1_squared:
            raise ConfigError("the L1^2 penalty acts on the weights of an RBM's hidden units: use it with --model rbm")
        grad_h = data["fields"] - chains["fields"]
        grad_j = data["couplings"] - chains["couplings"]
        mu = data["fields"]
        if centered:
            grad_j = grad_j - mu[:, :, None, None] * grad_h[None, None] - grad_h[:, :, None, None] * mu[None, None]
        if l2:
            grad_j = grad_j - l2 * self.couplings
        if l1:
            # the sign of the symmetric part: rounding may leave J[i,a,j,b] and J[j,b,i,a] of opposite signs near 0,
            # and a sign that differs between the two would make the step (and the model) asymmetric
            grad_j = grad_j - l1 * torch.sign(self.couplings + self.couplings.permute(2, 3, 0, 1))
        idx = torch.arange(self.length, device=grad_j.device)
        grad_j[idx, :, idx, :] = 0  # self-couplings are not parameters
        if self.pair_mask is not None:
            grad_j = grad_j * self._mask4d()  # decimated couplings are not parameters either
        if centered:
            grad_h = grad_h - torch.einsum("iajb,jb->ia", grad_j, mu)
        return {"fields": grad_h, "couplings": grad_j}

    def gibbs(self, states: torch.Tensor, n_steps: int, beta: float = 1.0, stream: RandomStream | None = None,
              order: str = "sequential") -> tuple[torch.Tensor, None]:
        """``n_steps`` sweeps of single-site Gibbs updates in ``order`` (see :mod:`seqebm.models.potts_gibbs`)."""
        stream = RandomStream.of(stream, self.device)
        return potts_gibbs(self.fields, self.couplings, states, n_steps, beta, order, stream, self.neighbours()), None

    def gibbs_ladder(self, models: list["Potts"], betas: list[float], states: torch.Tensor, n_steps: int,
                     stream: RandomStream, order: str = "sequential") -> torch.Tensor:
        """All rungs in one stacked kernel (:func:`~seqebm.models.potts_gibbs.potts_gibbs_ladder`)."""
        return potts_gibbs_ladder([m.fields for m in models], [m.couplings for m in models], betas, states, n_steps,
                                  order, RandomStream.of(stream, self.device), self._ladder_neighbours(models))

    def ladder_log_weights(self, models: list["EnergyModel"], betas: list[float], states: torch.Tensor,
                           jobs: list[tuple[int, int]]) -> torch.Tensor:
        """All at once in the compiled kernel where it runs (the tables of the ladder's sweeps), else one by one."""
        weights = None
        if all(isinstance(m, Potts) for m in models):
            weights = native_ladder_log_weights([m.fields for m in models], [m.couplings for m in models], betas,
                                                states, jobs, self._ladder_neighbours(models))
        return super().ladder_log_weights(models, betas, states, jobs) if weights is None else weights

    def _ladder_neighbours(self, models: list["Potts"]) -> list[torch.Tensor] | None:
        """The sites a ladder's sweeps visit: the union of the rungs' sparsity masks (None: dense)."""
        masks = [m.pair_mask for m in models if not m._profile]
        shared = None if any(m is None for m in masks) or not masks else torch.stack(masks).any(0)
        return sweep_neighbours(shared, self.device)

    def pairwise_model(self, states: torch.Tensor | None = None) -> "Potts":
        return self

    @classmethod
    def initial(cls, length: int, q: int, alphabet: Alphabet, profile: torch.Tensor, generator: torch.Generator | None = None,
                hidden: int = 100, hidden_type: str = "bernoulli") -> "Potts":
        """The independent-site model of the data's one-site frequencies (a Potts model has no hidden units)."""
        return cls.from_profile(profile, alphabet)

    @classmethod
    def data_pseudocount(cls, configured: float | None, effective_size: float) -> float:
        """1 / M_eff unless configured."""
        return configured if configured is not None else 1.0 / max(effective_size, 1.0)

    @classmethod
    def _parameter_memory(cls, n_sequences, width, n_chains, hidden, chunk_rows, dtype_bytes) -> int:
        # pair statistics of data and chains, connected correlations, couplings, gradient, two Adam moments,
        # flattened upper triangles for the Pearson: about ten (Lq)^2 tensors
        return 10 * width * width * dtype_bytes
