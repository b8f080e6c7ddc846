"""The model contract: what training, sampling, mixing tests, analysis and model files may ask of any model.

A model is a set of named parameter tensors with an alphabet and metadata, plus:

- ``free_energy(states, beta)``: the energy of visible states with any hidden units summed out (the energy itself
  for a Potts model); p(x) is proportional to exp(-beta F(x)); ``log_weight(states, beta)`` = -beta F(x), the log of
  the unnormalised probability, finite at beta = 0 too (what tempering swaps and log Z estimates use);
- ``statistics(states, weights, pseudocount, hidden)``: the weighted sufficient statistics of a batch, one tensor per
  parameter (the log-likelihood gradient is data statistics minus model statistics);
- ``gradient(data, chains, l1, l2, centered)``: that gradient (with regularisation) as one tensor per parameter;
- ``gibbs(states, n_steps, beta, stream, order)``: its Gibbs kernel, exact conditional updates of all chains at once;
- ``pairwise_model(states)``: the Potts model of its pairwise couplings (itself for Potts; effective couplings for
  an RBM), for contact prediction;
- ``initial(...)``: the starting model of a training run, and ``file_record`` / ``from_file`` for model files
  (written and read by :mod:`seqebm.models.files`).

Callers use the contract, never the class: a new model is a new subclass registered in ``seqebm.models.registry``.
"""
from __future__ import annotations

import copy
import math
from abc import ABC, abstractmethod
from typing import ClassVar

import torch

from seqebm.device import resolve_device
from seqebm.errors import ConfigError
from seqebm.io.alphabets import NAMED, Alphabet, get_alphabet
from seqebm.rng import RandomStream


