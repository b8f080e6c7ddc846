"""Restricted Boltzmann Machine: a visible layer (Bernoulli {0,1} or Potts q-state units, :mod:`.visible`) coupled
by weights to a layer of hidden units of one type (:mod:`.hidden`; Bernoulli by default).

E(v, h) = -sum_i b_i(v_i) + sum_mu U_mu(h_mu) - sum_mu c_mu h_mu - sum_{i, mu} W_i(v_i)_mu h_mu
F(v)    = -sum_i b_i(v_i) - sum_mu Gamma_mu(c_mu + I_mu(v)),   I_mu(v) = sum_i W_i(v_i)_mu

Shapes: Potts visible: weights (L, q, H), visible_bias (L, q). Bernoulli visible: weights (L, H), visible_bias (L,).
"""
from __future__ import annotations

import copy

import torch

from seqebm.errors import ConfigError, ShapeError
from seqebm.io.alphabets import BINARY, Alphabet
from seqebm.models.base import EnergyModel
from seqebm.models.hidden import HiddenUnits, hidden_units
from seqebm.models.potts import Potts
from seqebm.models.visible import BernoulliVisible, VisibleLayer
from seqebm.rng import RandomStream
from seqebm.stats.frequencies import normalised_weights

_BASE_PARAMETERS = ("weights", "visible_bias", "hidden_bias")


