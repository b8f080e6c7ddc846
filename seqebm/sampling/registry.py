"""The samplers by name: the one place that lists them (training options, sampling, model files)."""
from __future__ import annotations

import torch

from seqebm.errors import ConfigError
from seqebm.models.base import EnergyModel
from seqebm.models.record import RunRecord
from seqebm.sampling.pt import PTSampler
from seqebm.sampling.ptt import PTTSampler, own_profile
from seqebm.sampling.samplers import BaseSampler, GibbsSampler

SAMPLERS: dict[str, type[BaseSampler]] = {"gibbs": GibbsSampler, "pt": PTSampler, "ptt": PTTSampler}
TEMPERING = ("pt", "ptt")


def make_sampler(name: str = "gibbs", beta: float = 1.0, order: str = "sequential", swap_target: float = 0.3,
                 max_rungs: int = 64, profile: torch.Tensor | None = None) -> BaseSampler:
    """The sampler called ``name``; ``profile`` (the data's one-site frequencies) is the bottom rung of PTT."""
    if name not in SAMPLERS:
        raise ConfigError(f"unknown sampler {name!r}: use one of {', '.join(SAMPLERS)}")
    return SAMPLERS[name].configure(beta=beta, order=order, swap_target=swap_target, max_rungs=max_rungs, profile=profile)


def recorded_sampler(model: EnergyModel, name: str | None = None, beta: float | None = None,
                     order: str | None = None) -> BaseSampler:
    """The sampler that reproduces the model's training dynamics (or sampler ``name``), with the ladder the model
    carries (``model.sampler_state``, read from its file) and the recorded tempering settings. PTT for a model that
    carries no ladder starts from the model's own one-site frequencies (:func:`own_profile`); the sampler settles
    the rungs between them when its chains start."""
    record = RunRecord.from_metadata(model.metadata)
    training = record.training
    name = name or record.sampling_or_fallback().sampler
    bottomless = name == "ptt" and "bottom/fields" not in model.sampler_state  # trained with gibbs or pt
    sampler = make_sampler(name, beta=record.sampling_or_fallback().beta if beta is None else beta,
                           order=order or training.get("order", "sequential"), swap_target=training.get("swap_target", 0.3),
                           max_rungs=training.get("max_rungs", 64), profile=own_profile(model) if bottomless else None)
    sampler.load_state_arrays(model.sampler_state, model)
    return sampler
