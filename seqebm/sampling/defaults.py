"""How a trained model is sampled when the caller does not say: the dynamics recorded by its training."""
from __future__ import annotations

from typing import Callable

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.record import RunRecord
from seqebm.sampling.init import INITS


def resolve_sampling(model: EnergyModel, k: int | None, init: str | None, beta: float | None,
                     warn: Callable[[str], None]) -> tuple[int, str, float]:
    """(k, init, beta): each given value, else the model's recorded default. Warns when an out-of-equilibrium model is
    run with other dynamics, when an eq model's chains from random never reached equilibrium in training, when a pcd
    model's persistent chains did not keep up with it (its end check), and when a model that records no training is
    sampled for a default number of steps."""
    record = RunRecord.from_metadata(model.metadata)
    defaults = record.sampling_or_fallback()
    k_used = defaults.k if k is None else int(k)
    init_used = defaults.init if init is None else init
    beta_used = defaults.beta if beta is None else float(beta)
    if isinstance(init_used, str) and init_used not in INITS:
        raise ConfigError(f"unknown init {init_used!r}: use one of {', '.join(INITS)}")
    if k_used < 0:
        raise ConfigError("k must be >= 0")
    if record.regime == "rdm" and (k_used, init_used, beta_used) != (defaults.k, defaults.init, defaults.beta):
        warn(
            f"this model was trained out of equilibrium (rdm-{defaults.k} from {defaults.init}); sampling it with "
            f"k={k_used}, init={init_used}, beta={beta_used} departs from its training dynamics and quality degrades"
        )
    if record.regime == "eq" and not defaults.equilibrium:
        t_max = record.state.random_start_t_max if record.state and record.state.random_start_t_max else defaults.k
        warn(
            f"in training, chains from random did not reach the energy of the persistent chains within "
            f"{t_max} sweeps: samples from random may not be equilibrium samples"
        )
    check = record.state.persistence_check if record.state else None
    if record.regime == "pcd" and check and not check.get("kept_up"):
        what = "lagged behind it" if check.get("lagged") else "did not decorrelate between updates"
        warn(
            f"this model was trained with pcd-{record.training.get('k')} whose persistent chains {what} (end of "
            f"training: Pearson {check['pearson_before']:.3f} -> {check['pearson_after']:.3f} over {check['sweeps']} "
            f"sweeps at fixed parameters): samples may not reproduce the training statistics"
        )
    if not record.training and k is None:
        warn(f"the model file records no training dynamics; using k={defaults.k} from {defaults.init}")
    return k_used, init_used, beta_used
