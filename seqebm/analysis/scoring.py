"""Score sequences with a model: energy (Potts) or free energy (RBM), and log-likelihood where log Z is known.

log p(x) = -beta F(x) - log Z. log Z is known exactly for small models (enumeration of every visible configuration,
q^L up to ``MAX_ENUMERATION``), or estimated by the tempering ladder of the training (recorded in the model file);
otherwise the log-likelihood is omitted and the reason says so."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from seqebm.models.base import EnergyModel

MAX_ENUMERATION = 1 << 22  # visible configurations enumerated for an exact log Z
CHUNK = 1 << 16


@dataclass(frozen=True)
class LogPartition:
    value: float | None
    method: str  # "exact enumeration", "tempering ladder (...)", or why there is none


NO_LOG_Z = LogPartition(None, "not asked for")  # energies only


def energy_name(model: EnergyModel) -> str:
    """The column name of what :func:`score_sequences` computes: an RBM's energy has its hidden units summed out."""
    return "energy" if model.kind == "potts" else "free_energy"


def enumerate_log_partition(model: EnergyModel, beta: float = 1.0, max_configurations: int | None = None) -> float | None:
    """log Z by exact enumeration over whichever side has fewer configurations: the q^L visible ones (chunked
    logsumexp of exp(-beta F(x))), or the 2^H hidden ones of an RBM with Bernoulli hidden units (the visible sites
    summed out exactly given h); None when both exceed ``max_configurations`` (default MAX_ENUMERATION)."""
    max_configurations = MAX_ENUMERATION if max_configurations is None else max_configurations
    hidden = model.hidden_configurations()
    visible_log = model.length * math.log(model.q)
    if hidden is not None and math.log(hidden) < visible_log and hidden <= max_configurations:
        return model.hidden_side_log_partition(beta)
    if visible_log > math.log(max_configurations):
        return None
    q, length = model.q, model.length
    total = q**length
    powers = q ** torch.arange(length - 1, -1, -1, device=model.device)
    parts = []
    for start in range(0, total, CHUNK):
        codes = torch.arange(start, min(start + CHUNK, total), device=model.device)
        states = (codes[:, None] // powers) % q
        parts.append(torch.logsumexp(model.log_weight(states, beta).double(), 0))
    return float(torch.logsumexp(torch.stack(parts), 0))


def known_log_partition(model: EnergyModel, beta: float = 1.0) -> LogPartition:
    """Exact log Z for small models; else the estimate the training recorded (tempering ladder or AIS, at the training
    beta only); else none, with the reason."""
    exact = model.exact_log_partition(beta)
    if exact is None:
        exact = enumerate_log_partition(model, beta)
    if exact is not None:
        return LogPartition(exact, "exact enumeration")
    recorded = ((model.metadata or {}).get("training_state") or {}).get("log_partition")
    trained_beta = float(((model.metadata or {}).get("training") or {}).get("beta", 1.0))
    if recorded and recorded.get("value") is not None and beta == trained_beta:
        return LogPartition(float(recorded["value"]), f"estimate from the training's {recorded.get('method', 'ladder')}")
    return LogPartition(None, f"log Z unknown: {model.q}^{model.length} configurations are too many to enumerate and the "
                              f"model records no estimate (seqebm score --ais estimates it; or train with --sampler ptt)")


def score_sequences(model: EnergyModel, states: torch.Tensor, names: list[str] | None = None, beta: float = 1.0,
                    log_partition: LogPartition | None = None) -> pd.DataFrame:
    """One row per sequence: name, energy (Potts) or free_energy (RBM) at ``beta``, and log_likelihood
    (-beta F - log Z) when log Z is known."""
    states = states.to(model.device)
    energies = torch.cat([model.free_energy(states[i : i + CHUNK], beta).double() for i in range(0, states.shape[0], CHUNK)]) \
        if states.shape[0] else torch.zeros(0, dtype=torch.float64)
    frame = pd.DataFrame({"name": names if names is not None else [str(i) for i in range(states.shape[0])],
                          energy_name(model): energies.cpu().numpy()})
    log_z = log_partition or known_log_partition(model, beta)
    if log_z.value is not None:
        frame["log_likelihood"] = -beta * frame[energy_name(model)] - log_z.value
    return frame