class EnergyModel(ABC):
    """Base class: subclasses declare ``kind`` and ``parameter_names`` and store those tensors as attributes."""

    kind: ClassVar[str] = ""
    parameter_names: ClassVar[tuple[str, ...]] = ()
    # L2 penalty used by default when this model is trained with persistent chains (pcd, eq); see TrainConfig
    persistent_l2: ClassVar[float] = 0.0
    centered_by_default: ClassVar[bool] = True  # whether training uses the centred gradient unless told

    alphabet: Alphabet
    metadata: dict
    # the state of the sampler the model was trained with (a tempering ladder: saved models, temperatures), kept
    # with it in model files so that sampling can use it
    sampler_state: dict[str, torch.Tensor]

    @classmethod
    def persistent_optimizer(cls, q: int | None) -> str:
        """The optimizer used by default when this model is trained on data with ``q`` states per site with
        persistent chains (pcd, eq); see TrainConfig."""
        return "adam"

    def _init_common(self, alphabet: str | Alphabet | None, q: int, metadata: dict | None) -> None:
        if alphabet is None:
            alphabet = next((a for a in NAMED.values() if a.q == q), None) or get_alphabet("".join(chr(65 + i) for i in range(q)))
        self.alphabet = get_alphabet(alphabet)
        if self.alphabet.q != q:
            raise ConfigError(f"alphabet {self.alphabet.symbols!r} has {self.alphabet.q} states, the model {q}")
        self.metadata = dict(metadata or {})
        self.sampler_state = {}

    # ------------------------------------------------------------------ sizes
    @property
    @abstractmethod
    def length(self) -> int:
        """Number of visible sites L."""

    @property
    @abstractmethod
    def q(self) -> int:
        """Number of states per visible site."""

    # ------------------------------------------------------------------ the contract
    @abstractmethod
    def free_energy(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """F(x) of (N, L) visible states -> (N,): p(x) is proportional to exp(-beta F(x)) (F is beta-dependent
        only through summed-out hidden units)."""

    def log_weight(self, states: torch.Tensor, beta: float = 1.0) -> torch.Tensor:
        """log of the unnormalised probability of (N, L) visible states at inverse temperature ``beta``: (N,)."""
        return -beta * self.free_energy(states, beta)

    def exact_sample(self, n: int, beta: float, generator: torch.Generator | None = None) -> torch.Tensor | None:
        """``n`` independent exact samples at ``beta`` where the model is exactly sampleable there (every model at
        beta = 0: uniform states), else None."""
        if beta == 0:
            return torch.randint(0, self.q, (n, self.length), generator=generator, device=self.device)
        return None

    def exact_log_partition(self, beta: float) -> float | None:
        """log Z at ``beta`` where it is known in closed form (every model at beta = 0), else None."""
        if beta == 0:
            one = torch.zeros(1, self.length, dtype=torch.long, device=self.device)
            return self.length * math.log(self.q) + float(self.log_weight(one, 0.0)[0])
        return None

    def hidden_configurations(self) -> int | None:
        """How many configurations the hidden layer has where it can be enumerated (then ``hidden_side_log_partition``
        sums over them), else None (no hidden layer, or continuous units)."""
        return None

    def condition(self, sites: torch.Tensor, values: torch.Tensor) -> "EnergyModel":
        """The model of the other sites given x[sites] = values (clamped): same kind, the free sites in their order,
        log weights equal to the full model's up to a constant at every beta, so any sampler samples the conditional
        distribution exactly."""
        raise NotImplementedError(f"{type(self).__name__} cannot be conditioned on clamped sites")

    def with_site_fields(self, offset: torch.Tensor) -> "EnergyModel":
        """A shallow copy whose energy gains -sum_i offset_i(x_i) ((L, q) ``offset``; the other parameters and the
        metadata shared): the model tilted by an independent-site model, as annealed importance sampling moves
        between them."""
        raise NotImplementedError(f"{type(self).__name__} has no site fields to tilt")

    def site_independent(self, fields: torch.Tensor) -> "EnergyModel":
        """The independent-site model with energy -sum_i fields_i(x_i) ((L, q) ``fields``) written as a model of this
        class and structure, so that averages of its parameters with this model's are models too (the bridge from
        the exactly sampled bottom of a trajectory ladder to its first saved model)."""
        raise NotImplementedError(f"{type(self).__name__} has no independent-site form")

    def project_(self, data_statistics: dict[str, torch.Tensor] | None = None, relaxation: float = 1.0) -> "EnergyModel":
        """Restore the parameters' constraints after an optimiser step (a sparse model's zero couplings); in place.
        ``data_statistics`` (this update's, from :meth:`statistics`) let a model fix a gauge from the data (an RBM's
        continuous hidden units at unit variance), moved by the power ``relaxation`` of the full step (< 1 when
        they come from a minibatch)."""
        return self

    def free_sites(self, sites: torch.Tensor) -> torch.Tensor:
        """The sites not in ``sites``, in order."""
        keep = torch.ones(self.length, dtype=torch.bool, device=self.device)
        keep[sites.to(self.device)] = False
        return keep.nonzero().flatten()

    @abstractmethod
    def statistics(self, states: torch.Tensor, weights: torch.Tensor | None = None, pseudocount: float = 0.0,
                   hidden: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Weighted sufficient statistics of (N, L) ``states``, one tensor per parameter name. ``hidden`` reuses
        the hidden-unit statistics a Gibbs kernel returned for these states."""

    @abstractmethod
    def gradient(self, data: dict[str, torch.Tensor], chains: dict[str, torch.Tensor], l1: float = 0.0,
                 l2: float = 0.0, centered: bool = True, l1_squared: float = 0.0) -> dict[str, torch.Tensor]:
        """Log-likelihood gradient (ascent direction) from data and chain statistics, with L1/L2 penalties (and the
        L1^2 penalty of RBM weights); ``centered``: the gradient of the centred parametrisation (data means as
        offsets)."""

    @abstractmethod
    def gibbs(self, states: torch.Tensor, n_steps: int, beta: float = 1.0, stream: RandomStream | None = None,
              order: str = "sequential") -> tuple[torch.Tensor, torch.Tensor | None]:
        """``n_steps`` Gibbs steps (sweeps) from (N, L) states at inverse temperature ``beta``: (new (N, L) long
        states, hidden-unit statistics of the final states or None). ``order`` is the site order where sites are
        updated one at a time."""

    def gibbs_ladder(self, models: list["EnergyModel"], betas: list[float], states: torch.Tensor, n_steps: int,
                     stream: RandomStream, order: str = "sequential") -> torch.Tensor:
        """Gibbs steps of several models of this class at once (the rungs of a tempering ladder): ``states[r]``
        ((R, N, L)) runs under ``models[r]`` at ``betas[r]``. Models override it to share work across rungs."""
        return torch.stack([m.gibbs(x, n_steps, b, stream, order)[0] for m, b, x in zip(models, betas, states)])

    def ladder_log_weights(self, models: list["EnergyModel"], betas: list[float], states: torch.Tensor,
                           jobs: list[tuple[int, int]]) -> torch.Tensor:
        """(P, N) log weights of ``states[s]`` ((S, N, L)) under ``models[m]`` at ``betas[m]`` for each (s, m) in
        ``jobs`` (the swaps of a tempering ladder). Models override it to evaluate them all at once."""
        return torch.stack([models[m].log_weight(states[s], betas[m]) for s, m in jobs])

    @abstractmethod
    def pairwise_model(self, states: torch.Tensor | None = None):
        """The Potts model of this model's pairwise interactions (``states``: where an expansion is centred)."""

    @classmethod
    @abstractmethod
    def initial(cls, length: int, q: int, alphabet: Alphabet, profile: torch.Tensor, generator: torch.Generator | None = None,
                hidden: int = 100, hidden_type: str = "bernoulli") -> "EnergyModel":
        """The starting model of a training run; ``profile`` (L, q) holds the data's one-site frequencies, which the
        starting model reproduces where it can. ``hidden``, ``hidden_type``: number and type of hidden units, for
        models that have them."""

    # ------------------------------------------------------------------ optional fast paths of the contract
    def statistics_from_frequencies(self, single: torch.Tensor, pair: torch.Tensor) -> dict[str, torch.Tensor] | None:
        """The sufficient statistics when they are the one- and two-site frequencies (Potts); None otherwise."""
        return None

    def site_and_pair_frequencies(self, stats: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor] | None:
        """(f_i, f_ij) read off sufficient statistics when they contain them (Potts); None otherwise."""
        return None

    @classmethod
    def data_pseudocount(cls, configured: float | None, effective_size: float) -> float:
        """The pseudocount of the data statistics (``configured`` when given)."""
        return configured or 0.0

    @classmethod
    def training_memory(cls, n_sequences: int, length: int, q: int, n_chains: int, hidden: int, chunk_rows: int = 8192,
                        dtype_bytes: int = 4) -> int:
        """Peak bytes of a training run: data, row chunks, chains and this model's parameter-sized tensors."""
        width = length * q
        data = n_sequences * length * 8 + n_sequences * 8 * 2  # int64 states, weights
        chunk = min(chunk_rows, max(n_sequences, n_chains)) * width * dtype_bytes * 2
        chains = n_chains * length * 8 * 3 + n_chains * width * dtype_bytes
        return int(data + chunk + chains + cls._parameter_memory(n_sequences, width, n_chains, hidden, chunk_rows, dtype_bytes))

    @classmethod
    def _parameter_memory(cls, n_sequences: int, width: int, n_chains: int, hidden: int, chunk_rows: int,
                          dtype_bytes: int) -> int:
        raise NotImplementedError

    def file_record(self) -> dict:
        """Structure the model file records besides the tensors (e.g. the hidden-unit type)."""
        return {}

    def file_tensors(self) -> dict[str, torch.Tensor]:
        """The tensors a model file stores: the parameters, and structure kept as a tensor (a sparsity mask)."""
        return self.tensors()

    @classmethod
    def file_parameter_names(cls, record: dict) -> tuple[str, ...]:
        """The parameter tensors a model file with this ``record`` (see :meth:`file_record`) must hold."""
        return cls.parameter_names

    @classmethod
    def from_file(cls, tensors: dict[str, torch.Tensor], alphabet: Alphabet, metadata: dict, record: dict) -> "EnergyModel":
        """Rebuild the model from the tensors and records of a model file."""
        return cls(**tensors, alphabet=alphabet, metadata=metadata)

    # ------------------------------------------------------------------ tensors
    def tensors(self) -> dict[str, torch.Tensor]:
        """The parameter tensors by name (the objects themselves, not copies)."""
        return {name: getattr(self, name) for name in self.parameter_names}

    @property
    def device(self) -> torch.device:
        return next(iter(self.tensors().values())).device

    @property
    def dtype(self) -> torch.dtype:
        return next(iter(self.tensors().values())).dtype

    def to(self, device: str | torch.device | None = None, dtype: torch.dtype | None = None) -> "EnergyModel":
        """A copy on ``device`` with ``dtype`` (parameters moved, metadata copied)."""
        out = copy.copy(self)
        out.metadata = copy.deepcopy(self.metadata)
        dev = resolve_device(device) if device is not None else self.device
        for name, tensor in self.tensors().items():
            setattr(out, name, tensor.to(device=dev, dtype=dtype or tensor.dtype))
        return out

    def clone(self) -> "EnergyModel":
        out = self.to()
        for name, tensor in self.tensors().items():
            setattr(out, name, tensor.clone())
        return out

    def parameters_finite(self) -> bool:
        return all(bool(torch.isfinite(t).all()) for t in self.tensors().values())
