"""The typed record of how a model was trained, kept in its metadata (and so in its model file).

Training writes it; sampling, the CLI and the benchmarks read it through :class:`RunRecord` instead of picking keys
out of nested dictionaries. Its JSON form (``to_metadata``) is the model file's ``metadata`` entry:
``training`` (the options), ``data`` (what it was trained on), ``training_state`` (where training stopped and what
it measured) and ``sampling`` (how the model should be sampled by default).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

# how a model without a training record is sampled
FALLBACK_SAMPLING = {"k": 1000, "init": "random", "beta": 1.0, "equilibrium": False}


@dataclass(frozen=True)
class SamplingDefaults:
    """Sampling dynamics that reproduce what training measured: ``k`` steps of ``sampler`` from ``init`` at
    ``beta``; ``equilibrium`` says whether those samples are verified equilibrium samples."""

    k: int
    init: str = "random"
    beta: float = 1.0
    equilibrium: bool = False
    sampler: str = "gibbs"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict | None) -> "SamplingDefaults | None":
        if not values:
            return None
        return cls(int(values["k"]), values.get("init", "random"), float(values.get("beta", 1.0)),
                   bool(values.get("equilibrium", False)), values.get("sampler", "gibbs"))


@dataclass(frozen=True)
class Verification:
    """At the Pearson target of an eq run: did chains started from random, run ``sweeps`` sweeps, reach it?"""

    update: int
    sweeps: int
    pearson_from_random: float
    passed: bool

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "Verification":
        return cls(int(values["update"]), int(values["sweeps"]), float(values["pearson_from_random"]), bool(values["passed"]))


PERSISTENCE_CHECK_KEYS = frozenset({"sweeps", "mixing_time", "n_chains", "pearson_before", "pearson_after", "kept_up",
                                    "lagged"})


@dataclass
class TrainingState:
    """Where a run stands: after ``update`` updates, ``sweeps`` per update, the measured mixing time, and so on.
    ``stopped_because`` is set when the run ended; ``random_start_*`` when the final random-start check ran."""

    update: int = 0
    sweeps: int = 0
    mixing_time: int | None = None
    seconds: float = 0.0
    pearson: float = float("nan")
    pearson_ceiling: float | None = None
    verifications: list[Verification] = field(default_factory=list)
    stopped_because: str | None = None
    random_start_time: int | None = None
    random_start_t_max: int | None = None
    sampler: str = "gibbs"  # the sampler the chains run with now (auto switches to ptt in eq training)
    ladder: dict | None = None  # the tempering sampler's description (rungs, temperatures)
    sampler_switch: dict | None = None  # when and why --sampler auto switched
    ptt_trials: list[dict] = field(default_factory=list)  # --sampler auto: each PTT trial, its cost and what was kept
    log_partition: dict | None = None  # {"value", "method", "update"}: log Z of the final model from a tempering ladder
    decimations: list[dict] = field(default_factory=list)  # sparse models: each decimation step (update, density, ...)
    chain_ceilings: dict = field(default_factory=dict)  # {str(n_chains): Pearson ceiling}: set when the count is automatic
    chain_growth: list[dict] = field(default_factory=list)  # each growth of the chain count (update, from, to, ...)
    persistence_check: dict | None = None  # pcd: did the persistent chains keep up with the model (see PcdRegime.finish)

    def growth_updates(self) -> list[int]:
        """The updates at which the chain count grew (an entry without ``to`` records a count that did not fit)."""
        return [int(g["update"]) for g in self.chain_growth if g.get("to")]

    def to_dict(self) -> dict:
        out = {"update": self.update, "sweeps": self.sweeps, "mixing_time": self.mixing_time, "seconds": self.seconds,
               "pearson": self.pearson, "pearson_ceiling": self.pearson_ceiling, "sampler": self.sampler}
        if self.ladder is not None:
            out["ladder"] = self.ladder
        if self.sampler_switch is not None:
            out["sampler_switch"] = self.sampler_switch
        if self.ptt_trials:
            out["ptt_trials"] = self.ptt_trials
        if self.log_partition is not None:
            out["log_partition"] = self.log_partition
        if self.decimations:
            out["decimations"] = self.decimations
        if self.chain_ceilings:
            out["chain_ceilings"] = self.chain_ceilings
        if self.chain_growth:
            out["chain_growth"] = self.chain_growth
        if self.persistence_check is not None:
            out["persistence_check"] = self.persistence_check
        if self.stopped_because is not None:
            out["stopped_because"] = self.stopped_because
        out["verifications"] = [v.to_dict() for v in self.verifications]
        if self.random_start_t_max is not None:
            out["random_start_time"] = self.random_start_time
            out["random_start_t_max"] = self.random_start_t_max
        return out

    @classmethod
    def from_dict(cls, values: dict | None) -> "TrainingState | None":
        if not values:
            return None
        known = {f.name for f in fields(cls)}
        state = cls(**{k: v for k, v in values.items() if k in known and k != "verifications"})
        state.verifications = [Verification.from_dict(v) for v in values.get("verifications", [])]
        check = state.persistence_check
        if not (isinstance(check, dict) and PERSISTENCE_CHECK_KEYS <= check.keys()
                and all(isinstance(check[k], (int, float)) for k in ("sweeps", "n_chains", "pearson_before", "pearson_after"))):
            state.persistence_check = None  # advisory only: a record without its figures is not shown
        return state


@dataclass(frozen=True)
class DataRecord:
    """What a model was trained on."""

    source: str = ""
    kind: str = "msa"
    N: int = 0  # 0: not recorded
    L: int = 0
    q: int = 0
    M_eff: float = 0.0
    image_shape: list[int] | None = None
    reference: list[list[str]] | None = None  # [[name, aligned row], ...]: consensus and rows spread over the family

    def to_dict(self) -> dict:
        return asdict(self)


def _upgraded(training: dict) -> dict:
    """Training options as recorded by 0.1 (no ``sampler`` entry), in today's meaning: ``centered`` was an RBM option
    that Potts training ignored, which is ``centered=False`` for a Potts model now. Sparse runs from before single-
    coupling decimation decimated whole pairs (a resumed one goes on doing so)."""
    if training and "sampler" not in training and training.get("model") == "potts" and "centered" in training:
        training["centered"] = False
    if training.get("target_density") is not None and "decimation_unit" not in training:
        training["decimation_unit"] = "pairs"
    return training


@dataclass
class RunRecord:
    """Everything a model file says about the run that made it."""

    training: dict = field(default_factory=dict)  # the training options (TrainConfig fields) as run
    data: DataRecord | None = None
    state: TrainingState | None = None
    sampling: SamplingDefaults | None = None

    @classmethod
    def from_metadata(cls, metadata: dict) -> "RunRecord":
        data = metadata.get("data")
        known = {f.name for f in fields(DataRecord)}
        return cls(
            training=_upgraded(dict(metadata.get("training") or {})),
            data=DataRecord(**{k: v for k, v in data.items() if k in known}) if data else None,
            state=TrainingState.from_dict(metadata.get("training_state")),
            sampling=SamplingDefaults.from_dict(metadata.get("sampling")),
        )

    def to_metadata(self) -> dict:
        """The metadata entries this record owns (other entries of a model's metadata are left alone)."""
        out: dict = {"training": self.training}
        if self.data is not None:
            out["data"] = self.data.to_dict()
        if self.state is not None:
            out["training_state"] = self.state.to_dict()
        if self.sampling is not None:
            out["sampling"] = self.sampling.to_dict()
        return out

    @property
    def regime(self) -> str | None:
        return self.training.get("regime")

    @property
    def data_kind(self) -> str:
        return self.data.kind if self.data is not None else "msa"

    def sampling_or_fallback(self) -> SamplingDefaults:
        """The recorded sampling defaults, or k = 1000 sweeps from random for a model without a record."""
        return self.sampling or SamplingDefaults(**FALLBACK_SAMPLING)