class RBM(EnergyModel):
    kind = "rbm"

    @classmethod
    def persistent_optimizer(cls, q: int | None) -> str:
        """SGD for binary data: with persistent chains, Adam's normalised steps (about lr on every weight, however
        small and noisy its gradient) keep the 805-SNP RBM from learning (Pearson 0.002 at lr 0.002, swinging
        between 0.00 and 0.31 at lr 0.01) and MNIST's swinging between 0.33 and 0.61 (lr 0.02 and 0.005), where SGD 0.05
        rises steadily (0.98 / 0.77 after 100 pcd-10 updates); Potts RBMs of proteins learn faster with Adam (PF00072:
        0.37-0.66 against 0.09 with SGD 0.05 after 100 updates)."""
        return "sgd" if q == 2 else "adam"

    def __init__(
        self,
        weights: torch.Tensor,
        visible_bias: torch.Tensor,
        hidden_bias: torch.Tensor,
        alphabet: str | Alphabet | None = None,
        metadata: dict | None = None,
        hidden: str | HiddenUnits = "bernoulli",
        **unit_parameters: torch.Tensor,
    ) -> None:
        self.visible = VisibleLayer.from_weights(weights)
        self.hidden = hidden_units(hidden) if isinstance(hidden, str) else hidden
        n_hidden = weights.shape[-1]
        if tuple(visible_bias.shape) != self.visible.bias_shape:
            raise ShapeError(f"visible_bias must be {self.visible.bias_shape}, got {tuple(visible_bias.shape)}")
        if tuple(hidden_bias.shape) != (n_hidden,):
            raise ShapeError(f"hidden_bias must be ({n_hidden},), got {tuple(hidden_bias.shape)}")
        expected = set(self.hidden.extra_parameters)
        if set(unit_parameters) != expected:
            raise ConfigError(f"{self.hidden.kind} hidden units take parameters {sorted(expected)}, got {sorted(unit_parameters)}")
        self.parameter_names = _BASE_PARAMETERS + tuple(self.hidden.extra_parameters)
        self.weights, self.visible_bias, self.hidden_bias = weights, visible_bias, hidden_bias
        for name, tensor in unit_parameters.items():
            if tuple(tensor.shape) != (n_hidden,):
                raise ShapeError(f"{name} must be ({n_hidden},), got {tuple(tensor.shape)}")
            setattr(self, name, tensor)
        default = BINARY if isinstance(self.visible, BernoulliVisible) else None
        self._init_common(alphabet if alphabet is not None else default, self.visible.q, metadata)

    @classmethod
    def random(
        cls, length: int, n_hidden: int, q: int | None = None, std: float = 0.01, alphabet=None,
        device=None, dtype=torch.float32, generator: torch.Generator | None = None, hidden: str = "bernoulli",
    ) -> "RBM":
        """Small Gaussian weights, zero biases, default unit parameters; ``q=None`` gives Bernoulli visible units."""
        shape = (length, n_hidden) if q is None else (length, q, n_hidden)
        w = torch.randn(shape, generator=generator, device=device, dtype=dtype) * std
        vb = torch.zeros(shape[:-1], device=device, dtype=dtype)
        units = hidden_units(hidden)
        extra = {name: torch.full((n_hidden,), value, device=device, dtype=dtype) for name, value in units.extra_parameters.items()}
        return cls(w, vb, torch.zeros(n_hidden, device=device, dtype=dtype), alphabet, hidden=units, **extra)

    @property
    def length(self) -> int:
        return int(self.weights.shape[0])

    @property
    def q(self) -> int:
        return self.visible.q

    @property
    def n_hidden(self) -> int:
        return int(self.weights.shape[-1])

    def __repr__(self) -> str:
        return (f"RBM(visible={self.visible.kind}, hidden={self.hidden.kind}, L={self.length}, q={self.q}, "
                f"H={self.n_hidden}, device={self.device})")

    # ---- layers
    def _unit_parameters(self) -> dict[str, torch.Tensor]:
        return {name: getattr(self, name) for name in self.hidden.extra_parameters}

    def visible_tensor(self, states: torch.Tensor) -> torch.Tensor:
        """The working form of visible states: float {0,1} (N, L) for Bernoulli, long (N, L) for Potts."""
        if states.ndim != 2 or states.shape[1] != self.length:
            raise ShapeError(f"visible states must be (N, {self.length}), got {tuple(states.shape)}")
        return self.visible.working(states.to(self.device), self.dtype)

    def hidden_input(self, v: torch.Tensor) -> torch.Tensor:
        """I(v) = sum_i W_i(v_i): (N, H) for visible states in working form."""
        return self.visible.hidden_input(v, self.weights)

    def _hidden_field(self, states: torch.Tensor, beta: float) -> torch.Tensor:
        return beta * (self.hidden_bias + self.hidden_input(self.visible_tensor(states)))

    # ---- energies and conditionals
    def energy(self, states: torch.Tensor, hidden: torch.Tensor) -> torch.Tensor:
        """E(v, h) = -b(v) + U(h) - c.h - I(v).h for (N, L) visible states and (N, H) hidden states."""
        v = self.visible_tensor(states)
        hidden = hidden.to(device=self.device, dtype=self.dtype)
        return (-self.visible.bias_term(v, self.visible_bias) + self.hidden.potential(hidden, self._unit_parameters())
                - hidden @ self.hidden_bias - (self.hidden_input(v) * hidden).sum(1))

    def with_site_fields(self, offset: torch.Tensor) -> "RBM":
        out = copy.copy(self)  # weights and metadata shared (AIS makes one such model per temperature)
        out.visible_bias = self.visible_bias + self.visible.bias_from_site_fields(offset.to(self.visible_bias))
        return out

    def site_independent(self, fields: torch.Tensor) -> "RBM":
        """No weights, the visible bias of ``fields``, this model's hidden-unit parameters (which then only add a
        constant)."""
        out = self.clone()
        out.weights.zero_()
        out.visible_bias = self.visible.bias_from_site_fields(fields.to(self.visible_bias))
        return out

    def project_(self, data_statistics: dict[str, torch.Tensor] | None = None, relaxation: float = 1.0) -> "RBM":
        """After an optimiser step: the hidden units' constraints and scale gauge (see :meth:`HiddenUnits.project_`),
        at unit variance of each hidden unit over the data when ``data_statistics`` are given (else unit curvature)."""
        variance = self.hidden_variance(data_statistics) if data_statistics is not None else None
        scale = self.hidden.project_(self._unit_parameters(), variance, relaxation)
        if scale is not None:
            self.weights.div_(scale)
            self.hidden_bias.div_(scale)
        return self

    def hidden_variance(self, statistics: dict[str, torch.Tensor]) -> torch.Tensor | None:
        """Var(h_mu) over the states whose :meth:`statistics` these are (E[Var[h|v]] + Var(E[h|v])): (H,); None for
        units without a scale gauge."""
        second = self.hidden.second_moment(statistics)
        if second is None:
            return None
        mean = statistics["hidden_bias"]
        return (second - mean * mean).clamp_min(0)

    def free_energy(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """F(v) = -log sum_h exp(-E(v, h)) for (N, L) visible states -> (N,) (at inverse temperature beta: F/beta)."""
        v = self.visible_tensor(states)
        field = beta * (self.hidden_bias + self.hidden_input(v))
        return -self.visible.bias_term(v, self.visible_bias) - self.hidden.log_partition(field, self._unit_parameters(), beta)

    def log_weight(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """-beta F(v) = beta sum_i b_i(v_i) + sum_mu Gamma(beta (c_mu + I_mu(v))), finite at beta = 0."""
        v = self.visible_tensor(states)
        field = beta * (self.hidden_bias + self.hidden_input(v))
        return beta * self.visible.bias_term(v, self.visible_bias) + self.hidden.cumulant(field, self._unit_parameters(), beta)

    def hidden_probabilities(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """E[h_mu | v] (for Bernoulli units p(h_mu = 1 | v) = sigmoid(beta (c_mu + I_mu(v)))): (N, H)."""
        return self.hidden.mean(self._hidden_field(states, beta), self._unit_parameters(), beta)

    def visible_probabilities(self, hidden: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """p(v_i = 1 | h) (N, L) for Bernoulli; p(v_i = a | h) (N, L, q) for Potts."""
        hidden = hidden.to(device=self.device, dtype=self.dtype)
        return self.visible.probabilities(self.visible.field(hidden, self.weights, self.visible_bias, beta))

    def condition(self, sites: torch.Tensor, values: torch.Tensor) -> "RBM":
        """The clamped sites' weights move into the hidden biases: c' = c + sum_{clamped i} W_i(x_i)."""
        sites, values = sites.to(self.device).long(), values.to(self.device).long()
        free = self.free_sites(sites)
        clamped = VisibleLayer.from_weights(self.weights[sites])
        shift = clamped.hidden_input(clamped.working(values[None, :], self.dtype), self.weights[sites])[0]
        return RBM(self.weights[free].contiguous(), self.visible_bias[free].contiguous(), self.hidden_bias + shift,
                   self.alphabet, hidden=self.hidden, **self._unit_parameters())

    def hidden_configurations(self) -> int | None:
        """2^H for Bernoulli hidden units (which can be enumerated), None for continuous ones."""
        return 2**self.n_hidden if self.hidden.kind == "bernoulli" and self.n_hidden < 63 else None

    def hidden_side_log_partition(self, beta: float = 1.0, chunk: int = 4096) -> float:
        """log Z by enumerating the 2^H Bernoulli hidden configurations, the visible sites summed out exactly:
        log Z = logsumexp_h [beta c.h + sum_i log sum_a exp(beta (b_i(a) + W_i(a).h))]."""
        if self.hidden_configurations() is None:
            raise ConfigError(f"{self.hidden.kind} hidden units cannot be enumerated")
        w, vb = self.visible.potts_form(self.weights.double(), self.visible_bias.double())
        bits = torch.arange(self.n_hidden, device=self.device)
        parts = []
        for start in range(0, 2**self.n_hidden, chunk):
            codes = torch.arange(start, min(start + chunk, 2**self.n_hidden), device=self.device)
            h = ((codes[:, None] >> bits) & 1).double()
            site = torch.logsumexp(beta * (vb + torch.einsum("iam,nm->nia", w, h)), dim=2).sum(1)
            parts.append(torch.logsumexp(beta * (h @ self.hidden_bias.double()) + site, 0))
        return float(torch.logsumexp(torch.stack(parts), 0))

    # ---- the model contract (see seqebm.models.base)
    @torch.no_grad()
    def gibbs(self, states: torch.Tensor, n_steps: int, beta: float = 1.0, stream: RandomStream | None = None,
              order: str = "sequential") -> tuple[torch.Tensor, torch.Tensor]:
        """``n_steps`` block-Gibbs steps (h ~ p(h | v), then v ~ p(v | h)) from (N, L) visible ``states``.

        Returns (final visible states as (N, L) long, E[h | v_final] as (N, H)): gradients need the hidden statistics
        of the final visible configuration, not the last sampled hidden layer. ``order`` does not apply (block updates).
        """
        if n_steps < 0:
            raise ConfigError(f"number of steps must be >= 0, got {n_steps}")
        stream = RandomStream.of(stream, self.device)
        v = self.visible_tensor(states)
        params = self._unit_parameters()
        u_hidden = torch.empty(v.shape[0], self.n_hidden, device=self.device, dtype=self.dtype)
        u_visible = torch.empty(v.shape[0], self.length, device=self.device, dtype=self.dtype)
        stream.prepare()
        for _ in range(n_steps):
            field = self.visible.hidden_field(v, self.weights, self.hidden_bias, beta)
            h = self.hidden.sample_(field, params, stream.uniform_(u_hidden), beta)
            stream.uniform_(u_visible)
            v = self.visible.sample(self.visible.field(h, self.weights, self.visible_bias, beta), u_visible)
        hidden_mean = self.hidden.mean_(self.visible.hidden_field(v, self.weights, self.hidden_bias, beta), params, beta)
        return v.long(), hidden_mean

    def statistics(self, states: torch.Tensor, weights: torch.Tensor | None = None, pseudocount: float = 0.0,
                   hidden: torch.Tensor | None = None, chunk_size: int = 16384) -> dict[str, torch.Tensor]:
        """Weighted <v>, <h>, <v h> with h = E[h | v] (visible one-hot for Potts units), shaped like the parameters,
        plus the statistics of the unit parameters. ``pseudocount`` does not apply to RBMs."""
        v = self.visible_tensor(states)
        w = normalised_weights(v, weights, self.dtype)
        params = self._unit_parameters()
        v_mean = torch.zeros(self.visible.width, dtype=self.dtype, device=v.device)
        h_mean = torch.zeros(self.n_hidden, dtype=self.dtype, device=v.device)
        vh = torch.zeros(self.visible.width, self.n_hidden, dtype=self.dtype, device=v.device)
        unit_stats: dict[str, torch.Tensor] = {}
        for start in range(0, v.shape[0], chunk_size):  # one-hot and E[h|v] of a chunk of rows at a time
            block, wb = v[start : start + chunk_size], w[start : start + chunk_size]
            if hidden is None:  # E[h | v] and the unit-parameter statistics share their work
                ph, block_stats = self.hidden.mean_and_statistics(self._hidden_field(block, 1.0), params, wb)
            else:
                ph = hidden[start : start + chunk_size]
                block_stats = self.hidden.parameter_statistics(self._hidden_field(block, 1.0), params, wb) if params else {}
            vf = self.visible.flat(block, self.dtype)
            wh = ph * wb[:, None]
            v_mean += wb @ vf
            h_mean += wh.sum(0)
            vh.addmm_(vf.T, wh)
            for name, value in block_stats.items():
                unit_stats[name] = unit_stats[name] + value if name in unit_stats else value
        stats = {"visible_bias": v_mean.reshape(self.visible.bias_shape), "hidden_bias": h_mean,
                 "weights": vh.reshape(self.weights.shape)}
        return {**stats, **unit_stats}

    def gradient(self, data: dict[str, torch.Tensor], chains: dict[str, torch.Tensor], l1: float = 0.0,
                 l2: float = 0.0, centered: bool = True, l1_squared: float = 0.0) -> dict[str, torch.Tensor]:
        """Likelihood gradient; ``centered`` uses the data means as offsets (Melchior et al. 2016; the hidden offset only
        for unit types that are centred, see :attr:`HiddenUnits.centred`):
        dW = d<vh> - v_bar d<h> - d<v> h_bar, d(vbias) = d<v> - dW h_bar, d(hbias) = d<h> - v_bar . dW.

        ``l1_squared``: Tubiana et al.'s (eLife 2019, eq. 8) penalty lambda / (2 L q) sum_mu (sum_{i,a} |W_i(a)_mu|)^2,
        whose gradient lambda <|W_mu|> sign(W) pushes a unit's weights to zero the harder the heavier the unit already
        is: sparse units of comparable weight (meaningful in the unit-variance gauge, where weights are comparable)."""
        dv = data["visible_bias"] - chains["visible_bias"]
        dh = data["hidden_bias"] - chains["hidden_bias"]
        dw = data["weights"] - chains["weights"]
        if centered:
            v_bar = data["visible_bias"]
            h_bar = data["hidden_bias"] if self.hidden.centred else torch.zeros_like(data["hidden_bias"])
            dw = dw - v_bar.unsqueeze(-1) * dh - dv.unsqueeze(-1) * h_bar
            dv = dv - dw @ h_bar
            dh = dh - (v_bar.unsqueeze(-1) * dw).reshape(-1, self.n_hidden).sum(0)
        if l2:
            dw = dw - l2 * self.weights
        if l1:
            dw = dw - l1 * torch.sign(self.weights)
        if l1_squared:
            per_unit = self.weights.abs().reshape(-1, self.n_hidden).mean(0)
            dw = dw - l1_squared * per_unit * torch.sign(self.weights)
        units = self.hidden.gauge_free_gradient({name: data[name] - chains[name] for name in self.hidden.extra_parameters},
                                                self._unit_parameters())
        return {"weights": dw, "visible_bias": dv, "hidden_bias": dh, **units}

    def pairwise_model(self, states: torch.Tensor | None = None) -> Potts:
        """Pairwise model of the marginal over the hidden units, to second order of the cumulant expansion.

        log p(v) = sum_i b_i(v_i) + sum_mu Gamma_mu(c_mu + I_mu(v)). Expanding Gamma to second order around the mean
        input (c_mu + <I_mu> over ``states``, or c_mu without states) gives
        J_ij(a, b) = sum_mu Gamma''(.) W_i(a)_mu W_j(b)_mu, Gamma'' the variance of h_mu of the unit type, and
        fields h_i(a) = b_i(a) + sum_mu [Gamma'(.) - Gamma''(.) <I_mu>] W_i(a)_mu + (1/2) sum_mu Gamma''(.) W_i(a)_mu^2
        (the i = j terms folded in as single-site terms). Returned as a Potts model (q = 2 for Bernoulli visible units:
        state 1 carries W, state 0 zero). Tubiana, Cocco & Monasson, eLife 2019; Decelle & Furtlehner 2021."""
        w, vb = self.visible.potts_form(self.weights, self.visible_bias)
        length = w.shape[0]
        if states is None:
            mean_input = torch.zeros(self.n_hidden, dtype=w.dtype, device=w.device)
        else:
            mean_input = self.hidden_input(self.visible_tensor(states)).mean(0)
        point = (self.hidden_bias + mean_input)[None]
        params = self._unit_parameters()
        mean, var = self.hidden.mean(point, params)[0], self.hidden.variance(point, params)[0]
        couplings = torch.einsum("iam,jbm,m->iajb", w, w, var)
        idx = torch.arange(length, device=w.device)
        diag = couplings[idx, :, idx, :].diagonal(dim1=1, dim2=2).clone()  # (L, q): the i = j, a = b terms
        couplings[idx, :, idx, :] = 0
        fields = vb + torch.einsum("iam,m->ia", w, mean - var * mean_input) + 0.5 * diag
        return Potts(fields, couplings, self.alphabet, check=False)

    @classmethod
    def initial(cls, length: int, q: int, alphabet: Alphabet, profile: torch.Tensor, generator: torch.Generator | None = None,
                hidden: int = 100, hidden_type: str = "bernoulli") -> "RBM":
        """Small random weights (std 0.01) and visible biases of the independent-site model of ``profile``."""
        clamped = profile.clamp(1e-6, 1 - 1e-6)
        if q == 2:
            model = cls.random(length, hidden, std=0.01, alphabet=alphabet, device=profile.device, generator=generator, hidden=hidden_type)
            model.visible_bias = torch.log(clamped[:, 1] / clamped[:, 0])
        else:
            model = cls.random(length, hidden, q=q, std=0.01, alphabet=alphabet, device=profile.device, generator=generator,
                               hidden=hidden_type)
            logp = torch.log(clamped)
            model.visible_bias = logp - logp.mean(1, keepdim=True)
        return model

    @classmethod
    def _parameter_memory(cls, n_sequences, width, n_chains, hidden, chunk_rows, dtype_bytes) -> int:
        # weights x8 (gradient, statistics, optimiser state) and the data pair statistics of the Pearson monitor,
        # hidden statistics of the chains, and those of a chunk of data rows
        return (8 * width * hidden * dtype_bytes + 2 * width * width * dtype_bytes + n_chains * hidden * dtype_bytes * 3
                + min(chunk_rows, n_sequences) * hidden * dtype_bytes)

    def file_record(self) -> dict:
        return {"hidden_units": self.hidden.kind}

    @classmethod
    def file_parameter_names(cls, record: dict) -> tuple[str, ...]:
        return _BASE_PARAMETERS + tuple(hidden_units(record.get("hidden_units", "bernoulli")).extra_parameters)

    @classmethod
    def from_file(cls, tensors: dict[str, torch.Tensor], alphabet: Alphabet, metadata: dict, record: dict) -> "RBM":
        return cls(**tensors, alphabet=alphabet, metadata=metadata, hidden=record.get("hidden_units", "bernoulli"))

